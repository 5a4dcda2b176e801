#!/bin/bash
# pdm-vm: --tools --mem 512
# The README's demo (tests/vm/pdm-vm demo): a narrated walk-through of pkeydm
# in a throw-away guest, on brd ram disks.  Every claim it prints is checked;
# it exits 0 only if all of them held.
. "$PDM_VM_LIB/pdm.sh"
S=$SECONDS
say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '\033[36m# %s\033[0m\n' "$*"; "$@"; }
# claim DESC CMD...: a statement the demo makes, checked
claim() { local d=$1; shift; if "$@"; then echo "   ✔ $d"; else echo "   ✘ NOT TRUE: $d"; T_FAILS=$((T_FAILS + 1)); fi; }

say "1. Load the emulated IBM Z firmware (pkey_emu) and the dm-paes target"
run modprobe pkey_emu
run modprobe dm-paes
modprobe brd rd_nr=2 rd_size=131072 # two 128 MiB ram disks
mkdir -p /etc/pdm
echo "   pkey_emu stands in for the s390 firmware on x86_64: development and CI only, it protects nothing."
echo "   current wrapping-key verification pattern: $(pdm wkvp | cut -c1-16)..."

say "2. Encrypted swap from a one-line /etc/pdm/pdmtab"
echo "swap0 /dev/ram0 ephemeral swap" >/etc/pdm/pdmtab
run cat /etc/pdm/pdmtab
run pdm create swap0 --swapon
run swapon --show
run pdm table swap0
echo "   the key is a random protected key, in the kernel keyring as logon key pdm:swap0; the table only names it."

say "3. A data device with a secure key and a file system"
run pdm key generate datakey
echo "data /dev/ram1 secure:datakey -" >>/etc/pdm/pdmtab
run pdm create data
mkfs.ext4 -q /dev/mapper/data && mkdir -p /mnt/data && mount -t ext4 /dev/mapper/data /mnt/data
dd if=/dev/urandom of=/mnt/data/file bs=1M count=16 status=none && sync
sum_before=$(sha256sum /mnt/data/file | cut -d' ' -f1)
echo "   wrote /mnt/data/file (16 MiB), sha256 ${sum_before:0:16}..."
run pdm status

say "4. Memory pressure: pages go to the encrypted swap"
echo "   stress-ng in a 48 MiB memory cgroup touching 120 MiB, so only its pages are swapped"
cg_setup demo 48M
# A slow kernel (the debug kernel) faults and swaps TS times slower: the
# hogs run TS times longer and must push 1/TS of the swap.
TS=${PDM_VM_TIME_SCALE:-1}
want_kib=$((40000 / TS))
set +e
cg_run demo stress-ng --vm 1 --vm-bytes 120M --vm-keep --verify --timeout $((60 * TS))s --quiet
hog=$CG_PID
for ((i = 0; i < 200 * TS && $(swap_used_kib) < want_kib; i++)); do sleep 0.1; done
set -e
swap_kib=$(swap_used_kib)
run swapon --show
claim "swap in use: $((swap_kib / 1024)) MiB" test "$swap_kib" -ge $want_kib

say "5. pdmd watches every pdm device"
pdmd_start
sed 's/^/   log: /' "$PDMD_LOG"

say "6. The wrapping key changes (guest relocation, suspend/resume): rotate_wrapping_key"
lines_before=$(wc -l <"$PDMD_LOG")
run sh -c "echo 1 > $EMU/rotate_wrapping_key"
echo "   every protected key is now stale; the next I/O on each device finds out"
cat /mnt/data/file >/dev/null 2>&1 || true
echo 3 >/proc/sys/vm/drop_caches
dd if=/dev/mapper/data of=/dev/null bs=4k count=1 iflag=direct status=none
pdmd_wait "PDM_KEY_REDERIVED dev=data" 100 || true
pdmd_wait "PDM_KEY_REPLACED dev=swap0" 150 || true
echo "   pdmd's log since the rotation:"
tail -n +"$((lines_before + 1))" "$PDMD_LOG" | sed 's/^/   log: /'
set +e
wait "$hog"
hrc=$?
set -e
run pdm status

say "7. What happened"
claim "data: stale -> valid, the secure key derived again (gen 2)" \
	bash -c 'grep -q "PDM_KEY_STATE dev=data key=stale" '"$PDMD_LOG"' && [[ $(dmsetup status data) == *key=valid*gen=2* || $(dmsetup status data) == *gen=2*key=valid* ]]'
claim "data: lost_blocks 0" test "$(field data lost_blocks)" = 0
echo 3 >/proc/sys/vm/drop_caches
sum_after=$(sha256sum /mnt/data/file | cut -d' ' -f1)
claim "data: checksum intact after the rotation (${sum_after:0:16}...)" test "$sum_after" = "$sum_before"
claim "swap0: ephemeral key lost with the wrapping key, replaced by pdmd (gen 2)" \
	bash -c '[[ $(dmsetup status swap0) == *key=valid* ]] && grep -q "PDM_KEY_REPLACED dev=swap0" '"$PDMD_LOG"
lb=$(sed -n 's/.*PDM_KEY_REPLACED dev=swap0 .*lost_blocks=\([0-9]*\).*/\1/p' "$PDMD_LOG" | head -n 1)
claim "swap0: pdmd logged lost_blocks=$lb (blocks not rewritten since the replace read EIO, never garbage)" test "${lb:-0}" -gt 0
if ((hrc >= 128)); then
	echo "   the memory hog whose swapped pages were lost was killed by signal $((hrc - 128)) — honest cost of an ephemeral key"
else
	echo "   the memory hog ended with status $hrc"
fi
claim "the system is up: pdmd alive, swap0 still active" bash -c "kill -0 $PDMD_PID && grep -q /dev/mapper/swap0 /proc/swaps"

say "8. The same swap with a random secure key (a machine with a crypto card)"
echo "   a random secure key is read from sysfs (ccadata_aes_256_xts), enciphered under the card's master key;"
echo "   pdm keeps it only in the kernel keyring, so pdmd can convert it again after the wrapping key changes."
run pdm remove swap0
sed -i 's/^swap0 .*/swap1 \/dev\/ram0 random-secure swap/' /etc/pdm/pdmtab
run cat /etc/pdm/pdmtab
keys_before=$(ls /etc/pdm/keys)
run pdm create swap1 --swapon
set +e
cg_run demo stress-ng --vm 1 --vm-bytes 120M --vm-keep --verify --timeout $((30 * TS))s --quiet
hog=$CG_PID
for ((i = 0; i < 200 * TS && $(swap_used_kib) < want_kib; i++)); do sleep 0.1; done
set -e
swap_kib=$(swap_used_kib)
claim "swap in use: $((swap_kib / 1024)) MiB" test "$swap_kib" -ge $want_kib
lines_before=$(wc -l <"$PDMD_LOG")
run sh -c "echo 1 > $EMU/rotate_wrapping_key"
pdmd_wait "PDM_KEY_REDERIVED dev=swap1" 150 || true
echo "   pdmd's log since the rotation:"
tail -n +"$((lines_before + 1))" "$PDMD_LOG" | sed 's/^/   log: /'
set +e
wait "$hog"
hrc=$?
set -e
run pdm status swap1
claim "swap1: the random secure key derived again, lost_blocks 0" \
	bash -c '[[ $(dmsetup status swap1) == *key=valid* && $(dmsetup status swap1) == *lost_blocks=0* ]] && grep -q "PDM_KEY_REDERIVED dev=swap1" '"$PDMD_LOG"
claim "the memory hog passed stress-ng --verify: no page lost (status $hrc)" test "$hrc" -eq 0
claim "no key file was written (/etc/pdm/keys unchanged)" test "$(ls /etc/pdm/keys)" = "$keys_before"

say "Summary"
cat <<TXT
   - pdm made an encrypted swap device from one pdmtab line and a secure-key data device.
   - On a wrapping-key change dm-paes parked I/O instead of failing it and raised a dm event.
   - pdmd derived the secure key again: the file system never saw an error, checksum intact.
   - The ephemeral swap key could not be derived: pdmd replaced it and said how much was lost.
   - Swap with a random secure key lost nothing across the same change: choose it where a crypto card is.
   (took $((SECONDS - S)) s)
TXT
pdmd_stop
umount /mnt/data
pdm remove data
pdm remove swap1
if ((T_FAILS)); then echo "DEMO: $T_FAILS claim(s) did not hold"; exit 1; fi
echo "DEMO: every claim held"
