#!/bin/bash
# pdm-vm: --timeout 1800 --mem 1024
# Benchmark (not a timed test): swap as the workload.  A working set four
# times its memory cgroup's limit (swap-load), touched in address order and
# at random, with swap on the same ram disk through nothing (plain),
# dm-crypt aes-xts-plain64 (default flags, and without workqueues) and
# dm-paes; all with 4096-byte crypto sectors.
#   tests/vm/pdm-vm run tests/bench/swap.sh [SECONDS] [WORKING_SET_MIB] [ROUNDS]
# ROUNDS (default 1) repeats the whole set, backings interleaved and each
# round starting one backing later, so that a host whose speed drifts over
# minutes moves every backing alike.
# Prints "@@SWAP key=value ..." per round, backing and pattern for
# tests/bench/pdm-bench: touches per second, pages swapped in and out per
# second (pswpin/pswpout), and the latency of the touches that waited for
# a page from swap.
. "$PDM_VM_LIB/pdm.sh"
secs=${1:-15}
ws=${2:-256}
rounds=${3:-1}
[[ $secs =~ ^[1-9][0-9]*$ && $ws =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] ||
	die "SECONDS, WORKING_SET_MIB and ROUNDS: positive numbers"
limit=$((ws / 4))
pdm_setup
modprobe dm-crypt
modprobe brd rd_nr=1 rd_size=$(((ws + 64) * 1024))
dev=/dev/ram0
sectors=$(blockdev --getsz $dev)
hex() { od -An -v -tx1 | tr -d ' \n'; }
cg_setup swapbench "${limit}M"

backings=(plain crypt crypt-nowq paes)
for round in $(seq "$rounds"); do
	# each round starts one backing later, so none always runs last
	first=$(((round - 1) % ${#backings[@]}))
	for backing in "${backings[@]:first}" "${backings[@]:0:first}"; do
		key=$(head -c 64 /dev/urandom | hex)
		case $backing in
		plain) swapdev=$dev ;;
		crypt) echo "0 $sectors crypt aes-xts-plain64 $key 0 $dev 0 1 sector_size:4096" | dmc create swb ;;
		crypt-nowq) echo "0 $sectors crypt aes-xts-plain64 $key 0 $dev 0 3 sector_size:4096 no_read_workqueue no_write_workqueue" | dmc create swb ;;
		paes) echo "0 $sectors paes paes-xts-plain64 $(hex </sys/devices/virtual/misc/pkey/protkey/protkey_aes_256_xts) 0 $dev 0 1 sector_size:4096" | dmc create swb ;;
		esac
		[[ $backing == plain ]] || swapdev=/dev/mapper/swb
		mkswap "$swapdev" >/dev/null || die "mkswap on $backing"
		swapon "$swapdev" || die "swapon on $backing"
		for pattern in seq rand; do
			cg_run swapbench swap-load "$ws" "$secs" "$pattern" >/tmp/swl.out 2>&1
			wait "$CG_PID"
			rc=$?
			[[ $rc == 0 ]] || { cat /tmp/swl.out; die "swap-load on $backing ($pattern) failed with $rc"; }
			read -r _ touches _ per_s _ slow _ p50 _ p99 _ sin _ sout </tmp/swl.out
			echo "@@SWAP round=$round backing=$backing pattern=$pattern seconds=$secs ws_mib=$ws limit_mib=$limit" \
				"touches=$touches touches_per_s=$per_s swapin_per_s=$sin swapout_per_s=$sout" \
				"major=$slow major_p50_us=$p50 major_p99_us=$p99"
		done
		swapoff "$swapdev" || die "swapoff on $backing"
		[[ $backing == plain ]] || dmc remove swb || die "remove $backing"
	done
done
