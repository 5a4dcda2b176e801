#!/bin/bash
# pdm-vm: --timeout 200
# Key sources of issue 12 in the guest:
#  - ephemeral: the full-XTS form where the emulation has it, and pdmd's new
#    key after a wrapping-key change keeps that form;
#  - random-secure without a card: pdm create fails (exit 3), suggests
#    ephemeral and leaves nothing behind;
#  - random-secure with the emulated card (where pkey_emu has one): the key
#    is in the recovery record only, pdmd derives it again after a
#    wrapping-key change and the data survives; without the record it is
#    reported as not derivable;
#  - secure keys of every type: generate, validate --json, create.
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe brd rd_nr=2 rd_size=8192 # 8 MiB each
SECK=/sys/devices/virtual/misc/pkey/ccadata/ccadata_aes_256_xts
have_card=0
[[ -e $SECK ]] && have_card=1
pdmd_start

log "ephemeral: the key form, kept across a wrapping-key change"
pdm create e1 --device /dev/ram0 >/dev/null
form=$(pdm status e1 | sed -n 's/^key form: *//p')
if [[ -e /sys/devices/virtual/misc/pkey/protkey/protkey_aes_xts_256 ]]; then
	check "pdm status: full-xts" [ "$form" = full-xts ]
else
	check "pdm status: two-key" [ "$form" = two-key ]
fi
gen=$(field e1 gen)
rotate
dd if=/dev/mapper/e1 of=/dev/null bs=4k count=1 iflag=direct status=none || true
check "pdmd replaced the key" wait_field e1 gen $((gen + 1))
check "the same form ($form)" [ "$(pdm status e1 | sed -n 's/^key form: *//p')" = "$form" ]
pdm remove e1

log "random-secure without a card: refused, nothing left behind"
[[ -e $EMU/card_online ]] && echo 0 >"$EMU/card_online"
set +e
pdm create r0 --device /dev/ram0 --key random-secure >/tmp/out 2>/tmp/err
rc=$?
set -e
check "exit 3 (key source): $(head -n 1 /tmp/err)" [ $rc = 3 ]
check "the message suggests ephemeral" grep -q ephemeral /tmp/err
check "no dm device, key or state" no_leftovers r0
check "no recovery record" bash -c '! keyctl search @u user pdm-material:r0 >/dev/null 2>&1 && ! keyctl search @u user pdm-state:r0 >/dev/null 2>&1'
[[ -e $EMU/card_online ]] && echo 1 >"$EMU/card_online"

if ((have_card)); then
	for type in cca-aesdata cca-aescipher ep11; do
		log "random-secure:$type: only in the recovery record, derived again"
		pdm create r1 --device /dev/ram0 --key random-secure:$type >/dev/null
		check "dm UUID PDM-RANDOMSECURE-r1" [ "$(dmsetup info -c --noheadings -o uuid r1)" = PDM-RANDOMSECURE-r1 ]
		check "the record holds the material" keyctl search @u user pdm-material:r1
		check "the state names the source, nothing more" grep -q "\"random-secure:$type\"" /run/pdm/r1.json
		check "no secure key in the repository" bash -c '! ls /etc/pdm/keys/*.skey >/dev/null 2>&1'
		check "pdm status: master key current" bash -c 'pdm status r1 | grep -q "^master key: *current"'
		dd if=/dev/urandom of=/tmp/data bs=64k count=8 status=none
		dd if=/tmp/data of=/dev/mapper/r1 bs=64k oflag=direct status=none
		gen=$(field r1 gen)
		rotate
		dd if=/dev/mapper/r1 of=/dev/null bs=4k count=1 iflag=direct status=none || true
		check "pdmd derived the key again" wait_field r1 gen $((gen + 1))
		check "the data survived" cmp -s /tmp/data <(dd if=/dev/mapper/r1 bs=64k count=8 iflag=direct status=none)
		check "pdm rekey derives it from the record" pdm rekey r1
		pdm remove r1
	done

	log "random-secure without its record: not derivable"
	pdm create r2 --device /dev/ram0 --key random-secure >/dev/null
	keyctl unlink "$(keyctl search @u user pdm-material:r2)" @u >/dev/null
	set +e
	pdm rekey r2 >/tmp/out 2>/tmp/err
	rc=$?
	set -e
	check "pdm rekey: exit 6, cannot be derived again" bash -c "[ $rc = 6 ] && grep -q 'cannot be derived again' /tmp/err"
	pdm remove r2

	log "secure keys of every type"
	for type in cca-aesdata cca-aescipher ep11; do
		pdm key generate "k-$type" --type "$type" >/dev/null
		check "key show: $type" bash -c "pdm key show k-$type | grep -q '^secure key type: *$type'"
		pdm create s1 --device /dev/ram1 --key "secure:k-$type" >/dev/null
		check "secure:k-$type: key valid" [ "$(field s1 key)" = valid ]
		pdm remove s1
	done
	check "key validate --json: every key current" \
		bash -c '[ "$(pdm key validate --json | grep -c "\"state\": \"current\"")" = 3 ]'
	check "key validate: exit 0" pdm key validate
fi

if ((have_card)) && [[ -e $EMU/cca_commit ]]; then
	log "CCA master-key changes: current, old (still derived), unusable"
	mkstate() { pdm key validate mk --json | sed -n 's/.*"state": "\(.*\)".*/\1/p'; }
	devstate() { pdm status m1 | sed -n 's/^master key: *//p'; }
	pdm key generate mk >/dev/null
	pdm create m1 --device /dev/ram0 --key random-secure --key-timeout 3000 >/dev/null
	check "mk: current" [ "$(mkstate)" = current ]
	randhex 32 >"$EMU/cca_new_master_key"
	echo 1 >"$EMU/cca_commit"
	check "mk: old" [ "$(mkstate)" = old ]
	check "validate hints to re-encipher, exit 0" bash -c 'pdm key validate mk | grep -q re-encipher'
	check "pdm status m1: master key old" [ "$(devstate)" = old ]
	gen=$(field m1 gen)
	rotate
	dd if=/dev/mapper/m1 of=/dev/null bs=4k count=1 iflag=direct status=none || true
	check "pdmd derives it under the OLD master key" wait_field m1 gen $((gen + 1))
	randhex 32 >"$EMU/cca_new_master_key"
	echo 1 >"$EMU/cca_commit"
	check "mk: unusable" [ "$(mkstate)" = unusable ]
	check "validate: exit 7" bash -c 'pdm key validate mk >/dev/null; [ $? = 7 ]'
	check "pdm status m1: master key unusable" [ "$(devstate)" = unusable ]
	rotate
	dd if=/dev/mapper/m1 of=/dev/null bs=4k count=1 iflag=direct status=none || true
	check "pdmd says no card holds the key's master key" \
		pdmd_wait 'PDM_KEY_REGEN_FAILED dev=m1 .*no online crypto card holds'
	pdm remove m1
fi

pdmd_stop
finish
