#!/bin/bash
# pdm-vm: --timeout 300
# Benchmark (not a timed test): time from a wrapping-key change to the first
# parked bio completing, with pdmd in the guest, over many rotations.
#   tests/vm/pdm-vm run tests/bench/regen-latency.sh [ROTATIONS] [secure|clear|ephemeral]
# Target (issue): p99 under 50 ms in the TCG guest.  Prints p50/p90/p99/max.
# Re-derivable keys only (secure, clear): after an ephemeral key's replace
# every earlier block reads EIO, so a read cannot be the probe there.
. "$PDM_VM_LIB/pdm.sh"
n=${1:-100}
kind=${2:-secure}
pdm_setup
modprobe brd rd_nr=1 rd_size=16384
case $kind in
secure) pdm key generate bench >/dev/null; src=secure:bench ;;
clear) head -c 64 /dev/urandom >/etc/pdm/bench.key; src=clear:/etc/pdm/bench.key ;;
*) die "kind: secure or clear" ;;
esac
pdm create bench --device /dev/ram0 --key "$src" >/dev/null || die "pdm create"
dd if=/dev/zero of=/dev/mapper/bench bs=1M oflag=direct status=none 2>/dev/null || true
pdmd_start
log "regen latency: $n rotations, $kind key, pdmd running, 4 KiB O_DIRECT read after each"
regen-latency /dev/mapper/bench "$n" 50 >/tmp/lat.out || { cat /tmp/lat.out; die "regen-latency failed"; }
tail -n 1 /tmp/lat.out
r=$(pdmd_count "PDM_KEY_REDERIVED dev=bench .*key=valid")
echo "pdmd re-derivations: $r, stale_events: $(field bench stale_events), lost_blocks: $(field bench lost_blocks)"
p99=$(tail -n 1 /tmp/lat.out | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p')
awk -v p="$p99" 'BEGIN { exit !(p < 50) }' && echo "p99 $p99 ms: under the 50 ms target" ||
	echo "p99 $p99 ms: OVER the 50 ms target"
pdmd_stop
pdm remove bench
