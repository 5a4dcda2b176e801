#!/bin/bash
# Guest helper of check-bed: "write TOKEN" puts TOKEN at the start of disk
# "bed-reuse"; "read TOKEN" checks it is there (from an earlier boot).
set -euo pipefail
dev=/dev/disk/by-name/bed-reuse
[[ -b $(readlink -f "$dev") ]] || { echo "FAIL: $dev missing (PDM_VM_DISKS=$PDM_VM_DISKS)"; exit 1; }
case $1 in
write)
	printf '%s\n' "$2" | dd of="$dev" bs=512 conv=sync,fsync status=none
	echo "bed: wrote $2 to $dev" ;;
read)
	got=$(head -n 1 "$dev" | tr -d '\0')
	if [[ $got != "$2" ]]; then echo "FAIL: $dev holds '$got', want '$2'"; exit 1; fi
	echo "bed: read $2 back from $dev" ;;
*) echo "usage: disk-reuse.sh write|read TOKEN"; exit 2 ;;
esac
