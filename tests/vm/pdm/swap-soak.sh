#!/bin/bash
# pdm-vm: --tools --mem 512 --disk swap:256M --timeout 1500
# Secure-key swap under memory pressure, round after round, while the
# wrapping key rotates: the recovery path (pdmd, /dev/pkey, the key
# messages) must never wait on the swap device it is recovering.
#
#   swap-soak.sh MODE [ROUNDS] [ROTATIONS]
#
#   MODE pressure   global pressure: a stress-ng hog asks for more than
#                   MemAvailable, so everything the guest has (its tmpfs root
#                   file system too) is pushed to the stale swap device.
#   MODE watermark  a locked hog (mlock) takes memory down to the zones' low
#                   watermark and a second hog swaps: every allocation on the
#                   recovery path runs with free memory at the watermark.
#   ROUNDS (10)     hogs, one after the other, on the same device and pdmd
#   ROTATIONS (8)   rotations per round, 3..4 s apart, while the hog swaps;
#                   every third is a double (a second rotation 0..0.3 s later)
#
# Every round must end with 0 expired bios, 0 swap I/O errors, 0 OOM kills
# and stress-ng --verify passing.  A key not valid for more than 3 s gets
# pdmd's kernel stacks (/proc/PID/task/*/stack) and a sysrq-w dump printed
# (stall-watch), so a stall is caught in the act rather than deduced.
. "$PDM_VM_LIB/pdm.sh"
mode=${1:-pressure}
rounds=${2:-10}
rots=${3:-8}
case $mode in pressure | watermark) ;; *) die "MODE must be pressure or watermark" ;; esac
[[ $rounds =~ ^[1-9][0-9]*$ && $rots =~ ^[1-9][0-9]*$ ]] || die "ROUNDS and ROTATIONS must be positive numbers"
name=pdm.swap.soak.$mode
pdm_setup
echo 1 >/proc/sys/kernel/sysrq
dev=/dev/disk/by-name/swap
pdm key generate soakkey >/dev/null || die "pdm key generate"
echo "swap0 $dev secure:soakkey swap" >/etc/pdm/pdmtab
pdm create swap0 --swapon || die "pdm create swap0 --swapon"
check "swap0 is active swap" grep -q '^/dev/mapper/swap0 ' /proc/swaps
# pdmd logs straight to this script's output (a serial port, no page cache
# to wait for), next to stall-watch's lines, and survives a guest that dies.
pdmd --stderr 2>&1 &
PDMD_PID=$!
sleep 1

# stall-watch (tests/tools) prints pdmd's thread stacks and a sysrq-w dump
# once the key has not been valid for 3 s: it locks its memory, so unlike
# this script it is not itself held up by the stale swap device.
stall-watch swap0 "$PDMD_PID" 3000 &
WATCHER=$!

# Zones' low watermarks, KiB.
low_wmark_kib() { awk '$1 == "low" {s += $2} END {print s * 4}' /proc/zoneinfo; }
wait_swap() { # wait_swap KIB: until at least KIB of swap is in use (30 s)
	local i
	for ((i = 0; i < 300; i++)); do
		(($(swap_used_kib) >= $1)) && return 0
		sleep 0.1
	done
	return 1
}
events_of() { dmsetup info -c --noheadings -o events swap0 | tr -d ' '; }

S=$SECONDS ROT=0 MAXSWAP=0 HOG_FAILS=0
errs0=$(dmesg | grep -cE "Killed process|Read-error on swap|Write-error on swap" || true)
for ((r = 1; r <= rounds; r++)); do
	set +e
	locker=
	avail=$(awk '/^MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
	# Pages swapped out in earlier rounds stay there: ask for at most what
	# the swap device still has room for, less a margin.
	room=$(awk '/^SwapFree/ {print int($2 / 1024) - 64}' /proc/meminfo)
	over=$((room < 64 ? room : 64))
	if [[ $mode == pressure ]]; then
		hog_mb=$((avail + over))
		what="stress-ng --vm 1 --vm-bytes ${hog_mb}M (MemAvailable ${avail} MiB)"
	else
		free_kib=$(awk '/^MemFree/ {print $2}' /proc/meminfo)
		lock_mb=$(((free_kib - $(low_wmark_kib)) / 1024 - 8))
		((lock_mb > 16)) || lock_mb=16
		stress-ng --vm 1 --vm-bytes "${lock_mb}M" --vm-locked --vm-keep --vm-hang 0 --timeout 0 \
			>/dev/null 2>&1 &
		locker=$!
		sleep 3
		# What is left once the locked hog holds its pages.
		locked=$(awk '/^VmLck/ {s += $2} END {print int(s / 1024)}' /proc/[0-9]*/status 2>/dev/null)
		avail=$(awk '/^MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
		hog_mb=$((avail + over))
		what="locked ${locked} MiB (asked ${lock_mb}), MemAvailable then ${avail} MiB, stress-ng --vm 1 --vm-bytes ${hog_mb}M"
	fi
	log "round $r/$rounds: $what, $rots rotations"
	stress-ng --vm 1 --vm-bytes "${hog_mb}M" --vm-keep --verify --timeout $((rots * 5 + 15))s \
		>/tmp/stress.log 2>&1 &
	hog=$!
	wait_swap 40000 || fail "round $r: swap use did not reach 40 MiB ($(swap_used_kib) KiB)"
	for ((i = 1; i <= rots; i++)); do
		e0=$(events_of)
		rotate
		ROT=$((ROT + 1))
		# Every third a double, as in a relocation storm: the second comes
		# while pdmd may still be deriving, and its key set is refused.
		if ((i % 3 == 0)); then
			sleep 0.$((RANDOM % 3))$((RANDOM % 10))
			rotate
			ROT=$((ROT + 1))
		fi
		sleep 3.$((RANDOM % 10))
		sw=$(swap_used_kib)
		((sw > MAXSWAP)) && MAXSWAP=$sw
		echo "   rotation $ROT: events $e0 -> $(events_of) $(dmsetup status swap0 | cut -d' ' -f4-8) swap=${sw}KiB"
	done
	wait "$hog"
	hrc=$?
	[[ -n $locker ]] && { kill "$locker"; wait "$locker"; } 2>/dev/null
	set -e
	((hrc == 0)) || { HOG_FAILS=$((HOG_FAILS + 1)); cat /tmp/stress.log; }
	check "round $r: stress-ng --verify passed (rc $hrc)" test "$hrc" -eq 0
	check "round $r: expired 0" test "$(field swap0 expired)" = 0
	check "round $r: key valid" wait_field swap0 key valid 100
done
kill "$WATCHER" 2>/dev/null
wait "$WATCHER" 2>/dev/null || true
errs=$(($(dmesg | grep -cE "Killed process|Read-error on swap|Write-error on swap" || true) - errs0))
check "no OOM kill, no swap read or write error ($errs lines)" test "$errs" -eq 0
check "lost_blocks 0, replaces 0" test "$(field swap0 lost_blocks)/$(field swap0 replaces)" = 0/0
# Every key pdmd set is a generation (no replace happened: checked above).
n=$(($(field swap0 gen) - 1))
check "stale_events ($(field swap0 stale_events)) = key sets ($n)" test "$(field swap0 stale_events)" -eq "$n"
check "pdmd still running" kill -0 "$PDMD_PID"
m="MATRIX: $name rounds=$rounds rotations=$ROT max_swap_kib=$MAXSWAP stale_events=$(field swap0 stale_events)"
m+=" rederived=$n expired=$(field swap0 expired) swap_errors_ooms=$errs hog_failures=$HOG_FAILS"
m+=" parked_total=$(field swap0 parked_total)"
pdmd_stop
swapoff /dev/mapper/swap0 || true
pdm remove swap0 || fail "pdm remove swap0"
secs=$((SECONDS - S))
echo "$m seconds=$secs failures=$T_FAILS"
pdm_finish
