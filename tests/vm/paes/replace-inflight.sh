#!/bin/bash
# A write under the old key still in flight when "key replace" lands
# (issue 10 item 3): until it completes, no read may return data, because
# it may already have landed on a block a newer write has marked good.
# After it completes, its own block reads EIO (old-key data), the others
# read what was written.  Never garbage.
#
# The lower device is a dm-switch over two paths to the same disk: a slow
# one (dm-delay, writes held DELAY ms) and a fast one (dm-linear).  The old
# write goes the slow way; then the switch sends its block and a second one
# the fast way, so newer writes there complete while the old one is held.
# pdm-vm: --timeout 200
. "$(dirname "$0")/../lib/common.sh"
paes_setup
modprobe dm-delay
modprobe dm-switch
modprobe brd rd_nr=1 rd_size=1024

back=/dev/ram0
S=$(blockdev --getsz "$back")
delay_ms=$((8000 * ${PDM_VM_TIME_SCALE:-1}))
bs=4096
regions=$((S / 8))

dmc create slow --table "0 $S delay $back 0 0 $back 0 $delay_ms"
dmc create fast --table "0 $S linear $back 0"
dmc create sw --table "0 $S switch 2 8 0 /dev/mapper/slow 0 /dev/mapper/fast 0"
# every region the slow way (dm-switch starts round-robin); indexes in hex
map=""
for ((r = 0; r < regions; r++)); do map+=" $(printf '%x' $r):0"; done
dmc message sw 0 set_region_mappings $map

c1=$(randhex 64)
dmc create p --table "0 $S paes paes-xts-plain64 $(token xts-256 "$c1") 0 /dev/mapper/sw 0 1 sector_size:$bs"
for ch in A B C D; do head -c $bs /dev/zero | tr '\0' "$ch" >/tmp/pat$ch; done

# readback BLOCK -> prints the pattern letter, "EIO" or "GARBAGE"
readback() {
	rm -f /tmp/rb
	if ! ddr /dev/mapper/p /tmp/rb $bs $(($1 * bs)) $bs 2>/dev/null; then
		echo EIO
		return
	fi
	for ch in A B C D; do
		if cmp -s /tmp/rb /tmp/pat$ch; then echo "$ch"; return; fi
	done
	echo GARBAGE
}

log "old-key write W1 to block 0, held ${delay_ms} ms in the slow path"
t0=$SECONDS
ddw /tmp/patA /dev/mapper/p $bs 0 &
w1=$!
sleep 0.5

log "wrapping key rotated; a write to block 1 finds it stale and parks"
echo 1 >$EMU/rotate_wrapping_key
ddw /tmp/patD /dev/mapper/p $bs $bs &
w0=$!
wait_field p key stale 50 || fail "the key did not go stale"
gen=$(field p gen)
c2=$(randhex 64)
dmc message p 0 key replace "$(token xts-256 "$c2")" "$gen" || die "key replace refused"
check "key valid after the replace" wait_field p key valid 50

log "blocks 0 and 2 now the fast way: newer writes there complete first"
dmc message sw 0 set_region_mappings 0:1 2:1
ddw /tmp/patB /dev/mapper/p $bs $((2 * bs)) || fail "write to block 2"
ddw /tmp/patC /dev/mapper/p $bs 0 || fail "write to block 0"
if ! kill -0 "$w1" 2>/dev/null; then
	die "W1 completed before the checks ($((SECONDS - t0)) s): the guest is too slow for delay ${delay_ms} ms"
fi
r0=$(readback 0)
r2=$(readback 2)
still=$(kill -0 "$w1" 2>/dev/null && echo yes || echo no)
[[ $still == yes ]] || die "W1 completed during the reads: inconclusive"
check "while W1 is in flight, block 2 (written since) reads EIO (got $r2)" test "$r2" = EIO
check "while W1 is in flight, block 0 reads EIO (got $r0)" test "$r0" = EIO

log "W1 drains"
wait "$w1" || true
wait "$w0" || true
r0=$(readback 0)
r1=$(readback 1)
r2=$(readback 2)
check "block 0, last landed by W1 under the old key, reads EIO (got $r0)" test "$r0" = EIO
check "block 1, written after the replace, reads D (got $r1)" test "$r1" = D
check "block 2, written after the replace, reads B (got $r2)" test "$r2" = B
ddw /tmp/patC /dev/mapper/p $bs 0 || fail "rewrite block 0"
check "block 0 rewritten reads C" test "$(readback 0)" = C
for b in 0 1 2; do
	[[ $(readback $b) != GARBAGE ]] || fail "block $b returned garbage"
done

dm_remove p
dm_remove sw
dm_remove fast
dm_remove slow
finish
