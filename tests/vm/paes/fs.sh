#!/bin/bash
# ext4 on dm-paes (sector_size 4096): files written while the wrapping key
# rotates under the writer, key set with a token converted again from the
# same clear key, a read-side rotation with a cold page cache, then umount,
# e2fsck -fn clean, remount and every checksum intact.
# pdm-vm: --timeout 300
. "$(dirname "$0")/../lib/common.sh"
paes_setup
modprobe brd rd_nr=1 rd_size=65536	# /dev/ram0, 64 MiB
modprobe ext4 2>/dev/null || true

S=131072
clr=$(randhex 64)
dmc create fs --table "0 $S paes paes-xts-plain64 $(token xts-256 "$clr") 0 /dev/ram0 0 2 sector_size:4096 key_timeout:60000"
mkfs.ext4 -q -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/fs
mkdir -p /mnt/fs /tmp/src
mount -t ext4 /dev/mapper/fs /mnt/fs
check "4096-byte logical blocks" [ "$(blockdev --getss /dev/mapper/fs)" = 4096 ]

N=40
for i in $(seq 1 $N); do head -c $(((i % 7 + 1) * 96 * 1024)) /dev/urandom >/tmp/src/f$i; done
(cd /tmp/src && sha256sum f* >/tmp/sums)

log "write files while the wrapping key rotates"
(
	for i in $(seq 1 $N); do
		cp /tmp/src/f$i /mnt/fs/f$i
		((i % 5)) || sync
	done
	sync
) & wpid=$!
sleep 0.5
echo 1 >$EMU/rotate_wrapping_key
check "writeback hits the stale key" wait_field fs key stale 300
check "I/O parked" [ "$(field fs parked)" -gt 0 ]
sleep 1
check "writer blocked, not failed" kill -0 $wpid
dmc message fs 0 key set "$(token xts-256 "$clr")"
check "writer finishes" wait $wpid
check "valid gen=2, nothing parked, nothing expired" \
	[ "$(field fs key)/$(field fs gen)/$(field fs parked)/$(field fs expired)" = valid/2/0/0 ]
check "checksums right (page cache)" sh -c "cd /mnt/fs && sha256sum -c -s /tmp/sums"

log "read with a cold cache after a rotation"
echo 3 >/proc/sys/vm/drop_caches
echo 1 >$EMU/rotate_wrapping_key
(cd /mnt/fs && sha256sum -c -s /tmp/sums) & rpid=$!
check "reads park on the stale key" wait_field fs key stale 300
dmc message fs 0 key set "$(token xts-256 "$clr")"
check "checksums right (read from disk across a rotation)" wait $rpid

log "umount, fsck, remount"
umount /mnt/fs
check "e2fsck -fn clean" e2fsck -fn /dev/mapper/fs
check "no lost blocks, stale_events=2" \
	[ "$(field fs lost_blocks)/$(field fs stale_events)" = 0/2 ]
dmc remove fs
# a new table: a full-XTS token of the same clear key is the same XTS key
dmc create fs --table "0 $S paes paes-xts-plain64 $(token fxts-256 "$clr") 0 /dev/ram0 0 1 sector_size:4096"
check "new table: fxts-256 key" [ "$(field fs keytype)" = fxts-256 ]
mount -t ext4 /dev/mapper/fs /mnt/fs
check "checksums right after remount" sh -c "cd /mnt/fs && sha256sum -c -s /tmp/sums"
check "file count" [ "$(ls /mnt/fs/f* | wc -l)" = $N ]
umount /mnt/fs
dmc remove fs
finish
