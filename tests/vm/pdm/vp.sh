#!/bin/bash
# pdm-vm: --timeout 150
# The verification pattern (VP) through pdm:
#  - the first create with a secure key records the target's VP in the
#    key's .info and in the device state; the next create loads the table
#    with vp:, so the kernel refuses another .skey under that name (exit 7,
#    nothing left behind);
#  - an .info of an older pdm (a SHA-256 of the .skey in the same field)
#    loads, trusted, and its first create replaces the field with the VP;
#  - an ephemeral device's state holds its VP; rekey --replace --force
#    replaces a valid key (wipe while suspended, then key replace naming the
#    generation) and the state follows the new VP.
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe brd rd_nr=2 rd_size=8192 # 8 MiB each
R=/etc/pdm/keys

vpof() { dmsetup table "$1" | sed -n 's/.* vp:\([0-9a-f]\{32\}\)$/\1/p'; }
statevp() { sed -n 's/^ *"vp": "\([0-9a-f]*\)".*/\1/p' "/run/pdm/$1.json"; }
infovp() { sed -n 's/^verification-pattern=//p' "$R/$1.info"; }

log "secure key: the first create records the VP"
pdm key generate k1 >/dev/null
check "a new key has no VP yet" [ -z "$(infovp k1)" ]
check "pdm key show says so" bash -c "pdm key show k1 | grep -q 'verification pattern: -'"
pdm create s1 --device /dev/ram0 --key secure:k1 >/dev/null
vp=$(vpof s1)
check "the table shows the target's vp: ($vp)" [ ${#vp} = 32 ]
check "k1.info has it" [ "$(infovp k1)" = "$vp" ]
check "/run/pdm/s1.json has it" [ "$(statevp s1)" = "$vp" ]
check "pdm key show prints it" bash -c "pdm key show k1 | grep -q 'verification pattern: *$vp'"
check "pdm table shows it" bash -c "pdm table s1 | grep -q ' vp:$vp\$'"
dd if=/dev/urandom of=/tmp/data bs=1M count=1 status=none
dd if=/tmp/data of=/dev/mapper/s1 bs=1M oflag=direct status=none
pdm remove s1

log "the next create carries vp:, the kernel refuses another key"
pdm create s1 --device /dev/ram0 --key secure:k1 >/dev/null
check "same key: created, same VP" [ "$(vpof s1)" = "$vp" ]
check "data readable" cmp -s /tmp/data <(dd if=/dev/mapper/s1 bs=1M count=1 iflag=direct status=none)
pdm remove s1
pdm key generate k2 >/dev/null
cp "$R/k1.skey" /tmp/k1.skey
cp "$R/k2.skey" "$R/k1.skey" # another key, same master key: only the VP tells
set +e
pdm create s1 --device /dev/ram0 --key secure:k1 >/tmp/out 2>/tmp/err
rc=$?
set -e
check "another .skey under k1: refused with exit 7 (got $rc: $(head -n 1 /tmp/err))" [ "$rc" = 7 ]
check "  ... the message names the verification pattern" grep -q "verification pattern $vp" /tmp/err
check "  ... nothing of s1 left behind" no_leftovers s1
check "  ... k1.info keeps its VP" [ "$(infovp k1)" = "$vp" ]
cp /tmp/k1.skey "$R/k1.skey"

log "an .info of an older pdm: SHA-256 ignored, replaced by the VP"
cp "$R/k2.skey" "$R/old.skey"
{ sed '/^verification-pattern=/d; s/^name=k2/name=old/' "$R/k2.info"
  echo "verification-pattern=$(sha256sum "$R/old.skey" | cut -c1-64)"; } >"$R/old.info"
chmod 0600 "$R/old.info"
check "it loads, trusted" pdm key show old
pdm create s2 --device /dev/ram1 --key secure:old >/dev/null
vp2=$(vpof s2)
check "the VP of the old key ($vp2) is another than k1's" [ ${#vp2} = 32 -a "$vp2" != "$vp" ]
check "old.info now has the VP, and no SHA-256" bash -c "[ \"\$(sed -n 's/^verification-pattern=//p' $R/old.info)\" = $vp2 ]"
pdm remove s2

log "ephemeral: VP in the state, rekey --replace --force over a valid key"
pdm create e1 --device /dev/ram1 >/dev/null
ve=$(vpof e1)
check "/run/pdm/e1.json has the VP ($ve)" [ ${#ve} = 32 -a "$(statevp e1)" = "$ve" ]
pdm rekey e1 --replace --force >/dev/null
check "replaced: valid, gen 2, replaces 1, not suspended" \
	[ "$(field e1 key)/$(field e1 gen)/$(field e1 replaces)/$(dmsetup info -c --noheadings -o suspended e1)" = valid/2/1/Active ]
ve2=$(vpof e1)
check "new VP in the table and the state" [ "$ve2" != "$ve" -a "$(statevp e1)" = "$ve2" ]
pdm remove e1
finish
