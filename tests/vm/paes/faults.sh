#!/bin/bash
# pdm-vm: --timeout 900
# dm-paes partial completion under load.  pkey_emu's km_fail_after=N
# makes the next KM call that passes the WKVP check transform only N AES
# blocks (16 bytes each), rotate the wrapping key and return short; a
# crypto sector is 32 (sector_size 512) or 256 (4096) AES blocks, and the
# target makes one KM call per sector, so N below that stops mid-sector
# (a read keeps the bytes already decrypted in place plus the XTS state
# and resumes at that byte; a write is encrypted again), N at or above it
# completes the sector and leaves the key stale for the next call.
#
# For every sector size / key form pair, pdm-stress (io_uring, O_DIRECT,
# qd 32, sizes 1 sector .. 64 KiB) runs a read-only, a write-only (and in
# the long form a mixed) phase; during each, km_fail_after is armed with
# one value after another, the key goes stale, I/O parks, and a fresh
# token of the same clear key comes in by "key set".  Every phase must end
# with zero wrong blocks and zero EIO, each arm must be consumed by exactly
# one partial KM and one stale event.  Then "key set" itself races a
# partial KM (its verification-pattern KM consumes the arm), and at the end
# the device is recreated from the *other* key form of the same clear key
# (two-key <-> full-XTS) and read back with pdm-stress --verify-only.
#
# usage: faults.sh [short|long]
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/stress-lib.sh"
MODE=$(mode_arg "${1:-}")
paes_setup
modprobe brd rd_nr=1 rd_size=16384	# /dev/ram0, 16 MiB

if [[ $MODE == short ]]; then
	S=16384		# 8 MiB used: prefill and final verify stay short
	CONFIGS=("512 xts-256" "4096 fxts-256" "512 fxts-128" "4096 xts-128")
	PHASES=(read write)
	VALUES=(0 1 3 7 16 17 31 32 33 128 255 256 257 4095)
	PER=4		# values per phase, taken round-robin from VALUES
	SETTLE=0.2	# seconds of I/O with a valid key between arms
else
	CONFIGS=("512 xts-256" "512 fxts-256" "512 xts-128" "512 fxts-128"
		"4096 xts-256" "4096 fxts-256" "4096 xts-128" "4096 fxts-128")
	PHASES=(read write mixed)
	VALUES=(0 1 2 3 7 15 16 17 31 32 33 63 64 65 127 128 129 255 256 257 511 4095)
	PER=11		# per phase: each config sees 33 arms, the list 1.5 times
	S=32768
	SETTLE=0.4
fi

# the other form of the same clear key: reads the same data
other_form() {
	case $1 in
	xts-*) echo "f$1" ;;
	fxts-*) echo "${1#f}" ;;
	esac
}

# wait_consumed: the armed km_fail_after was used by a KM call (10 s)
wait_consumed() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(cat "$EMU"/km_fail_after) == -1 ]] && return 0
		sleep 0.1
	done
	echo "  (timeout: km_fail_after still $(cat "$EMU"/km_fail_after))"
	return 1
}

# wait_prefill DEV: writes (field 5 of the block device's stat) started
# and stopped growing: pdm-stress --read-pct 100 is past its prefill
wait_prefill() {
	local st i w=0 prev=-1
	st=/sys/block/$(dmsetup info -c --noheadings -o blkdevname "$1")/stat
	for ((i = 0; i < 200; i++)); do
		w=$(awk '{print $5}' "$st")
		((w > 0 && w == prev)) && return 0
		prev=$w
		sleep 0.2
	done
	fail "prefill did not finish (writes=$w)"
}

ARMS=0 PARTIALS=0 STALES=0 KEYSETS=0 RACES=0 VBLOCKS=0 vi=0
t_start=$(date +%s)
echo -1 >"$EMU"/km_fail_after

for cfg in "${CONFIGS[@]}"; do
	read -r ss form <<<"$cfg"
	clr=$(randhex "$(clr_bytes "$form")")
	tbl() { echo "0 $S paes paes-xts-plain64 $1 0 /dev/ram0 0 2 sector_size:$ss key_timeout:30000"; }
	log "sector_size $ss, $form"
	dmc create f --table "$(tbl "$(token "$form" "$clr")")"

	for ph in "${PHASES[@]}"; do
		case $ph in
		read) args=(--prefill --read-pct 100) ;;
		write) args=(--read-pct 0) ;;
		mixed) args=(--read-pct 50) ;;
		esac
		vals=()
		for ((k = 0; k < PER; k++)); do
			vals+=("${VALUES[vi % ${#VALUES[@]}]}")
			vi=$((vi + 1))
		done
		pdm-stress --device /dev/mapper/f --qd 32 --time 600 --max-bs 64k \
			"${args[@]}" --json >/tmp/f.json 2>/tmp/f.err & pid=$!
		# the read phase arms only after the prefill (a write pass)
		if [[ $ph == read ]]; then wait_prefill f; else sleep 0.3; fi
		p0=$(cat "$EMU"/km_partial)
		s0=$(field f stale_events)
		bad=0
		for v in "${vals[@]}"; do
			echo "$v" >"$EMU"/km_fail_after
			ARMS=$((ARMS + 1))
			if ! wait_consumed || ! wait_field f key stale; then
				bad=1
				fail "$ph: km_fail_after=$v: no partial KM / no stale key"
				break
			fi
			if ! rekey f "$form" "$clr"; then
				bad=1
				fail "$ph: km_fail_after=$v: key set did not make the key valid"
				break
			fi
			KEYSETS=$((KEYSETS + 1))
			sleep "$SETTLE"
		done
		check "$ph: pdm-stress still running after the arms" kill -0 "$pid"
		kill -TERM "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" || rc=$?
		sed 's/^/  stderr: /' /tmp/f.err
		np=$(($(cat "$EMU"/km_partial) - p0))
		ns=$(($(field f stale_events) - s0))
		PARTIALS=$((PARTIALS + np))
		STALES=$((STALES + ns))
		stress_check "$ph phase, km_fail_after ${vals[*]}" /tmp/f.json "$rc"
		((bad)) || check "  ${#vals[@]} arms -> $np partial KMs, $ns stale events" \
			[ "$np/$ns" = "${#vals[@]}/${#vals[@]}" ]
	done

	log "key set races a partial KM ($ss, $form)"
	pdm-stress --device /dev/mapper/f --qd 32 --time 600 --max-bs 64k --read-pct 50 \
		--json >/tmp/f.json 2>/tmp/f.err & pid=$!
	sleep 0.3
	# km_fail_after=0 while stale: the VP computation in key set is the
	# first KM to pass the WKVP check, transforms nothing, and the key
	# rotates under it: key set must refuse the token (stale) and change
	# nothing; a token made after that is accepted.
	echo 1 >"$EMU"/rotate_wrapping_key
	check "stale" wait_field f key stale
	g0=$(field f gen)
	echo 0 >"$EMU"/km_fail_after
	if dmsetup message f 0 key set "$(token "$form" "$clr")" 2>/dev/null; then
		fail "key set accepted a token made stale during its own VP check"
	else ok "key set refused: its VP check was cut at 0 blocks"; fi
	check "  arm consumed, state stale, gen unchanged" \
		[ "$(cat "$EMU"/km_fail_after)/$(field f key)/$(field f gen)" = "-1/stale/$g0" ]
	check "  key set with a fresh token" rekey f "$form" "$clr"
	KEYSETS=$((KEYSETS + 1))
	sleep "$SETTLE"
	# km_fail_after=1 while stale: the one-block VP completes, then the key
	# rotates: key set succeeds with a key that is already stale, resumed
	# I/O parks again, and the next key set finishes the job.
	echo 1 >"$EMU"/rotate_wrapping_key
	check "stale" wait_field f key stale
	s0=$(field f stale_events)
	echo 1 >"$EMU"/km_fail_after
	check "key set accepted (VP done before the rotation)" \
		dmsetup message f 0 key set "$(token "$form" "$clr")"
	KEYSETS=$((KEYSETS + 1))
	check "  ... and the key is stale again at once" wait_field f key stale
	check "  one more stale event" [ "$(field f stale_events)" = $((s0 + 1)) ]
	check "  key set with a fresh token" rekey f "$form" "$clr"
	KEYSETS=$((KEYSETS + 1))
	RACES=$((RACES + 2))
	sleep "$SETTLE"
	kill -TERM "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	sed 's/^/  stderr: /' /tmp/f.err
	stress_check "pdm-stress across the key-set races" /tmp/f.json "$rc"

	check "status: valid, nothing parked, none expired" \
		[ "$(field f key)/$(field f parked)/$(field f expired)" = valid/0/0 ]
	log "status: $(dmsetup status f)"
	dmc remove f

	of=$(other_form "$form")
	log "recreate as $of (same clear key); --verify-only"
	dmc create f --table "$(tbl "$(token "$of" "$clr")")"
	rc=0
	pdm-stress --device /dev/mapper/f --verify-only --qd 32 --json >/tmp/v.json 2>/tmp/v.err || rc=$?
	sed 's/^/  stderr: /' /tmp/v.err
	stress_check "verify-only through $of" /tmp/v.json "$rc"
	VBLOCKS=$((VBLOCKS + $(jnum /tmp/v.json blocks_ok)))
	check "  every block of the device verified" \
		[ "$(jnum /tmp/v.json blocks_ok)" = $((S * 512 / ss)) ]
	dmc remove f
done
rmmod brd

secs=$(($(date +%s) - t_start))
log "$ARMS arms, $PARTIALS partial KMs, $STALES stale events, $KEYSETS key sets in $secs s"
echo "MATRIX: paes.faults mode=$MODE configs=${#CONFIGS[@]} arms=$ARMS partial_km=$PARTIALS" \
	"stale_events=$STALES keysets=$KEYSETS keyset_races=$RACES stress_runs=$S_RUNS ops=$S_OPS" \
	"blocks_checked=$S_CHECKED verify_only_blocks=$VBLOCKS wrong=$S_WRONG eio=$S_EIO seconds=$secs"
finish
