#!/bin/bash
# dm-paes under io_uring stress across wrapping-key changes: pdm-stress
# (O_DIRECT, qd 32, random mixed-size reads and writes, every block verified
# against its header, sequence number and checksum) runs while the wrapping
# key is rotated 5 times; after each rotation the key goes stale, I/O parks,
# and a fresh token of the same clear key is injected with "key set".
# pdm-stress must see no wrong byte and no EIO.  Then the device is
# recreated from another token of the same key and read back with
# --verify-only (no in-memory state).
# pdm-vm: --timeout 180
. "$(dirname "$0")/../lib/common.sh"
paes_setup
modprobe brd rd_nr=1 rd_size=32768	# /dev/ram0, 32 MiB

S=65536					# 32 MiB in sectors
ROTATIONS=5
clr=$(randhex 64)
tbl() { echo "0 $S paes paes-xts-plain64 $1 0 /dev/ram0 0 2 sector_size:4096 key_timeout:30000"; }
dmc create stress --table "$(tbl "$(token xts-256 "$clr")")"

# jnum FILE NAME -> the number after "NAME": in pdm-stress's JSON summary
jnum() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" | head -1; }

run_s=$((20 * ${PDM_VM_TIME_SCALE:-1}))
log "pdm-stress --qd 32 --time $run_s with $ROTATIONS wrapping-key rotations"
pdm-stress --device /dev/mapper/stress --qd 32 --time "$run_s" --prefill --max-bs 128k \
	--read-pct 50 --json >/tmp/stress.json 2>/tmp/stress.err & pid=$!
sleep 2
for ((i = 1; i <= ROTATIONS; i++)); do
	check "rotation $i: pdm-stress still running" kill -0 "$pid"
	echo 1 >"$EMU"/rotate_wrapping_key
	check "rotation $i: key stale" wait_field stress key stale
	echo "  parked=$(field stress parked) gen=$(field stress gen)"
	dmc message stress 0 key set "$(token xts-256 "$clr")"
	check "rotation $i: key valid again" wait_field stress key valid
	sleep 1.5
done
rc=0
wait "$pid" || rc=$?
cat /tmp/stress.json
sed 's/^/  stderr: /' /tmp/stress.err
check "pdm-stress exit 0 (got $rc)" [ "$rc" = 0 ]
check "zero wrong blocks" [ "$(jnum /tmp/stress.json wrong_blocks)" = 0 ]
check "zero corrupt/misdirected/stale" [ "$(jnum /tmp/stress.json corrupt)/$(jnum /tmp/stress.json misdirected)/$(jnum /tmp/stress.json stale)" = 0/0/0 ]
check "zero EIO" [ "$(jnum /tmp/stress.json eio_allowed)/$(jnum /tmp/stress.json eio_not_allowed)" = 0/0 ]
check "blocks verified" [ "$(jnum /tmp/stress.json blocks_checked)" -gt 8192 ]
check "gen=$((ROTATIONS + 1)) stale_events=$ROTATIONS" \
	[ "$(field stress gen)/$(field stress stale_events)" = "$((ROTATIONS + 1))/$ROTATIONS" ]
check "nothing parked, key valid" [ "$(field stress parked)/$(field stress key)" = 0/valid ]
echo "parked_total=$(field stress parked_total) expired=$(field stress expired)"
log "status: $(dmsetup status stress)"

log "recreate from a new token of the same key; --verify-only"
dmc remove stress
dmc create stress --table "$(tbl "$(token xts-256 "$clr")")"
rc=0
pdm-stress --device /dev/mapper/stress --verify-only --qd 32 >/tmp/verify.txt 2>&1 || rc=$?
cat /tmp/verify.txt
check "verify-only after recreate: exit 0 (got $rc)" [ "$rc" = 0 ]

log "key replace: lost blocks read as EIO, counted apart from wrong data"
# A replace is taken only over a key that is gone: wipe it first.
dmc suspend stress
dmc message stress 0 key wipe
dmc message stress 0 key replace "$(token xts-256 "$(randhex 64)")"
dmc resume stress
rc=0
pdm-stress --device /dev/mapper/stress --verify-only --json >/tmp/lost.json 2>/dev/null || rc=$?
check "verify-only on lost blocks: exit 2 (EIO), got $rc" [ "$rc" = 2 ]
check "  EIO counted, no wrong block" \
	[ "$(jnum /tmp/lost.json eio_not_allowed)" -gt 0 -a "$(jnum /tmp/lost.json wrong_blocks)" = 0 ]
rc=0
# Long enough that some reads meet blocks this run has rewritten, also at
# the debug kernel's speed.
pdm-stress --device /dev/mapper/stress --qd 32 --time $((3 * ${PDM_VM_TIME_SCALE:-1})) --read-pct 70 --allow-eio --json \
	>/tmp/lost.json 2>/tmp/lost.err || rc=$?
cat /tmp/lost.err
check "random I/O over lost blocks with --allow-eio: exit 0, got $rc" [ "$rc" = 0 ]
check "  EIO allowed>0, not allowed 0, no wrong block" \
	[ "$(jnum /tmp/lost.json eio_allowed)" -gt 0 -a "$(jnum /tmp/lost.json eio_not_allowed)/$(jnum /tmp/lost.json wrong_blocks)" = 0/0 ]
check "  rewritten blocks verified" [ "$(jnum /tmp/lost.json blocks_ok)" -gt 0 ]
dmc remove stress
rmmod brd
finish
