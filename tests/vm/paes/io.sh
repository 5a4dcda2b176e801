#!/bin/bash
# dm-paes under suspend, reload and I/O in flight: suspend/resume and
# identical-table reload loops under fio with crc32c verification; a
# noflush suspend while I/O is parked on a stale key (requeue path), key
# set while suspended, resume, data verified; a flushing suspend waits for
# parked I/O; flushes reach the backing device; discards refused without
# allow_discards and passed through with it.
# pdm-vm: --tools --timeout 300
. "$(dirname "$0")/../lib/common.sh"
paes_setup
modprobe brd rd_nr=1 rd_size=32768	# /dev/ram0, 32 MiB

S=65536					# 32 MiB in sectors
clr=$(randhex 64)
tok=$(token xts-256 "$clr")
tbl() { echo "0 $S paes paes-xts-plain64 $1 0 /dev/ram0 0 2 sector_size:4096 key_timeout:30000"; }
dmc create io --table "$(tbl "$tok")"
dm=$(dmsetup info -c --noheadings -o blkdevname io)

# fio_bg OUT ARGS... : verified 4k random writes on the whole device
FIO=(fio --name=v --filename=/dev/mapper/io --ioengine=libaio --direct=1
	--bs=4k --iodepth=8 --size=24M --verify=crc32c --verify_fatal=1
	--randrepeat=1 --eta=never)

# cycle PID: suspend/resume, noflush suspend, identical reload while PID runs
cycle() {
	local n=0 k
	while kill -0 "$1" 2>/dev/null; do
		k=$((n % 3))
		case $k in
		0) dmc suspend io; dmc resume io ;;
		1) dmc suspend --noflush io; sleep 0.05; dmc resume io ;;
		2) dmc reload io --table "$(tbl "$tok")"; dmc suspend io; dmc resume io ;;
		esac
		n=$((n + 1))
		sleep 0.1
	done
	echo "$n"
}

log "suspend/resume/reload loop under verified random writes"
t0=$(date +%s)
"${FIO[@]}" --rw=randwrite --verify_backlog=128 --output=/tmp/fio1 & fpid=$!
n=$(cycle $fpid)
if wait $fpid; then ok "fio write+verify ($(($(date +%s) - t0)) s, $n cycles)"
else fail "fio write+verify"; cat /tmp/fio1; fi
check "at least 6 suspend cycles ($n)" [ "$n" -ge 6 ]

log "reads in flight: verify_only pass under the same loop"
"${FIO[@]}" --rw=randwrite --verify_only --output=/tmp/fio2 & fpid=$!
n=$(cycle $fpid)
if wait $fpid; then ok "fio verify_only ($n cycles)"; else fail "fio verify_only"; cat /tmp/fio2; fi
check "status after loops: valid, gen=1, nothing parked" \
	[ "$(field io key)/$(field io gen)/$(field io parked)" = valid/1/0 ]
check "table never prints the key" sh -c "dmsetup table io | grep -q 'paes-xts-plain64 - 0 '"

log "noflush suspend with I/O parked on a stale key (requeue)"
head -c $((1 << 20)) /dev/urandom >/tmp/w
head -c $((1 << 20)) /dev/urandom >/tmp/known
ddw /tmp/known /dev/mapper/io 1M $((8 << 20))
echo 1 >$EMU/rotate_wrapping_key
ddw /tmp/w /dev/mapper/io 1M $((4 << 20)) & wpid=$!
ddr /dev/mapper/io /tmp/r 1M $((8 << 20)) $((1 << 20)) & rpid=$!
check "stale" wait_field io key stale
check "both parked" wait_field io parked 2
r0=$(field io requeued)
if timeout 20 dmsetup suspend --noflush io; then ok "noflush suspend returns with parked I/O"
else fail "noflush suspend hung/failed"; fi
check "suspended" sh -c "dmsetup info io | grep -q SUSPENDED"
check "parked=0 after noflush suspend" [ "$(field io parked)" = 0 ]
check "requeued grew by 2 ($r0 -> $(field io requeued))" [ "$(field io requeued)" -ge $((r0 + 2)) ]
sleep 0.5
check "writer still waiting (I/O held by dm core)" kill -0 $wpid
check "reader still waiting" kill -0 $rpid
dmc message io 0 key set "$(token xts-256 "$clr")"
check "key valid while suspended" [ "$(field io key)" = valid ]
dmc resume io
check "requeued write completes" wait $wpid
check "requeued read completes" wait $rpid
check "requeued read data right" cmp -s /tmp/r /tmp/known
ddr /dev/mapper/io /tmp/r 1M $((4 << 20)) $((1 << 20))
check "requeued write data right" cmp -s /tmp/r /tmp/w

log "noflush suspend + resume without a key: I/O parks again, then key set"
echo 1 >$EMU/rotate_wrapping_key
ddr /dev/mapper/io /tmp/r 1M $((8 << 20)) $((1 << 20)) & rpid=$!
check "parked" wait_field io parked 1
timeout 20 dmsetup suspend --noflush io || fail "noflush suspend"
dmc resume io
check "parked again after resume" wait_field io parked 1
check "still stale" [ "$(field io key)" = stale ]
dmc message io 0 key set "$(token xts-256 "$clr")"
check "read completes" wait $rpid
check "read data right" cmp -s /tmp/r /tmp/known

log "noflush suspend + reload with a fresh token (new table) + resume"
echo 1 >$EMU/rotate_wrapping_key
ddw /tmp/w /dev/mapper/io 1M $((12 << 20)) & wpid=$!
check "parked" wait_field io parked 1
tok=$(token xts-256 "$clr")
dmc reload io --table "$(tbl "$tok")"
timeout 20 dmsetup suspend --noflush io || fail "noflush suspend"
dmc resume io
check "write completes on the new table" wait $wpid
check "new table valid gen=1" [ "$(field io key)/$(field io gen)" = valid/1 ]
ddr /dev/mapper/io /tmp/r 1M $((12 << 20)) $((1 << 20))
check "data right" cmp -s /tmp/r /tmp/w

log "a flushing suspend waits for parked I/O"
echo 1 >$EMU/rotate_wrapping_key
ddr /dev/mapper/io /tmp/r 1M $((8 << 20)) $((1 << 20)) & rpid=$!
check "parked" wait_field io parked 1
dmsetup suspend io & spid=$!
sleep 2
check "suspend still waiting" kill -0 $spid
check "not yet suspended" sh -c "! dmsetup info io | grep -q SUSPENDED"
dmc message io 0 key set "$(token xts-256 "$clr")"
check "suspend completes after key set" wait $spid
check "parked read completed" wait $rpid
check "read data right" cmp -s /tmp/r /tmp/known
dmc resume io

log "flush pass-through"
dmc remove io
lp=$(mkloop fl 16)
lb=$(basename "$lp")
dmc create io --table "0 32768 paes paes-xts-plain64 $(token xts-256 "$clr") 0 $lp 0"
dm=$(dmsetup info -c --noheadings -o blkdevname io)
check "dm queue is write back like the loop device" \
	[ "$(cat /sys/block/$dm/queue/write_cache)" = "write back" ]
f0=$(awk '{print $16}' /sys/block/$lb/stat)
fio --name=f --filename=/dev/mapper/io --ioengine=psync --direct=1 --bs=4k \
	--rw=write --size=1M --fsync=1 --output=/tmp/fio3 || fail "fio fsync"
f1=$(awk '{print $16}' /sys/block/$lb/stat)
check "flushes reached the loop device ($f0 -> $f1)" [ "$f1" -ge $((f0 + 200)) ]

log "discards without allow_discards"
check "discard_max_bytes=0" [ "$(cat /sys/block/$dm/queue/discard_max_bytes)" = 0 ]
head -c $((1 << 20)) /dev/urandom >/tmp/d
ddw /tmp/d /dev/mapper/io 1M 0
if blkdiscard -o 0 -l 1048576 /dev/mapper/io 2>/dev/null; then
	fail "blkdiscard succeeded without allow_discards"
else ok "blkdiscard refused"; fi
ddr /dev/mapper/io /tmp/r 1M 0 $((1 << 20))
check "data intact" cmp -s /tmp/r /tmp/d
dmc remove io

log "discards with allow_discards"
dmc create io --table "0 32768 paes paes-xts-plain64 $(token xts-256 "$clr") 0 $lp 0 1 allow_discards"
dm=$(dmsetup info -c --noheadings -o blkdevname io)
check "discard_max_bytes>0 ($(cat /sys/block/$dm/queue/discard_max_bytes))" \
	[ "$(cat /sys/block/$dm/queue/discard_max_bytes)" -gt 0 ]
check "table shows allow_discards" sh -c "dmsetup table io | grep -qE ' 2 allow_discards vp:[0-9a-f]{32}$'"
head -c $((4 << 20)) /dev/urandom >/tmp/d
ddw /tmp/d /dev/mapper/io 1M 0
sync
check "backing file holds ciphertext" sh -c "! cmp -s -n 1048576 /tmp/fl.img /dev/zero"
blocks0=$(stat -c %b /tmp/fl.img)
check "blkdiscard 1 MiB at 1 MiB" blkdiscard -o 1048576 -l 1048576 /dev/mapper/io
check "backing range zeroed" sh -c "dd if=/tmp/fl.img bs=1M skip=1 count=1 status=none | cmp -s - <(head -c 1048576 /dev/zero)"
check "hole punched ($blocks0 -> $(stat -c %b /tmp/fl.img) blocks)" [ "$(stat -c %b /tmp/fl.img)" -lt "$blocks0" ]
check "data before the range intact" cmp -s <(dd if=/dev/mapper/io bs=1M count=1 iflag=direct status=none) <(head -c 1048576 /tmp/d)
check "data after the range intact" cmp -s <(dd if=/dev/mapper/io bs=1M skip=2 count=2 iflag=direct status=none) <(tail -c +$((2 * 1048576 + 1)) /tmp/d)
dmc remove io
losetup -d "$lp"
finish
