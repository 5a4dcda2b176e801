#!/bin/bash
# Bounce memory is bounded (issue 10 item 1): a buffered write flood through
# dm-paes over a slow lower device (dm-delay) in a small guest must not pin
# more memory than the same flood through dm-crypt, and nobody is OOM-killed.
#
# Pinned memory is what /proc/meminfo accounts to nobody: MemTotal minus free,
# page cache, anonymous, slab, stacks, page tables and per-CPU memory.  Bounce
# pages (and a mempool's reserve) land there.  The peak of that figure during
# the flood, minus its value before, is compared between the two targets.
# pdm-vm: --mem 320 --fresh-disk slow:512M --timeout 400
. "$(dirname "$0")/../lib/common.sh"
paes_setup
modprobe dm-delay

disk=/dev/disk/by-name/slow
[[ -b $disk ]] || die "no disk $disk"
S=$(blockdev --getsz "$disk")
delay_ms=400
flood_mb=160
clr=$(randhex 64)

# Writes wait delay_ms in dm-delay, reads go through at once.
dmc create slow --table "0 $S delay $disk 0 0 $disk 0 $delay_ms"

pinned_kb() {
	awk '{ v[$1] = $2 }
	END { print v["MemTotal:"] - v["MemFree:"] - v["Buffers:"] - v["Cached:"] -
		v["SwapCached:"] - v["AnonPages:"] - v["Slab:"] - v["KernelStack:"] -
		v["PageTables:"] - v["Percpu:"] }' /proc/meminfo
}

# flood NAME: buffered writes to /dev/mapper/NAME; prints the peak pinned
# memory above the level before, in KiB
flood() {
	local dev=/dev/mapper/$1 base peak=0 v stop=/tmp/flood.stop
	sync
	echo 3 >/proc/sys/vm/drop_caches
	base=$(pinned_kb)
	rm -f "$stop"
	(
		while [[ ! -e $stop ]]; do
			v=$(pinned_kb)
			((v > peak)) && peak=$v
			echo "$peak" >/tmp/flood.peak
			sleep 0.02
		done
	) &
	local sampler=$!
	dd if=/dev/zero of="$dev" bs=1M count="$flood_mb" status=none
	sync
	touch "$stop"
	wait "$sampler"
	echo $(($(cat /tmp/flood.peak) - base))
}

log "dm-crypt aes-xts-plain64 over dm-delay ($delay_ms ms per write), $flood_mb MiB buffered"
dmc create c --table "0 $S crypt aes-xts-plain64 $clr 0 /dev/mapper/slow 0 1 sector_size:4096"
crypt_kb=$(flood c)
dm_remove c
echo "dm-crypt: peak pinned +$((crypt_kb / 1024)) MiB"

log "dm-paes over the same device"
dmc create p --table "0 $S paes paes-xts-plain64 $(token xts-256 "$clr") 0 /dev/mapper/slow 0 1 sector_size:4096"
paes_kb=$(flood p)
dm_remove p
echo "dm-paes:  peak pinned +$((paes_kb / 1024)) MiB"

# The budget is the same as dm-crypt's, but the peaks of one run vary: in
# ten runs dm-crypt peaked at +14..+16 MiB and dm-paes at +15 MiB on 6.1
# and +19..+20 MiB on 6.12.  Half of dm-crypt's peak and 1 MiB on top
# tolerate that; without the budget dm-paes pinned twice dm-crypt's.
limit=$((crypt_kb + crypt_kb / 2 + 1024))
check "dm-paes pins no more than dm-crypt (+$((paes_kb / 1024)) vs +$((crypt_kb / 1024)) MiB, limit +$((limit / 1024)) MiB)" \
	test "$paes_kb" -le "$limit"
check "nobody was OOM-killed" sh -c '! dmesg | grep -qiE "out of memory|oom-kill"'
dm_remove slow
finish
