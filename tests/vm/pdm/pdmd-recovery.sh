#!/bin/bash
# pdm-vm: --tools --mem 512 --disk swap:256M --timeout 420
# pdmd's recovery path, the parts a plain rotation test does not reach:
#
#  1. one pdmd per host: a second pdmd, and pdmd --once, refuse to run while
#     one holds /run/pdm/pdmd.pid, and change nothing;
#  2. every worker thread runs with PR_SET_IO_FLUSHER, and what recovery
#     needs is kept in the kernel keyring (user keys pdm-state:/pdm-material:);
#  3. no lost wake-up: pdmd pauses between its scan and its wait
#     (--test-scan-delay-ms) and never rescans on its own (--rescan-interval
#     3600); a rotation right inside that pause must still be answered;
#  4. a key wipe is left alone: pdmd puts no key back;
#  5. pdmd started while a secure swap device is already stale with swap I/O
#     parked under memory pressure (a cgroup's), with every file it could read
#     (state, pdmtab, repository) gone: it recovers from the keyring alone,
#     nothing expires, nothing is killed.
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe brd rd_nr=1 rd_size=16384 # /dev/ram0, 16 MiB
echo 1 >/proc/sys/kernel/sysrq
dev=/dev/disk/by-name/swap
S=$SECONDS
pdm key generate reckey >/dev/null || die "pdm key generate"
cat >/etc/pdm/pdmtab <<EOF
swap0 $dev       secure:reckey swap
d1    /dev/ram0  secure:reckey -
EOF
pdm create swap0 --swapon || die "pdm create swap0 --swapon"
pdm create d1 || die "pdm create d1"

log "1. one pdmd per host"
pdmd_start
pdmd_wait "PDM_KEY_SOURCE_READY dev=swap0" 50 || true
set +e
out=$(timeout 10 pdmd --stderr 2>&1)
rc=$?
set -e
echo "   second pdmd: rc $rc: $out"
check "a second pdmd refuses to start (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... and says another pdmd holds the lock" grep -q "another pdmd (pid $PDMD_PID)" <<<"$out"
set +e
out=$(timeout 10 pdmd --once --stderr 2>&1)
rc=$?
set -e
check "pdmd --once refuses while the service runs (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "the first pdmd still runs" kill -0 "$PDMD_PID"

log "2. the I/O-flusher flag on every thread, the recovery record in the keyring"
check "pdmd says io_flusher=yes" grep -q "PDM_DAEMON_START io_flusher=yes" "$PDMD_LOG"
check "no worker lacks PR_SET_IO_FLUSHER" bash -c "! grep -q PDM_WORKER_NOT_IO_FLUSHER $PDMD_LOG"
check "pdmd's memory is locked (VmLck > 0)" test "$(awk '/^VmLck/ {print $2}' "/proc/$PDMD_PID/status")" -gt 0
for d in swap0 d1; do
	check "user key pdm-state:$d in @u" keyctl search @u user "pdm-state:$d" >/dev/null
	check "user key pdm-material:$d in @u" keyctl search @u user "pdm-material:$d" >/dev/null
done

log "3. a rotation between pdmd's scan and its wait is not missed"
pdmd_stop
pdmd_start --rescan-interval 3600 --test-scan-delay-ms 1500
# A direct read, so that KM meets the stale key and the read parks.
read_d1() { dd if=/dev/mapper/d1 of=/dev/null bs=4k count=1 iflag=direct status=none; }
for i in 1 2 3; do
	g=$(field d1 gen)
	wait_field d1 key valid 100 || fail "d1 not valid before rotation $i"
	# pdmd's own key set just raised an event: the monitor is scanning or
	# in the pause after the scan right now.
	rotate
	read_d1 &
	rd=$!
	t0=$SECONDS
	check "rotation $i inside the scan-to-wait window: d1 stale, answered" \
		bash -c "until [[ \$(dmsetup status d1) =~ key=valid\ gen=$((g + 1)) ]]; do sleep 0.1; ((SECONDS < 10)) || exit 1; done"
	check "the parked read completed" wait "$rd"
	echo "   answered after $((SECONDS - t0)) s: $(dmsetup status d1 | cut -d' ' -f4-7)"
done

log "4. key wipe: pdmd leaves it"
dmsetup suspend d1
dmsetup message d1 0 key wipe
sleep 3
check "d1 key none after the wipe" test "$(field d1 key)" = none
check "pdmd logged PDM_KEY_NONE for d1" pdmd_wait "PDM_KEY_NONE dev=d1" 30
g=$(field d1 gen)
sleep 2
check "pdmd put no key back (gen $g, key $(field d1 key))" test "$(field d1 key)/$(field d1 gen)" = "none/$g"
pdm rekey d1 || fail "pdm rekey d1"
dmsetup resume d1
check "d1 valid again after pdm rekey by hand" test "$(field d1 key)" = valid
pdmd_stop

log "5. pdmd started while swap0 is stale, parked, under pressure, with no file to read"
# swap0 saw no I/O through the rotations above: its key is stale but no KM
# has noticed yet.  Give it a fresh one first.
pdm rekey swap0 >/dev/null || fail "pdm rekey swap0"
rm -f /run/pdm/swap0.json /run/pdm/d1.json
mv /etc/pdm /etc/pdm.away
# The pressure is inside a memory cgroup: under global pressure this
# guest's tmpfs root, pdmd's executable included, is itself swapped out to
# swap0, and no program could be started until swap0 has a key (a real
# system runs pdmd from a disk).
# Should this script itself be held up, the kernel's list of blocked tasks
# (sysrq-w, from stall-watch) says where.
stall-watch swap0 $$ 3000 &
watcher=$!
cg_setup hog 64M
# A slow kernel (the debug kernel) faults and swaps TS times slower: the
# hog runs TS times longer and must push 1/TS of the swap.
TS=${PDM_VM_TIME_SCALE:-1}
want_kib=$((40000 / TS))
set +e
cg_run hog stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify --timeout $((40 * TS))s
hog=$CG_PID
for ((i = 0; i < 300 * TS; i++)); do
	(($(swap_used_kib) >= want_kib)) && break
	sleep 0.1
done
check "swap in use under pressure ($(swap_used_kib) KiB)" test "$(swap_used_kib)" -ge $want_kib
rotate
for ((i = 0; i < 100 * TS; i++)); do
	[[ $(field swap0 key) == stale && $(field swap0 parked) -gt 0 ]] && break
	sleep 0.1
done
echo "   before pdmd: $(dmsetup status swap0 | cut -d' ' -f4-8)"
check "swap0 stale with swap I/O parked" test "$(field swap0 key)" = stale -a "$(field swap0 parked)" -gt 0
sleep 2
pdmd_start
check "swap0 valid again" wait_field swap0 key valid 300
check "pdmd recovered from the keyring record" grep -q "PDM_KEY_SOURCE_READY dev=swap0 .*from=keyring" "$PDMD_LOG"
check "pdmd re-derived swap0" pdmd_wait "PDM_KEY_REDERIVED dev=swap0 .*key=valid" 50
wait "$hog"
hrc=$?
set -e
check "the hog passed --verify (rc $hrc)" test "$hrc" -eq 0
check "expired 0, lost_blocks 0" test "$(field swap0 expired)/$(field swap0 lost_blocks)" = 0/0
check "no OOM kill, no swap I/O error" bash -c '! dmesg | grep -qE "Killed process|Read-error on swap|Write-error on swap"'
kill "$watcher" 2>/dev/null || true
mv /etc/pdm.away /etc/pdm
pdmd_stop
swapoff /dev/mapper/swap0
for d in swap0 d1; do pdm remove "$d" || fail "pdm remove $d"; done
echo "MATRIX: pdm.pdmd-recovery seconds=$((SECONDS - S)) failures=$T_FAILS"
pdm_finish
