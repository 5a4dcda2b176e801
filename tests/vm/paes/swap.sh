#!/bin/bash
# dm-paes as the guest's only swap device: stress-ng --vm with more memory
# than the guest has free, verified by stress-ng itself; a wrapping-key
# rotation and key set while swap is under pressure; no OOM kill, no SIGBUS,
# swap really used, swapoff clean.
#
# stress-ng runs in a memory cgroup with memory.high below free RAM: its
# own pages go to swap, while this script, dmsetup and paes-token (which
# live on the guest's tmpfs root and are swappable too) are left alone by
# reclaim.  Without that the script would swap itself out to the device
# whose key it must set, and wait for its own parked swap-in until
# key_timeout fails everything: a key manager must not depend on the swap
# device it serves (pdmd runs mlockall'ed for that reason).
# pdm-vm: --tools --mem 512 --fresh-disk paesswap:384M --timeout 300
. "$(dirname "$0")/../lib/common.sh"
paes_setup

disk=/dev/disk/by-name/paesswap
[[ -b $disk ]] || die "no swap disk $disk"
S=$(blockdev --getsz "$disk")
clr=$(randhex 64)
dmc create swp --table "0 $S paes paes-xts-plain64 $(token xts-256 "$clr") 0 $disk 0 2 sector_size:4096 key_timeout:60000"
mkswap /dev/mapper/swp >/dev/null
swapon /dev/mapper/swp
check "the only swap device" [ "$(tail -n +2 /proc/swaps | wc -l)" = 1 ]
mi() { awk -v k="$1:" '$1 == k {print int($2 / 1024)}' /proc/meminfo; }
used() { echo $(($(mi SwapTotal) - $(mi SwapFree))); }
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
vms() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
u0=$(used)
# A slow kernel (the debug kernel) faults and swaps TS times slower: the
# hog runs TS times longer and must push 1/TS of the swap.
TS=${PDM_VM_TIME_SCALE:-1}
min_mib=$((64 / TS))
avail=$(mi MemAvailable)
want=$((avail + 160))
high=$((avail - 80))
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG
echo +memory >$CG/cgroup.subtree_control
mkdir -p $CG/hog
echo "${high}M" >$CG/hog/memory.high
log "MemAvailable ${avail} MiB, swap $(mi SwapTotal) MiB; stress-ng --vm 2, ${want} MiB in all, memory.high ${high} MiB"
dmesg -c >/dev/null

t0=$(date +%s)
(
	echo "$BASHPID" >$CG/hog/cgroup.procs
	exec stress-ng --vm 2 --vm-bytes ${want}M --vm-keep --vm-method move-inv --verify --timeout $((30 * TS))s \
		--metrics-brief >/tmp/stress.log 2>&1
) & spid=$!
# wait for real swapping
for ((i = 0; i < 300 * TS; i++)); do
	(($(used) - u0 >= min_mib)) && break
	sleep 0.1
done
check "swap in use: $(used) MiB after $(($(date +%s) - t0)) s" [ $(($(used) - u0)) -ge $min_mib ]

log "wrapping-key rotation under swap pressure"
echo 1 >$EMU/rotate_wrapping_key
check "swap I/O hits the stale key" wait_field swp key stale 200
check "swap I/O parked" [ "$(field swp parked)" -gt 0 ]
t_set=$(uptime_ms)
dmc message swp 0 key set "$(token xts-256 "$clr")"
po=$(vms pswpout) pi=$(vms pswpin)
check "valid gen=2 after key set" [ "$(field swp key)/$(field swp gen)" = valid/2 ]
# The hog may sleep in memory.high's throttle (up to 2 s per return to
# user space) after the parked writes complete, so the first new swap I/O
# is waited for, not expected within a fixed time; the wait is logged.
moved=
for ((i = 0; i < 200 * TS; i++)); do
	if [ "$(vms pswpout)" -gt "$po" ] || [ "$(vms pswpin)" -gt "$pi" ]; then
		moved=$(($(uptime_ms) - t_set))
		break
	fi
	sleep 0.1
done
check "swapping goes on after key set (${moved:-no swap I/O in 20 000} ms; pswpout $po -> $(vms pswpout), pswpin $pi -> $(vms pswpin))" \
	[ -n "$moved" ]
peak=$(used)
pi1=$(vms pswpin)

if wait $spid; then ok "stress-ng --verify passed ($(($(date +%s) - t0)) s)"
else fail "stress-ng exit $?"; cat /tmp/stress.log; fi
grep -i "fail\|error" /tmp/stress.log && fail "stress-ng reported failures"
log "swap used at the rotation: ${peak} MiB; pages swapped in since the key set: $(($(vms pswpin) - pi1)), in all $(vms pswpin)"
check "pages read back from swap after the key set" [ "$(vms pswpin)" -gt "$pi" ]
check "no memcg OOM event" [ "$(awk '$1 == "oom_kill" {print $2}' $CG/hog/memory.events)" = 0 ]
check "no OOM kill" sh -c "! dmesg | grep -qi 'out of memory\|oom-kill\|invoked oom-killer'"
check "no SIGBUS / swap read error" sh -c "! dmesg | grep -qi 'sigbus\|read-error on swap\|write error on swap\|I/O error'"
check "nothing expired, nothing parked" \
	[ "$(field swp expired)/$(field swp parked)/$(field swp key)" = 0/0/valid ]
check "swapoff clean" swapoff /dev/mapper/swp
dmc remove swp
log "$(dmsetup targets | grep paes)"
finish
