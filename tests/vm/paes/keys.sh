#!/bin/bash
# dm-paes key state machine: parking on a stale key and key set, timeout to
# "lost", key set with a different key refused, key replace and lost
# blocks, key replace refused while the key is valid or for another
# generation, key wipe, km_fail_after partial completion on reads and
# writes; the vp: table option (wrong keys refused in the constructor and
# by key set on a '-' table) and a copy of the TABLE output that accepts
# only the right key.
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

log "key replace: refused while the key is valid"
if dmc message paes 0 key replace "$(token xts-256 "$other")" 2>/tmp/err; then
	fail "replace of a valid key accepted"
else
	check "replace of a valid key refused with EBUSY" grep -q "busy" /tmp/err
fi
check "nothing replaced (gen 2, replaces 0)" [ "$(field paes gen)/$(field paes replaces)" = 2/0 ]
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "data untouched by the refused replace" cmp -s /tmp/r /tmp/data

log "key replace: old blocks EIO, rewritten ones fine"
echo 1 >$EMU/rotate_wrapping_key
if ddr /dev/mapper/paes /tmp/r 64k 0 65536 2>/dev/null; then fail "read succeeded"; else ok "parked read failed"; fi
check "state lost again" [ "$(field paes key)" = lost ]
if dmc message paes 0 key replace "$(token xts-256 "$clr")" 2>/dev/null; then
	fail "replace with the same key accepted"
else ok "replace with same key refused"; fi
if dmc message paes 0 key replace "$(token xts-256 "$other")" 1 2>/tmp/err; then
	fail "replace of gen 1 accepted at gen 2"
else
	check "replace naming another generation refused with EBUSY" grep -q "busy" /tmp/err
fi
check "still lost, gen 2" [ "$(field paes key)/$(field paes gen)" = lost/2 ]
dmc message paes 0 key replace "$(token xts-256 "$other")" 2
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
# The device's key_timeout is 2 s: the tokens are made before the read
# parks, so that a slow kernel (the debug kernel) still sets the key in time.
tok_clr=$(token xts-256 "$clr")
tok_other=$(token fxts-256 "$other")
ddr /dev/mapper/paes /tmp/r 64k 65536 65536 & pid=$!
check "parks with no key" wait_field paes parked 1
if dmc message paes 0 key set "$tok_clr" 2>/dev/null; then
	fail "wipe forgot the VP: a different key was accepted"
else ok "after wipe, key set with a different key refused (VP kept)"; fi
dmc message paes 0 key set "$tok_other"
check "read after key set" wait $pid
check "data after wipe+set" cmp -s /tmp/r /tmp/w
dmc remove paes

log "vp: the verification pattern in the table"
# tblvp KEY OPTS...: a table line of the device on $l1
tblvp() { local k=$1; shift; echo "0 $SECTORS paes paes-xts-plain64 $k 0 $l1 0 $# $*"; }
vpof() { dmsetup table "$1" | sed -n 's/.* vp:\([0-9a-f]*\)$/\1/p'; }
dmc create paes --table "0 $SECTORS paes paes-xts-plain64 $(token xts-256 "$clr") 0 $l1 0"
vpc=$(vpof paes)
check "table prints vp: with 32 hex digits ($vpc)" [ ${#vpc} = 32 ]
check "table counts vp: in <#opt> and prints no key" \
	sh -c "dmsetup table paes | grep -qE ' paes-xts-plain64 - 0 [0-9]+:[0-9]+ 0 1 vp:$vpc\$'"
ddw /tmp/data /dev/mapper/paes
dmc remove paes
dmc create paes --table "$(tblvp "$(token xts-256 "$other")")"
vpo=$(vpof paes)
dmc remove paes
check "another key, another vp" [ ${#vpo} = 32 -a "$vpo" != "$vpc" ]

n=$(dmesg | wc -l)
if dmc create paes --table "$(tblvp "$(token xts-256 "$other")" "vp:$vpc")" 2>/dev/null; then
	fail "table with the wrong key for its vp: loaded"; dm_remove paes
else
	check "table with the wrong key for its vp: refused, and says why" \
		sh -c "dmesg | tail -n +$((n + 1)) | grep -q 'does not match the verification pattern'"
fi
check "nothing left of the refused table" sh -c "! dmsetup info paes >/dev/null 2>&1"
dmc create paes --table "$(tblvp "$(token fxts-256 "$clr")" "vp:${vpc^^}")"
check "same clear key as a full-XTS token, VP in capitals: accepted" [ "$(field paes key)" = valid ]
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512))
check "and reads the data" cmp -s /tmp/r /tmp/data
check "the table prints the vp it was given" [ "$(vpof paes)" = "$vpc" ]
dmc remove paes

log "vp: on a '-' table accepts only the right key"
dmc create paes --table "$(tblvp - "vp:$vpc" key_timeout:20000)"
check "state none, gen 0" [ "$(field paes key)/$(field paes gen)" = none/0 ]
check "'-' table prints its vp" [ "$(vpof paes)" = "$vpc" ]
ddr /dev/mapper/paes /tmp/r 1M 0 $((SECTORS * 512)) & pid=$!
check "read parks" wait_field paes parked 1
if dmc message paes 0 key set "$(token xts-256 "$other")" 2>/dev/null; then
	fail "key set of the wrong key accepted on a '-' table with vp:"
else ok "key set of the wrong key refused on a '-' table with vp:"; fi
check "still none, read still parked" [ "$(field paes key)/$(field paes parked)" = none/1 ]
dmc message paes 0 key set "$(token xts-256 "$clr")"
check "parked read completes after the right key" wait $pid
check "and reads the data" cmp -s /tmp/r /tmp/data

log "TABLE output reloads into a device that accepts only the right key"
echo 1 >$EMU/rotate_wrapping_key
dmsetup table paes >/tmp/paes.table
dmc remove paes
check "copied table has key '-' and the vp" grep -qE " paes-xts-plain64 - .* vp:$vpc\$" /tmp/paes.table
dmc create paes2 </tmp/paes.table
check "copy loads, state none" [ "$(field paes2 key)" = none ]
if dmc message paes2 0 key set "$(token xts-256 "$other")" 2>/dev/null; then
	fail "copy accepted the wrong key"
else ok "copy refuses the wrong key"; fi
dmc message paes2 0 key set "$(token xts-256 "$clr")"
ddr /dev/mapper/paes2 /tmp/r 1M 0 $((SECTORS * 512))
check "copy with the right key reads the data" cmp -s /tmp/r /tmp/data
cmp -s <(dmsetup table paes2) /tmp/paes.table && ok "copy prints the same table" ||
	fail "copy prints another table: $(dmsetup table paes2)"
dmc remove paes2

log "key replace on a '-' table with vp: takes the new key's vp"
dmc create paes --table "$(tblvp - "vp:$vpc")"
dmc message paes 0 key replace "$(token xts-256 "$other")" 0
check "replaced: valid gen 1 replaces 1" [ "$(field paes key)/$(field paes gen)/$(field paes replaces)" = valid/1/1 ]
check "the table now prints the new key's vp" [ "$(vpof paes)" = "$vpo" ]
if dmc message paes 0 key set "$(token xts-256 "$clr")" 2>/dev/null; then
	fail "old key accepted after the replace"
else ok "old key refused after the replace"; fi
dmc remove paes
losetup -d "$l1"
finish
