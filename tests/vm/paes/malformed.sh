#!/bin/bash
# Malformed tables and messages: each refused with its own error, nothing
# half-built, kernel log free of warnings (pdm-vm checks the log).
# pdm-vm: --timeout 300
. "$(dirname "$0")/../lib/common.sh"
paes_setup

clr=$(randhex 64)
tok=$(token xts-256 "$clr")
tok128=$(token xts-128 "$(randhex 32)")
ftok=$(token fxts-128 "$(randhex 32)")
l1=$(mkloop m 4)
S=8192
# patch HEX OFFSET BYTEHEX -> hex with one byte replaced
patch() { echo "${1:0:$(($2 * 2))}$3${1:$(($2 * 2 + 2))}"; }

# refuse "ERROR SUBSTRING" TABLE...
refuse() {
	local want=$1; shift
	local n; n=$(dmesg | wc -l)
	if dmc create bad --table "$*" 2>/dev/null; then
		fail "accepted: $want"; dm_remove bad; return
	fi
	if dmesg | tail -n +$((n + 1)) | grep -q -- "$want"; then ok "refused: $want"
	else fail "wrong/no error for '$want': $(dmesg | tail -n +$((n + 1)) | grep paes | tail -1)"; fi
	dmsetup info bad >/dev/null 2>&1 && { fail "left a device"; dm_remove bad; }
	return 0
}
P="paes paes-xts-plain64"
refuse "Not enough arguments" "0 $S $P $tok 0 $l1"
refuse "Unsupported cipher" "0 $S paes aes-xts-plain64 $tok 0 $l1 0"
refuse "odd number of hex digits" "0 $S $P ${tok}0 0 $l1 0"
refuse "not a hex string" "0 $S $P $(patch "$tok" 3 zz) 0 $l1 0"
refuse "Invalid key size" "0 $S $P ${tok:0:100} 0 $l1 0"
refuse "type is not non-CCA" "0 $S $P $(patch "$tok" 0 01) 0 $l1 0"
refuse "version is not protected key" "0 $S $P $(patch "$tok" 4 02) 0 $l1 0"
refuse "reserved header bytes" "0 $S $P $(patch "$tok" 85 01) 0 $l1 0"
refuse "keytype must be AES_128 or AES_256" "0 $S $P $(patch "$tok" 8 0b) 0 $l1 0"
refuse "len does not match keytype" "0 $S $P $(patch "$tok" 12 30) 0 $l1 0"
refuse "two key types differ" "0 $S $P ${tok:0:160}${tok128:160} 0 $l1 0"
half=$(randhex 32)
weak=$(token xts-256 "$half$half")
half=$(randhex 16)
weak128=$(token xts-128 "$half$half")
refuse "K1 and K2 are the same key" "0 $S $P $weak 0 $l1 0"
refuse "K1 and K2 are the same key" "0 $S $P $weak128 0 $l1 0"
refuse "must be a full-XTS token" "0 $S $P ${tok:0:160} 0 $l1 0"
refuse "len does not match keytype" "0 $S $P $(patch "$ftok" 12 30) 0 $l1 0"
refuse "Invalid sector_size" "0 $S $P $tok 0 $l1 0 1 sector_size:1024x"
refuse "Invalid sector_size" "0 $S $P $tok 0 $l1 0 1 sector_size:8192"
refuse "Invalid sector_size" "0 $S $P $tok 0 $l1 0 1 sector_size:1536"
refuse "Unknown optional argument" "0 $S $P $tok 0 $l1 0 1 integrity:28:aead"
refuse "Duplicate optional argument" "0 $S $P $tok 0 $l1 0 2 same_cpu_crypt same_cpu_crypt"
if dmc create wqopts --table "0 $S $P $tok 0 $l1 0 4 no_read_workqueue no_write_workqueue same_cpu_crypt submit_from_crypt_cpus"; then
	ok "dm-crypt workqueue flags accepted"
	check "and echoed in the table line" sh -c "dmsetup table wqopts |
		grep -qE ' 5 same_cpu_crypt submit_from_crypt_cpus no_read_workqueue no_write_workqueue vp:[0-9a-f]{32}\$'"
	dm_remove wqopts
else fail "dm-crypt workqueue flags refused"; fi
vp0=00000000000000000000000000000000
refuse "Invalid vp" "0 $S $P $tok 0 $l1 0 1 vp:"
refuse "Invalid vp" "0 $S $P $tok 0 $l1 0 1 vp:0123"
refuse "Invalid vp" "0 $S $P $tok 0 $l1 0 1 vp:${vp0}${vp0}"
refuse "Invalid vp" "0 $S $P $tok 0 $l1 0 1 vp:${vp0:0:31}g"
refuse "Invalid vp" "0 $S $P - 0 $l1 0 1 vp:${vp0}0"
refuse "Duplicate optional argument" "0 $S $P - 0 $l1 0 2 vp:$vp0 VP:$vp0"
refuse "does not match the verification pattern" "0 $S $P $tok 0 $l1 0 1 vp:$vp0"
refuse "Duplicate optional argument" "0 $S $P $tok 0 $l1 0 2 allow_discards allow_discards"
refuse "does not match <#opt>" "0 $S $P $tok 0 $l1 0 2 allow_discards"
refuse "does not match <#opt>" "0 $S $P $tok 0 $l1 0 1 allow_discards iv_large_sectors"
refuse "Invalid number of optional" "0 $S $P $tok 0 $l1 0 x allow_discards"
refuse "Invalid key_timeout" "0 $S $P $tok 0 $l1 0 1 key_timeout:-1"
refuse "Invalid iv_offset" "0 $S $P $tok 1x $l1 0"
refuse "not a multiple of sector_size" "0 $S $P $tok 1 $l1 0 1 sector_size:4096"
refuse "Invalid device offset" "0 $S $P $tok 0 $l1 -5"
refuse "Device too small" "0 $S $P $tok 0 $l1 8"
refuse "Device too small" "0 $S $P $tok 0 $l1 18446744073709551615"
refuse "Invalid device offset: not a multiple of sector_size" "0 8 $P $tok 0 $l1 3 1 sector_size:4096"
refuse "Device lookup failed" "0 $S $P $tok 0 /dev/nonexistent 0"
refuse "Target length is not a multiple" "0 $((S - 1)) $P $tok 0 $l1 0 1 sector_size:4096"
refuse "Keyring key not found" "0 $S $P :160:logon:pdm:none 0 $l1 0"
refuse "only logon keys" "0 $S $P :160:user:pdm:x 0 $l1 0"
refuse "Invalid keyring key size" "0 $S $P :64:logon:pdm:x 0 $l1 0"
head -c 80 /dev/zero | keyctl padd logon pdm:short @u >/dev/null
refuse "payload size differs" "0 $S $P :160:logon:pdm:short 0 $l1 0"
echo 1 >$EMU/rotate_wrapping_key
refuse "stale token" "0 $S $P $tok 0 $l1 0"

log "keyring key"
tok=$(token xts-256 "$clr")
echo -n "$tok" | xxd -r -p 2>/dev/null | keyctl padd logon pdm:k1 @u >/dev/null ||
	printf '%s' "$tok" | sed 's/../\\x&/g' | xargs -0 printf | keyctl padd logon pdm:k1 @u >/dev/null
dmc create paes --table "0 $S $P :160:logon:pdm:k1 0 $l1 0"
check "table shows the keyring reference" sh -c "dmsetup table paes | grep -q ':160:logon:pdm:k1 0 '"

log "malformed messages"
msg_refuse() {
	if dmc message paes 0 "$@" 2>/dev/null; then fail "message accepted: $*"; else ok "message refused: ${1:-} ${2:-}"; fi
}
msg_refuse key
msg_refuse key set
msg_refuse key set 00
msg_refuse key set -
msg_refuse key frobnicate x
msg_refuse foo bar
msg_refuse key set "${tok}0"
msg_refuse key set "$(patch "$tok" 4 02)"
msg_refuse key set "$weak"
msg_refuse key replace "${tok:0:160}"
msg_refuse key replace "$tok" x
msg_refuse key replace "$tok" -1
msg_refuse key replace "$tok" 1 1
msg_refuse key replace "$(token xts-256 "$(randhex 64)")"
msg_refuse key replace "$(token xts-256 "$(randhex 64)")" 1
msg_refuse key set :160:logon:pdm:none
msg_refuse key wipe now
check "still valid gen=1" [ "$(field paes key)/$(field paes gen)" = valid/1 ]
dmc remove paes
losetup -d "$l1"
finish
