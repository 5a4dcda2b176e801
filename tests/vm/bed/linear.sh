#!/bin/bash
# Guest test: a dm "linear" device over a brd ram disk.  Data written through
# the mapping reads back, and sits on the ram disk at the mapped offset; the
# ram disk outside the mapping stays untouched.
set -euo pipefail

modprobe dm-mod
modprobe brd rd_nr=1 rd_size=65536 # one 64 MiB /dev/ram0 (rd_size is in KiB)
ram=/dev/ram0
off=2048  # sectors: the mapping starts 1 MiB into the ram disk
len=32768 # sectors: 16 MiB
name=bed-linear
dev=/dev/mapper/$name

dmsetup create "$name" --table "0 $len linear $ram $off"
[[ -b $dev ]] || { echo "FAIL: $dev is missing"; exit 1; }
size=$(blockdev --getsz "$dev")
[[ $size == "$len" ]] || { echo "FAIL: $dev has $size sectors, want $len"; exit 1; }
dmsetup table "$name"

head -c $((len * 512)) /dev/urandom >/tmp/data
dd if=/tmp/data of="$dev" bs=1M oflag=direct status=none
echo 3 >/proc/sys/vm/drop_caches

if ! cmp /tmp/data "$dev"; then echo "FAIL: read-back through $dev differs"; exit 1; fi
if ! dd if="$ram" bs=512 skip="$off" count="$len" iflag=direct status=none | cmp - /tmp/data; then
	echo "FAIL: the ram disk at sector $off does not hold the data"
	exit 1
fi
if ! dd if="$ram" bs=512 count="$off" iflag=direct status=none | cmp -n $((off * 512)) - /dev/zero; then
	echo "FAIL: the ram disk before the mapping was written"
	exit 1
fi

dmsetup remove "$name"
[[ ! -e $dev ]] || { echo "FAIL: $dev still exists after remove"; exit 1; }
dmsetup ls | grep -q "$name" && { echo "FAIL: $name still listed"; exit 1; }
rmmod brd
echo "PASS: linear"
