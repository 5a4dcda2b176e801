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
#   swap.sh error      ephemeral key, on-key-loss=error, key-timeout=3000:
#                      pdmd replaces nothing, the key stays stale/lost, gen 1;
#                      "pdm rekey --replace" recovers by hand.
. "$PDM_VM_LIB/pdm.sh"
mode=${1:-secure}
pdm_setup
dev=/dev/disk/by-name/swap

case $mode in
secure)
	pdm key generate swapkey >/dev/null || die "pdm key generate"
	echo "swap0 $dev secure:swapkey swap" >/etc/pdm/pdmtab ;;
ephemeral) echo "swap0 $dev ephemeral swap" >/etc/pdm/pdmtab ;;
error) echo "swap0 $dev ephemeral swap,on-key-loss=error,key-timeout=3000" >/etc/pdm/pdmtab ;;
*) die "mode must be secure, ephemeral or error" ;;
esac
log "pdmtab: $(cat /etc/pdm/pdmtab)"
pdm create swap0 --swapon || die "pdm create swap0 --swapon"
check "swap0 is active swap" grep -q '^/dev/mapper/swap0 ' /proc/swaps
check "pdm status: key valid" test "$(field swap0 key)" = valid
pdmd_start

# wait_swap KIB [TENTHS]: until at least KIB of swap is in use
wait_swap() {
	local i
	for ((i = 0; i < ${2:-300}; i++)); do
		(($(swap_used_kib) >= $1)) && return 0
		sleep 0.1
	done
	return 1
}

S=$SECONDS
set +e
if [[ $mode == secure ]]; then
	log "global memory pressure: stress-ng --vm 1 --vm-bytes 350M --vm-keep --verify (guest has ~440 MiB)"
	stress-ng --vm 1 --vm-bytes 350M --vm-keep --verify --timeout 40s --metrics-brief >/tmp/stress.log 2>&1 &
	hog=$!
	wait_swap 40000 || fail "swap use did not reach 40 MiB ($(swap_used_kib) KiB)"
	used=$(swap_used_kib)
	log "swap in use: $used KiB after $((SECONDS - S)) s; rotating the wrapping key 4 times, 4 s apart"
	for i in 1 2 3 4; do
		rotate
		sleep 4
		echo "   rotation $i: $(pdm status | tail -n 1) swap=$(swap_used_kib)KiB"
	done
	wait "$hog"
	hrc=$?
	set -e
	cat /tmp/stress.log
	check "stress-ng --verify passed (rc $hrc)" test "$hrc" -eq 0
	check "swap use grew under pressure (max seen >= 40 MiB)" test "$used" -ge 40000
	n=$(pdmd_count "PDM_KEY_REDERIVED dev=swap0 .*key=valid")
	check "pdmd re-derived the key at least once per observed stale event ($n)" test "$n" -ge 1
	check "stale_events ($(field swap0 stale_events)) = re-derivations ($n)" test "$(field swap0 stale_events)" -eq "$n"
	check "lost_blocks 0" test "$(field swap0 lost_blocks)" = 0
	check "replaces 0" test "$(field swap0 replaces)" = 0
	check "nothing killed (no OOM kill, no swap read error)" \
		bash -c '! dmesg | grep -qE "Killed process|Read-error on swap|Write-error on swap"'
else
	cg_setup hog 64M
	log "pressure inside a 64 MiB memory cgroup: stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify"
	cg_run hog stress-ng --vm 1 --vm-bytes 160M --vm-keep --verify --timeout 25s --metrics-brief
	hog=$CG_PID
	wait_swap 60000 || fail "swap use did not reach 60 MiB ($(swap_used_kib) KiB)"
	used=$(swap_used_kib)
	log "swap in use: $used KiB after $((SECONDS - S)) s; rotating the wrapping key"
	rotate
	if [[ $mode == ephemeral ]]; then
		pdmd_wait "PDM_KEY_REPLACED dev=swap0" 200
		wait "$hog"
		hrc=$?
		set -e
		log "the hog (stress-ng) ended with status $hrc"
		grep -E "PDM_KEY_(STATE|REPLACED)" "$PDMD_LOG"
		check "swap use grew under pressure" test "$used" -ge 60000
		check "pdmd key-replaced (PDM_KEY_REPLACED)" grep -q "PDM_KEY_REPLACED dev=swap0 .*key=valid" "$PDMD_LOG"
		lb=$(sed -n 's/.*PDM_KEY_REPLACED dev=swap0 .*lost_blocks=\([0-9]*\).*/\1/p' "$PDMD_LOG" | head -n 1)
		check "pdmd logged lost_blocks ($lb) > 0" test "${lb:-0}" -gt 0
		check "key valid, gen 2, replaces 1" test "$(field swap0 key)/$(field swap0 gen)/$(field swap0 replaces)" = valid/2/1
		# What happens to the hog: its swapped-out pages read back as EIO,
		# so the kernel kills it on the next touch (SIGBUS, or SIGSEGV where
		# stress-ng's own handler turns one into the other).
		check "the hog whose pages were lost was killed by a signal (status $hrc >= 128)" test "$hrc" -ge 128
		check "kernel reported the swap read errors" bash -c 'dmesg | grep -q "Read-error on swap"'
		log "the guest is still up: a second hog in the same cgroup must pass --verify on the new key"
		set +e
		cg_run hog stress-ng --vm 1 --vm-bytes 120M --vm-keep --verify --timeout 8s
		wait "$CG_PID"
		hrc2=$?
		set -e
		check "second hog passed --verify through swap (rc $hrc2)" test "$hrc2" -eq 0
		check "no further stale events" test "$(field swap0 stale_events)" = 1
	else
		# on-key-loss=error: nothing may be replaced; after key-timeout
		# (3 s) the parked swap I/O fails and the key is lost.
		wait_field swap0 key lost 150 || true
		pdmd_wait "PDM_KEY_LOST_LEFT dev=swap0" 50
		kill -KILL "$hog" 2>/dev/null
		wait "$hog"
		set -e
		grep -E "PDM_KEY_" "$PDMD_LOG"
		check "pdmd left it (PDM_KEY_LOST_LEFT)" grep -q "PDM_KEY_LOST_LEFT dev=swap0" "$PDMD_LOG"
		check "key stale or lost ($(field swap0 key))" bash -c '[[ $(dmsetup status swap0) =~ key=(stale|lost) ]]'
		check "nothing replaced: gen 1, replaces 0" test "$(field swap0 gen)/$(field swap0 replaces)" = 1/0
		check "pdmd did not replace (no PDM_KEY_REPLACED)" bash -c "! grep -q PDM_KEY_REPLACED $PDMD_LOG"
		log "recovery by hand: pdm rekey swap0 --replace"
		pdm rekey swap0 --replace
		check "key valid after pdm rekey --replace" test "$(field swap0 key)" = valid
	fi
fi
check "pdmd still running" kill -0 "$PDMD_PID"
pdm status
pdmd_stop
pdm remove swap0 || fail "pdm remove swap0"
check "nothing left behind" no_leftovers swap0
log "took $((SECONDS - S)) s"
pdm_finish
