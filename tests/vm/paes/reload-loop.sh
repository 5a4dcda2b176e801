#!/bin/bash
# dm-paes suspend/resume and identical-table reload loops under pdm-stress
# (io_uring, O_DIRECT, qd 32, mixed sizes, reads and writes, every block
# verified).  One operation after another, round-robin:
#   suspend + resume; noflush suspend + resume; reload with the same table
#   (the token in use) + suspend + resume; reload with a fresh token of
#   the same key + noflush suspend + resume; a rotation + key set; a
#   rotation, noflush suspend with I/O parked (requeued), key set while
#   suspended, resume; a rotation, reload with a fresh token while I/O is
#   parked, noflush suspend, resume; a rotation, a flushing suspend that
#   waits for the parked I/O until key set; a km_fail_after partial KM +
#   key set.
# After each: resumed, key valid, nothing left parked.  pdm-stress must
# see zero wrong blocks and zero EIO; the device recreated from a fresh
# token passes --verify-only.  Then removal: "dmsetup remove" while
# pdm-stress or a shell fd holds the device open is refused with EBUSY
# and the device keeps working; a deferred remove waits for the close;
# after the close a plain remove succeeds.
#
# usage: reload-loop.sh [short|long]
# pdm-vm: --timeout 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/stress-lib.sh"
MODE=$(mode_arg "${1:-}")
paes_setup
modprobe brd rd_nr=1 rd_size=32768	# /dev/ram0, 32 MiB
S=65536

if [[ $MODE == short ]]; then
	CONFIGS=("4096 xts-256")
	OPS=18			# two of each kind
else
	CONFIGS=("4096 xts-256" "512 fxts-128")
	OPS=90			# ten of each kind, per config
fi
NKIND=9
KINDS=(suspend noflush reload-same reload-fresh rotate rotate-noflush
	rotate-reload rotate-flushing partial)
declare -A NDONE CN MS
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

rotate() {
	echo 1 >"$EMU"/rotate_wrapping_key
	# with qd 32 in flight the target sees it at once; a quiet moment
	# (pdm-stress between requests) is fine too: key set works in any state
	wait_field rl key stale 30 >/dev/null || true
}
newtok() { CUR=$(token "$form" "$clr"); }
keyset() { newtok; dmc message rl 0 key set "$CUR"; }
is_suspended() { dmsetup info rl | grep -q SUSPENDED; }
# settled: resumed, key valid and nothing parked (within 5 s)
settled() {
	local i st
	is_suspended && return 1
	for ((i = 0; i < 50; i++)); do
		st=$(dmsetup status rl)
		[[ $st == *" key=valid "* && $st == *" parked=0 "* ]] && return 0
		sleep 0.1
	done
	return 1
}

# harvest: add the live table's counters to the totals (a reload resets
# them: call it just before the resume that swaps the table in)
REQUEUED=0 PARKED=0 STALE=0
stnum() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
harvest() {
	local st
	st=$(dmsetup status rl)
	REQUEUED=$((REQUEUED + $(stnum "$st" requeued)))
	PARKED=$((PARKED + $(stnum "$st" parked_total)))
	STALE=$((STALE + $(stnum "$st" stale_events)))
}

# op KIND: one operation; returns non-zero if a step failed
op() {
	case $1 in
	suspend) dmc suspend rl && dmc resume rl ;;
	noflush) dmc suspend --noflush rl && dmc resume rl ;;
	reload-same)
		dmc reload rl --table "$(tbl "$CUR")" && dmc suspend rl && harvest &&
			dmc resume rl ;;
	reload-fresh)
		newtok
		dmc reload rl --table "$(tbl "$CUR")" && dmc suspend --noflush rl &&
			harvest && dmc resume rl ;;
	rotate) rotate && keyset ;;
	rotate-noflush)
		rotate
		timeout 30 dmsetup suspend --noflush rl && keyset && dmc resume rl ;;
	rotate-reload)
		rotate
		newtok
		dmc reload rl --table "$(tbl "$CUR")" &&
			timeout 30 dmsetup suspend --noflush rl && harvest &&
			dmc resume rl ;;
	rotate-flushing)
		local spid rc=0
		rotate
		dmsetup suspend rl & spid=$!
		sleep 0.1
		keyset || rc=1
		wait "$spid" || rc=1
		dmc resume rl || rc=1
		return $rc ;;
	partial)
		echo $((RANDOM % 300)) >"$EMU"/km_fail_after
		local i
		for ((i = 0; i < 50; i++)); do
			[[ $(cat "$EMU"/km_fail_after) == -1 ]] && break
			sleep 0.1
		done
		echo -1 >"$EMU"/km_fail_after
		wait_field rl key stale 30 >/dev/null || true
		keyset ;;
	esac
}

t_start=$(date +%s)
OPFAIL=0 TOTAL=0 RB=0
for cfg in "${CONFIGS[@]}"; do
	read -r ss form <<<"$cfg"
	clr=$(randhex "$(clr_bytes "$form")")
	tbl() { echo "0 $S paes paes-xts-plain64 $1 0 /dev/ram0 0 2 sector_size:$ss key_timeout:30000"; }
	newtok
	dmc create rl --table "$(tbl "$CUR")"
	CN=() MS=()	# this config's counts and times per kind

	log "sector_size $ss, $form: $OPS suspend/reload/rotation operations under pdm-stress"
	pdm-stress --device /dev/mapper/rl --qd 32 --time 3600 --prefill --max-bs 64k \
		--read-pct 50 --json >/tmp/rl.json 2>/tmp/rl.err & pid=$!
	sleep 1
	for ((k = 0; k < OPS; k++)); do
		kind=${KINDS[k % NKIND]}
		t0=$(now_ms)
		if ! op "$kind" || ! settled; then
			OPFAIL=$((OPFAIL + 1))
			fail "op $k ($kind): $(dmsetup info -c --noheadings -o attr rl) $(dmsetup status rl)"
			is_suspended && dmc resume rl
			[[ $(field rl key) == valid ]] || keyset || true
		fi
		NDONE[$kind]=$((${NDONE[$kind]:-0} + 1))
		CN[$kind]=$((${CN[$kind]:-0} + 1))
		MS[$kind]=$((${MS[$kind]:-0} + $(now_ms) - t0))
		TOTAL=$((TOTAL + 1))
	done
	for k in "${KINDS[@]}"; do
		echo "  $k: ${CN[$k]:-0} done, $((${MS[$k]:-0} / ${CN[$k]:-1})) ms each"
	done
	check "pdm-stress still running" kill -0 "$pid"
	kill -TERM "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	sed 's/^/  stderr: /' /tmp/rl.err
	stress_check "pdm-stress across $OPS operations" /tmp/rl.json "$rc"
	check "status: valid, nothing parked, none expired" \
		[ "$(field rl key)/$(field rl parked)/$(field rl expired)" = valid/0/0 ]
	log "status: $(dmsetup status rl)"
	harvest
	dmc remove rl

	log "recreate from a fresh token; --verify-only"
	newtok
	dmc create rl --table "$(tbl "$CUR")"
	rc=0
	pdm-stress --device /dev/mapper/rl --verify-only --qd 32 --json >/tmp/v.json 2>/tmp/v.err || rc=$?
	stress_check "verify-only after the loop" /tmp/v.json "$rc"
	check "  every block verified" [ "$(jnum /tmp/v.json blocks_ok)" = $((S * 512 / ss)) ]
	[[ $cfg == "${CONFIGS[-1]}" ]] || dmc remove rl
done

log "remove while open"
# busy_remove: a plain remove must fail with EBUSY and leave the device
busy_remove() {
	local err
	if err=$(dmsetup remove rl 2>&1); then
		fail "dmsetup remove succeeded on an open device"
		return
	fi
	check "  refused with EBUSY (${err//$'\n'/ })" grep -q "Device or resource busy" <<<"$err"
	check "  device still there" dmsetup info rl >/dev/null
}
pdm-stress --device /dev/mapper/rl --qd 32 --time 3600 --max-bs 64k --read-pct 50 \
	--json >/tmp/rl.json 2>/tmp/rl.err & pid=$!
sleep 1
log "... held by pdm-stress"
busy_remove
RB=$((RB + 1))
rotate
keyset
sleep 1
busy_remove
RB=$((RB + 1))
check "  pdm-stress still running" kill -0 "$pid"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
stress_check "pdm-stress across the refused removes" /tmp/rl.json "$rc"

log "... held by a shell fd"
exec 3<>/dev/mapper/rl
busy_remove
RB=$((RB + 1))
head -c 65536 /dev/urandom >/tmp/w
ddw /tmp/w /dev/mapper/rl 64k $((1 << 20))
ddr /dev/mapper/rl /tmp/r 64k $((1 << 20)) 65536
check "  device works while the remove was refused" cmp -s /tmp/r /tmp/w
dmn=/dev/$(dmsetup info -c --noheadings -o blkdevname rl)
check "  deferred remove accepted while open" dmsetup remove --deferred rl
check "  device still there (deferred)" dmsetup info rl >/dev/null
ddr "$dmn" /tmp/r 64k $((1 << 20)) 65536
check "  and still works" cmp -s /tmp/r /tmp/w
exec 3<&-
gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		dmsetup info rl >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}
check "  removed once the fd is closed" gone
# once more, with a plain remove after the close
newtok
dmc create rl --table "$(tbl "$CUR")"
ddr /dev/mapper/rl /tmp/r 64k $((1 << 20)) 65536
check "  data survived the deferred remove" cmp -s /tmp/r /tmp/w
exec 3</dev/mapper/rl
busy_remove
RB=$((RB + 1))
exec 3<&-
check "  plain remove after the close succeeds" dmsetup remove rl
rmmod brd

secs=$(($(date +%s) - t_start))
kinds=""
for k in "${KINDS[@]}"; do kinds+=" ${k//-/_}=${NDONE[$k]:-0}"; done
echo "MATRIX: paes.reload-loop mode=$MODE configs=${#CONFIGS[@]} operations=$TOTAL" \
	"op_failures=$OPFAIL$kinds stale_events=$STALE parked_total=$PARKED requeued=$REQUEUED refused_removes=$RB stress_runs=$S_RUNS ops=$S_OPS" \
	"blocks_checked=$S_CHECKED wrong=$S_WRONG eio=$S_EIO seconds=$secs"
finish
