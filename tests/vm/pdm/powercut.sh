#!/bin/bash
# pdm-vm: --fresh-disk pclog1:512M --fresh-disk pclog2:512M --timeout 600
# Power-cut consistency (issue 14): everything a flush acknowledged is on the
# disk below dm-paes, at every flush, FUA and fsync of a metadata-heavy
# workload, across wrapping-key rotations and with an fsync whose writes park
# on a stale key (dm-paes passes a flush through at once: what parks are the
# data and journal writes the flush orders, and the fsync must wait for them).
#
#   powercut.sh [short|long]
#
# Two runs in the same guest, the same seeded workload (durable-load), each
# on its own ram disk with its own dm-log-writes log on a virtio disk:
#   paes   ram disk -> dm-log-writes -> dm-paes ("pdm create", a secure key
#          made from a known clear key) -> ext4; pdmd running; the wrapping
#          key rotates while the workload waits just before a write it will
#          fsync (durable-load --pause-before-sync), so each rotation meets
#          an fsync, which parks until pdmd re-derives; once more with pdmd
#          stopped: that fsync parks on the stale key and must not return
#          (no mark after it) until pdmd is let go;
#   crypt  the same with dm-crypt aes-xts-plain64 in place of dm-paes and no
#          rotation: the reference.
# Then the log is replayed (log-replay) point by point onto a second ram disk:
# at every FLUSH/FUA entry and every mark after mkfs (short: 160 operations,
# a few hundred marks, at most 200 points checked, evenly spread; long: 200
# operations, every point), dm-crypt with the same clear
# key (the oracle: same key, same ciphertext) over a dm-snapshot of the
# replayed disk is mounted (ext4 replays its journal into the snapshot),
# "durable-load --check" verifies everything the workload had made durable by
# then, and after the umount "e2fsck -fn" must find the file system clean.
# One point more proves the check is not blind: just before the first flush
# after the parked write began (the parked fsync's journal commit, or an
# earlier flush: a flush that never reached the disk), claiming the facts of
# the mark from which that file is durable must fail.  Last, the fully replayed disk
# must equal the recorded one byte for byte.
# shellcheck disable=SC2119 # pdmd_start/pdmd_stop take options, not ours
. "$PDM_VM_LIB/pdm.sh"
len=${1:-short}
case $len in
# On a slow kernel (the debug kernel's time scale) a replayed point costs
# that much more: the short form checks that many times fewer of them.
short) OPS=160 ROTATIONS=3 MAXPOINTS=$((200 / ${PDM_VM_TIME_SCALE:-1})) ;;
long) OPS=200 ROTATIONS=8 MAXPOINTS=0 ;;
*) die "argument must be short or long" ;;
esac
name=pdm.powercut
[[ $len == long ]] && name+=.long
SEED=14
T0=$SECONDS

pdm_setup
modprobe dm-log-writes || die "modprobe dm-log-writes"
modprobe dm-snapshot || die "modprobe dm-snapshot"
modprobe dm-crypt
modprobe ext4
# ram0/ram1: paes data/replay, ram2/ram3: crypt data/replay, ram4: the
# snapshots' exception store.  64 MiB each, allocated as written.
modprobe brd rd_nr=5 rd_size=65536
SZ=$(blockdev --getsz /dev/ram0)
COW=/dev/ram4
mkdir -p /mnt/pc /mnt/oracle /etc/pdm

# The clear key both runs and the oracle use (xts-256: K1 then K2).
CLEAR=$(randhex 64)
# shellcheck disable=SC2001 # every two hex digits -> \xHH, for printf %b
(umask 077 && printf '%b' "$(sed 's/../\\x&/g' <<<"$CLEAR")" >/etc/pdm/pc.clear)
[[ $(stat -c %s /etc/pdm/pc.clear) == 64 ]] || die "clear key file is not 64 bytes"
pdm key generate pckey --from-clear /etc/pdm/pc.clear >/dev/null || die "pdm key generate --from-clear"

# The workload's sync count, from a dry run on tmpfs (it depends on the seed
# and the number of operations only): where to rotate and where to park.
mkdir -p /tmp/dry
durable-load --run /tmp/dry --manifest /tmp/dry.man --mark-dev - --seed $SEED --ops $OPS >/tmp/dry.out ||
	die "durable-load dry run: $(cat /tmp/dry.out)"
SYNCS=$(sed -n 's/.* syncs=\([0-9]*\) .*/\1/p' /tmp/dry.out)
log "workload: $(cat /tmp/dry.out)"
rm -rf /tmp/dry /tmp/dry.man

marks_in() { grep -c '^mark ' "$1" || true; }
status_of() { cat "$1" 2>/dev/null || true; }
# poll TENTHS CMD...: run CMD every 0.1 s until it succeeds, at most TENTHS
# times; its status.
# TENTHS is scaled by PDM_VM_TIME_SCALE (a slow kernel); poll_exact's is not.
poll() { poll_exact "$(($1 * ${PDM_VM_TIME_SCALE:-1}))" "${@:2}"; }
poll_exact() {
	local i
	for ((i = 0; i < $1; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}
has_marks() { (($(marks_in "$1") >= $2)) || ! kill -0 "$3" 2>/dev/null; }
status_is() { [[ $(status_of "$1") =~ $2 ]]; }
past_sync() { [[ $(status_of "$1") != "sync $2 "* ]]; }
status_changed() { [[ $(status_of "$1") != "$2" ]]; }
rederived() { (($(field "$1" stale_events) >= $2)) && [[ $(field "$1" key) == valid ]]; }
parked_now() { [[ $(dmsetup status "$1") =~ key=stale.*parked=[1-9] ]]; }
in_fsync() { grep -qE 'fsync|sync_file' "/proc/$1/stack"; }
# released STATUS K MANIFEST MARKS: sync K returned, or a mark came after it
released() { past_sync "$1" "$2" || (($(marks_in "$3") != $4)); }
# wait_marks MANIFEST N PID: until the manifest has N marks (not if PID ended)
wait_marks() { poll 1200 has_marks "$@" && (($(marks_in "$1") >= $2)); }
# wait_status FILE REGEX [TENTHS]: until the status file matches
wait_status() {
	poll "${3:-600}" status_is "$1" "$2" && return 0
	echo "  (status file: '$(status_of "$1")', want /$2/)"
	return 1
}
# wait_sync_done FILE K: until the status file has moved past sync K
wait_sync_done() {
	poll 600 past_sync "$1" "$2" && return 0
	echo "  (status file: '$(status_of "$1")')"
	return 1
}
# wait_stale_events DEV N: until N stale events were seen and the key is valid
wait_stale_events() {
	poll 600 rederived "$1" "$2" && return 0
	echo "  (status: $(dmsetup status "$1"))"
	return 1
}

# parked_case MANIFEST STATUS PID: once the workload (PID) waits at its
# pause: pdmd stopped, rotate, let it write and fsync: the fsync must park
# and stay blocked, with no mark after it, until pdmd is let go.
parked_case() {
	local man=$1 st=$2 dl=$3 k marks0 gen0 blocked=1
	wait_status "$st" '^pause ' 1200 || { fail "the workload did not reach its pause"; return; }
	k=$(awk '{print $2}' "$st")
	PARKED_FILE=$(awk '{print $3}' "$st")
	log "parked case: the workload waits before writing $PARKED_FILE and syncing it (sync $k)"
	marks0=$(marks_in "$man")
	PARKED_MARKS=$marks0
	gen0=$(field pc gen)
	kill -STOP "$PDMD_PID"
	rotate
	kill -USR1 "$dl"
	check "the fsync parks: key stale, parked > 0" poll 300 parked_now pc
	echo "   $(dmsetup status pc)"
	# (the parked I/O may be the journal's or writeback's, found a moment
	# before the workload's own fsync starts: poll, do not sample)
	check "the workload is in sync $k" wait_status "$st" "^sync $k " 100
	check "its kernel stack is in fsync" poll 100 in_fsync "$dl"
	# A negative check needs a window: for 2 s the fsync must stay blocked
	# and no mark may follow it, while the I/O stays parked.
	poll_exact 20 released "$st" "$k" "$man" "$marks0" && blocked=0
	check "for 2 s with the key stale: fsync not returned, no mark after it ($(marks_in "$man") marks)" \
		test "$blocked" = 1
	check "still parked ($(field pc parked)), key $(field pc key)" parked_now pc
	kill -CONT "$PDMD_PID"
	check "pdmd re-derives: the fsync returns (sync $k done)" wait_sync_done "$st" "$k"
	check "a mark follows it" wait_marks "$man" $((marks0 + 1)) "$dl"
	check "key valid, gen $gen0 -> $((gen0 + 1))" test "$(field pc key)/$(field pc gen)" = "valid/$((gen0 + 1))"
}

# record RUN DATA LOG: the workload on ext4 on RUN's device over dm-log-writes
declare -A ENTRIES MARKS POINTS CHECKED FAILS SECS
PARKED_FILE='' PARKED_MARKS=0 PROBE_MARK='' PROBE_FROM=
record() {
	local run=$1 data=$2 logdev=$3 man=/tmp/$1.man st=/tmp/$1.status dl rc dev r th
	local t=$SECONDS
	log "run $run: record"
	dmc create "lw_$run" --table "0 $SZ log-writes $data $logdev" || die "dm-log-writes over $data"
	if [[ $run == paes ]]; then
		echo "pc /dev/mapper/lw_$run secure:pckey key-timeout=120000" >/etc/pdm/pdmtab
		pdm create pc || die "pdm create pc"
		dev=/dev/mapper/pc
		LEN=$(dmsetup table pc | awk '{print $2}')
		echo "   table: $(dmsetup table pc)"
	else
		dmc create pc --table "0 $LEN crypt aes-xts-plain64 $CLEAR 0 /dev/mapper/lw_$run 0 1 sector_size:4096"
		dev=/dev/mapper/pc
	fi
	mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$dev" ||
		die "mkfs.ext4 on $run"
	dmc message "lw_$run" 0 mark mkfs
	mount -t ext4 "$dev" /mnt/pc
	# paes: the workload pauses before the write of a sync at each
	# rotation (spread over the first half of the syncs) and at the parked
	# case (60 %), so every rotation meets a write, whatever the speeds
	local pause=()
	if [[ $run == paes ]]; then
		pdmd_start
		for ((r = 1; r <= ROTATIONS; r++)); do
			pause+=(--pause-before-sync $((SYNCS * r / (2 * ROTATIONS + 2))))
		done
		pause+=(--pause-before-sync $((SYNCS * 6 / 10)))
	fi
	durable-load --run /mnt/pc --manifest "$man" --mark-dev "lw_$run" --seed $SEED --ops $OPS \
		--status "$st" "${pause[@]}" >"/tmp/$run.dl.out" 2>&1 &
	dl=$!
	if [[ $run == paes ]]; then
		# each rotation while the workload waits at a pause: then it writes
		# and syncs into the stale key, parks, and pdmd re-derives
		for ((r = 1; r <= ROTATIONS; r++)); do
			wait_status "$st" '^pause ' 1200 || { fail "the workload did not reach pause $r"; break; }
			th=$(status_of "$st")
			rotate
			kill -USR1 "$dl"
			check "rotation $r (${th#pause }): the sync parks, pdmd re-derives (stale_events $r, key valid)" \
				wait_stale_events pc "$r"
			poll 600 status_changed "$st" "$th" || fail "the workload did not go on after pause $r"
		done
		parked_case "$man" "$st" "$dl"
	fi
	set +e
	wait "$dl"
	rc=$?
	set -e
	cat "/tmp/$run.dl.out"
	check "run $run: the workload finished (rc $rc)" test "$rc" = 0
	check "run $run: the workload's marks are all in the manifest" \
		test "$(marks_in "$man")" = "$(sed -n 's/.* marks=\([0-9]*\) .*/\1/p' "/tmp/$run.dl.out")"
	umount /mnt/pc
	if [[ $run == paes ]]; then
		pdm status pc | grep -E 'key|gen|stale|parked|lost' | tr '\n' ' '
		echo
		check "paes: stale_events $(field pc stale_events) = rotations + 1 ($((ROTATIONS + 1))), lost_blocks 0, expired 0" \
			test "$(field pc stale_events)/$(field pc lost_blocks)/$(field pc expired)" = "$((ROTATIONS + 1))/0/0"
		check "paes: pdmd re-derived $((ROTATIONS + 1)) times" \
			test "$(pdmd_count "PDM_KEY_REDERIVED dev=pc ")" -ge $((ROTATIONS + 1))
		pdmd_stop
		pdm remove pc || fail "pdm remove pc"
	else
		dmc remove pc
	fi
	local lws
	lws=$(dmsetup status "lw_$run")
	check "run $run: dm-log-writes logged everything ($lws)" test "${lws/logging_disabled/}" = "$lws"
	dmc remove "lw_$run"
	SECS[$run]=$((SECONDS - t))
}

# check_point RUN REPLAY IDX WHAT HOW...: the oracle on a snapshot of the
# replayed disk: mount (journal replay), durable-load --check HOW, umount,
# e2fsck -fn.
PFAILS_SHOWN=0
pfail() { # pfail RUN IDX WHAT DETAIL-FILE
	fail "run $1: point $2 ($3)"
	FAILS[$1]=$((${FAILS[$1]} + 1))
	if ((PFAILS_SHOWN < 6)); then
		PFAILS_SHOWN=$((PFAILS_SHOWN + 1))
		[[ -n ${4:-} && -s $4 ]] && sed -n '1,25s/^/    /p' "$4"
	fi
}
check_point() {
	local run=$1 replay=$2 idx=$3 what=$4 probe=$5
	shift 5
	dmc create pcsnap --table "0 $SZ snapshot $replay $COW N 8"
	dmc create pcoracle --table "0 $LEN crypt aes-xts-plain64 $CLEAR 0 /dev/mapper/pcsnap 0 1 sector_size:4096"
	if ! mount -t ext4 /dev/mapper/pcoracle /mnt/oracle 2>/tmp/pc.err; then
		dmesg | tail -n 5 >>/tmp/pc.err
		pfail "$run" "$idx" "$what: mount failed" /tmp/pc.err
	else
		durable-load --check /mnt/oracle --manifest "/tmp/$run.man" "$@" >/tmp/pc.chk 2>&1 ||
			pfail "$run" "$idx" "$what: durable-load --check $*" /tmp/pc.chk
		if [[ -n $probe ]]; then
			local prc=0
			durable-load --check /mnt/oracle --manifest "/tmp/$run.man" --mark "$probe" >/tmp/pc.probe 2>&1 ||
				prc=$?
			check "run $run: the checker sees a lost flush: at entry $idx, before the first flush after the parked write began, --check --mark $probe fails (rc $prc)" \
				test "$prc" = 1
			grep -m 2 '^FAIL' /tmp/pc.probe | sed 's/^/    (expected) /'
		fi
		umount /mnt/oracle
		e2fsck -fn /dev/mapper/pcoracle >/tmp/pc.fsck 2>&1 ||
			pfail "$run" "$idx" "$what: e2fsck -fn not clean after the journal replay" /tmp/pc.fsck
	fi
	dmc remove pcoracle
	dmc remove pcsnap
}

# replay_check RUN DATA LOG REPLAY
replay_check() {
	local run=$1 data=$2 logdev=$3 replay=$4 t=$SECONDS info mkfs_idx n step i=0 next=0 off=0 last=-
	local idx kind mname how out checked=0 sel probe probe_idx
	log "run $run: replay and check"
	info=$(log-replay --log "$logdev" --info) || die "log-replay --info on $run's log"
	echo "   $info"
	log-replay --log "$logdev" --points >"/tmp/$run.points" || die "log-replay --points on $run's log"
	ENTRIES[$run]=$(sed -n 's/^entries=\([0-9]*\) .*/\1/p' <<<"$info")
	MARKS[$run]=$(sed -n 's/.* marks=\([0-9]*\) .*/\1/p' <<<"$info")
	mkfs_idx=$(awk '$2 == "MARK" && $3 == "mkfs" {print $1; exit}' "/tmp/$run.points")
	[[ -n $mkfs_idx ]] || die "run $run: no mark 'mkfs' in the log"
	n=$(awk -v m="$mkfs_idx" '$1 >= m' "/tmp/$run.points" | wc -l)
	POINTS[$run]=$n
	step=1
	((MAXPOINTS && n > MAXPOINTS)) && step=$(((n + MAXPOINTS - 1) / MAXPOINTS))
	# The probe: the point before the first FLUSH/FUA after mark
	# PROBE_FROM, the last mark before the workload's pause, so before the
	# parked write was even made; that flush is the parked fsync's journal
	# commit or comes before it.  A power cut there is that fsync's flush
	# never reaching the disk: claiming the facts of PROBE_MARK (from which
	# the parked file is durable) must fail there, or the check is blind.
	# (The last flush before the fsync's mark is no such point: another
	# commit, jbd2's timer, may have carried the file, and the fsync then
	# flushed once more.)
	probe_idx=$(awk -v m="$PROBE_FROM" -v k="$mkfs_idx" '
		$1 < k { next }
		armed && $2 != "MARK" { print prev; exit }
		$2 == "MARK" && $3 == m { armed = 1 }
		{ prev = $1 }' "/tmp/$run.points")
	[[ -n $probe_idx ]] || fail "run $run: no flush after mark $PROBE_FROM"
	FAILS[$run]=0
	echo "   $n points from mkfs on ($(grep -c ' MARK ' "/tmp/$run.points") marks); checking every ${step}."
	while read -r idx kind mname; do
		((idx < mkfs_idx)) && continue
		if [[ $kind == MARK && $mname == d[0-9]* ]]; then
			how=(--mark "$mname")
			last=$mname
		else
			how=(--after-mark "$last")
		fi
		sel=0
		((i % step == 0 || i == n - 1 || idx == probe_idx)) && sel=1
		i=$((i + 1))
		((sel)) || continue
		if ((next == 0)); then
			out=$(log-replay --log "$logdev" --replay "$replay" --end-entry "$idx")
		else
			out=$(log-replay --log "$logdev" --replay "$replay" --start-entry "$next" \
				--start-offset "$off" --end-entry "$idx")
		fi || die "run $run: log-replay to entry $idx"
		read -r _ next off <<<"$out"
		probe=
		((idx == probe_idx)) && probe=$PROBE_MARK
		check_point "$run" "$replay" "$idx" "entry $idx $kind${mname:+ $mname}" "$probe" "${how[@]}"
		checked=$((checked + 1))
		((checked % 25)) || echo "   ... $checked points checked, at entry $idx, $((SECONDS - t)) s"
	done <"/tmp/$run.points"
	CHECKED[$run]=$checked
	if ((next < ${ENTRIES[$run]})); then
		log-replay --log "$logdev" --replay "$replay" --start-entry "$next" --start-offset "$off" >/dev/null ||
			die "run $run: log-replay of the rest"
	fi
	check "run $run: the whole log replayed reproduces the recorded disk" cmp -s "$data" "$replay"
	SECS[$run]=$((SECS[$run] + SECONDS - t))
	echo "RUN $run: entries=${ENTRIES[$run]} marks=${MARKS[$run]} flush_fua_and_mark_points=${POINTS[$run]}" \
		"checked=${CHECKED[$run]} failures=${FAILS[$run]} seconds=${SECS[$run]}"
}

record paes /dev/ram0 /dev/disk/by-name/pclog1
# the first mark after which the parked fsync's file is durable
PROBE_MARK=$(awk -v f="$PARKED_FILE" -v m="$PARKED_MARKS" '
	$1 == "mark" { n++; if (found) { print $2; exit } }
	n >= m && $1 == "durable" && $2 == f { found = 1 }' /tmp/paes.man)
[[ -n $PROBE_MARK ]] || die "no mark after the parked fsync of $PARKED_FILE made it durable"
((PARKED_MARKS > 0)) || die "the parked case came before the first mark"
PROBE_FROM=$(printf 'd%06d' "$((PARKED_MARKS - 1))")
log "the parked write comes after mark $PROBE_FROM; its file $PARKED_FILE is durable from mark $PROBE_MARK on"
replay_check paes /dev/ram0 /dev/disk/by-name/pclog1 /dev/ram1
record crypt /dev/ram2 /dev/disk/by-name/pclog2
replay_check crypt /dev/ram2 /dev/disk/by-name/pclog2 /dev/ram3

m="MATRIX: $name ops=$OPS rotations=$ROTATIONS+1 parked"
for run in paes crypt; do
	m+=" $run:entries=${ENTRIES[$run]},marks=${MARKS[$run]},points=${POINTS[$run]},checked=${CHECKED[$run]}"
	m+=",failures=${FAILS[$run]},s=${SECS[$run]}"
done
echo "$m seconds=$((SECONDS - T0)) failures=$T_FAILS"
pdm_finish
