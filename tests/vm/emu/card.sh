#!/bin/bash
# pkey_emu's crypto card from the shell, as a daemon or an admin sees it:
# the ep11_wrapping_key= parameter (known WKVP, kept across loads, bad values
# refused without echo, not readable back), the cca_* and ep11_* register
# controls with keys read from ccadata/, ccacipher/ and ep11/, and
# card_online.
. "$PDM_VM_LIB/common.sh"

wk=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# WKVP of $wk: AES-256 under $wk of "pkey_emu-ep11-vp", 16 bytes
wkvp=77fa670f7b6066af32bd5a6c1c67d146
SYS=/sys/devices/virtual/misc/pkey
converts() { pkey-emu-check convert "$1" >/tmp/out 2>&1; }
refused() { ! converts "$1"; }

log "load with ep11_wrapping_key"
n=$(dmesg | wc -l)
modprobe pkey_emu ep11_wrapping_key=$wk
cat "$EMU/ep11_wkvps" "$EMU/cca_mkvps"
check "WKVP is the known answer" grep -qx "current $wkvp" "$EMU/ep11_wkvps"
check "NEW is empty" grep -qx "new -" "$EMU/ep11_wkvps"
check "the load says where the wrapping key came from" \
	sh -c "dmesg | tail -n +$((n + 1)) | grep -q 'EP11 wrapping key from the ep11_wrapping_key parameter, WKVP $wkvp'"
check "the parameter cannot be read back" test ! -e /sys/module/pkey_emu/parameters/ep11_wrapping_key
check "cca_mkvps has three lines" test "$(wc -l <"$EMU/cca_mkvps")" = 3
cat "$SYS/ep11/ep11_aes_256" >/tmp/ep11.key
check "ep11_aes_256 is 336 bytes" test "$(stat -c %s /tmp/ep11.key)" = 336
check "an EP11 key converts" converts /tmp/ep11.key

log "unload, load with the same wrapping key: the key still converts"
rmmod pkey_emu
modprobe pkey_emu ep11_wrapping_key=$wk
check "the EP11 key made before converts" converts /tmp/ep11.key

log "EP11 commit: the key is gone at once"
echo "$(randhex 32)" >"$EMU/ep11_new_wrapping_key"
check "NEW is loaded" sh -c "! grep -qx 'new -' $EMU/ep11_wkvps"
check "before the commit it still converts" converts /tmp/ep11.key
echo 1 >"$EMU/ep11_commit"
check "refused after the commit" refused /tmp/ep11.key
check "  ... with ENODEV" grep -q "No such device" /tmp/out

log "CCA: keys convert under CURRENT and OLD, not after two commits"
cat "$SYS/ccadata/ccadata_aes_256_xts" >/tmp/data.keys
cat "$SYS/ccacipher/ccacipher_aes_128" >/tmp/cipher.key
check "ccadata_aes_256_xts is 128 bytes" test "$(stat -c %s /tmp/data.keys)" = 128
check "ccacipher_aes_128 is 136 bytes" test "$(stat -c %s /tmp/cipher.key)" = 136
head -c 64 /tmp/data.keys >/tmp/data.key
check "AESDATA converts" converts /tmp/data.key
check "AESCIPHER converts" converts /tmp/cipher.key
cur=$(awk '$1 == "current" {print $2}' "$EMU/cca_mkvps")
echo "$(randhex 32)" >"$EMU/cca_new_master_key"
echo 1 >"$EMU/cca_commit"
check "the previous CURRENT is OLD" grep -qx "old $cur" "$EMU/cca_mkvps"
check "AESDATA converts under OLD" converts /tmp/data.key
check "AESCIPHER converts under OLD" converts /tmp/cipher.key
if echo 1 >"$EMU/cca_commit" 2>/dev/null; then fail "cca_commit with NEW empty succeeded"; else ok "cca_commit with NEW empty refused"; fi
echo "$(randhex 32)" >"$EMU/cca_new_master_key"
echo 1 >"$EMU/cca_commit"
check "AESDATA refused after two commits" refused /tmp/data.key
check "AESCIPHER refused after two commits" refused /tmp/cipher.key

log "card offline"
echo 0 >"$EMU/card_online"
if cat "$SYS/ccadata/ccadata_aes_128" >/dev/null 2>&1; then fail "ccadata read with the card offline"; else ok "ccadata read refused offline"; fi
if cat "$SYS/ep11/ep11_aes_128" >/dev/null 2>&1; then fail "ep11 read with the card offline"; else ok "ep11 read refused offline"; fi
check "protkey/ still works offline" sh -c "cat $SYS/protkey/protkey_aes_256 >/dev/null"
echo 1 >"$EMU/card_online"
check "ccadata read works online again" sh -c "cat $SYS/ccadata/ccadata_aes_128 >/dev/null"
rmmod pkey_emu

log "bad ep11_wrapping_key values fail the load and are not echoed"
for bad in "${wk:0:63}" "${wk}0" "${wk:0:63}g" ""; do
	n=$(dmesg | wc -l)
	if modprobe pkey_emu "ep11_wrapping_key=$bad" 2>/dev/null; then
		fail "ep11_wrapping_key='$bad' (${#bad} chars) loaded"
		rmmod pkey_emu
		continue
	fi
	ok "ep11_wrapping_key of ${#bad} chars refused"
	check "  ... no /dev/pkey" test ! -e /dev/pkey
	check "  ... the log says why" sh -c "dmesg | tail -n +$((n + 1)) | grep -q 'invalid ep11_wrapping_key parameter'"
	if [[ -n $bad ]] && dmesg | tail -n +$((n + 1)) | grep -qF -- "$bad"; then
		fail "  ... the log shows the value"
	fi
done
finish
