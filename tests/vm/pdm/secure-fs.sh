#!/bin/bash
# pdm-vm: --tools
# disks (given by secure-fs-reboot): --disk data:160M --disk pdmetc:32M
# A secure-key data device with ext4, across a wrapping-key rotation and a
# reboot.  Two phases, two boots on the same virtio disks (run by the host
# script tests/vm/pdm/secure-fs-reboot):
#
#   secure-fs.sh first   fresh disks: the disk "pdmetc" becomes /etc/pdm
#                        (ext4: pdmtab and the key repository, outside the dm
#                        range); "pdm key generate", "pdm create data", ext4
#                        on it, files with checksums; pdmd running; the
#                        wrapping key rotates 3 times under write I/O; pdmd
#                        re-derives; every checksum matches after dropping the
#                        page cache; e2fsck clean.
#   secure-fs.sh second  new boot (new wrapping key), same emulated master
#                        key: with a wrong master key "pdm create --all" fails
#                        cleanly; with the right one it re-creates the device
#                        from the repository; e2fsck clean, checksums match.
#
# The emulated card's master key is set the same in both boots (a real card
# keeps it across reboots; pkey_emu makes a random one per load).
. "$PDM_VM_LIB/pdm.sh"
phase=${1:-first}
MK=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
OTHER_MK=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
data=/dev/disk/by-name/data
etc=/dev/disk/by-name/pdmetc
S=$SECONDS

pdm_setup
modprobe ext4
echo "$MK" >"$EMU/master_key"
log "emulated master key set, MKVP $(cat "$EMU/master_key")"

checksums_ok() { # checksums_ok: every file under /mnt/data matches /etc/pdm/sums
	(cd /mnt/data && sha256sum -c /etc/pdm/sums >/tmp/sums.out 2>&1) && return 0
	grep -v ': OK$' /tmp/sums.out | head
	return 1
}

case $phase in
first)
	mkfs.ext4 -q -F "$etc" || die "mkfs.ext4 pdmetc"
	mount -t ext4 "$etc" /etc/pdm || die "mount pdmetc"
	pdm key generate datakey || die "pdm key generate datakey"
	echo "data $data secure:datakey key-timeout=20000" >/etc/pdm/pdmtab
	log "pdmtab: $(cat /etc/pdm/pdmtab)"
	pdm create data || die "pdm create data"
	check "pdm status: secure, key valid" \
		bash -c 'pdm status data | grep -q "^source: *secure" && [[ $(dmsetup status data) == *key=valid* ]]'
	mkfs.ext4 -q /dev/mapper/data || die "mkfs.ext4 on /dev/mapper/data"
	mkdir -p /mnt/data
	mount -t ext4 /dev/mapper/data /mnt/data || die "mount /dev/mapper/data"
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/data/before$i bs=1M count=8 status=none
	done
	sync
	pdmd_start
	log "writing under rotation: 3 rotations while 24 files of 2 MiB are written (fsync each)"
	(
		for i in $(seq 1 24); do
			dd if=/dev/urandom of=/mnt/data/during$i bs=1M count=2 conv=fsync status=none || exit 1
		done
	) &
	writer=$!
	for i in 1 2 3; do
		sleep 2
		rotate
		# reads too: a read that finds the key stale parks and resumes
		cat /mnt/data/before$i >/dev/null
	done
	set +e
	wait "$writer"
	wrc=$?
	set -e
	check "writer finished without an error (rc $wrc)" test "$wrc" -eq 0
	# A last rotation and a read through the device, so the last one is seen.
	rotate
	dd if=/dev/mapper/data of=/dev/null bs=4k count=1 iflag=direct status=none
	wait_field data key valid 100 || true
	(cd /mnt/data && sha256sum before* during*) >/etc/pdm/sums
	sync
	echo 3 >/proc/sys/vm/drop_caches
	check "checksums match after dropping the page cache" checksums_ok
	grep -E "PDM_KEY_(STATE|REDERIVED)" "$PDMD_LOG"
	n=$(pdmd_count "PDM_KEY_REDERIVED dev=data .*key=valid")
	check "pdmd re-derived ($n times) = stale_events ($(field data stale_events)) >= 2" \
		bash -c "[[ $n -ge 2 && $n -eq $(field data stale_events) ]]"
	check "lost_blocks 0, replaces 0" test "$(field data lost_blocks)/$(field data replaces)" = 0/0
	check "key valid" test "$(field data key)" = valid
	umount /mnt/data
	check "e2fsck -fn clean" e2fsck -fn /dev/mapper/data
	pdmd_stop
	pdm remove data || fail "pdm remove data"
	check "nothing left behind" no_leftovers data
	cat "$EMU/master_key" >/etc/pdm/mkvp.expected
	umount /etc/pdm
	;;
second)
	mount -t ext4 "$etc" /etc/pdm || die "mount pdmetc (run phase 'first' before)"
	[[ -f /etc/pdm/sums ]] || die "no /etc/pdm/sums: phase 'first' did not finish"
	check "same master key as in the first boot" test "$(cat "$EMU/master_key")" = "$(cat /etc/pdm/mkvp.expected)"
	log "a wrong master key first: create must fail and leave nothing"
	echo "$OTHER_MK" >"$EMU/master_key"
	echo "$OTHER_MK" >"$EMU/master_key" # the right one is now not even the old one
	set +e
	pdm create --all
	rc=$?
	set -e
	check "pdm create --all fails with exit 3 (key source) under a wrong master key (got $rc)" test "$rc" -eq 3
	check "nothing left behind" no_leftovers data
	echo "$MK" >"$EMU/master_key"
	log "the right master key: pdm create --all (what boot does)"
	pdm create --all || fail "pdm create --all"
	pdm status data
	check "e2fsck -fn clean" e2fsck -fn /dev/mapper/data
	mkdir -p /mnt/data
	mount -t ext4 -o ro /dev/mapper/data /mnt/data || die "mount"
	check "all $(wc -l </etc/pdm/sums) checksums match in the second boot" checksums_ok
	umount /mnt/data
	pdm remove data || fail "pdm remove data"
	umount /etc/pdm
	;;
*) die "phase must be first or second" ;;
esac
log "phase $phase took $((SECONDS - S)) s"
pdm_finish
