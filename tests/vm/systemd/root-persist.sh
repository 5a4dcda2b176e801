#!/bin/bash
# Guest side of root-reboot: write|read|absent TOKEN.
. "$(dirname "$0")/../lib/common.sh"
f=/var/lib/pdm-vm-token
case $1 in
write)
	check "no token on a fresh root" test ! -e "$f"
	echo "$2" >"$f"
	check "token written" grep -qx "$2" "$f"
	echo "boot id $(cat /proc/sys/kernel/random/boot_id)" >>/var/lib/pdm-vm-boots ;;
read)
	check "the token of boot 1 is there" grep -qx "$2" "$f"
	echo "boot id $(cat /proc/sys/kernel/random/boot_id)" >>/var/lib/pdm-vm-boots
	check "two boots recorded" test "$(wc -l </var/lib/pdm-vm-boots)" -eq 2
	check "the journal kept boot 1" test "$(journalctl --list-boots --no-pager | wc -l)" -ge 2 ;;
absent)
	check "a throw-away root has no token" test ! -e "$f" ;;
*) die "usage: root-persist.sh write|read|absent TOKEN" ;;
esac
finish
