#!/bin/bash
# pdm-vm: --timeout 280
# Random secure keys and the crypto card's master-key lifecycle.
#  1. No card online: pdm create refuses random-secure, suggests ephemeral,
#     and leaves nothing behind.
#  2. pdmd killed and restarted between two rotations of a random-secure
#     device: the second rotation is recovered from the kernel keyring alone.
#  3. A CCA master-key change: keys move to OLD (pdmd warns, pdm key validate
#     says so), rotations still recover; an EP11 wrapping-key change makes
#     the EP11 key unconvertible at once; a second CCA change makes the CCA
#     keys unconvertible: each device's on-key-loss policy applies and the
#     log says why.
#     A key is given up only once its device's key_timeout has run out.
#  4. The card offline during a rotation: the device waits (nothing is
#     replaced) and recovers with nothing lost when the card is back.
#  5. Full-XTS ephemeral keys where MSA 10 is there, the two-key form where
#     it is not; secure keys stay two-key.
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe brd rd_nr=8 rd_size=8192 # 8 MiB each
S=$SECONDS
dd if=/dev/urandom of=/tmp/pat bs=1M count=1 status=none
put() { ddw /tmp/pat "/dev/mapper/$1" 1M; }
intact() { # intact NAME: the pattern reads back
	dd if="/dev/mapper/$1" of=/tmp/back bs=1M count=1 iflag=direct status=none && cmp -s /tmp/pat /tmp/back
}
clean() { # clean NAME: intact, nothing lost, nothing replaced
	intact "$1" && [[ $(field "$1" lost_blocks)/$(field "$1" replaces) == 0/0 ]]
}
read_fails() { ! dd if="/dev/mapper/$1" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null; }
# rotate_io NAME...: rotate, then a direct read on each device: a key goes
# stale when I/O meets it (the read waits for the recovery, or fails with
# EIO where the data was lost)
rotate_io() {
	local d pids=()
	rotate
	for d in "$@"; do
		dd if="/dev/mapper/$d" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}" || true
}
pdm_create() { pdm create "$@" >/tmp/out 2>&1 || { cat /tmp/out; die "pdm create $*"; }; }
new_cca_master_key() {
	randhex 32 >"$EMU/cca_new_master_key"
	echo 1 >"$EMU/cca_commit"
}
wait_rederived() { # wait_rederived NAME COUNT
	local i
	for ((i = 0; i < 150; i++)); do
		(($(pdmd_count "PDM_KEY_REDERIVED dev=$1 .*key=valid") >= $2)) && return 0
		sleep 0.1
	done
	return 1
}

log "1. no card online: random-secure is refused"
echo 0 >"$EMU/card_online"
if pdm create n0 --device /dev/ram7 --key random-secure >/tmp/out 2>&1; then
	fail "pdm create --key random-secure succeeded without a card"
	pdm remove n0 || true
else
	ok "refused: $(head -n 1 /tmp/out)"
fi
check "the error suggests ephemeral" grep -q ephemeral /tmp/out
check "nothing left behind" no_leftovers n0
check "no recovery record left" bash -c '! keyctl search @u user pdm-material:n0 >/dev/null 2>&1'
echo 1 >"$EMU/card_online"

log "2. pdmd restarted between two rotations of a random-secure device"
# A key that cannot be converted any more is given up only once the
# device's key_timeout has run out: 3 s here.
pdm_create r1 --device /dev/ram0 --key random-secure --key-timeout 3000
put r1
pdmd_start --master-key-check 1
rotate_io r1
check "first rotation re-derived" wait_rederived r1 1
check "data intact" intact r1
pdmd_stop KILL
log "pdmd killed (SIGKILL); a new one starts"
pdmd_start --master-key-check 1
check "the new pdmd loaded r1 from the keyring" grep -q "PDM_KEY_SOURCE_READY dev=r1 .*from=keyring" "$PDMD_LOG"
rotate_io r1
check "second rotation re-derived by the new pdmd" wait_rederived r1 2
check "data intact, lost_blocks 0, replaces 0" clean r1

log "3. the master-key lifecycle"
pdm key generate s1 >/dev/null || die "pdm key generate s1"
pdm_create s1 --device /dev/ram1 --key secure:s1 --key-timeout 3000
pdm_create r2 --device /dev/ram2 --key random-secure:cca-aescipher --on-key-loss error --key-timeout 3000
pdm_create e1 --device /dev/ram3 --key random-secure:ep11 --key-timeout 3000
for d in s1 r2 e1; do put "$d"; done
check "pdm key validate s1: current" bash -c 'pdm key validate s1 | grep -qi current'
log "CCA master key change 1 (MKVPs: $(tr '\n' ' ' <"$EMU/cca_mkvps"))"
new_cca_master_key
for d in r1 r2 s1; do
	check "pdmd: $d is under the OLD master key" pdmd_wait "PDM_MASTER_KEY dev=$d .*state=old" 50
done
check "e1 (EP11) not affected" bash -c "! grep -q 'PDM_MASTER_KEY dev=e1' $PDMD_LOG"
check "pdm key validate s1: old" bash -c 'pdm key validate s1 | grep -qi old'
check "pdm key validate --json names the state" bash -c 'pdm key validate s1 --json | grep -q "\"old\""'
check "pdm status r1 shows it" bash -c 'pdm status r1 | grep -qi "master.key.*old"'
rotate_io r1 r2 s1 e1
for d in r1 r2 s1 e1; do
	check "$d re-derived after the rotation (key under OLD still converts)" \
		wait_field "$d" key valid 100
done
for d in r1 r2 s1 e1; do check "$d data intact" intact "$d"; done

log "EP11 wrapping key change: e1 cannot be converted any more"
randhex 32 >"$EMU/ep11_new_wrapping_key"
echo 1 >"$EMU/ep11_commit"
check "pdmd: e1 unusable" pdmd_wait "PDM_MASTER_KEY dev=e1 .*state=unusable" 50
rotate_io e1 r1 r2 s1
check "e1: unconvertible, said why" pdmd_wait "PDM_KEY_UNCONVERTIBLE dev=e1 " 100
check "e1: on-key-loss=replace applied (PDM_KEY_REPLACED)" pdmd_wait "PDM_KEY_REPLACED dev=e1 .*key=valid" 100
check "e1: replaces 1" test "$(field e1 replaces)" = 1
check "e1: the old data is gone (read fails)" read_fails e1
put e1
check "e1: new writes read back" intact e1
for d in r1 r2 s1; do check "$d re-derived, intact" clean "$d"; done

log "CCA master key change 2: the CCA keys cannot be converted any more"
new_cca_master_key
for d in r1 r2 s1; do
	check "pdmd: $d unusable" pdmd_wait "PDM_MASTER_KEY dev=$d .*state=unusable" 50
done
if pdm key validate s1 >/tmp/out 2>&1; then fail "pdm key validate s1 succeeded"; else ok "pdm key validate s1 fails"; fi
check "  ... and says unusable" grep -qi unusable /tmp/out
rotate_io r1 r2 s1
check "r1 (on-key-loss=replace): replaced, with the reason" \
	pdmd_wait "PDM_KEY_REPLACED dev=r1 .*key=valid.*master key" 100
check "s1 (on-key-loss=replace): replaced" pdmd_wait "PDM_KEY_REPLACED dev=s1 .*key=valid" 100
check "r2 (on-key-loss=error): left, with the reason" pdmd_wait "PDM_KEY_LOST_LEFT dev=r2 .*on-key-loss=error.*master key" 100
check "r2: nothing replaced" test "$(field r2 replaces)" = 0
check "r2: I/O fails" read_fails r2
grep -E "PDM_(MASTER_KEY|KEY_UNCONVERTIBLE|KEY_REPLACED|KEY_LOST_LEFT)" "$PDMD_LOG" | sed 's/^/   /'
for d in r1 r2 s1 e1; do pdm remove "$d" >/dev/null || fail "pdm remove $d"; done

log "4. the card offline during a rotation: the device waits"
pdm_create r3 --device /dev/ram4 --key random-secure
put r3
sleep 1.5 # one master-key check
echo 0 >"$EMU/card_online"
rotate
dd if=/dev/mapper/r3 of=/dev/null bs=4k count=1 iflag=direct status=none &
reader=$!
wait_field r3 key stale 50 || true
sleep 3
check "r3 not replaced while no card is online" test "$(field r3 replaces)" = 0
check "no PDM_KEY_UNCONVERTIBLE for r3" bash -c "! grep -q 'PDM_KEY_UNCONVERTIBLE dev=r3' $PDMD_LOG"
echo 1 >"$EMU/card_online"
check "r3 valid again once the card is back" wait_field r3 key valid 100
check "the read that waited completed" wait "$reader"
check "r3 intact, nothing lost or replaced" clean r3
pdm remove r3 >/dev/null || fail "pdm remove r3"

log "5. key forms: full-XTS where MSA 10 is there"
pdm_create x1 --device /dev/ram5 --key ephemeral
check "ephemeral with MSA 10: one 112-byte full-XTS token" bash -c 'dmsetup table x1 | grep -q ":112:logon:pdm:x1"'
check "pdm status x1 says full-xts" bash -c 'pdm status x1 | grep -qi "full-xts"'
pdm_create x2 --device /dev/ram6 --key random-secure
check "random-secure stays two-key (160 bytes)" bash -c 'dmsetup table x2 | grep -q ":160:logon:pdm:x2"'
pdm remove x2 >/dev/null
echo 0 >"$EMU/msa10"
pdm_create x3 --device /dev/ram6 --key ephemeral
check "ephemeral without MSA 10: the two-key pair" bash -c 'dmsetup table x3 | grep -q ":160:logon:pdm:x3"'
check "pdm status x3 says two-key" bash -c 'pdm status x3 | grep -qi "two-key"'
echo 1 >"$EMU/msa10"
rotate_io x1 x3
check "x1 (full-XTS) replaced by pdmd" pdmd_wait "PDM_KEY_REPLACED dev=x1 .*key=valid" 100
check "x3 (two-key) replaced by pdmd" pdmd_wait "PDM_KEY_REPLACED dev=x3 .*key=valid" 100
for d in x1 x3; do pdm remove "$d" >/dev/null || fail "pdm remove $d"; done
check "pdmd still running" kill -0 "$PDMD_PID"
pdmd_stop
check "no keyring record left" bash -c '! keyctl show @u | grep -q pdm-'
log "took $((SECONDS - S)) s"
pdm_finish
