#!/bin/bash
# pdm-vm: --timeout 240
# Rotation storm on a device made by "pdm create" from /etc/pdm/pdmtab, with
# pdmd keeping its key valid, under pdm-stress load (io_uring, O_DIRECT,
# mixed request sizes 4k..128k, every read verified).
#
#   storm.sh MODE [short|long]     MODE: secure | clear | ephemeral
#
# The wrapping key is rotated at random intervals: mostly after pdmd has
# brought the key back (then 0..0.5 s later), sometimes 0..100 ms after the
# previous rotation, while pdmd may still be deriving (a token made under the
# old wrapping key is refused; pdmd must retry).  short: one pdm-stress run,
# 18 rotations; long: three runs (qd 32, 64 and 128; 1, 2 and 2 threads),
# 70 rotations each.
#
#   secure, clear  pdmd derives the same key again: zero wrong bytes, zero
#                  EIO, nothing expired, no replace; parked_total (bios
#                  parked and then completed) is reported.
#   ephemeral      pdmd key-replaces (on-key-loss=replace): pdm-stress
#                  --lossy accepts EIO on reads of blocks written before a
#                  replace and never a wrong byte; a block that failed alone
#                  must keep failing until rewritten.  Once the last
#                  replace is done the script tells pdm-stress (SIGUSR1):
#                  blocks written after that must never fail.  Its
#                  final pass reads every block of the device (prefilled at
#                  the start) and counts the lost ones, which must equal the
#                  target's lost_blocks.
. "$PDM_VM_LIB/pdm.sh"
mode=${1:-secure}
len=${2:-short}
case $mode in secure | clear | ephemeral) ;; *) die "MODE must be secure, clear or ephemeral" ;; esac
case $len in short | long) ;; *) die "second argument must be short or long" ;; esac
name=stress.$mode
[[ $len == long ]] && name+=.long
pdm_setup
modprobe brd rd_nr=1 rd_size=65536 # /dev/ram0, 64 MiB
S=$SECONDS

case $mode in
secure)
	pdm key generate stormkey >/dev/null || die "pdm key generate"
	src=secure:stormkey ;;
clear)
	head -c 64 /dev/urandom >/etc/pdm/storm.key
	chmod 600 /etc/pdm/storm.key
	src=clear:/etc/pdm/storm.key ;;
ephemeral) src=ephemeral ;;
esac
echo "st0 /dev/ram0 $src -" >/etc/pdm/pdmtab
log "pdmtab: $(cat /etc/pdm/pdmtab)"
pdm create st0 || die "pdm create st0"
check "st0 key valid" test "$(field st0 key)" = valid
check "st0 crypto sector 4096 (the pdmtab default)" test "$(field st0 sector_size)" = 4096
pdmd_start

# jnum FILE NAME -> the first number after "NAME": in pdm-stress's JSON
jnum() { sed -n "s/.*\"$2\": \(-\?[0-9]*\).*/\1/p" "$1" | head -n 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# rand_ms MAX -> 0..MAX
rand_ms() { echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1))); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# wait_back GEN TIMEOUT_MS: pdmd has reacted to a rotation: it installed a
# key (gen moved past GEN) and that key is valid.
wait_back() {
	local t0 st
	t0=$(now_ms)
	while :; do
		st=$(dmsetup status st0)
		[[ $st =~ key=valid && $st =~ gen=([0-9]+) ]] && ((BASH_REMATCH[1] > $1)) && return 0
		(($(now_ms) - t0 > $2)) && return 1
		sleep 0.02
	done
}

TOT_OPS=0 TOT_ROT=0 TOT_WRONG=0 TOT_EIO=0 TOT_TOOL_LOST=0 MAX_BACK=0 ROUNDS=0 LOST_MATCH=0
STRAIGHT=0 QUICK=0

# round QD THREADS ROTATIONS
round() {
	local qd=$1 threads=$2 nrot=$3 lossy=() j=/tmp/storm.$ROUNDS.json pid rc i gen t0 back
	local back_sum=0 back_n=0 before_replaces
	[[ $mode == ephemeral ]] && lossy=(--lossy)
	before_replaces=$(field st0 replaces)
	log "round $((ROUNDS + 1)): pdm-stress qd $qd x $threads thread(s), $nrot rotations"
	pdm-stress --device /dev/mapper/st0 --qd "$qd" --threads "$threads" --time 3600 \
		--prefill --min-bs 4k --max-bs 128k --read-pct 50 "${lossy[@]}" --json \
		>"$j" 2>"$j.err" &
	pid=$!
	sleep 1.5 # the prefill of 64 MiB takes well under a second
	for ((i = 1; i <= nrot; i++)); do
		kill -0 "$pid" 2>/dev/null || { fail "pdm-stress ended during the storm"; break; }
		gen=$(field st0 gen)
		t0=$(now_ms)
		rotate
		if ((RANDOM % 4 == 0 && i < nrot)); then
			# back to back: the next rotation may hit pdmd mid-derivation
			sleep_ms "$(rand_ms 100)"
			QUICK=$((QUICK + 1))
			continue
		fi
		if ! wait_back "$gen" 20000; then
			fail "rotation $i: no valid key from pdmd within 20 s ($(dmsetup status st0))"
			break
		fi
		back=$(($(now_ms) - t0))
		back_sum=$((back_sum + back)) back_n=$((back_n + 1))
		((back > MAX_BACK)) && MAX_BACK=$back
		STRAIGHT=$((STRAIGHT + 1))
		((i % 10 == 0)) && echo "   rotation $i: back after $back ms; $(dmsetup status st0 | cut -d' ' -f1-6)"
		sleep_ms "$(rand_ms 500)"
	done
	TOT_ROT=$((TOT_ROT + i - 1))
	# Quiesce: the last rotation handled, no replace may fall into the
	# final pass (it would change lost_blocks under it).
	wait_field st0 key valid 200 || fail "key not valid after the storm"
	# The fence: no replace from here on, so (--lossy) a block written
	# from now on must read back, never fail.
	kill -USR1 "$pid" 2>/dev/null
	sleep 2
	kill -TERM "$pid" 2>/dev/null
	rc=0
	wait "$pid" || rc=$?
	sed 's/^/   /' "$j.err" | head -n 30
	tail -n 6 "$j"
	local ops wrong eio eio_w
	ops=$(sed -n 's/.*"run": {"ops": \([0-9]*\).*/\1/p' "$j")
	wrong=$(jnum "$j" wrong_blocks)
	eio=$(($(jnum "$j" eio_allowed) + $(jnum "$j" eio_not_allowed)))
	eio_w=$(jnum "$j" eio_writes)
	TOT_OPS=$((TOT_OPS + ${ops:-0})) TOT_WRONG=$((TOT_WRONG + ${wrong:-1})) TOT_EIO=$((TOT_EIO + eio))
	echo "   status: $(dmsetup status st0)"
	((back_n)) && echo "   key back after a rotation: mean $((back_sum / back_n)) ms, max so far $MAX_BACK ms"
	check "round $((ROUNDS + 1)): pdm-stress exit 0 (got $rc)" test "$rc" = 0
	check "  zero wrong blocks (corrupt/misdirected/stale/resurrected)" test "${wrong:-x}" = 0
	check "  blocks verified ($(jnum "$j" blocks_checked))" test "$(jnum "$j" blocks_checked)" -gt 16384
	check "  no write failed (eio_writes=$eio_w)" test "$eio_w" = 0
	check "  nothing parked now, nothing expired" test "$(field st0 parked)/$(field st0 expired)" = 0/0
	if [[ $mode == ephemeral ]]; then
		local tl kl marked
		tl=$(jnum "$j" lost_blocks)
		kl=$(field st0 lost_blocks)
		marked=$(jnum "$j" lost_marked)
		TOT_TOOL_LOST=$((TOT_TOOL_LOST + tl))
		echo "   EIO reads $eio (allowed: lost blocks); lost blocks: pdm-stress $tl, target $kl"
		check "  key replaced during the round ($before_replaces -> $(field st0 replaces))" \
			test "$(field st0 replaces)" -gt "$before_replaces"
		check "  lost blocks counted by pdm-stress ($tl) = target's lost_blocks ($kl)" test "$tl" = "$kl"
		check "  every block decided (known lost $marked = $tl, undecided $(jnum "$j" suspect_left))" \
			test "$marked/$(jnum "$j" suspect_left)" = "$tl/0"
		check "  blocks written after the last replace read back ($(jnum "$j" fence_blocks) of them, EIO on $(jnum "$j" eio_after_fence))" \
			test "$(jnum "$j" fence_blocks)" -gt 0 -a "$(jnum "$j" eio_after_fence)" = 0
		[[ $tl == "$kl" ]] && LOST_MATCH=$((LOST_MATCH + 1))
	else
		check "  zero EIO" test "$eio" = 0
		check "  no replace, lost_blocks 0" test "$(field st0 replaces)/$(field st0 lost_blocks)" = 0/0
	fi
	ROUNDS=$((ROUNDS + 1))
}

if [[ $len == short ]]; then
	case $mode in secure) round 128 1 18 ;; clear) round 64 2 18 ;; ephemeral) round 32 2 18 ;; esac
else
	round 32 1 70
	round 64 2 70
	round 128 2 70
fi

stale=$(field st0 stale_events)
gen=$(field st0 gen)
if [[ $mode == ephemeral ]]; then
	n=$(pdmd_count "PDM_KEY_REPLACED dev=st0 ")
	check "every install was a replace (gen $gen = 1 + replaces $(field st0 replaces))" \
		test "$gen" -eq $((1 + $(field st0 replaces)))
	check "pdmd logged each replace (PDM_KEY_REPLACED $n = replaces)" test "$n" = "$(field st0 replaces)"
	check "no re-derivation of an ephemeral key" test "$(pdmd_count "PDM_KEY_REDERIVED dev=st0 ")" = 0
else
	n=$(pdmd_count "PDM_KEY_REDERIVED dev=st0 ")
	check "pdmd re-derived at least once per stale event ($n >= $stale)" test "$n" -ge "$stale"
	check "gen $gen = 1 + re-derivations $n" test "$gen" -eq $((1 + n))
fi
check "stale events seen ($stale) for the rotations ($TOT_ROT, $QUICK of them back to back)" \
	test "$stale" -ge "$STRAIGHT"
check "no pdmd regeneration failure left (key valid)" test "$(field st0 key)" = valid
check "pdmd still running" kill -0 "$PDMD_PID"
refused=$(pdmd_count "PDM_KEY_REGEN_FAILED dev=st0 ")
echo "   regeneration attempts refused and retried: $refused"
# Counters live in the table: take them before the device goes.
parked_total=$(field st0 parked_total)
replaces=$(field st0 replaces)
lost=$(field st0 lost_blocks)
log "status: $(dmsetup status st0)"
check "requests were parked and completed (parked_total $parked_total > 0)" test "$parked_total" -gt 0
pdmd_stop
pdm remove st0 || fail "pdm remove st0"
check "nothing left behind" no_leftovers st0
secs=$((SECONDS - S))
log "took $secs s"
m="MATRIX: $name ops=$TOT_OPS rotations=$TOT_ROT back_to_back=$QUICK stale_events=$stale gen=$gen"
eio_word=eio
[[ $mode == ephemeral ]] && eio_word=eio_allowed # lost blocks read as EIO
m+=" parked_total=$parked_total wrong=$TOT_WRONG $eio_word=$TOT_EIO max_key_back_ms=$MAX_BACK"
m+=" regen_refused=$refused replaces=$replaces"
[[ $mode == ephemeral ]] && m+=" tool_lost_blocks=$TOT_TOOL_LOST lost_blocks_last=$lost lost_match=$LOST_MATCH/$ROUNDS"
m+=" rounds=$ROUNDS seconds=$secs failures=$T_FAILS"
echo "$m"
pdm_finish
