#!/bin/bash
# Guest side of pdmtab-boots: one boot of a machine configured as an
# administrator would, checked as issue 11 asks.
#   pdmtab-boot.sh configure|running|intact
# pdm-vm: --systemd --timeout 400
. "$(dirname "$0")/../lib/common.sh"

MK=5f0e7a1c2b3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccdde
TOKEN_FILE=/mnt/data/token
swapd=/dev/disk/by-id/virtio-swapd
datad=/dev/disk/by-id/virtio-datad

# wait_key NAME: the device's key is valid again within 30 s
wait_key() {
	local i
	for ((i = 0; i < 300; i++)); do
		[[ $(dmsetup status "$1" | tr ' ' '\n' | sed -n 's/^key=//p') == valid ]] && return 0
		sleep 0.1
	done
	return 1
}
# data_io: touch the data device so a stale key is seen
data_io() {
	dd if=/dev/urandom of=/mnt/data/io bs=64k count=16 oflag=direct status=none
	dd if=/mnt/data/io of=/dev/null bs=64k iflag=direct status=none
}
no_failed_units() {
	local f
	f=$(systemctl list-units --failed --plain --no-legend --no-pager)
	check "no failed unit${f:+: $f}" test -z "$f"
}

case ${1:-} in
configure)
	log "boot 1: configure the card, pdmtab, fstab"
	printf 'options pkey_emu master_key=%s\n' "$MK" >/etc/modprobe.d/pkey_emu.conf
	chmod 600 /etc/modprobe.d/pkey_emu.conf
	printf 'pkey_emu\ndm-paes\n' >/etc/modules-load.d/pkeydm.conf
	# Boot 3 reads boot 2's journal.
	mkdir -p /var/log/journal
	systemd-tmpfiles --create --prefix /var/log/journal
	journalctl --flush
	modprobe pkey_emu master_key=$MK
	modprobe dm-paes
	mkdir -p /etc/pdm
	pdm key generate datakey >/dev/null || die "pdm key generate datakey"
	cat >/etc/pdm/pdmtab <<TAB
# name  device   keysource        options
swap0   $swapd   ephemeral        swap
data    $datad   secure:datakey   -
TAB
	pdm create data || die "pdm create data"
	mkfs.ext4 -q /dev/mapper/data || die "mkfs"
	pdm remove data || die "pdm remove data"
	mkdir -p /mnt/data
	echo "/dev/mapper/data /mnt/data ext4 defaults 0 2" >>/etc/fstab
	check "the generator makes pdm@ units on reload" sh -c \
		'systemctl daemon-reload && systemctl cat pdm@data.service >/dev/null && systemctl cat pdm@swap0.service >/dev/null'
	no_failed_units ;;
running)
	log "boot 2: everything up by itself"
	check "pdmd.service is active" systemctl is-active --quiet pdmd.service
	check "pdm@swap0.service is active" systemctl is-active --quiet pdm@swap0.service
	check "pdm@data.service is active" systemctl is-active --quiet pdm@data.service
	check "swap on /dev/mapper/swap0" sh -c "swapon --show=NAME --noheadings | grep -q \"$(realpath /dev/mapper/swap0)\""
	check "/mnt/data mounted from /dev/mapper/data" sh -c 'findmnt -n -o SOURCE /mnt/data | grep -q /dev/mapper/data'
	no_failed_units
	token=tok-$RANDOM-$RANDOM
	echo "$token" >"$TOKEN_FILE"
	cp "$TOKEN_FILE" /root/token.expected
	sync

	log "a wrapping-key rotation: pdmd re-derives and replaces"
	echo 1 >$EMU/rotate_wrapping_key
	check "I/O on /mnt/data after the rotation" data_io
	check "data: key valid again" wait_key data
	# A read of the swap device sees its stale key too; the ephemeral key
	# cannot be derived again, so pdmd replaces it (the read itself may
	# fail: that page was written under the lost key).
	dd if=/dev/mapper/swap0 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null || true
	check "swap0: key valid again" wait_key swap0
	check "the journal has pdmd's re-derivation of data" sh -c \
		'journalctl -b -u pdmd.service --no-pager -o cat | grep -q "^PDM_KEY_REDERIVED dev=data "'
	check "the journal has pdmd's replace of swap0" sh -c \
		'journalctl -b -u pdmd.service --no-pager -o cat | grep -q "^PDM_KEY_REPLACED dev=swap0 "'
	# pdmd's own journal protocol: the structured fields arrive as fields
	check "the journal's PDM_DEVICE=data holds the re-derivation" sh -c \
		'journalctl -b PDM_DEVICE=data PDM_EVENT=PDM_KEY_REDERIVED --no-pager -o cat | grep -q "^PDM_KEY_REDERIVED dev=data "'
	check "the replace carries its MESSAGE_ID and priority crit" sh -c \
		'journalctl -b MESSAGE_ID=f861a3891b0a40658941b28d184bdd4e -p crit --no-pager -o cat | grep -q "^PDM_KEY_REPLACED dev=swap0 "'
	check "swap0 is still active swap" sh -c "swapon --show=NAME --noheadings | grep -q \"$(realpath /dev/mapper/swap0)\""

	log "pdmd killed with SIGKILL: systemd restarts it, it recovers the next rotation"
	pid=$(systemctl show -p MainPID --value pdmd.service)
	systemctl kill -s KILL pdmd.service
	for ((i = 0; i < 100; i++)); do
		npid=$(systemctl show -p MainPID --value pdmd.service)
		[[ $npid != 0 && $npid != "$pid" ]] && systemctl is-active --quiet pdmd.service && break
		sleep 0.2
	done
	check "pdmd restarted (pid $pid -> $npid)" test "$npid" != 0 -a "$npid" != "$pid"
	echo 1 >$EMU/rotate_wrapping_key
	check "I/O on /mnt/data after the rotation" data_io
	check "data: key valid after the second rotation" wait_key data
	check "the restarted pdmd (pid $npid) re-derived data" sh -c \
		"journalctl -b _PID=$npid --no-pager -o cat | grep -q '^PDM_KEY_REDERIVED dev=data '"
	check "the token reads back" cmp -s "$TOKEN_FILE" /root/token.expected ;;
intact)
	log "boot 3: the data is intact, boot 2's journal is clean"
	check "/mnt/data mounted" mountpoint -q /mnt/data
	check "the token of boot 2 is there" cmp -s "$TOKEN_FILE" /root/token.expected
	# The one error boot 2 provoked on purpose: swap0's ephemeral key was
	# lost with the wrapping key and replaced (logged as critical).
	check "boot 2's journal is kept and has pdmd's work" sh -c \
		'journalctl -b -1 -u pdmd.service --no-pager -o cat | grep -q "^PDM_KEY_REDERIVED dev=data "'
	errs=$(journalctl -b -1 -p err --no-pager -o cat -u 'pdm@*' -u pdmd.service 2>/dev/null |
		grep -v '^-- ' | grep -v '^PDM_KEY_REPLACED dev=swap0 ' || true)
	check "boot 2's journal has no pdm error${errs:+: $errs}" test -z "$errs"
	no_failed_units ;;
*) die "usage: pdmtab-boot.sh configure|running|intact" ;;
esac
finish
