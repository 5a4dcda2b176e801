#!/bin/bash
# dm-paes vs dm-crypt: same clear key => byte-identical ciphertext, each
# reads what the other wrote; plus IEEE 1619-2007 XTS-AES-256 vector 10.
# pdm-vm: --timeout 600
. "$(dirname "$0")/../lib/common.sh"
paes_setup

MB=4
SECTORS=$((MB * 2048))
head -c $((MB << 20)) /dev/urandom >/tmp/data

# type ivoff devoff len(sectors) opts
cases=(
	"xts-256 0 0 $SECTORS"
	"xts-128 0 0 $SECTORS"
	"xts-256 0 0 $SECTORS 1 sector_size:4096"
	"xts-256 1024 8 $((SECTORS - 8)) 1 sector_size:4096"
	"xts-256 16 16 $((SECTORS - 16)) 2 sector_size:4096 iv_large_sectors"
	"xts-128 123456 3 $((SECTORS - 8))"
	"fxts-128 0 0 $SECTORS"
	"fxts-256 64 8 $((SECTORS - 8)) 1 sector_size:4096"
)
for c in "${cases[@]}"; do
	read -r type ivoff off len opts <<<"$c"
	log "case: $c"
	case $type in *128) kb=32 ;; *) kb=64 ;; esac
	clr=$(randhex $kb)
	tok=$(token "$type" "$clr")
	l1=$(mkloop p "$MB") l2=$(mkloop c "$MB")
	bytes=$((len * 512))
	dmc create paes --table "0 $len paes paes-xts-plain64 $tok $ivoff $l1 $off $opts"
	dmc create crypt --table "0 $len crypt aes-xts-plain64 $clr $ivoff $l2 $off $opts"
	head -c $bytes /tmp/data >/tmp/d1
	ddw /tmp/d1 /dev/mapper/paes
	ddw /tmp/d1 /dev/mapper/crypt
	sync
	check "ciphertext identical ($type)" cmp -s /tmp/p.img /tmp/c.img
	ddr /dev/mapper/paes /tmp/r1 64k 0 $bytes
	check "paes reads back" cmp -s /tmp/d1 /tmp/r1
	# cross: dm-crypt on paes's disk, and the reverse
	dmc remove crypt
	dmc create crypt --table "0 $len crypt aes-xts-plain64 $clr $ivoff $l1 $off $opts"
	ddr /dev/mapper/crypt /tmp/r2 64k 0 $bytes
	check "dm-crypt reads what dm-paes wrote" cmp -s /tmp/d1 /tmp/r2
	head -c $((256 << 10)) /dev/urandom >/tmp/d2
	ddw /tmp/d2 /dev/mapper/crypt 64k $((64 << 10))
	ddr /dev/mapper/paes /tmp/r3 64k $((64 << 10)) $((256 << 10))
	check "dm-paes reads what dm-crypt wrote" cmp -s /tmp/d2 /tmp/r3
	# odd-sized, unaligned-buffer I/O through the page cache too
	dd if=/tmp/d2 of=/dev/mapper/paes bs=12288 seek=3 conv=notrunc,fsync status=none
	echo 3 >/proc/sys/vm/drop_caches
	ddr /dev/mapper/crypt /tmp/r4 12288 $((3 * 12288)) $((256 << 10))
	check "buffered write via paes, read via crypt" cmp -s /tmp/d2 /tmp/r4
	[[ $(field paes key) == valid && $(field paes keytype) == "$type" ]] ||
		fail "status: $(dmsetup status paes)"
	dmc table paes | grep -q "paes-xts-plain64 - $ivoff " || fail "table: $(dmc table paes)"
	dmc remove paes
	dmc remove crypt
	losetup -d "$l1" "$l2"
done

log "IEEE 1619-2007 XTS-AES-256 vector 10 (data unit 0xff)"
k1=2718281828459045235360287471352662497757247093699959574966967627
k2=3141592653589793238462643383279502884197169399375105820974944592
tok=$(token xts-256 "$k1$k2")
l1=$(mkloop v 1)
dmc create paes --table "0 2048 paes paes-xts-plain64 $tok 0 $l1 0"
# plaintext: bytes 00..ff twice
for i in $(seq 0 255); do printf "\\x$(printf %02x "$i")"; done >/tmp/half
cat /tmp/half /tmp/half >/tmp/pt
ddw /tmp/pt /dev/mapper/paes 512 $((255 * 512))
sync
ct=$(od -An -tx1 -j $((255 * 512)) -N 512 /tmp/v.img | tr -d ' \n')
want_head=1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b
want_tail=c4f36ffda9fcea70b9c6e693e148c151
check "vector 10 first 32 bytes" [ "${ct:0:64}" = "$want_head" ]
check "vector 10 last 16 bytes" [ "${ct:992:32}" = "$want_tail" ]
ddr /dev/mapper/paes /tmp/pt2 512 $((255 * 512)) 512
check "vector 10 decrypts" cmp -s /tmp/pt /tmp/pt2
dmc remove paes
losetup -d "$l1"
finish
