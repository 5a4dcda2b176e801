#!/bin/bash
# pdm-vm: --timeout 150
# pdmd comes back after dying: devices that went stale, and devices whose
# key_timeout expired (key=lost), while no pdmd ran.
#  1. secure device, pdmd killed with SIGKILL, rotation, a reader parks; a
#     new pdmd re-derives at start, the reader completes, data intact.
#  2. pdmd down, key-timeout 2000 ms: secure and ephemeral devices go lost,
#     reads fail with EIO (the second fast); a new pdmd treats lost like
#     stale: the secure one gets its key back (data intact), the ephemeral one
#     a new key (old blocks EIO, new writes read back).
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe brd rd_nr=3 rd_size=16384 # 16 MiB each
S=$SECONDS
pdm key generate k >/dev/null || die "pdm key generate"
cat >/etc/pdm/pdmtab <<TAB
# name  device     keysource  options
d1      /dev/ram0  secure:k   -
d2      /dev/ram1  secure:k   key-timeout=2000
d3      /dev/ram2  ephemeral  key-timeout=2000
TAB
pdm create --all || die "pdm create --all"
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 status=none
for d in d1 d2 d3; do ddw /tmp/pat /dev/mapper/$d 1M; done

log "1. pdmd killed with SIGKILL, then a rotation: I/O parks, a new pdmd recovers"
pdmd_start
pdmd_stop KILL
check "pdmd is gone" bash -c '! pidof pdmd >/dev/null'
rotate
dd if=/dev/mapper/d1 of=/tmp/r1 bs=1M count=4 iflag=direct status=none &
reader=$!
wait_field d1 key stale 50
sleep 0.5
check "the read is parked (parked=$(field d1 parked))" test "$(field d1 parked)" -ge 1
check "reader still waiting" kill -0 "$reader"
pdmd_start
check "reader completed after pdmd started" wait "$reader"
check "data read back intact" cmp /tmp/pat /tmp/r1
pdmd_wait "PDM_KEY_REDERIVED dev=d1 .*key=valid"
check "d1 valid, lost_blocks 0" test "$(field d1 key)/$(field d1 lost_blocks)" = valid/0
pdmd_stop TERM
check "pdmd stopped on SIGTERM (PDM_DAEMON_STOP)" grep -q PDM_DAEMON_STOP "$PDMD_LOG"

log "2. pdmd down past key-timeout (2000 ms): d2 (secure) and d3 (ephemeral) go lost"
rotate
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
set +e
t0=$(now_ms)
dd if=/dev/mapper/d2 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/tmp/err2
rc2=$?
t1=$(now_ms)
dd if=/dev/mapper/d3 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/tmp/err3
rc3=$?
t2=$(now_ms)
dd if=/dev/mapper/d2 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null
rc2b=$?
t3=$(now_ms)
set -e
ms() { echo $(($2 - $1)); }
echo "   d2 read: rc $rc2 after $(ms "$t0" "$t1") ms ($(cat /tmp/err2)); d3: rc $rc3 after $(ms "$t1" "$t2") ms"
check "d2 read failed with EIO" grep -q 'Input/output error' /tmp/err2
check "... after waiting about key-timeout (>= 1500 ms)" test "$(ms "$t0" "$t1")" -ge 1500
check "d3 read failed (EIO)" test "$rc3" -ne 0
check "a second read on lost d2 fails (rc $rc2b)" test "$rc2b" -ne 0
check "... fast ($(ms "$t2" "$t3") ms < 1000)" test "$(ms "$t2" "$t3")" -lt 1000
check "d2 key=lost" test "$(field d2 key)" = lost
check "d3 key=lost" test "$(field d3 key)" = lost
pdmd_start
pdmd_wait "PDM_KEY_REDERIVED dev=d2 .*was=lost .*key=valid"
pdmd_wait "PDM_KEY_REPLACED dev=d3 was=lost .*key=valid"
grep -E "PDM_KEY_(STATE|REDERIVED|REPLACED) dev=d[23]" "$PDMD_LOG"
check "d2 valid again" test "$(field d2 key)" = valid
dd if=/dev/mapper/d2 of=/tmp/r2 bs=1M count=4 iflag=direct status=none
check "d2 data intact after lost -> valid" cmp /tmp/pat /tmp/r2
check "d3 valid with a new key (gen 2, replaces 1)" test "$(field d3 key)/$(field d3 gen)/$(field d3 replaces)" = valid/2/1
check "d3 old blocks read EIO, never garbage" bash -c '! dd if=/dev/mapper/d3 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null'
ddw /tmp/pat /dev/mapper/d3 1M
dd if=/dev/mapper/d3 of=/tmp/r3 bs=1M count=4 iflag=direct status=none
check "d3 rewritten blocks read back" cmp /tmp/pat /tmp/r3
check "d1 untouched by all this (valid)" test "$(field d1 key)" = valid
pdmd_stop
for d in d1 d2 d3; do pdm remove $d || fail "pdm remove $d"; done
for d in d1 d2 d3; do check "nothing of $d left behind" no_leftovers $d; done
log "took $((SECONDS - S)) s"
pdm_finish
