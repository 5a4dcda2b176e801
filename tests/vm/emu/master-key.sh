#!/bin/bash
# pkey_emu's master_key= parameter: the emulated crypto card keeps its master
# key across module loads (as a real card across boots), so secure keys made
# before still convert; another key refuses them; bad values fail the load
# without echoing the value; the value cannot be read back.
# pdm-vm: --timeout 200
. "$PDM_VM_LIB/pdm.sh"
mkdir -p /etc/pdm
modprobe brd rd_nr=1 rd_size=8192

mk=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# MKVP of $mk: AES-256 under $mk of "pkey_emu-mkvp-00", first 8 bytes
mkvp=6f893c29cecdf645
other=$(randhex 32)

unload() { rmmod dm-paes 2>/dev/null || true; rmmod pkey_emu 2>/dev/null || true; }
# create_with_k1: can a device be made from secure key k1 now?
create_with_k1() {
	if pdm create d1 --device /dev/ram0 --key secure:k1 >/tmp/out 2>&1; then
		pdm remove d1 >/dev/null
		return 0
	fi
	return 1
}

log "load with master_key"
n=$(dmesg | wc -l)
modprobe pkey_emu master_key=$mk
modprobe dm-paes
check "MKVP is the known answer ($(cat "$EMU/master_key"))" test "$(cat "$EMU/master_key")" = "$mkvp"
check "the load says where the master key came from" \
	sh -c "dmesg | tail -n +$((n + 1)) | grep -q 'master key from the master_key parameter, MKVP $mkvp'"
check "the parameter cannot be read back" test ! -e /sys/module/pkey_emu/parameters/master_key
pdm key generate k1 >/dev/null || die "pdm key generate k1"
check "a secure key made under it converts" create_with_k1

log "unload, load with the same master key: the card is the same"
unload
modprobe pkey_emu master_key=$mk
modprobe dm-paes
check "same MKVP" test "$(cat "$EMU/master_key")" = "$mkvp"
check "the secure key made before still converts" create_with_k1

log "another master key: the old secure key is refused"
unload
modprobe pkey_emu master_key=$other
modprobe dm-paes
check "another MKVP" test "$(cat "$EMU/master_key")" != "$mkvp"
if create_with_k1; then fail "a secure key of another card converted"; else ok "refused: $(head -n 1 /tmp/out)"; fi

log "no parameter: a new random card on every load"
unload
modprobe pkey_emu
a=$(cat "$EMU/master_key")
rmmod pkey_emu
modprobe pkey_emu
b=$(cat "$EMU/master_key")
check "two loads, two MKVPs ($a, $b)" test "$a" != "$b"
unload

log "bad values fail the load and are not echoed"
for bad in "${mk:0:63}" "${mk}0" "${mk:0:63}g" ""; do
	n=$(dmesg | wc -l)
	if modprobe pkey_emu "master_key=$bad" 2>/dev/null; then
		fail "master_key='$bad' (${#bad} chars) loaded"
		unload
		continue
	fi
	ok "master_key of ${#bad} chars refused"
	check "  ... no /dev/pkey" test ! -e /dev/pkey
	check "  ... the log says why" sh -c "dmesg | tail -n +$((n + 1)) | grep -q 'invalid master_key parameter'"
	if [[ -n $bad ]] && dmesg | tail -n +$((n + 1)) | grep -qF -- "$bad"; then
		fail "  ... the log shows the value"
	fi
done
finish
