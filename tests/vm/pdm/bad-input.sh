#!/bin/bash
# pdm-vm: --timeout 150
# Every pdm command's bad inputs: each must fail with its documented exit
# code (docs/cli.md) and a message on stderr, and leave nothing half-made:
# no dm device, no pdm:NAME key in @u, no /run/pdm/NAME.json.
. "$PDM_VM_LIB/pdm.sh"
pdm_setup
modprobe ext4
modprobe brd rd_nr=4 rd_size=8192 # 8 MiB each
modprobe loop
S=$SECONDS

# expect RC DESC CMD...: CMD fails with exactly RC and says why on stderr
expect() {
	local want=$1 desc=$2 rc
	shift 2
	set +e
	"$@" >/tmp/out 2>/tmp/err
	rc=$?
	set -e
	if ((rc == want)) && [[ -s /tmp/err ]]; then
		ok "$desc: exit $rc: $(head -n 1 /tmp/err)"
	else
		fail "$desc: want exit $want and a message, got exit $rc: $(head -n 2 /tmp/err) $(head -n 2 /tmp/out)"
	fi
}
clean() { check "  ... nothing of $1 left behind" no_leftovers "$1"; }

pdm key generate good >/dev/null || die "pdm key generate good"
R=/etc/pdm/keys

log "usage (1)"
expect 1 "no command" pdm
expect 1 "unknown command" pdm frobnicate
expect 1 "unknown option" pdm create x --device /dev/ram0 --frob
expect 1 "create: neither NAME nor --all" pdm create
expect 1 "create: NAME and --all" pdm create x --all
expect 1 "create --all with --device" pdm create --all --device /dev/ram0
expect 1 "--xts-128 with --xts-256" pdm create x --device /dev/ram0 --xts-128 --xts-256
clean x
expect 1 "key: unknown subcommand" pdm key frob
expect 1 "token: missing subcommand" pdm token

log "not found (6)"
expect 6 "create: not in pdmtab, no --device" pdm create nosuch
expect 6 "create: backing device missing" pdm create x --device /dev/nonexistent
clean x
expect 6 "create: secure key not in the repository" pdm create x --device /dev/ram0 --key secure:nokey
clean x
expect 6 "remove: no such device" pdm remove nosuch
expect 6 "status: no such device" pdm status nosuch
expect 6 "rekey: no such device" pdm rekey nosuch
expect 6 "table: neither device nor pdmtab entry" pdm table nosuch
expect 6 "key show: no such key" pdm key show nokey
expect 6 "key remove: no such key" pdm key remove nokey

log "configuration (2)"
expect 2 "create: bad key source" pdm create x --device /dev/ram0 --key bogus:thing
clean x
expect 2 "create: bad device name" pdm create 'bad/name' --device /dev/ram0
expect 2 "create: bad option" pdm create x --device /dev/ram0 -o sector-size=333
clean x
expect 2 "create: clear key file of the wrong size" \
	bash -c 'head -c 10 /dev/urandom >/tmp/k10 && pdm create x --device /dev/ram0 --key clear:/tmp/k10'
clean x
expect 2 "create: clear key file with equal halves (weak XTS key)" \
	bash -c 'head -c 32 /dev/urandom >/tmp/kh && cat /tmp/kh /tmp/kh >/tmp/kweak && chmod 600 /tmp/kweak &&
		pdm create x --device /dev/ram0 --key clear:/tmp/kweak'
grep -q 'halves are equal' /tmp/err || fail "  ... the message does not say the halves are equal: $(head -n 1 /tmp/err)"
clean x
expect 2 "token verify: not hex" pdm token verify zz
for line in "x /dev/ram0" "x relative/dev ephemeral" "x /dev/ram0 secure:" "x /dev/ram0 ephemeral sector-size=3" \
	"x /dev/ram0 ephemeral swap,frob" "bad/name /dev/ram0 ephemeral" "x /dev/ram0 ephemeral on-key-loss=maybe"; do
	printf '# test\n%s\n' "$line" >/tmp/badtab
	expect 2 "malformed pdmtab line '$line'" pdm create x --pdmtab /tmp/badtab
	grep -q "/tmp/badtab:2" /tmp/err || fail "  ... message does not name /tmp/badtab:2"
	clean x
done
printf 'x /dev/ram0 ephemeral\nx /dev/ram1 ephemeral\n' >/tmp/badtab
expect 2 "pdmtab: duplicate name" pdm create x --pdmtab /tmp/badtab
clean x

log "corrupt repository entries"
cp "$R/good.skey" "$R/trunc.skey"
sed 's/^name=good/name=trunc/' "$R/good.info" >"$R/trunc.info"
truncate -s 100 "$R/trunc.skey"
expect 7 "create: .skey truncated (100 bytes): untrusted" pdm create x --device /dev/ram0 --key secure:trunc
clean x
expect 7 "key verify: .skey truncated" pdm key verify trunc
# A verification pattern that is not the key's: the kernel refuses the table.
cp "$R/good.skey" "$R/vpbad.skey"
{ sed "s/^name=good/name=vpbad/; /^verification-pattern=/d" "$R/good.info"
  echo "verification-pattern=00000000000000000000000000000000"; } >"$R/vpbad.info"
expect 7 "create: the key's verification pattern is not the one in .info" \
	pdm create x --device /dev/ram0 --key secure:vpbad
grep -q "verification pattern" /tmp/err || fail "  ... message does not name the verification pattern"
clean x
cp "$R/good.skey" "$R/mkbad.skey"
sed "s/^name=good/name=mkbad/; s/^mkvp=.*/mkvp=0000000000000000/" "$R/good.info" >"$R/mkbad.info"
expect 7 "key show: untrusted entry (MKVP in .info does not match .skey)" pdm key show mkbad
cp "$R/good.skey" "$R/named.skey"
cp "$R/good.info" "$R/named.info" # says name=good
expect 7 "create: .info names another key" pdm create x --device /dev/ram0 --key secure:named
clean x
cp "$R/good.skey" "$R/noinfo.skey"
expect 6 "create: .info missing" pdm create x --device /dev/ram0 --key secure:noinfo
clean x
expect 1 "key generate: name exists" pdm key generate good
check "key list still works and flags the bad entries" bash -c 'pdm key list | grep -q "mkbad.*NOT TRUSTED"'

log "device-mapper and I/O failures roll back (4, 8)"
mkfs.ext4 -q /dev/ram2 && mkdir -p /mnt/r2 && mount -t ext4 /dev/ram2 /mnt/r2
expect 4 "create on a mounted (exclusively held) backing device" pdm create x --device /dev/ram2
clean x
umount /mnt/r2
truncate -s 32k /tmp/tiny.img
tiny=$(losetup -f --show /tmp/tiny.img)
expect 8 "create --swapon on a 32 KiB device (mkswap fails)" pdm create x --device "$tiny" --swapon
clean x
losetup -d "$tiny"

log "in use, refused, exists (1, 4, 7)"
pdm create a --device /dev/ram0 >/dev/null || die "pdm create a"
expect 1 "create: name exists" pdm create a --device /dev/ram1
expect 7 "rekey an ephemeral key without --replace" pdm rekey a
expect 1 "rekey --replace of a valid key without --force" pdm rekey a --replace
check "  ... nothing replaced (gen 1, replaces 0)" test "$(field a gen)/$(field a replaces)" = 1/0
pdm rekey a --replace --force >/dev/null || fail "rekey --replace --force of a valid key"
check "  ... with --force it is replaced (replaces 1)" test "$(field a replaces)" = 1
dmsetup create notpaes --table "0 8 linear /dev/ram1 0"
expect 1 "status of a device that is not a paes device" pdm status notpaes
dmsetup remove notpaes
# Answers longer than the first ioctl buffer (4 KiB) are read whole
for ((i = 0; i < 300; i++)); do echo "$((i * 8)) 8 linear /dev/ram1 $((i * 8))"; done | dmsetup create many
check "table of 300 targets: as dmsetup prints it" bash -c 'diff <(pdm table many) <(dmsetup table many)'
expect 1 "status of 300 targets, not a paes device" pdm status many
dmsetup remove many
# After the replace every old block reads EIO until rewritten; mkfs reads
# sector 0 before it writes.
dd if=/dev/zero of=/dev/mapper/a bs=1M count=$(($(blockdev --getsize64 /dev/mapper/a) >> 20)) oflag=direct status=none
mkfs.ext4 -q /dev/mapper/a && mkdir -p /mnt/a && mount -t ext4 /dev/mapper/a /mnt/a
expect 4 "remove while mounted" pdm remove a
check "  ... message says busy" grep -qi busy /tmp/err
check "  ... device, key and state all still there" \
	bash -c 'dmsetup info a >/dev/null && keyctl search @u logon pdm:a >/dev/null && test -e /run/pdm/a.json'
check "  ... and it still works (key valid)" test "$(field a key)" = valid
umount /mnt/a
printf 'a /dev/ram0 secure:good\n' >/tmp/usetab
expect 1 "key remove of a key pdmtab uses" pdm key remove good --pdmtab /tmp/usetab
dmsetup create plain --table "0 2048 linear /dev/ram3 0"
expect 1 "remove a device pdm did not create" pdm remove plain
check "  ... still there" dmsetup info plain
dmsetup remove plain
pdm create sw --device /dev/ram1 --swapon >/dev/null || die "pdm create sw --swapon"
log "remove of an active swap device swaps it off first (documented), then removes"
check "pdm remove sw (swapon'd)" pdm remove sw
check "  ... swap off" bash -c '! grep -q /dev/mapper/sw /proc/swaps'
clean sw
check "pdm remove a" pdm remove a
clean a
check "dmsetup ls: no devices" bash -c '[[ $(dmsetup ls) == "No devices found" ]]'
check "keyctl: no pdm: key in @u" bash -c '! keyctl show @u | grep -q "logon: pdm:"'
log "took $((SECONDS - S)) s"
pdm_finish
