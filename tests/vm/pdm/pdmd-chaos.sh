#!/bin/bash
# pdm-vm: --timeout 240
# pdmd killed and restarted at random points of a rotation storm, on a
# secure device under pdm-stress load (io_uring, O_DIRECT, qd 64, mixed
# sizes, every read verified).  pdmd-restart.sh covers the single cases
# (stale and lost while pdmd is down); this one piles them up at random.
#
#   pdmd-chaos.sh [short|long]     short: 8 kill/restart events, long: 60
#
# A. The storm (key-timeout 10000, every outage far shorter): each event
#    picks at random a signal (SIGKILL or SIGTERM) and one of
#      mid-derive   rotate, kill 0..80 ms later (pdmd may be deriving or
#                   sending "key set"), restart 0..1.5 s later
#      down-rotate  kill, rotate while no pdmd runs (I/O parks), restart
#                   0..1.5 s later (the new pdmd finds the device stale)
#      startup      rotate, start pdmd, kill it again 0..300 ms into its
#                   start (scan, worker start-up), start it again
#      idle         kill and restart with no rotation pending, then rotate
#                   with pdmd up
#    After each event the key must be valid again within 10 s (nothing
#    missed).  pdm-stress: zero wrong bytes and zero EIO (no key_timeout
#    can expire), expired=0.
# B. key_timeout expiry with pdmd stopped (key-timeout 2000, under load with
#    --allow-eio): I/O parks, fails with EIO after 2 s (expired > 0,
#    key=lost), new I/O fails fast; a new pdmd sets the key again
#    (PDM_KEY_REDERIVED was=lost), new I/O succeeds, and the final verify of
#    the whole device (data written before the outage included) has no EIO
#    and no wrong byte.
. "$PDM_VM_LIB/pdm.sh"
len=${1:-short}
case $len in short) EVENTS=8 ;; long) EVENTS=60 ;; *) die "argument must be short or long" ;; esac
name=pdm.pdmd-chaos
[[ $len == long ]] && name+=.long
pdm_setup
modprobe brd rd_nr=2 rd_size=65536 # /dev/ram0, /dev/ram1: 64 MiB each
S=$SECONDS
pdm key generate chaoskey >/dev/null || die "pdm key generate"
cat >/etc/pdm/pdmtab <<TAB
# name  device     keysource        options
c0      /dev/ram0  secure:chaoskey  key-timeout=10000
c1      /dev/ram1  secure:chaoskey  key-timeout=2000
TAB
pdm create --all || die "pdm create --all"

jnum() { sed -n "s/.*\"$2\": \(-\?[0-9]*\).*/\1/p" "$1" | head -n 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
rand_ms() { echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1))); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# pdmd without waiting for anything (a kill may come during its start).
STARTS=0 KILLS=0 TERMS=0
# Its log lines get a time stamp (seconds since boot) to line up with ours.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$l"; done; }
chaos_start() {
	pdmd --stderr > >(stamp >>"$PDMD_LOG") 2>&1 &
	PDMD_PID=$!
	STARTS=$((STARTS + 1))
}
# chaos_kill SIG: kill pdmd and reap it; a SIGTERM must end it cleanly.
chaos_kill() {
	local rc=0 stops i
	stops=$(pdmd_count PDM_DAEMON_STOP)
	kill "-$1" "$PDMD_PID" || fail "pdmd was not running any more (crashed?)"
	wait "$PDMD_PID" || rc=$?
	if [[ $1 == KILL ]]; then
		KILLS=$((KILLS + 1))
		[[ $rc == 137 ]] || fail "pdmd after SIGKILL: status $rc, not 137"
	else
		TERMS=$((TERMS + 1))
		# A SIGTERM that lands before the signal mask is set up kills
		# (143); after it, pdmd stops cleanly (0, PDM_DAEMON_STOP).
		if [[ $rc == 0 ]]; then
			# the time-stamping reader may not have written it yet
			for ((i = 0; i < 50; i++)); do
				(($(pdmd_count PDM_DAEMON_STOP) > stops)) && break
				sleep 0.02
			done
			((i < 50)) || fail "pdmd exited 0 on SIGTERM without PDM_DAEMON_STOP"
		elif [[ $rc != 143 ]]; then
			fail "pdmd after SIGTERM: status $rc"
			tail -n 5 "$PDMD_LOG"
		fi
	fi
	PDMD_PID=
}
# wait_valid DEV TIMEOUT_MS: key valid and nothing parked
wait_valid() {
	local t0 st
	t0=$(now_ms)
	while :; do
		st=$(dmsetup status "$1")
		[[ $st =~ key=valid && $st =~ \ parked=0\  ]] && return 0
		(($(now_ms) - t0 > $2)) && { echo "   $1: $st"; return 1; }
		sleep 0.02
	done
}

# ---- A. the storm -------------------------------------------------------
log "A. $EVENTS pdmd kill/restart events in a rotation storm on c0 under pdm-stress"
j=/tmp/chaos.json
pdm-stress --device /dev/mapper/c0 --qd 64 --time 3600 --prefill --min-bs 4k --max-bs 128k \
	--read-pct 50 --json >"$j" 2>"$j.err" &
spid=$!
chaos_start
sleep 1.5
ROT=0 MAXREC=0
declare -A KINDS=()
for ((e = 1; e <= EVENTS; e++)); do
	kill -0 "$spid" 2>/dev/null || { fail "pdm-stress ended during the storm"; break; }
	sig=KILL
	((RANDOM % 2)) && sig=TERM
	kinds=(mid-derive down-rotate startup idle)
	kind=${kinds[RANDOM % 4]}
	KINDS[$kind]=$((${KINDS[$kind]:-0} + 1))
	case $kind in
	mid-derive)
		rotate; ROT=$((ROT + 1))
		sleep_ms "$(rand_ms 80)"
		chaos_kill "$sig"
		sleep_ms "$(rand_ms 1500)"
		chaos_start ;;
	down-rotate)
		chaos_kill "$sig"
		rotate; ROT=$((ROT + 1))
		sleep_ms "$(rand_ms 1500)"
		chaos_start ;;
	startup)
		rotate; ROT=$((ROT + 1))
		chaos_kill "$sig"
		chaos_start
		sleep_ms "$(rand_ms 300)"
		chaos_kill "$sig"
		chaos_start ;;
	idle)
		chaos_kill "$sig"
		chaos_start
		sleep_ms "$(rand_ms 500)"
		rotate; ROT=$((ROT + 1)) ;;
	esac
	t0=$(now_ms)
	if ! wait_valid c0 10000; then
		fail "event $e ($kind, SIG$sig): key not valid within 10 s: pdmd missed the rotation"
		tail -n 8 "$PDMD_LOG" | sed 's/^/   /'
		break
	fi
	rec=$(($(now_ms) - t0))
	((rec > MAXREC)) && MAXREC=$rec
	echo "   event $e at $(cut -d' ' -f1 /proc/uptime): $kind SIG$sig, valid again $rec ms after the restart; $(dmsetup status c0 | cut -d' ' -f4-7)"
	# a few rotations with pdmd up in between
	for ((r = RANDOM % 3; r > 0; r--)); do
		sleep_ms "$(rand_ms 400)"
		rotate; ROT=$((ROT + 1))
	done
	sleep_ms "$(rand_ms 400)"
done
wait_valid c0 10000 || fail "c0 not valid at the end of the storm"
sleep 1
kill -TERM "$spid"
rc=0
wait "$spid" || rc=$?
sed 's/^/   /' "$j.err" | head -n 30
tail -n 5 "$j"
ops=$(sed -n 's/.*"run": {"ops": \([0-9]*\).*/\1/p' "$j")
wrong=$(jnum "$j" wrong_blocks)
eio=$(($(jnum "$j" eio_allowed) + $(jnum "$j" eio_not_allowed)))
log "c0: $(dmsetup status c0)"
echo "   events: ${!KINDS[*]} = ${KINDS[*]}; pdmd starts $STARTS, SIGKILL $KILLS, SIGTERM $TERMS; rotations $ROT"
check "A: pdm-stress exit 0 (got $rc)" test "$rc" = 0
check "A: zero wrong blocks" test "${wrong:-x}" = 0
check "A: zero EIO" test "$eio" = 0
check "A: nothing expired, nothing parked, key valid" \
	test "$(field c0 expired)/$(field c0 parked)/$(field c0 key)" = 0/0/valid
check "A: stale events ($(field c0 stale_events)) > 0, no replace" \
	test "$(field c0 stale_events)" -gt 0 -a "$(field c0 replaces)" = 0
c0_parked_total=$(field c0 parked_total)
c0_stale=$(field c0 stale_events)
c0_gen=$(field c0 gen)

# ---- B. key_timeout expiry with pdmd stopped ------------------------------
log "B. c1 (key-timeout 2000): pdmd stopped, rotation, parked I/O expires, pdmd back"
jb=/tmp/expiry.json
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 status=none
# The pattern sits in the last 4 MiB, outside pdm-stress's range: data
# written before the outage that nothing touches during it.
ddw /tmp/pat /dev/mapper/c1 1M $((60 << 20))
pdm-stress --device /dev/mapper/c1 --range-mb 60 --qd 32 --time 3600 --prefill --min-bs 4k \
	--max-bs 64k --read-pct 50 --allow-eio --json >"$jb" 2>"$jb.err" &
spid=$!
sleep 2
sig=KILL
((RANDOM % 2)) && sig=TERM
chaos_kill "$sig"
rotate
t0=$(now_ms)
wait_field c1 key lost 100 || true
tl=$(($(now_ms) - t0))
check "B: c1 key=lost $tl ms after the rotation (key-timeout 2000)" test "$(field c1 key)" = lost
check "B: ... not before the timeout ($tl ms >= 1500)" test "$tl" -ge 1500
expired=$(field c1 expired)
check "B: parked I/O failed (expired=$expired > 0)" test "$expired" -gt 0
set +e
t1=$(now_ms)
dd if=/dev/mapper/c1 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null
rdrc=$?
t2=$(now_ms)
set -e
check "B: a new read on the lost device fails (rc $rdrc), fast ($((t2 - t1)) ms < 1000)" \
	test "$rdrc" -ne 0 -a $((t2 - t1)) -lt 1000
sleep 1
log "B: pdmd back"
chaos_start
pdmd_wait "PDM_KEY_REDERIVED dev=c1 .*was=lost .*key=valid" 100
check "B: c1 valid again" wait_valid c1 10000
sleep 3
kill -TERM "$spid"
rc=0
wait "$spid" || rc=$?
sed 's/^/   /' "$jb.err" | head -n 10
tail -n 5 "$jb"
log "c1: $(dmsetup status c1)"
beio=$(jnum "$jb" eio_allowed)
check "B: pdm-stress exit 0 (got $rc)" test "$rc" = 0
check "B: zero wrong blocks" test "$(jnum "$jb" wrong_blocks)" = 0
check "B: I/O failed with EIO during the outage ($beio requests)" test "${beio:-0}" -gt 0
check "B: ... and none in the final verify of the whole range after pdmd came back" \
	test "$(jnum "$jb" eio_verify)" = 0
dd if=/dev/mapper/c1 of=/tmp/pat2 bs=1M count=4 skip=60 iflag=direct status=none
check "B: data written before the outage intact" cmp /tmp/pat /tmp/pat2
check "B: no replace on a secure device" test "$(field c1 replaces)" = 0

check "pdmd still running" kill -0 "$PDMD_PID"
pdmd_stop
for d in c0 c1; do pdm remove $d || fail "pdm remove $d"; done
for d in c0 c1; do check "nothing of $d left behind" no_leftovers $d; done
secs=$((SECONDS - S))
log "took $secs s"
echo "MATRIX: $name ops=${ops:-0} events=$EVENTS pdmd_starts=$STARTS sigkill=$KILLS sigterm=$TERMS" \
	"rotations=$ROT stale_events=$c0_stale gen=$c0_gen parked_total=$c0_parked_total wrong=${wrong:-?}" \
	"eio=$eio max_recovery_ms=$MAXREC expiry_eio=${beio:-0} expired=$expired seconds=$secs failures=$T_FAILS"
pdm_finish
