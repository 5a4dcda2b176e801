#!/bin/bash
# pdm-vm: --gdb --timeout 300
# Key hygiene: with a secure-key device (s1) and a clear-key device (c1)
# active and pdmd running after wrapping-key rotations (so pdmd has derived
# keys itself), no key material shows up
#  - in dmsetup table/status/info, in the output of pdm commands that were
#    not asked to show a key, in pdmd's log;
#  - in /proc/*/cmdline or /proc/*/environ of any process;
#  - in a core dump (gdb's gcore) of pdmd, and of pdm stopped at add_key(2)
#    in "pdm rekey" (the moment it holds the new token), nor anywhere in
#    their memory outside mappings excluded from core dumps (madvise
#    MADV_DONTDUMP: SecureBuffer, which is also mlocked);
# and the repository is a 0700 directory of 0600 files, /run/pdm the same.
# Needles (tests/tools/memscan: raw bytes, hex, HEX): the clear key of the
# secure key (its effective key) and its halves, the key fields of the two
# CCA tokens in the .skey, the clear key of c1 and its halves, and the
# wrapped-key parts of the current and first tokens of both devices (the
# emulation wraps deterministically, so paes-token makes the same tokens).
# Control: "pdm token from-clear --show-key" prints c1's token, and memscan
# finds it there; pdm at add_key holds its token in dontdump memory.
#   hygiene.sh [short|long]   long: 100 rotations, a pdmd dump every 20
. "$PDM_VM_LIB/pdm.sh"
form=${1:-short}
case $form in
short) rotations=1 dump_every=1 ;;
long) rotations=100 dump_every=20 ;;
*) die "form must be short or long" ;;
esac
pdm_setup
modprobe brd rd_nr=2 rd_size=16384 # 16 MiB each
S=$SECONDS
W=/tmp/hyg
mkdir -p $W/out $W/dumps
dumps=0 texts=0 hits=0 dd_held=0

hex2file() { # hex2file HEX FILE: raw bytes, mode 0600
	(umask 077 && printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" >"$2")
}
filehex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# wrapped-key parts of a 160-byte AES-256 token pair (hex): bytes 16..47 of
# K1 and of K2; the WKVP after them is public (pdm wkvp prints it).
tok_parts() { echo "${1:32:64} ${1:192:64}"; }

# The user's key material, made here so the test knows it.
sk_clear=$(randhex 64)
ck=$(randhex 64)
hex2file "$sk_clear" $W/sk.bin
pdm key generate k --from-clear $W/sk.bin >/dev/null || die "pdm key generate"
rm -f $W/sk.bin # the source of a secure key is the user's business
hex2file "$ck" /etc/pdm/ck.key
skey=$(filehex /etc/pdm/keys/k.skey)
[[ ${#skey} == 256 ]] || die "k.skey is not 128 bytes"
cat >/etc/pdm/pdmtab <<TAB
s1  /dev/ram0  secure:k              -
c1  /dev/ram1  clear:/etc/pdm/ck.key -
TAB
pdm create --all >$W/out/create.txt 2>&1 || { cat $W/out/create.txt; die "pdm create --all"; }
read -r s1_first1 s1_first2 < <(tok_parts "$(token xts-256 "$sk_clear")")
read -r c1_first1 c1_first2 < <(tok_parts "$(token xts-256 "$ck")")

# needles: the fixed ones and the tokens of the current wrapping key
needles() {
	local s1a s1b c1a c1b
	read -r s1a s1b < <(tok_parts "$(token xts-256 "$sk_clear")")
	read -r c1a c1b < <(tok_parts "$(token xts-256 "$ck")")
	cat >$W/needles <<EOF
sk_clear $sk_clear
sk_clear_k1 ${sk_clear:0:64}
sk_clear_k2 ${sk_clear:64:64}
skey_k1_key ${skey:32:64}
skey_k2_key ${skey:160:64}
ck $ck
ck_k1 ${ck:0:64}
ck_k2 ${ck:64:64}
s1_token_k1 $s1a
s1_token_k2 $s1b
c1_token_k1 $c1a
c1_token_k2 $c1b
s1_first_k1 $s1_first1
s1_first_k2 $s1_first2
c1_first_k1 $c1_first1
c1_first_k2 $c1_first2
EOF
}
# scan DESC FILE...: no needle in any of the files
scan() {
	local d=$1
	shift
	if memscan $W/needles "$@" >$W/scan.txt 2>&1; then
		ok "$d: $(tail -n 1 $W/scan.txt)"
	else
		fail "$d"
		head -n 20 $W/scan.txt
		hits=$((hits + $(grep -c '^hit' $W/scan.txt || true)))
	fi
}
# scan_pid DESC PID: nothing outside dontdump memory; adds the hits inside
# dontdump mappings (key material held on purpose, e.g. pdmd's cached secure
# key and clear key) to dd_held
scan_pid() {
	local rc=0 n
	memscan $W/needles --pid "$2" >$W/scanpid.txt 2>&1 || rc=$?
	if ((rc == 0)); then
		ok "$1: $(tail -n 1 $W/scanpid.txt)"
	else
		fail "$1 (memscan rc $rc)"
		head -n 20 $W/scanpid.txt
		hits=$((hits + $(grep -c '^hit' $W/scanpid.txt || true)))
	fi
	n=$(sed -nE 's/.*, ([0-9]+) in dontdump memory/\1/p' $W/scanpid.txt | tail -n 1)
	dd_held=$((dd_held + ${n:-0}))
}
# gcore_pdmd: a core dump of the running pdmd, searched
gcore_pdmd() {
	local core=$W/dumps/pdmd.$dumps.core
	gdb -batch -nx -p "$PDMD_PID" -ex "gcore $core" >$W/gdb.txt 2>&1 || true
	if [[ ! -s $core ]]; then
		cat $W/gdb.txt
		fail "gcore of pdmd made no core file"
		return
	fi
	dumps=$((dumps + 1))
	scan "pdmd core dump $dumps ($(du -k $core | cut -f1) KiB)" "$core"
	scan_pid "pdmd memory outside dontdump mappings" "$PDMD_PID"
	rm -f "$core"
}
# rotate_once: new wrapping key; I/O on both devices; pdmd re-derives both
rotate_once() {
	local before
	before=$(pdmd_count "PDM_KEY_REDERIVED dev=(s1|c1) .*key=valid")
	rotate
	for d in s1 c1; do
		dd if=/dev/mapper/$d of=/dev/null bs=4k count=1 iflag=direct status=none
	done
	for ((i = 0; i < 100; i++)); do
		(($(pdmd_count "PDM_KEY_REDERIVED dev=(s1|c1) .*key=valid") >= before + 2)) && return 0
		sleep 0.1
	done
	die "pdmd did not re-derive both keys after a rotation"
}

dd if=/dev/urandom of=$W/pat bs=1M count=2 status=none
for d in s1 c1; do ddw $W/pat /dev/mapper/$d 1M; done
pdmd_start
log "1. $rotations rotation(s) with pdmd re-deriving; pdmd dumped every $dump_every"
for ((r = 1; r <= rotations; r++)); do
	rotate_once
	if ((r % dump_every == 0)); then
		needles
		gcore_pdmd
	fi
done
for d in s1 c1; do
	dd if=/dev/mapper/$d of=$W/back bs=1M count=2 iflag=direct status=none
	check "$d data intact after the rotations" cmp -s $W/pat $W/back
done

log "2. pdm stopped at add_key in 'pdm rekey', dumped"
for d in s1 c1; do
	core=$W/dumps/pdm-rekey-$d.core
	gdb -batch -nx -ex 'set breakpoint pending on' -ex 'break add_key' -ex run \
		-ex "gcore $core" \
		-ex "shell memscan $W/needles --pid \$(pidof pdm) >$W/pdm-$d.scan 2>&1; echo rc=\$? >>$W/pdm-$d.scan" \
		-ex continue --args pdm rekey $d >$W/gdb-$d.txt 2>&1 || true
	if [[ -s $core ]]; then
		dumps=$((dumps + 1))
		scan "core dump of pdm rekey $d at add_key ($(du -k "$core" | cut -f1) KiB)" "$core"
	else
		cat $W/gdb-$d.txt
		fail "gcore of pdm rekey $d made no core file"
	fi
	cat $W/pdm-$d.scan 2>/dev/null | grep -v '^hit .* dontdump$' || true
	check "pdm rekey $d at add_key: nothing outside dontdump memory" grep -q '^rc=0$' $W/pdm-$d.scan
	# control: the token being added is there, where it belongs
	check "pdm rekey $d at add_key: holds its token in dontdump memory (control)" \
		grep -qE "^hit ${d}_token_k[12] raw .* dontdump$" $W/pdm-$d.scan
	check "$d key valid after the rekey" test "$(field $d key)" = valid
	rm -f "$core"
done

log "3. text: dmsetup, pdm output, pdmd's log"
o=$W/out
dmsetup table >$o/dmsetup-table.txt
dmsetup table --showkeys >$o/dmsetup-table-showkeys.txt
dmsetup status >$o/dmsetup-status.txt
dmsetup info >$o/dmsetup-info.txt
run() { # run NAME CMD...: stdout and stderr into $o/NAME.txt
	local n=$1
	shift
	"$@" >"$o/$n.txt" 2>&1 || echo "(exit $?)" >>"$o/$n.txt"
}
run list pdm list
run status pdm status
run status-s1 pdm status s1
run status-c1-json pdm status c1 --json
run table-s1 pdm table s1
run table-c1 pdm table c1
run table-c1-pdmtab pdm table c1 --pdmtab-only
run key-list pdm key list
run key-show pdm key show k
run key-verify pdm key verify k
run wkvp pdm wkvp
run token-gen pdm token gen
run token-from-clear pdm token from-clear --key-file /etc/pdm/ck.key
run rekey-s1 pdm -v rekey s1
run rekey-c1 pdm -v rekey c1
run create-again pdm create s1
run keyctl-show keyctl show @u
run keyctl-pipe keyctl pipe "$(keyctl search @u logon pdm:s1)"
check "the logon key pdm:s1 cannot be read back" grep -q '(exit' $o/keyctl-pipe.txt
cp "$PDMD_LOG" $o/pdmd-log.txt
texts=$(find $o -type f | wc -l)
scan "$texts outputs and logs" $o/*.txt
# control: asked explicitly, pdm prints the key, and memscan sees it
pdm token from-clear --key-file /etc/pdm/ck.key --show-key >$W/shown.txt
check "control: --show-key output has c1's token" bash -c "! memscan $W/needles $W/shown.txt >/dev/null"

log "4. /proc/*/cmdline and /proc/*/environ of every process"
scan "cmdline and environ of $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes" \
	/proc/[0-9]*/cmdline /proc/[0-9]*/environ

log "5. file modes"
mode_is() { [[ $(stat -c %a "$2") == "$1" ]] || { echo "  $2 is $(stat -c %a "$2")"; return 1; }; }
check "repository /etc/pdm/keys is 0700" mode_is 700 /etc/pdm/keys
for f in /etc/pdm/keys/* /etc/pdm/keys/.lock; do
	check "repository file ${f##*/} is 0600" mode_is 600 "$f"
done
check "/run/pdm is 0700" mode_is 700 /run/pdm
for f in /run/pdm/*.json; do
	check "state file ${f##*/} is 0600" mode_is 600 "$f"
done

pdmd_stop TERM
for d in s1 c1; do pdm remove $d >/dev/null || fail "pdm remove $d"; done
name=pdm.hygiene
[[ $form == long ]] && name+=.long
echo "MATRIX: $name rotations=$rotations dumps=$dumps texts=$texts" \
	"needles=$(wc -l <$W/needles) hits=$hits dontdump_held=$dd_held seconds=$((SECONDS - S))"
pdm_finish
