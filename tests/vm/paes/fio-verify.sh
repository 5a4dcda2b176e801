#!/bin/bash
# fio as an independent client of dm-paes: io_uring, O_DIRECT, randrw with
# mixed block sizes, several jobs on disjoint regions, crc32c verification
# (verify_fatal).  While fio writes and verifies, a background loop changes
# the wrapping key (plain rotations, and every third time a km_fail_after
# partial KM of a random length) and hands the target a fresh token of the
# same clear key with "key set".  Then two identical-table reloads (reload
# + suspend + resume: the token in use, then a fresh token of the same
# key) and a verify_only pass of the same job (same seed, so fio rebuilds
# the same offsets, sizes and buffer contents) under the same key loop.
# A verify_only with another seed must fail (the check is not vacuous).
# Finally dm-crypt aes-xts-plain64 with the clear key opens the same
# backing device and fio verify_only reads it too: what dm-paes wrote
# under load is byte for byte what dm-crypt would have written.
#
# usage: fio-verify.sh [short|long]
# pdm-vm: --tools --timeout 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/stress-lib.sh"
MODE=$(mode_arg "${1:-}")
paes_setup

if [[ $MODE == short ]]; then
	MB=64			# brd size
	CONFIGS=("4096 xts-256")
	JOBS=4 JOBMB=12 QD=32	# 48 MiB of the 64 in 4 disjoint regions
	PERIOD=0.4		# seconds between key changes
else
	MB=192
	CONFIGS=("4096 xts-256" "512 fxts-256" "4096 fxts-128" "512 xts-128")
	JOBS=4 JOBMB=40 QD=16
	PERIOD=0.3
fi
modprobe brd rd_nr=1 rd_size=$((MB * 1024))
S=$((MB * 2048))

# the job: everything but the seed, device and block sizes fixed, so
# that a verify_only invocation replays exactly what the first one did
cat >/tmp/v.fio <<'EOF'
[global]
filename=${DEV}
ioengine=io_uring
direct=1
rw=randrw
rwmixread=30
bsrange=${BSMIN}-64k
iodepth=${QD}
numjobs=${JOBS}
size=${JOBMB}M
offset_increment=${JOBMB}M
verify=crc32c
verify_fatal=1
do_verify=1
randrepeat=1
randseed=${SEED}
group_reporting=1
[v]
EOF
export QD JOBS JOBMB

# fio_run NAME DEV BSMIN SEED [fio args]: run the job; output in /tmp/NAME.*
fio_run() {
	local n=$1
	DEV=$2 BSMIN=$3 SEED=$4 fio /tmp/v.fio "${@:5}" --eta=never --output-format=json \
		--output=/tmp/"$n".json 2>/tmp/"$n".err
}
# fio_bytes NAME DIR -> io_bytes of read or write (group_reporting: one job)
fio_bytes() {
	grep -o '"io_bytes" : [0-9]*' /tmp/"$1".json |
		sed -n "$([[ $2 == read ]] && echo 1 || echo 2)s/.* //p"
}
fio_err() { grep -o '"error" : [0-9]*' /tmp/"$1".json | head -1 | sed 's/.* //'; }

# keyloop DEV FORM CLR: until /tmp/keyloop.stop exists, change the
# wrapping key and install a fresh token; counts in /tmp/keyloop.out
keyloop() {
	local dev=$1 form=$2 clr=$3 n=0 rot=0 part=0 stale=0 bad=0 i v t
	while [[ ! -e /tmp/keyloop.stop ]]; do
		sleep "$PERIOD"
		if ((n % 3 == 2)); then
			v=$((RANDOM % 300))
			echo "$v" >"$EMU"/km_fail_after
			for ((i = 0; i < 20; i++)); do
				[[ $(cat "$EMU"/km_fail_after) == -1 ]] && break
				sleep 0.1
			done
			# no KM came (fio between phases): disarm, so that the
			# VP check of the key set below does not consume it
			echo -1 >"$EMU"/km_fail_after
			((i < 20)) && part=$((part + 1))
		else
			echo 1 >"$EMU"/rotate_wrapping_key
			rot=$((rot + 1))
		fi
		for ((i = 0; i < 20; i++)); do
			[[ $(field "$dev" key) == stale ]] && break
			sleep 0.1
		done
		((i < 20)) && stale=$((stale + 1))
		t=$(token "$form" "$clr")
		if dmsetup message "$dev" 0 key set "$t"; then
			echo "$t" >/tmp/keyloop.tok
		else
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	echo "$n $rot $part $stale $bad" >/tmp/keyloop.out
}
keyloop_start() {
	rm -f /tmp/keyloop.stop /tmp/keyloop.out
	keyloop "$@" &
	KPID=$!
}
KEYCHANGES=0 KSTALE=0 KPART=0 KBAD=0
keyloop_stop() {
	local n rot part stale bad
	touch /tmp/keyloop.stop
	wait "$KPID"
	read -r n rot part stale bad </tmp/keyloop.out
	KEYCHANGES=$((KEYCHANGES + n)) KSTALE=$((KSTALE + stale))
	KPART=$((KPART + part)) KBAD=$((KBAD + bad))
	echo "  key loop: $n changes ($rot rotations, $part partial KMs), I/O saw $stale stale, $bad key set failures"
	check "  key loop: every key set accepted, key valid" [ "$bad/$(field "$1" key)" = 0/valid ]
}

FIO_RUNS=0 WBYTES=0 VBYTES=0 OBYTES=0 seedn=0
t_start=$(date +%s)
for cfg in "${CONFIGS[@]}"; do
	read -r ss form <<<"$cfg"
	clr=$(randhex "$(clr_bytes "$form")")
	seed=$((4242 + seedn))
	seedn=$((seedn + 1))
	tbl() { echo "0 $S paes paes-xts-plain64 $1 0 /dev/ram0 0 2 sector_size:$ss key_timeout:30000"; }
	log "sector_size $ss, $form: fio randrw + verify under key changes"
	dmc create fv --table "$(tbl "$(token "$form" "$clr")")"

	keyloop_start fv "$form" "$clr"
	rc=0
	fio_run w /dev/mapper/fv "$ss" "$seed" || rc=$?
	keyloop_stop fv
	FIO_RUNS=$((FIO_RUNS + 1))
	wb=$(fio_bytes w write)
	WBYTES=$((WBYTES + wb))
	if [[ $rc == 0 && $(fio_err w) == 0 ]]; then ok "fio write+verify: wrote $wb bytes"
	else fail "fio write+verify: exit $rc"; cat /tmp/w.err; fi

	log "identical-table reloads: the token in use, then a fresh token"
	dmc reload fv --table "$(tbl "$(cat /tmp/keyloop.tok)")"
	dmc suspend fv
	dmc resume fv
	check "reload with the same token: valid gen=1" [ "$(field fv key)/$(field fv gen)" = valid/1 ]
	dmc reload fv --table "$(tbl "$(token "$form" "$clr")")"
	dmc suspend fv
	dmc resume fv
	check "reload with a fresh token: valid gen=1" [ "$(field fv key)/$(field fv gen)" = valid/1 ]

	log "fio verify_only under key changes"
	keyloop_start fv "$form" "$clr"
	rc=0
	fio_run r /dev/mapper/fv "$ss" "$seed" --verify_only=1 || rc=$?
	keyloop_stop fv
	FIO_RUNS=$((FIO_RUNS + 1))
	vb=$(fio_bytes r read)
	VBYTES=$((VBYTES + vb))
	if [[ $rc == 0 && $(fio_err r) == 0 ]]; then ok "fio verify_only: read $vb bytes"
	else fail "fio verify_only: exit $rc"; cat /tmp/r.err; fi
	check "  verify_only read at least what was written ($vb >= $wb)" [ "$vb" -ge "$wb" ]
	check "status: nothing parked, none expired" [ "$(field fv parked)/$(field fv expired)" = 0/0 ]

	rc=0
	fio_run x /dev/mapper/fv "$ss" $((seed + 1000)) --verify_only=1 || rc=$?
	check "verify_only with another seed fails (exit $rc)" [ "$rc" != 0 ]
	dmc remove fv

	log "oracle: dm-crypt aes-xts-plain64 with the clear key, fio verify_only"
	opt="1 sector_size:$ss"
	[[ $ss == 512 ]] && opt=""
	dmc create fc --table "0 $S crypt aes-xts-plain64 $clr 0 /dev/ram0 0 $opt"
	rc=0
	fio_run o /dev/mapper/fc "$ss" "$seed" --verify_only=1 || rc=$?
	FIO_RUNS=$((FIO_RUNS + 1))
	ob=$(fio_bytes o read)
	OBYTES=$((OBYTES + ob))
	if [[ $rc == 0 && $(fio_err o) == 0 ]]; then ok "dm-crypt reads what dm-paes wrote ($ob bytes verified)"
	else fail "fio verify_only through dm-crypt: exit $rc"; cat /tmp/o.err; fi
	dmc remove fc
done
rmmod brd

secs=$(($(date +%s) - t_start))
echo "MATRIX: paes.fio-verify mode=$MODE configs=${#CONFIGS[@]} fio_runs=$FIO_RUNS" \
	"bytes_written=$WBYTES bytes_verify_only=$VBYTES bytes_dmcrypt_oracle=$OBYTES" \
	"key_changes=$KEYCHANGES partial_km=$KPART stale_seen=$KSTALE keyset_failures=$KBAD" \
	"reloads=$((2 * ${#CONFIGS[@]})) seconds=$secs"
finish
