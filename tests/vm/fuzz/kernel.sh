#!/bin/bash
# Fuzzing the kernel interfaces of dm-paes and pkey_emu with paes-fuzz
# (tests/tools/paes-fuzz.c): grammar-built then broken paes tables through
# the dm ioctls, key messages to a live device against a model of the key
# state machine, random /dev/pkey ioctls with mutated structures and
# guard-paged buffers, and short/long/offset reads and junk writes of the
# pkey sysfs attributes.  paes-fuzz itself fails on a wrong acceptance or
# refusal, an unexpected errno, a left-over device or a failed round trip.
#
# Around it, leak checks: a warm-up batch first (first-use allocations:
# slab caches growing to their working size, workqueue pools, bio slabs),
# then /proc/slabinfo active objects (after dropping caches and shrinking
# every slab cache, so per-CPU slabs do not count) before, in the middle of
# and after the measured batch (see the threshold below); kmemleak as well
# when the kernel has it.  Leaks of
# dm-paes's own vmalloc bitmaps and workqueues are checked directly
# (/proc/vmallocinfo, kpaesd rescuer threads), and both modules must
# unload at the end (no target or device reference left).
#
#   kernel.sh [short|long]   short: 2800 cases (~60 s); long: 52000 cases
#   PAES_FUZZ_SEED=N in the environment starts from another seed (default 1).
# pdm-vm: --timeout 300
. "$(dirname "$0")/../lib/common.sh"
mode=${1:-short}
case $mode in
short) WARM=300 CHUNK=1250 CHUNKS=2 ;;
long) WARM=2000 CHUNK=5000 CHUNKS=10 ;;
*) die "usage: kernel.sh [short|long]" ;;
esac
SEED=${PAES_FUZZ_SEED:-1}
paes_setup
# DMERR lines from thousands of refusals: keep them off the (slow, serial)
# console; dmesg keeps them, and crashes (levels 0-2) still reach it.
dmesg -n 3
# revoked/unlinked keys are collected at once, not after 5 minutes
echo 1 >/proc/sys/kernel/keys/gc_delay 2>/dev/null || true

loop=$(mkloop fuzz 8)		# backing device of the fuzzed tables
mloop=$(mkloop fuzzmsg 4)	# of the long-lived message device
check "no dm devices before" [ -z "$(dmsetup ls 2>/dev/null | grep -v '^No devices found')" ]

# the bed's pattern of a dirty kernel log (tests/vm/pdm-vm LOG_PATTERN)
PAT=${PDM_VM_LOG_PATTERN:?run by pdm-vm}
# The ring buffer (4 MiB) holds a few chunks of refusal messages; scan it
# after every chunk so that an early WARN is not rotated out unseen.
dirty_log() {
	local d
	d=$(dmesg | grep -E "$PAT" || true)
	[[ -z $d ]] && return 1
	echo "$d" | head -20
}

# name active_objs objsize, of every slab cache, after letting the kernel
# free what it holds only for speed
slabsnap() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1				# RCU-deferred frees (kfree_rcu, rcu_work)
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s" 2>/dev/null || true; done
	awk 'NR > 2 { print $1, $2, $4 }' /proc/slabinfo
}

KMEMLEAK=/sys/kernel/debug/kmemleak
have_kmemleak=0
if [[ -w $KMEMLEAK ]] && echo clear >$KMEMLEAK 2>/dev/null; then
	have_kmemleak=1
fi

total_cases=0 total_fail=0 summaries=()
run_fuzz() { # SEED CASES
	local out rc=0
	out=$(paes-fuzz --dev "$loop" --msg-dev "$mloop" --seed "$1" --cases "$2" 2>&1) || rc=$?
	# the failures (if any, at most 40), then the summary
	{ echo "$out" | grep -v '^paes-fuzz:' || true; } | head -40
	echo "$out" | grep '^paes-fuzz:' || echo "  (no summary)"
	summaries+=("$(echo "$out" | grep '^paes-fuzz:' || true)")
	total_cases=$((total_cases + $2))
	if ((rc)); then fail "paes-fuzz --seed $1 --cases $2: exit $rc"; total_fail=$((total_fail + 1)); fi
}

log "warm-up: $WARM cases"
t0=$SECONDS
run_fuzz $((SEED + 1000)) "$WARM"
echo "  warm-up: $((SECONDS - t0)) s"
slabsnap >/tmp/slab.before
vm_before=$(grep -c 'paes' /proc/vmallocinfo || true)
vml_before=$(grep -vc unpurged /proc/vmallocinfo)

log "measured batch: $CHUNKS x $CHUNK cases, seeds from $SEED"
for ((c = 0; c < CHUNKS; c++)); do
	t1=$SECONDS
	run_fuzz $((SEED + c)) "$CHUNK"
	echo "  chunk $c: $((SECONDS - t1)) s"
	if dirty_log; then fail "kernel log dirty after chunk $c"; break; fi
	# the middle snapshot: see the slab threshold below
	if ((c + 1 == CHUNKS / 2)); then slabsnap >/tmp/slab.middle; fi
done
slabsnap >/tmp/slab.after
elapsed=$((SECONDS - t0))

log "leak checks"
check "no dm devices left (dmsetup ls)" [ -z "$(dmsetup ls 2>/dev/null | grep -v '^No devices found')" ]
check "no paes vmalloc areas left ($(grep -c paes /proc/vmallocinfo || true), before $vm_before)" \
	[ "$(grep -c paes /proc/vmallocinfo || true)" = 0 ]
echo "vmalloc areas in use: $(grep -vc unpurged /proc/vmallocinfo) (before the batch $vml_before)"
# A rescuer thread is named after its workqueue.  An idle kworker's comm
# also ends in the name of the last workqueue it ran ("kworker/u4:2-kpaesd_
# crypt/dm-3"), even after that queue is gone: not ours to count.
check "no kpaesd workqueue rescuers left" [ -z "$(grep -l '^kpaesd' /proc/[0-9]*/comm 2>/dev/null)" ]

# Slab threshold.  Counts move without any leak: objects cached per CPU and
# per node (flushed by "shrink", but refilled by whatever runs meanwhile),
# RCU callbacks and work items not yet run, the loop devices' and tmpfs's
# metadata.  Measured here: kmalloc-1k and kmalloc-2k (a paes_c and its page
# mempool's element array are exactly that pair) rise by ~150 objects over
# a batch rich in table loads and fall below the start again over a batch
# of other cases: bounded, it does not grow with the number of cases.  A
# leak does grow with them, and in every part of the run.  So the batch is
# measured in two halves (snapshots before, in the middle, after) and a
# cache fails when it grew in both halves by more than
# T = max(64 objects, 0.5% of the half's cases) and 32 KiB: one object lost
# per 200 cases fails, a bounded transient does not.  vmap_area is left out:
# vmalloc areas (the stacks of every table's workqueue rescuer threads) are
# freed lazily, in batches of up to lazy_max_pages (tens of MiB); vmalloc
# leaks are checked on /proc/vmallocinfo instead.  On the debug kernel the
# checkers' own records (kmemleak_object, kmemleak_scan_area,
# debug_objects_cache: one per object they track, the lazily freed vmalloc
# areas among them) are left out too; kmemleak's scan is the leak check
# there.  The total growth over the whole batch must also stay under 2 MiB.
SLAB_SKIP='^(vmap_area|kmemleak_object|kmemleak_scan_area|debug_objects_cache) '
half=$((CHUNK * CHUNKS / 2))
lim_objs=$((half / 200))
((lim_objs < 64)) && lim_objs=64
# slabdiff A B: "name countA countB objsize" for caches in both snapshots
slabdiff() { awk 'NR == FNR { b[$1] = $2; next } ($1 in b) { print $1, b[$1], $2, $3 }' "$1" "$2"; }
grew() { # A B -> caches that grew by more than the limit
	slabdiff "$1" "$2" | grep -Ev "$SLAB_SKIP" |
		awk -v lo="$lim_objs" '{ d = $3 - $2; if (d > lo && d * $4 > 32768) print $1 }' | sort
}
bad=$(awk 'NR == FNR { a[$1] = 1; next } ($1 in a)' <(grew /tmp/slab.before /tmp/slab.middle) \
	<(grew /tmp/slab.middle /tmp/slab.after) | tr '\n' ' ')
bad=${bad% }
tot_kib=$(slabdiff /tmp/slab.before /tmp/slab.after | grep -Ev "$SLAB_SKIP" |
	awk '{ t += ($3 - $2) * $4 } END { printf "%d", t / 1024 }')
echo "slab changes (objects) first half / second half, where > 32:"
awk 'FILENAME == ARGV[1] { a[$1] = $2; next } FILENAME == ARGV[2] { m[$1] = $2; next }
	($1 in a) && ($1 in m) { d1 = m[$1] - a[$1]; d2 = $2 - m[$1]
		if (d1 > 32 || d1 < -32 || d2 > 32 || d2 < -32) printf "  %-28s %+6d %+6d\n", $1, d1, d2 }' \
	/tmp/slab.before /tmp/slab.middle /tmp/slab.after | head -30
check "slab caches steady (grew in both halves by > $lim_objs objects: ${bad:-none})" [ -z "$bad" ]
check "total slab growth ${tot_kib} KiB < 2048 KiB" [ "$tot_kib" -lt 2048 ]
kml=n/a
if ((have_kmemleak)); then
	echo scan >$KMEMLEAK; sleep 5; echo scan >$KMEMLEAK
	kml=$(grep -c '^unreferenced object' $KMEMLEAK || true)
	grep -A12 '^unreferenced object' $KMEMLEAK | head -60 || true
	check "kmemleak: no unreferenced objects ($kml)" [ "$kml" = 0 ]
else
	echo "kmemleak: not in this kernel; slab counts are the leak signal"
fi

losetup -d "$loop" "$mloop"
check "dm-paes unloads" rmmod dm-paes
check "pkey_emu unloads" rmmod pkey_emu
if dirty_log; then fail "kernel log dirty"; fi

# one line per matrix test: totals over the chunks
sum() { printf '%s\n' "${summaries[@]}" | tr ' ' '\n' | sed -n "s/^$1=//p" | awk '{ s += $1 } END { print s + 0 }'; }
errnos=$(printf '%s\n' "${summaries[@]}" | sed -n 's/.* refused: \(.*\) failures=.*/\1/p' | tr ' ' '\n' |
	awk -F= 'NF == 2 { s[$1] += $2 } END { for (k in s) printf "%s=%d,", k, s[k] }' | sed 's/,$//')
echo "MATRIX: fuzz.kernel mode=$mode cases=$(sum cases) tables=$(sum tables) tables_accepted=$(sum tables_accepted)" \
	"messages=$(sum messages) messages_accepted=$(sum messages_accepted) ioctls=$(sum ioctls) ioctls_ok=$(sum ioctls_ok)" \
	"sysfs=$(sum sysfs) io=$(sum io) refused_by_errno=${errnos:-none} failures=$(sum failures)" \
	"slab_growth_kib=${tot_kib} slab_leaks=${bad:-none} kmemleak=$kml seconds=$elapsed"
finish
