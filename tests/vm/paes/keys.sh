#!/bin/bash
# dm-paes key state machine: parking on a stale key and key set, timeout to
# "lost", key set with a different key refused, key replace and lost
# blocks, key wipe, km_fail_after partial completion on reads and writes.
# pdm-vm: --timeout 600
. "$(dirname "$0")/../lib/common.sh"
paes_setup

SECTORS=8192	# 4 MiB
clr=$(randhex 64)
other=$(randhex 64)
l1=$(mkloop k "$((SECTORS / 2048))")
dmc create paes --table "0 $SECTORS paes paes-xts-plain64 $(token xts-256 "$clr") 0 $l1 0 1 key_timeout:20000"
head -c $((SECTORS * 512)) /dev/urandom >/tmp/data
ddw /tmp/data /dev/mapper/paes
check "initial state" [ "$(field paes key)/$(field paes gen)" = valid/1 ]

log "parking a read across a wrapping-key change"
echo 1 >$EMU/rotate_wrapping_key
ddr /dev/mapper/paes /tmp/r 1M 0 $((1 << 20)) & pid=$!
check "stale after rotation" wait_field paes key stale
check "read parked" [ "$(field paes parked)" -gt 0 ]
check "stale_events=1" [ "$(field paes stale_events)" = 1 ]
dmc message paes 0 key set "$(token xts-256 "$clr")"
check "parked read completes" wait $pid
check "parked read data right" cmp -s /tmp/r <(head -c $((1 << 20)) /tmp/data)
check "valid gen=2 parked=0" [ "$(field paes key)/$(field paes gen)/$(field paes parked)" = valid/2/0 ]

log "parking a write"
echo 1 >$EMU/rotate_wrapping_key
head -c $((512 << 10)) /dev/urandom >/tmp/w
ddw /tmp/w /dev/mapper/paes 64k $((1 << 20)) & pid=$!
check "stale (write)" wait_field paes key stale
dmc message paes 0 key set "$(token xts-256 "$clr")"
check "parked write completes" wait $pid
dd if=/tmp/w of=/tmp/data bs=1M seek=1 conv=notrunc status=none
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "all data right after parked write" cmp -s /tmp/r /tmp/data

log "key set with a different key is refused"
if dmc message paes 0 key set "$(token xts-256 "$other")" 2>/dev/null; then
	fail "different key accepted"
else
	ok "different key refused"
fi
dmesg | grep -q "verification pattern mismatch" && ok "refusal logged" || fail "no log line"
check "still gen=3" [ "$(field paes gen)" = 3 ]
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "data untouched" cmp -s /tmp/r /tmp/data

log "km_fail_after: partial KM on a read and a write"
echo 5 >$EMU/km_fail_after
ddr /dev/mapper/paes /tmp/r 256k $((2 << 20)) $((256 << 10)) & pid=$!
check "stale after partial read" wait_field paes key stale
dmc message paes 0 key set "$(token xts-256 "$clr")"
check "partial read completes" wait $pid
check "partial read: no corrupt byte" cmp -s /tmp/r <(tail -c +$(((2 << 20) + 1)) /tmp/data | head -c $((256 << 10)))
echo 7 >$EMU/km_fail_after
head -c $((256 << 10)) /dev/urandom >/tmp/w
ddw /tmp/w /dev/mapper/paes 256k $((3 << 20)) & pid=$!
check "stale after partial write" wait_field paes key stale
dmc message paes 0 key set "$(token xts-256 "$clr")"
check "partial write completes" wait $pid
dd if=/tmp/w of=/tmp/data bs=1M seek=3 conv=notrunc status=none
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "all data right after partial write" cmp -s /tmp/r /tmp/data

log "no fresh key: parked I/O fails after key_timeout, state lost"
dmc remove paes
dmc create paes --table "0 $SECTORS paes paes-xts-plain64 $(token xts-256 "$clr") 0 $l1 0 1 key_timeout:2000"
echo 1 >$EMU/rotate_wrapping_key
start=$(date +%s)
if ddr /dev/mapper/paes /tmp/r 64k 0 65536 2>/dev/null; then fail "read succeeded"; else ok "parked read failed"; fi
el=$(($(date +%s) - start))
check "after about key_timeout ($el s)" [ "$el" -ge 1 -a "$el" -le 10 ]
check "state lost, expired>0" [ "$(field paes key)" = lost -a "$(field paes expired)" -gt 0 ]
if ddr /dev/mapper/paes /tmp/r 64k 0 65536 2>/dev/null; then fail "lost: read ok"; else ok "lost: fails fast"; fi
dmc message paes 0 key set "$(token xts-256 "$clr")"
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "key set after lost: data right" cmp -s /tmp/r /tmp/data

log "key replace: old blocks EIO, rewritten ones fine"
if dmc message paes 0 key replace "$(token xts-256 "$clr")" 2>/dev/null; then
	fail "replace with the same key accepted"
else ok "replace with same key refused"; fi
dmc message paes 0 key replace "$(token xts-256 "$other")"
check "lost_blocks = all" [ "$(field paes lost_blocks)" = $SECTORS ]
if ddr /dev/mapper/paes /tmp/r 64k 0 65536 2>/dev/null; then fail "old block readable"; else ok "old block EIO"; fi
head -c $((64 << 10)) /dev/urandom >/tmp/w
ddw /tmp/w /dev/mapper/paes 64k 65536
ddr /dev/mapper/paes /tmp/r 64k 65536 65536
check "rewritten block reads back" cmp -s /tmp/r /tmp/w
check "lost_blocks decreased by 128" [ "$(field paes lost_blocks)" = $((SECTORS - 128)) ]
if ddr /dev/mapper/paes /tmp/r 64k 0 131072 2>/dev/null; then fail "mixed read ok"; else ok "read touching an old block EIO"; fi
dmc message paes 0 key set "$(token xts-256 "$other")"
check "key set with the replaced key's VP ok" [ "$(field paes key)/$(field paes gen)" = valid/4 ]

log "key wipe"
if dmc message paes 0 key wipe 2>/dev/null; then fail "wipe while live"; else ok "wipe refused while live"; fi
dmc suspend paes
dmc message paes 0 key wipe
dmc resume paes
check "state none" [ "$(field paes key)/$(field paes keytype)" = none/none ]
ddr /dev/mapper/paes /tmp/r 64k 65536 65536 & pid=$!
check "parks with no key" wait_field paes parked 1
if dmc message paes 0 key set "$(token xts-256 "$clr")" 2>/dev/null; then
	fail "wipe forgot the VP: a different key was accepted"
else ok "after wipe, key set with a different key refused (VP kept)"; fi
dmc message paes 0 key set "$(token fxts-256 "$other")"
check "read after key set" wait $pid
check "data after wipe+set" cmp -s /tmp/r /tmp/w
dmc remove paes
losetup -d "$l1"
finish
