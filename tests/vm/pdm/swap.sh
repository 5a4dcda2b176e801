#!/bin/bash
# pdm-vm: --tools --mem 512 --disk swap:256M
# Encrypted swap made by "pdm create swap0" from a one-line pdmtab, under
# memory pressure, with pdmd running while the wrapping key rotates.
#
#   swap.sh secure     secure key from the repository; the whole guest is
#                      under pressure (its tmpfs root file system goes to swap
#                      too); 4 rotations: pdmd re-derives each time, nothing is
#                      killed, stress-ng --verify passes, lost_blocks stays 0.
#   swap.sh ephemeral  ephemeral key, default on-key-loss=replace; pressure
#                      only inside a memory cgroup, so only the hog's pages go
#                      to swap.  pdmd key-replaces and logs lost_blocks; the
#                      hog whose pages were lost dies of a signal (asserted);
#                      the guest stays up, and the swap works again (a second
#                      hog passes --verify).
#   swap.sh random-secure[:TYPE]
#                      a random secure key (TYPE cca-aesdata, the default,
#                      cca-aescipher or ep11) read from sysfs and kept only in
#                      the kernel keyring; as secure, with 6 rotations 3 s
#                      apart; no file appears in the repository.
#   swap.sh error      ephemeral key, on-key-loss=error, key-timeout=3000:
#                      pdmd replaces nothing, the key stays stale/lost, gen 1;
#                      "pdm rekey --replace" recovers by hand.
#
#   swap.sh MODE long  (secure, ephemeral) the long form: secure: a 240 s
#                      hog and a rotation every 0.5..3 s while it swaps
#                      (about a hundred); ephemeral: 8 rounds of hog, rotation,
#                      replace, killed hog, verifying hog.
. "$PDM_VM_LIB/pdm.sh"
mode=${1:-secure}
len=${2:-short}
case $len in short | long) ;; *) die "second argument must be short or long" ;; esac
[[ $len == long && $mode == error ]] && die "no long form of 'error'"
name=pdm.swap.$mode
[[ $len == long ]] && name+=.long
pdm_setup
dev=/dev/disk/by-name/swap

case $mode in
secure)
	pdm key generate swapkey >/dev/null || die "pdm key generate"
	echo "swap0 $dev secure:swapkey swap" >/etc/pdm/pdmtab ;;
random-secure | random-secure:*)
	echo "swap0 $dev $mode swap" >/etc/pdm/pdmtab ;;
ephemeral) echo "swap0 $dev ephemeral swap" >/etc/pdm/pdmtab ;;
error) echo "swap0 $dev ephemeral swap,on-key-loss=error,key-timeout=3000" >/etc/pdm/pdmtab ;;
*) die "mode must be secure, random-secure[:TYPE], ephemeral or error" ;;
esac
log "pdmtab: $(cat /etc/pdm/pdmtab)"
mkdir -p /etc/pdm/keys
keys_before=$(find /etc/pdm/keys | sort)
pdm create swap0 --swapon || die "pdm create swap0 --swapon"
check "swap0 is active swap" grep -q '^/dev/mapper/swap0 ' /proc/swaps
check "pdm status: key valid" test "$(field swap0 key)" = valid
pdmd_start

# A slow kernel (the debug kernel: PDM_VM_TIME_SCALE 4) faults and swaps
# several times slower: the hogs run TS times longer and must push 1/TS of
# the swap (still thousands of pages through the device when it goes stale).
TS=${PDM_VM_TIME_SCALE:-1}
secure_kib=$((40000 / TS)) cg_kib=$((60000 / TS))
# wait_swap KIB [TENTHS]: until at least KIB of swap is in use
wait_swap() {
	local i
	for ((i = 0; i < ${2:-300} * TS; i++)); do
		(($(swap_used_kib) >= $1)) && return 0
		sleep 0.1
	done
	return 1
}

S=$SECONDS
ROT=0 MAXSWAP=0
set +e
if [[ $mode == secure || $mode == random-secure* ]]; then
	hog_s=$((40 * TS))
	[[ $len == long ]] && hog_s=$((240 * TS))
	# 350 MiB in the 512 MiB guest; more if the guest has more memory
	# available (a bigger --mem, a smaller image), so that it swaps.
	avail=$(awk '/^MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
	hog_mb=$((avail + 64 > 350 ? avail + 64 : 350))
	log "global memory pressure: stress-ng --vm 1 --vm-bytes ${hog_mb}M --vm-keep --verify --timeout ${hog_s}s (MemAvailable ${avail} MiB)"
	stress-ng --vm 1 --vm-bytes "${hog_mb}M" --vm-keep --verify --timeout ${hog_s}s --metrics-brief >/tmp/stress.log 2>&1 &
	hog=$!
	wait_swap $secure_kib || fail "swap use did not reach $((secure_kib / 1000)) MiB ($(swap_used_kib) KiB)"
	used=$(swap_used_kib)
	MAXSWAP=$used
	if [[ $len == short ]]; then
		rounds=4 gap=4
		[[ $mode == random-secure* ]] && rounds=6 gap=3
		log "swap in use: $used KiB after $((SECONDS - S)) s; rotating the wrapping key $rounds times, $gap s apart"
		for ((i = 1; i <= rounds; i++)); do
			rotate
			ROT=$((ROT + 1))
			sleep "$gap"
			echo "   rotation $i: $(pdm status | tail -n 1) swap=$(swap_used_kib)KiB"
		done
	else
		log "swap in use: $used KiB after $((SECONDS - S)) s; rotating every 0.5..3 s until the hog ends"
		# Stop 3 s before the hog would, so the last rotation is handled
		# while it still swaps.
		while kill -0 "$hog" 2>/dev/null && ((SECONDS - S < hog_s - 3)); do
			rotate
			ROT=$((ROT + 1))
			ms=$((500 + RANDOM % 2501))
			sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
			sw=$(swap_used_kib)
			((sw > MAXSWAP)) && MAXSWAP=$sw
			((ROT % 10 == 0)) && echo "   rotation $ROT: $(pdm status | tail -n 1) swap=${sw}KiB"
		done
	fi
	wait "$hog"
	hrc=$?
	set -e
	cat /tmp/stress.log
	check "stress-ng --verify passed (rc $hrc)" test "$hrc" -eq 0
	check "swap use grew under pressure (max seen >= $((secure_kib / 1000)) MiB)" test "$used" -ge $secure_kib
	# A rotation's stale event comes with the device's next I/O, which may
	# be the hog's last swap-in as it exits: give pdmd time to re-derive.
	for ((i = 0; i < 100 * TS; i++)); do
		(($(pdmd_count "PDM_KEY_REDERIVED dev=swap0 .*key=valid") >= $(field swap0 stale_events))) && break
		sleep 0.1
	done
	n=$(pdmd_count "PDM_KEY_REDERIVED dev=swap0 .*key=valid")
	check "pdmd re-derived the key at least once per observed stale event ($n)" test "$n" -ge 1
	check "stale_events ($(field swap0 stale_events)) = re-derivations ($n)" test "$(field swap0 stale_events)" -eq "$n"
	check "lost_blocks 0" test "$(field swap0 lost_blocks)" = 0
	check "replaces 0" test "$(field swap0 replaces)" = 0
	check "nothing killed (no OOM kill, no swap read error)" \
		bash -c '! dmesg | grep -qE "Killed process|Read-error on swap|Write-error on swap"'
	check "expired 0" test "$(field swap0 expired)" = 0
	if [[ $mode == random-secure* ]]; then
		check "no new file under /etc/pdm/keys" test "$(find /etc/pdm/keys | sort)" = "$keys_before"
		check "the secure key is in the kernel keyring (pdm-material:swap0)" \
			keyctl search @u user pdm-material:swap0
		check "the state file names the source, holds no key" \
			bash -c "grep -q '\"random-secure' /run/pdm/swap0.json && ! grep -qiE '[0-9a-f]{64}' /run/pdm/swap0.json"
		check "pdm status: master key current" bash -c "pdm status swap0 | grep -qi 'master.key.*current'"
	fi
elif [[ $mode == ephemeral ]]; then
	cg_setup hog 64M
	rounds=1
	[[ $len == long ]] && rounds=8
	LOSTSUM=0 KILLED=0 SURVIVED=0
	for ((r = 1; r <= rounds; r++)); do
		set +e
		log "round $r/$rounds: pressure inside a 64 MiB memory cgroup: stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify"
		cg_run hog stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify --timeout $((25 * TS))s --metrics-brief
		hog=$CG_PID
		wait_swap $cg_kib || fail "swap use did not reach $((cg_kib / 1000)) MiB ($(swap_used_kib) KiB)"
		used=$(swap_used_kib)
		((used > MAXSWAP)) && MAXSWAP=$used
		log "swap in use: $used KiB after $((SECONDS - S)) s; rotating the wrapping key"
		rotate
		ROT=$((ROT + 1))
		# the r-th replace
		for ((i = 0; i < 200 * TS; i++)); do
			(($(pdmd_count "PDM_KEY_REPLACED dev=swap0") >= r)) && break
			sleep 0.1
		done
		wait "$hog"
		hrc=$?
		set -e
		log "the hog (stress-ng) ended with status $hrc"
		grep -E "PDM_KEY_(STATE|REPLACED)" "$PDMD_LOG" | tail -n 3
		check "swap use grew under pressure" test "$used" -ge $cg_kib
		check "pdmd key-replaced (PDM_KEY_REPLACED #$r)" \
			test "$(pdmd_count "PDM_KEY_REPLACED dev=swap0 .*key=valid")" -ge "$r"
		lb=$(sed -n 's/.*PDM_KEY_REPLACED dev=swap0 .*lost_blocks=\([0-9]*\).*/\1/p' "$PDMD_LOG" | sed -n "${r}p")
		LOSTSUM=$((LOSTSUM + ${lb:-0}))
		check "pdmd logged lost_blocks ($lb) > 0" test "${lb:-0}" -gt 0
		check "key valid, gen $((r + 1)), replaces $r" \
			test "$(field swap0 key)/$(field swap0 gen)/$(field swap0 replaces)" = "valid/$((r + 1))/$r"
		# What happens to the hog: its swapped-out pages read back as EIO,
		# so the kernel kills whichever of its processes touches one first
		# (SIGBUS, or SIGSEGV where stress-ng's own handler turns one into
		# the other).  Which one that is varies with reclaim: the stressor
		# child (then stress-ng itself may end 0; seen on 6.12) or the
		# parent (then it dies of the signal).  What must never happen is
		# a verify failure (garbage read back): status 1..127.
		if ((hrc >= 128)); then KILLED=$((KILLED + 1)); else SURVIVED=$((SURVIVED + 1)); fi
		check "the hog was killed by a signal or ended without a verify error (status $hrc)" \
			test "$hrc" -ge 128 -o "$hrc" -eq 0
		check "kernel reported the swap read errors" bash -c 'dmesg | grep -q "Read-error on swap"'
		log "the guest is still up: a second hog in the same cgroup must pass --verify on the new key"
		set +e
		cg_run hog stress-ng --vm 1 --vm-bytes 120M --vm-keep --verify --timeout $((8 * TS))s
		wait "$CG_PID"
		hrc2=$?
		set -e
		check "second hog passed --verify through swap (rc $hrc2)" test "$hrc2" -eq 0
		check "no further stale events" test "$(field swap0 stale_events)" = "$r"
	done
else
	cg_setup hog 64M
	log "pressure inside a 64 MiB memory cgroup: stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify"
	cg_run hog stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify --timeout $((25 * TS))s --metrics-brief
	hog=$CG_PID
	wait_swap $cg_kib || fail "swap use did not reach $((cg_kib / 1000)) MiB ($(swap_used_kib) KiB)"
	used=$(swap_used_kib)
	MAXSWAP=$used
	log "swap in use: $used KiB after $((SECONDS - S)) s; rotating the wrapping key"
	rotate
	ROT=1
	# on-key-loss=error: nothing may be replaced; after key-timeout
	# (3 s) the parked swap I/O fails and the key is lost.
	wait_field swap0 key lost 150 || true
	log "key $(field swap0 key) after $((SECONDS - S)) s"
	pdmd_wait "PDM_KEY_LOST_LEFT dev=swap0" 50
	# Swap writes now fail at once.  The hog's tasks are killed, but on 6.1
	# a task of a memory cgroup at its limit can loop in reclaim while it
	# exits (its robust-futex list was swapped out): its pages cannot be
	# written, so nothing is freed.  Replacing the key by hand ends that.
	echo 1 >/sys/fs/cgroup/hog/cgroup.kill
	set -e
	grep -E "PDM_KEY_" "$PDMD_LOG"
	check "pdmd left it (PDM_KEY_LOST_LEFT)" grep -q "PDM_KEY_LOST_LEFT dev=swap0" "$PDMD_LOG"
	check "key stale or lost ($(field swap0 key))" bash -c '[[ $(dmsetup status swap0) =~ key=(stale|lost) ]]'
	check "nothing replaced: gen 1, replaces 0" test "$(field swap0 gen)/$(field swap0 replaces)" = 1/0
	check "pdmd did not replace (no PDM_KEY_REPLACED)" bash -c "! grep -q PDM_KEY_REPLACED $PDMD_LOG"
	log "recovery by hand: pdm rekey swap0 --replace"
	pdm rekey swap0 --replace
	check "key valid after pdm rekey --replace" test "$(field swap0 key)" = valid
	check "the hog's tasks are gone" cg_kill hog "$hog"
fi
check "pdmd still running" kill -0 "$PDMD_PID"
pdm status
m="MATRIX: $name rotations=$ROT max_swap_kib=$MAXSWAP stale_events=$(field swap0 stale_events)"
m+=" gen=$(field swap0 gen) replaces=$(field swap0 replaces) parked_total=$(field swap0 parked_total)"
m+=" expired=$(field swap0 expired)"
[[ $mode == secure || $mode == random-secure* ]] && m+=" rederived=$(pdmd_count "PDM_KEY_REDERIVED dev=swap0 ") hog_rc=$hrc"
[[ $mode == ephemeral ]] && m+=" lost_blocks_logged=$LOSTSUM"
[[ $mode == ephemeral ]] && m+=" hogs_killed=$KILLED hogs_ended_0=$SURVIVED"
pdmd_stop
pdm remove swap0 || fail "pdm remove swap0"
check "nothing left behind" no_leftovers swap0
secs=$((SECONDS - S))
log "took $secs s"
echo "$m seconds=$secs failures=$T_FAILS"
pdm_finish
