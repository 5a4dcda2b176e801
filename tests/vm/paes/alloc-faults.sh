#!/bin/bash
# pdm-vm: --timeout 900
# dm-paes and pkey_emu through allocation failures, with the kernel's fault
# injection (failslab, fail_page_alloc) on the debug kernel
# (pdm-vm run --kernel debug; CTest vm.debug.alloc-faults).
#
# Where failures are injected:
#  - the stack filter: require-start/-end = the text of dm_paes (and/or
#    pkey_emu, where the two lie side by side with nothing between) from
#    /proc/kallsyms, stacktrace-depth 32 (the kernel's maximum): only an
#    allocation with one of our functions on its stack can fail, in any
#    context -- the only way to reach the kpaesd workers and the bio
#    completions (task-filter + make-it-fail reach task context only).
#    reject-start/-end = kmemleak's bookkeeping (create_object ...), so no
#    failure is spent on kmemleak's record of one of our allocations.
#  - /proc/self/fail-nth: "fail the Nth allocation of this process" (it
#    honours the stack filter); task-filter + /proc/self/make-it-fail with a
#    probability: random failures of what the test's own processes do.
#  - ignore-gfp-wait=N (both), ignore-gfp-highmem=N, min-order=0: sleeping,
#    highmem (the bounce pages) and every order of allocation fail too.
# Counted: the drop of the two "times" counters, which counts every
# injected failure, also the __GFP_NOWARN ones (mempool refills, bvec
# slabs) that print no "FAULT_INJECTION: forcing a failure" line.
#
#  a  table loads (kzalloc, dm_get_device, kvzalloc of the lost-block map
#     and its vmalloc fallback, percpu_counter_init, mempool_init of the
#     bounce pages, bioset_init, both alloc_workqueue, the keyring lookup
#     and kstrdup of its description): fail the Nth allocation of
#     "dmsetup create" for N = 1.. until a load runs without an injected
#     failure (short: every N to 16, then doubling steps, a bisection for
#     the last N that fails and every N of the 6 before it; long: every N).  A failed load: an error, no device, no
#     holder of the disk, no kpaesd thread, dm_paes' refcount unchanged.
#     Then random loads (make-it-fail, probability 1 %).
#  b  messages: "key set" and "key replace" with a keyring key, swept the
#     same way: a failed message changes nothing (gen, key state, table);
#     with hex keys, and "key wipe", not one injectable allocation.
#  c  I/O, failures in every context (probability 100 % unless said):
#     c1 io_uring load with a prefill: bounce pages (pool reserve), clone
#        bios and bvecs (bioset reserves), pkey_emu's cache refill worker;
#     c2 REQ_NOWAIT: single 32 KiB writes from io_uring (REQ_NOWAIT) with
#        failslab only: the clone's bvec allocation fails in map() and
#        the write must take the would-block branch (handed to a worker);
#        compared with the same writes from dd (no REQ_NOWAIT); a kprobe
#        on paes_io_work counts the hand-overs where tracefs has kprobes;
#     c3 parked I/O across a wrapping-key rotation, resumed by "key set"
#        under failures (100 %, then 30 % random);
#     c4 everything written reads back: the whole device equals what
#        dm-crypt aes-xts-plain64 reads with the same clear key;
#     c5 "key replace" (a parked read fails with EIO), then writes under
#        failures land in the lost-block map and read back (also through
#        dm-crypt with the new clear key), the rest reads EIO.
#     Every pdm-stress run under timeout: no hang, no lost bio, no wrong
#     block, no EIO.
#  d  pkey_emu: Nth-allocation sweeps of CLR2PROTK (paes-token xts-256),
#     KBLOB2PROTK3 of a clear-key token (paes-token fxts-256) and of a CCA
#     secure key (pkey-emu-check convert), sysfs protkey and ccadata reads;
#     a clean error or the right result (tokens equal to the ones made
#     without failures); the same ioctls and sysfs reads of every kind
#     under make-it-fail; pkey-emu-check passes afterwards.
# At the end: kmemleak (scan, 5 s, scan) lists nothing with a dm_paes or
# pkey_emu frame, after the devices are removed and the modules unloaded
# (frames then show as addresses: matched against the modules' old text).
# The bed's own kernel-log scan fails the run on KASAN, lockdep, BUG, ...
#
# usage: alloc-faults.sh [short|long|dry]
#   dry: inject nothing (a kernel without fault injection): checks the
#   script and the happy paths, not the error paths.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/stress-lib.sh"

MODE=${1:-short}
case $MODE in short | long | dry) ;; *) die "usage: $0 [short|long|dry]" ;; esac
FI=1
[[ $MODE == dry ]] && FI=0
NRAND=5		# random loads, messages, ioctl rounds
[[ $MODE == long ]] && NRAND=20

DBG=/sys/kernel/debug
FS=$DBG/failslab FP=$DBG/fail_page_alloc KL=$DBG/kmemleak
SYS=/sys/devices/virtual/misc/pkey
TIMES0=100000000
t_start=$SECONDS

# brd first, with its size; the rest before our two modules, so that
# nothing is loaded between them (one text range covers both).
modprobe brd rd_nr=1 rd_size=32768	# /dev/ram0, 32 MiB
modprobe -a dm-mod dm-crypt loop aesni_intel xts 2>/dev/null || true
paes_setup
# brd allocates a page on the first write of a sector: with our worker on
# the stack that allocation could be failed and the write end in EIO.
dd if=/dev/zero of=/dev/ram0 bs=1M count=32 oflag=direct status=none

if ((FI)); then
	[[ -d $FS && -d $FP && -e /proc/self/fail-nth ]] ||
		die "no failslab/fail_page_alloc/fail-nth: boot the debug kernel (pdm-vm run --kernel debug), or run '$0 dry'"
	[[ -e $FS/require-start ]] || die "no fault-injection stack-trace filter (FAULT_INJECTION_STACKTRACE_FILTER)"
fi

# ---- address ranges from /proc/kallsyms ----

# the text symbols (functions), sorted: fixed-width hex sorts as text
awk '$2 ~ /^[tT]$/' /proc/kallsyms | sort >/tmp/ksyms

# ours(m): the awk condition "the symbol belongs to one of the modules in m"
# shellcheck disable=SC2016  # awk code
AWK_MOD='function ours(m) { return NF == 4 && index(m, " " substr($4, 2, length($4) - 2) " ") }'

# range_end LAST: the address of the first function above LAST, at most
# 64 KiB on (the end of the last function)
range_end() {
	local e cap
	cap=$(printf '%016x' $((16#$1 + 0x10000)))
	e=$(awk -v l="$1" '($1 "") > l { print $1; exit }' /tmp/ksyms)
	if [[ -z $e || $e > $cap ]]; then echo "$cap"; else echo "$e"; fi
}

# text_range MOD... -> "START END" (hex) of the text of the modules, or
# nothing if the text of anything else lies in between
text_range() {
	local m=" $* " s l e
	read -r s l < <(awk -v m="$m" "$AWK_MOD"'
		$2 ~ /^[tT]$/ && ours(m) { if (s == "") s = $1 ""; l = $1 "" }
		END { print s, l }' /tmp/ksyms)
	[[ -n $s ]] || return 0
	e=$(range_end "$l")
	if awk -v m="$m" -v s="$s" -v e="$e" "$AWK_MOD"'
		($1 "") >= s && ($1 "") < e && $2 ~ /^[tT]$/ && !ours(m) { bad = 1; exit }
		END { exit !bad }' /tmp/ksyms; then
		echo "  (the text of $* is not contiguous: one module at a time)" >&2
		return 0
	fi
	echo "$s $e"
}

# kmemleak's allocation of its own records: the functions that lie on the
# stack of that allocation (all in mm/kmemleak.c), or nothing
reject_range() {
	local s l k
	k=$(awk 'NF == 3 && $3 == "kmemleak_alloc" { print $1; exit }' /tmp/ksyms)
	[[ -n $k ]] || return 0
	# names other files use too (alloc_object: lib/debugobjects.c) count
	# only near kmemleak_alloc
	read -r s l < <(awk -v lo="$(printf '%016x' $((16#$k - 0x20000)))" \
		-v hi="$(printf '%016x' $((16#$k + 0x20000)))" '
		NF == 3 && $3 ~ /^(kmemleak_alloc|kmemleak_alloc_percpu|kmemleak_vmalloc|__create_object|create_object|mem_pool_alloc|__alloc_object|alloc_object|__link_object|add_scan_area)(\.[a-z]+\.[0-9]+)?$/ {
			a = $1 ""
			if (a < lo || a > hi) next
			if (s == "" || a < s) s = a
			if (a > l) l = a
		}
		END { print s, l }' /tmp/ksyms)
	echo "$s $(range_end "$l")"
}

R_PAES=$(text_range dm_paes)
R_EMU=$(text_range pkey_emu)
R_BOTH=$(text_range dm_paes pkey_emu)
R_REJ=$(reject_range)
log "text: dm_paes ${R_PAES:-?}, pkey_emu ${R_EMU:-?}, both ${R_BOTH:-(not contiguous)}; kmemleak ${R_REJ:-(none)}"
((!FI)) || [[ -n $R_PAES && -n $R_EMU ]] || die "no text range of dm_paes / pkey_emu in /proc/kallsyms"
# for the I/O: both modules (the emu cache refill worker) if possible
R_IO=${R_BOTH:-$R_PAES}

# ---- fault injection controls ----

FI_ATTRS=()
if ((FI)); then
	# every capability with a stack filter: fail-nth counts their calls
	for a in "$DBG"/fail*; do [[ -e $a/require-start ]] && FI_ATTRS+=("$a"); done
fi

# fi_range "START END": the code whose allocations may fail
fi_range() {
	local a s e
	((FI)) || return 0
	read -r s e <<<"$1"
	for a in "${FI_ATTRS[@]}"; do
		echo "0x$s" >"$a/require-start"
		echo "0x$e" >"$a/require-end"
	done
}

fi_init() {
	local a rs re
	((FI)) || return 0
	for a in "${FI_ATTRS[@]}"; do
		echo 0 >"$a/probability"
		echo 1 >"$a/interval"
		echo "$TIMES0" >"$a/times"
		echo 0 >"$a/space"
		echo 1 >"$a/verbose"
		echo N >"$a/task-filter"
		echo 32 >"$a/stacktrace-depth"
		if [[ -n $R_REJ ]]; then
			read -r rs re <<<"$R_REJ"
			echo "0x$rs" >"$a/reject-start"
			echo "0x$re" >"$a/reject-end"
		fi
	done
	echo N >"$FS/ignore-gfp-wait"
	echo N >"$FP/ignore-gfp-wait"
	echo N >"$FP/ignore-gfp-highmem"
	echo 0 >"$FP/min-order"
	fi_range "$R_PAES"
}

# fi_on PROB [slab|page|both] [task]: random failures (task: only in
# processes with make-it-fail)
fi_on() {
	((FI)) || return 0
	local tf=N ps=$1 pp=$1
	[[ ${3:-} == task ]] && tf=Y
	case ${2:-both} in
	slab) pp=0 ;;
	page) ps=0 ;;
	esac
	echo "$tf" >"$FS/task-filter"
	echo "$tf" >"$FP/task-filter"
	echo "$ps" >"$FS/probability"
	echo "$pp" >"$FP/probability"
}

fi_off() {
	((FI)) || return 0
	echo 0 >"$FS/probability"
	echo 0 >"$FP/probability"
}

# failures injected so far (both counters)
fi_now() { # -> FC, without a fork
	local a b
	FC=0
	((FI)) || return 0
	read -r a <"$FS/times"
	read -r b <"$FP/times"
	FC=$((2 * TIMES0 - a - b))
}
fi_count() {
	fi_now
	echo "$FC"
}

# nth N CMD...: CMD with the Nth injectable allocation of its process failed
nth() {
	local n=$1
	shift
	if ((FI)); then (echo "$n" >/proc/self/fail-nth && exec "$@"); else "$@"; fi
}

# mif CMD...: CMD with make-it-fail (random failures under fi_on ... task)
mif() {
	if ((FI)); then (echo 1 >/proc/self/make-it-fail && exec "$@"); else "$@"; fi
}

declare -A AREA_INJ=() AREA_T=()
AREAS=()
area_begin() { A_NAME=$1 A_C0=$(fi_count) A_T0=$SECONDS; AREAS+=("$1"); log "area $1"; }
area_end() {
	AREA_INJ[$A_NAME]=$(($(fi_count) - A_C0))
	AREA_T[$A_NAME]=$((SECONDS - A_T0))
	echo "  area $A_NAME: ${AREA_INJ[$A_NAME]} injected failures in ${AREA_T[$A_NAME]} s"
}

trap 'fi_off' EXIT

# ---- helpers ----

# hex -> binary on stdout
unhex() {
	local o="" i
	for ((i = 0; i < ${#1}; i += 2)); do o+="\\x${1:i:2}"; done
	printf '%b' "$o"
}
addkey() { unhex "$2" | keyctl padd logon "$1" @u >/dev/null; }

# fork-free (a fork costs much in the debug guest): the kpaesd rescuer
# threads (in KT), dm_paes' reference count (in RC), the dm device NAME
kpaesd_threads() {
	local c comm
	KT=0
	for c in /proc/[0-9]*/comm; do
		read -r comm 2>/dev/null <"$c" || continue
		[[ $comm == kpaesd* ]] && KT=$((KT + 1))
	done
	return 0
}
refcnt() { read -r RC </sys/module/dm_paes/refcnt; }
dm_exists() {
	local f name
	for f in /sys/block/dm-*/dm/name; do
		[[ -e $f ]] || continue
		read -r name <"$f"
		[[ $name == "$1" ]] && return 0
	done
	return 1
}

# clean_after DESC NAME: a failed load or a removed device left nothing
clean_after() {
	local left=() h
	dm_exists "$2" && left+=("device $2")
	h=(/sys/block/ram0/holders/*)
	[[ ! -e ${h[0]} ]] || left+=("holders of ram0: ${h[*]##*/}")
	kpaesd_threads
	((KT == 0)) || left+=("$KT kpaesd threads")
	refcnt
	((RC == REF0)) || left+=("dm_paes refcnt $RC, was $REF0")
	if ((${#left[@]})); then
		fail "$1: left ${left[*]}"
		dm_remove "$2"
		return 1
	fi
	return 0
}

# dmsetup's reason: the part after "failed: "
reason() { sed -n 's/.*failed: //p' <<<"$1" | head -1; }

# kmsg_mark TEXT: a line in the kernel log, to cut the log at
kmsg_mark() { echo "pdm-alloc-faults: $*" >/dev/kmsg; }
# kmsg_since TEXT: the kernel log after the mark TEXT
kmsg_since() { dmesg | sed -n "/pdm-alloc-faults: $1\$/,\$p"; }

# Sweeps: sweep DESC FN calls "FN N" for N = 1, 2, ...  FN runs one
# operation with fail-nth N, checks it, and returns 0 if a failure was
# injected, 1 if not (the operation ran to its end: the sweep is over).
# long: every N.  short (the debug kernel under TCG takes seconds a run):
# every N up to 16, then steps doubling (2, 4, 8, ...) until one runs
# through, a bisection for the last N that fails, and every N of the 6
# before that one.
SW_TRIED=0 SW_FAILED=0 SW_ABSORBED=0
declare -A SW_ERR=()
sweep() {
	local desc=$1 fn=$2 n=1 step=1 lo=0 hi mid k c0=$SW_TRIED t0=$SECONDS
	local -A seen=()
	SW_FAILED=0 SW_ABSORBED=0 SW_ERR=()
	while :; do
		seen[$n]=1
		"$fn" "$n" || break
		lo=$n
		[[ $MODE != long ]] && ((n >= 16)) && step=$((step * 2))
		n=$((n + step))
		if ((n > 100000)); then
			fail "$desc: still failing at N=$n"
			return
		fi
	done
	hi=$n
	while ((hi - lo > 1)); do
		mid=$(((lo + hi) / 2))
		seen[$mid]=1
		if "$fn" "$mid"; then lo=$mid; else hi=$mid; fi
	done
	for ((k = lo - 1; k > lo - 7 && k > 0; k--)); do
		[[ -n ${seen[$k]:-} ]] || "$fn" "$k" || true
	done
	ok "$desc: $lo injectable allocations, $((SW_TRIED - c0)) runs: $SW_FAILED failed cleanly, $SW_ABSORBED absorbed (the operation succeeded), $((SECONDS - t0)) s"
	for k in "${!SW_ERR[@]}"; do echo "    ${SW_ERR[$k]}x $k"; done
}

# one operation under fail-nth N: sets OP_RC, OP_OUT, OP_INJ
op_nth() {
	local c0
	fi_now
	c0=$FC
	OP_RC=0
	OP_OUT=$(nth "$@" 2>&1) || OP_RC=$?
	fi_now
	OP_INJ=$((FC - c0))
	SW_TRIED=$((SW_TRIED + 1))
	((OP_INJ <= 1)) || fail "fail-nth $1 injected $OP_INJ failures"
	if ((OP_RC)); then
		SW_FAILED=$((SW_FAILED + 1))
		local r
		r=$(reason "$OP_OUT")
		r=${r:-$(tail -1 <<<"$OP_OUT")}
		SW_ERR[$r]=$((${SW_ERR[$r]:-0} + 1))
		((OP_INJ)) || fail "N=$1: failed without an injected failure: $OP_OUT"
	elif ((OP_INJ)); then
		SW_ABSORBED=$((SW_ABSORBED + 1))
	fi
}

# ---- keys ----

K1=$(randhex 64)	# area a, b, c (xts-256)
K2=$(randhex 64)	# area c5, the replacing key
T1=$(token xts-256 "$K1")
addkey fi:k1 "$T1"
refcnt
REF0=$RC
fi_init

# ====================================================================
area_begin a
TBL_A="0 65536 paes paes-xts-plain64 :160:logon:fi:k1 0 /dev/ram0 0 1 key_timeout:60000"
load_n() {
	op_nth "$1" dmsetup create fa --table "$TBL_A"
	if ((OP_RC == 0)); then
		[[ $(field fa key) == valid ]] || fail "load N=$1: loaded, but key=$(field fa key)"
		dmc remove fa
	fi
	clean_after "load N=$1" fa || true
	((OP_INJ))
}
kmsg_mark "sweep a"
sweep "table load (keyring key, 32 MiB: vmalloc'ed lost-block map)" load_n
echo "  the target's errors in the kernel log:"
kmsg_since "sweep a" | grep -o 'paes: .*' | sort | uniq -c | sed 's/^/   /' || true

log "random table loads (make-it-fail, 1 %)"
fi_on 1 both task
nok=0 nfail=0
for ((i = 0; i < NRAND; i++)); do
	rc=0
	out=$(mif dmsetup create fa --table "$TBL_A" 2>&1) || rc=$?
	if ((rc == 0)); then
		nok=$((nok + 1))
		[[ $(field fa key) == valid ]] || fail "random load $i: key=$(field fa key)"
		dmc remove fa
	else
		nfail=$((nfail + 1))
		echo "    load $i: $(reason "$out")"
	fi
	clean_after "random load $i" fa || true
done
fi_off
ok "random loads: $nok loaded, $nfail failed cleanly"
area_end

# ====================================================================
area_begin b
T1b=$(token xts-256 "$K1")	# same key, a fresh token: key set accepts it
addkey fi:set "$T1b"
addkey fi:rep "$(token xts-256 "$(randhex 64)")"
dmc create fb --table "0 32768 paes paes-xts-plain64 $T1 0 /dev/ram0 0"
set_n() {
	local g0
	g0=$(field fb gen)
	op_nth "$1" dmsetup message fb 0 key set :160:logon:fi:set
	if ((OP_RC)); then
		[[ $(field fb gen)/$(field fb key) == "$g0/valid" ]] ||
			fail "key set N=$1 failed but changed the state: gen $g0 -> $(field fb gen), key=$(field fb key)"
	else
		[[ $(field fb gen) == $((g0 + 1)) ]] || fail "key set N=$1: gen $g0 -> $(field fb gen)"
		[[ $(dmsetup table fb) == *":160:logon:fi:set "* ]] || fail "key set N=$1: table $(dmsetup table fb)"
	fi
	((OP_INJ))
}
sweep "key set (keyring key)" set_n

replace_n() {
	dmc create fr --table "0 32768 paes paes-xts-plain64 - 0 /dev/ram0 0"
	op_nth "$1" dmsetup message fr 0 key replace :160:logon:fi:rep
	if ((OP_RC)); then
		[[ $(field fr key)/$(field fr gen)/$(field fr replaces) == none/0/0 ]] ||
			fail "key replace N=$1 failed but changed the state: $(dmsetup status fr)"
	else
		[[ $(field fr key)/$(field fr replaces)/$(field fr lost_blocks) == valid/1/32768 ]] ||
			fail "key replace N=$1: $(dmsetup status fr)"
	fi
	dmc remove fr
	((OP_INJ))
}
sweep "key replace (keyring key)" replace_n

log "no allocation at all: key set/replace with hex keys, key wipe"
op_nth 1 dmsetup message fb 0 key set "$T1b"
check "  key set <hex>: done, $OP_INJ injected" [ "$OP_RC/$OP_INJ/$(field fb key)" = 0/0/valid ]
dmc suspend fb
op_nth 1 dmsetup message fb 0 key wipe
check "  key wipe: done, $OP_INJ injected" [ "$OP_RC/$OP_INJ/$(field fb key)" = 0/0/none ]
dmc message fb 0 key set "$T1b"
dmc resume fb
dmc create fr --table "0 32768 paes paes-xts-plain64 - 0 /dev/ram0 0"
op_nth 1 dmsetup message fr 0 key replace "$(token xts-256 "$(randhex 64)")"
check "  key replace <hex> (the lost-block map came with the table): done, $OP_INJ injected" \
	[ "$OP_RC/$OP_INJ/$(field fr key)/$(field fr lost_blocks)" = 0/0/valid/32768 ]
dmc remove fr

log "random key set messages (make-it-fail, 50 %)"
fi_on 50 both task
nok=0 nfail=0
for ((i = 0; i < NRAND; i++)); do
	g0=$(field fb gen)
	if mif dmsetup message fb 0 key set :160:logon:fi:set 2>/dev/null; then
		nok=$((nok + 1))
		[[ $(field fb gen) == $((g0 + 1)) ]] || fail "random key set $i: gen $g0 -> $(field fb gen)"
	else
		nfail=$((nfail + 1))
		[[ $(field fb gen) == "$g0" ]] || fail "random key set $i failed: gen $g0 -> $(field fb gen)"
	fi
done
fi_off
check "random key sets: $nok done, $nfail failed cleanly, key valid" [ "$(field fb key)" = valid ]
dmc remove fb
clean_after "area b" fb || true
area_end

# ====================================================================
area_begin c
fi_range "$R_IO"
TBL_C() { echo "0 32768 paes paes-xts-plain64 $1 0 /dev/ram0 0 1 key_timeout:60000"; }
dmc create fc --table "$(TBL_C "$T1")"
FC_STAT=/sys/block/$(dmsetup info -c --noheadings -o blkdevname fc)/stat
fc_ios() { awk '{ print $1 + $5 }' "$FC_STAT"; }
# wait_ios N: N more reads+writes completed on fc (60 s)
wait_ios() {
	local want i
	want=$(($(fc_ios) + $1))
	for ((i = 0; i < 600; i++)); do
		(($(fc_ios) >= want)) && return 0
		sleep 0.1
	done
	return 1
}
wait_parked() {
	local i
	for ((i = 0; i < 300; i++)); do
		(($(field fc parked) > 0)) && return 0
		sleep 0.1
	done
	return 1
}
stress_bg() { # ARGS... -> PID in SPID, output in /tmp/c.json
	timeout -s KILL 400 pdm-stress --device /dev/mapper/fc --json --quiet "$@" >/tmp/c.json 2>/tmp/c.err &
	SPID=$!
}
stress_end() { # DESC
	local rc=0
	kill -TERM "$SPID" 2>/dev/null || true
	wait "$SPID" || rc=$?
	sed 's/^/  stderr: /' /tmp/c.err
	stress_check "$1" /tmp/c.json "$rc"
}

log "c1: io_uring load, every allocation of ours fails (100 %)"
c0=$(fi_count)
fi_on 100 both
rc=0
timeout -s KILL 400 pdm-stress --device /dev/mapper/fc --range 8M --prefill --qd 32 --ops 800 --max-bs 64k \
	--json --quiet >/tmp/c.json 2>/tmp/c.err || rc=$?
fi_off
sed 's/^/  stderr: /' /tmp/c.err
stress_check "c1: prefill of 8 MiB + 800 ops, qd 32, up to 64k" /tmp/c.json "$rc"
echo "  c1: $(($(fi_count) - c0)) injected failures"

log "c2: REQ_NOWAIT writes that cannot get their clone's bvecs (failslab 100 %)"
TR=/sys/kernel/tracing
KP=0
if [[ -d $TR && ! -e $TR/kprobe_events ]]; then mount -t tracefs tracefs "$TR" 2>/dev/null || true; fi
if [[ -w $TR/kprobe_events ]] && echo 'p:pdmfi/punt dm_paes:paes_io_work' >>"$TR/kprobe_events" 2>/dev/null; then
	echo 1 >"$TR/events/pdmfi/punt/enable" && KP=1
fi
kp_hits() { if ((KP)); then awk '$1 == "punt" || $1 == "pdmfi/punt" { print $2 }' "$TR/kprobe_profile"; else echo 0; fi; }
head -c $((2 << 20)) /dev/urandom >/tmp/pat
fi_on 100 slab
c0=$(fi_count) k0=$(kp_hits)
dd if=/tmp/pat of=/dev/mapper/fc bs=32k seek=$((12 << 20)) oflag=direct,seek_bytes conv=notrunc status=none
inj_b=$(($(fi_count) - c0)) kp_b=$(($(kp_hits) - k0))
c0=$(fi_count) k0=$(kp_hits)
rc=0
timeout -s KILL 300 pdm-stress --device /dev/mapper/fc --offset 8M --range 2M --qd 1 \
	--min-bs 32k --max-bs 32k --read-pct 0 --ops 64 --json --quiet \
	>/tmp/c.json 2>/tmp/c.err || rc=$?
inj_n=$(($(fi_count) - c0)) kp_n=$(($(kp_hits) - k0))
fi_off
sed 's/^/  stderr: /' /tmp/c.err
stress_check "c2: 64 single 32k io_uring writes, verified" /tmp/c.json "$rc"
echo "  c2: blocking (dd): 64 writes, $inj_b injected; io_uring: 64 writes, $inj_n injected"
if ((KP)); then
	echo "  c2: paes_io_work ran $kp_n times for the io_uring writes, $kp_b for dd's"
	((!FI)) || check "  the REQ_NOWAIT writes were handed to the worker (would-block branch)" [ "$kp_n" -ge 1 ]
	echo 0 >"$TR/events/pdmfi/punt/enable"
	echo '-:pdmfi/punt' >>"$TR/kprobe_events"
else
	echo "  c2: (no kprobes in tracefs: the hand-overs are not counted)"
fi
((!FI)) || check "  io_uring (REQ_NOWAIT) met more failures per write than dd: the failed attempt in map()" \
	[ "$inj_n" -gt "$inj_b" ]
ddr /dev/mapper/fc /tmp/rd 64k $((12 << 20)) $((2 << 20))
check "c2: dd's data reads back" cmp -s /tmp/pat /tmp/rd

for prob in 100 30; do
	log "c3: parked I/O across a rotation, resumed under failures ($prob %)"
	stress_bg --qd 16 --time 600 --max-bs 64k --read-pct 50
	check "  I/O running" wait_ios 50
	echo 1 >"$EMU"/rotate_wrapping_key
	check "  key stale" wait_field fc key stale
	check "  I/O parked" wait_parked
	tok=$(token xts-256 "$K1")
	c0=$(fi_count)
	fi_on "$prob" both
	dmc message fc 0 key set "$tok"
	check "  key valid again" wait_field fc key valid
	check "  I/O going on under failures" wait_ios 300
	fi_off
	echo "  c3: $(($(fi_count) - c0)) injected failures"
	stress_end "c3 ($prob %): qd 16, reads and writes across the rotation"
done
check "status: valid, nothing parked or expired" \
	[ "$(field fc key)/$(field fc parked)/$(field fc expired)" = valid/0/0 ]

log "c4: every block of the device as dm-crypt reads it with the same key"
ddr /dev/mapper/fc /tmp/paes.img 1M 0 $((16 << 20))
dmc create fcc --readonly --table "0 32768 crypt aes-xts-plain64 $K1 0 /dev/ram0 0"
ddr /dev/mapper/fcc /tmp/crypt.img 1M 0 $((16 << 20))
dmc remove fcc
check "c4: dm-paes and dm-crypt read the same 16 MiB" cmp -s /tmp/paes.img /tmp/crypt.img
rc=0
pdm-stress --device /dev/mapper/fc --verify-only --allow-unwritten --qd 16 --json --quiet \
	>/tmp/c.json 2>/tmp/c.err || rc=$?
stress_check "c4: pdm-stress --verify-only over the device" /tmp/c.json "$rc"
rm -f /tmp/paes.img /tmp/crypt.img

log "c5: key replace, the lost-block map under failures"
echo 1 >"$EMU"/rotate_wrapping_key
timeout 120 dd if=/dev/mapper/fc of=/dev/null bs=4k count=1 iflag=direct status=none 2>/tmp/c5.err &
rpid=$!
check "  a read parks, key stale" wait_parked
T2=$(token xts-256 "$K2")
fi_on 100 both
check "  key replace under failures" dmsetup message fc 0 key replace "$T2"
rc=0
wait "$rpid" || rc=$?
check "  the parked read (old key) fails with EIO, exit $rc" grep -q 'Input/output error' /tmp/c5.err
check "  lost_blocks = every block" [ "$(field fc lost_blocks)" = 32768 ]
c0=$(fi_count)
ddw /tmp/pat /dev/mapper/fc 32k
echo "  c5: 2 MiB written in 32k writes, $(($(fi_count) - c0)) injected failures"
fi_off
ddr /dev/mapper/fc /tmp/rd 64k 0 $((2 << 20))
check "c5: the rewritten 2 MiB reads back" cmp -s /tmp/pat /tmp/rd
check "c5: lost_blocks = every block but 4096" [ "$(field fc lost_blocks)" = $((32768 - 4096)) ]
if dd if=/dev/mapper/fc of=/dev/null bs=4k skip=$((4 << 20)) count=1 iflag=direct,skip_bytes status=none 2>/dev/null; then
	fail "c5: a block not rewritten since the replace reads"
else
	ok "c5: a block not rewritten since the replace reads EIO"
fi
dmc create fcc --readonly --table "0 32768 crypt aes-xts-plain64 $K2 0 /dev/ram0 0"
ddr /dev/mapper/fcc /tmp/rd 64k 0 $((2 << 20))
dmc remove fcc
check "c5: dm-crypt with the new clear key reads the rewritten 2 MiB" cmp -s /tmp/pat /tmp/rd
dmc remove fc
clean_after "area c" fc || true
fi_range "$R_PAES"
area_end

# ====================================================================
area_begin d
fi_range "$R_EMU"
K3=$(randhex 64)
K3F=$(randhex 64)
REF_X=$(token xts-256 "$K3")
REF_F=$(token fxts-256 "$K3F")
dd if="$SYS"/ccadata/ccadata_aes_256 of=/tmp/sk.bin bs=64 count=1 status=none
pkey-emu-check convert /tmp/sk.bin >/dev/null || die "the CCA secure key does not convert"

# op_tok N FORM CLR REF: paes-token under fail-nth: a clean error, or REF
tok_n() {
	op_nth "$1" paes-token clear2prot "$2" "$3"
	if ((OP_RC)); then
		[[ $OP_RC == 1 ]] || fail "paes-token $2 N=$1: exit $OP_RC: $OP_OUT"
	else
		[[ $OP_OUT == "$4" ]] || fail "paes-token $2 N=$1: another token than without failures"
	fi
	((OP_INJ))
}
clr_n() { tok_n "$1" xts-256 "$K3" "$REF_X"; }
kblob_n() { tok_n "$1" fxts-256 "$K3F" "$REF_F"; }
sweep "CLR2PROTK (paes-token xts-256, two ioctls)" clr_n
[[ $MODE != long ]] || sweep "KBLOB2PROTK3 of a clear-key token (paes-token fxts-256)" kblob_n
conv_n() {
	op_nth "$1" pkey-emu-check convert /tmp/sk.bin
	[[ $OP_RC == 0 || $OP_RC == 1 ]] || fail "convert N=$1: exit $OP_RC: $OP_OUT"
	((OP_INJ))
}
sweep "KBLOB2PROTK3 of a CCA secure key (pkey-emu-check convert)" conv_n
# attr_n N ATTR SIZE: a sysfs read gives SIZE bytes or a clean error
attr_n() {
	op_nth "$1" dd if="$SYS/$2" of=/tmp/attr bs="$3" count=1 status=none
	if ((OP_RC == 0)); then
		[[ $(stat -c %s /tmp/attr) == "$3" ]] || fail "read $2 N=$1: $(stat -c %s /tmp/attr) bytes"
	fi
	((OP_INJ))
}
pk_n() { attr_n "$1" protkey/protkey_aes_256_xts 160; }
fx_n() { attr_n "$1" protkey/protkey_aes_xts_256 112; }
cca_n() { attr_n "$1" ccadata/ccadata_aes_256_xts 128; }
sweep "sysfs protkey/protkey_aes_256_xts" pk_n
if [[ $MODE == long ]]; then
	sweep "sysfs protkey/protkey_aes_xts_256" fx_n
	sweep "sysfs ccadata/ccadata_aes_256_xts" cca_n
fi
check "after the sweeps the same clear key gives the same token" [ "$(token xts-256 "$K3")" = "$REF_X" ]

log "random /dev/pkey ioctls and sysfs reads (make-it-fail, 25 %)"
# (paes-fuzz would fail its own setup: make-it-fail covers a whole process)
fi_on 25 both task
nok=0 nfail=0
for ((i = 0; i < NRAND; i++)); do
	for f in xts-256 fxts-256; do
		rc=0
		out=$(mif paes-token clear2prot "$f" "$K3" 2>&1) || rc=$?
		if ((rc == 0)); then
			nok=$((nok + 1))
			[[ $f != xts-256 || $out == "$REF_X" ]] || fail "random paes-token $f: another token"
		elif [[ $rc == 1 && $out == *"Cannot allocate memory"* ]]; then
			nfail=$((nfail + 1))
		else
			fail "random paes-token $f: exit $rc: $out"
		fi
	done
	rc=0
	out=$(mif pkey-emu-check convert /tmp/sk.bin 2>&1) || rc=$?
	case $rc in
	0) nok=$((nok + 1)) ;;
	1) nfail=$((nfail + 1)) ;;
	*) fail "random convert: exit $rc: $out" ;;
	esac
done
ok "random ioctls: $nok done, $nfail failed cleanly"
nok=0 nfail=0
for a in protkey/protkey_aes_128 protkey/protkey_aes_256_xts protkey/protkey_aes_xts_128 \
	ccadata/ccadata_aes_128 ccacipher/ccacipher_aes_256 ep11/ep11_aes_256; do
	sz=$(stat -c %s "$SYS/$a")
	for ((i = 0; i < 2; i++)); do
		if mif dd if="$SYS/$a" of=/tmp/attr bs="$sz" count=1 status=none 2>/dev/null; then
			nok=$((nok + 1))
			[[ $(stat -c %s /tmp/attr) == "$sz" ]] || fail "random read $a: $(stat -c %s /tmp/attr) of $sz bytes"
		else
			nfail=$((nfail + 1))
		fi
	done
done
fi_off
ok "random sysfs reads: $nok full, $nfail failed cleanly"
rc=0
out=$(pkey-emu-check 2>&1) || rc=$?
tail -1 <<<"$out"
check "pkey-emu-check passes after the failures" [ "$rc" = 0 ]
area_end

# ====================================================================
log "kmemleak, after the devices are removed and the modules unloaded"
check "no device left" [ -z "$(dmsetup ls 2>/dev/null | grep -v 'No devices found' || true)" ]
keyctl clear @u
rmmod dm-paes pkey_emu || fail "rmmod dm-paes pkey_emu"
if [[ -e $KL ]]; then
	t0=$SECONDS
	echo scan >"$KL"
	sleep 5		# kmemleak reports only objects older than 5 s
	echo scan >"$KL"
	echo "  two scans in $((SECONDS - t0)) s"
	# a record is ours if a frame is [dm_paes]/[pkey_emu] or, now that
	# they are gone, an address in their old text
	read -r ps pe <<<"${R_PAES:-0 0}"
	read -r es ee <<<"${R_EMU:-0 0}"
	awk -v ps="$ps" -v pe="$pe" -v es="$es" -v ee="$ee" '
		function flush() { if (rec != "" && mine) { print rec; n++ } rec = ""; mine = 0 }
		/^unreferenced object/ { flush() }
		{ rec = rec $0 "\n" }
		/\[(dm_paes|pkey_emu)\]/ { mine = 1 }
		{
			for (i = 1; i <= NF; i++) {
				a = $i ""
				gsub(/[][<>]/, "", a)
				sub(/^0x/, "", a)
				if (length(a) == 16 && a ~ /^[0-9a-f]+$/ &&
				    ((a >= ps && a < pe) || (a >= es && a < ee)))
					mine = 1
			}
		}
		END { flush() }' "$KL" >/tmp/leaks
	nall=$(grep -c '^unreferenced object' "$KL" || true)
	if [[ -s /tmp/leaks ]]; then
		cat /tmp/leaks
		fail "kmemleak: $(grep -c '^unreferenced object' /tmp/leaks) leak(s) of dm_paes/pkey_emu (of $nall listed)"
	else
		ok "kmemleak: nothing of dm_paes/pkey_emu ($nall object(s) of others listed)"
	fi
else
	echo "  (no kmemleak in this kernel)"
	((!FI)) || fail "the debug kernel has no kmemleak"
fi

# ====================================================================
secs=$((SECONDS - t_start))
log "summary: injected failures per area (fault-injection \"times\" counters)"
total=0
for a in "${AREAS[@]}"; do
	echo "  $a: ${AREA_INJ[$a]} in ${AREA_T[$a]} s"
	total=$((total + AREA_INJ[$a]))
done
echo "MATRIX: debug.alloc-faults mode=$MODE kernel=$(uname -r) injected=$total" \
	"a=${AREA_INJ[a]} b=${AREA_INJ[b]} c=${AREA_INJ[c]} d=${AREA_INJ[d]} sweep_runs=$SW_TRIED" \
	"stress_runs=$S_RUNS ops=$S_OPS blocks_checked=$S_CHECKED wrong=$S_WRONG eio=$S_EIO seconds=$secs"
finish
