#!/bin/bash
# pdm-vm: --timeout 3600 --mem 2048
# Benchmark (not a timed test): many pdm devices, one wrapping-key change.
#   tests/vm/pdm-vm run tests/bench/scale.sh [COUNTS] [ROUNDS] [DAEMONS]
# COUNTS: device counts, comma-separated (default 1,16,64,256).  For each:
#   - kernel memory per idle device (memory neither free nor page cache,
#     after dropping caches: slab, vmalloc, mempool pages, the workqueues'
#     rescuer threads) of N dm-paes tables against N dm-crypt tables
#     (aes-xts-plain64, same slices, same sector size);
#   - N devices made by "pdm create" with one secure key, and pdmd;
#   - ROUNDS times: rotate, one 4 KiB O_DIRECT read on every device at once
#     (scale-probe), the time until each read is served;
#   - pdmd's threads, RSS and CPU time over the rounds, and how deep each
#     thread went into its stack (used/size KiB).
# DAEMONS: comma-separated pdmd binaries to compare in the same guest run,
# each over the same devices (default: pdmd; an older build put in the
# build's bin/ under another name makes an A/B measurement).
# Prints "@@SCALE key=value ..." per count and daemon for tests/bench/pdm-bench.
. "$PDM_VM_LIB/pdm.sh"
IFS=, read -r -a counts <<<"${1:-1,16,64,256}"
rounds=${2:-5}
IFS=, read -r -a daemons <<<"${3:-pdmd}"
# pdmd_start runs "pdmd": this one, in its own process (exec).
pdmd() { exec "$PDMD_BIN" "$@"; }
max=0
for n in "${counts[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "device count '$n' is not a positive number"
	((n > max)) && max=$n
done
pdm_setup
modprobe dm-crypt
# One ram disk, a 1 MiB linear slice of it under every device.
modprobe brd rd_nr=1 rd_size=$((max * 1024 + 1024))
for ((i = 0; i < max; i++)); do
	echo "0 2048 linear /dev/ram0 $((i * 2048))" | dmc create "slice$i" || die "slice $i"
done
pdm key generate bench >/dev/null || die "pdm key generate"
hex() { od -An -v -tx1 | tr -d ' \n'; }

kmem_kib() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	awk '/^MemTotal:/ { s += $2 } /^(MemFree|Buffers|Cached):/ { s -= $2 } END { print s }' /proc/meminfo
}
# raw_tables N crypt|paes: N bare tables (no pdm), for the memory figure
raw_tables() {
	local i key
	for ((i = 0; i < $1; i++)); do
		if [[ $2 == crypt ]]; then
			key=$(head -c 64 /dev/urandom | hex)
			echo "0 2048 crypt aes-xts-plain64 $key 0 /dev/mapper/slice$i 0 1 sector_size:4096"
		else
			key=$(hex </sys/devices/virtual/misc/pkey/protkey/protkey_aes_256_xts)
			echo "0 2048 paes paes-xts-plain64 $key 0 /dev/mapper/slice$i 0 1 sector_size:4096"
		fi | dmc create "raw$i" || die "$2 table $i"
	done
}
raw_remove() { local i; for ((i = 0; i < $1; i++)); do dmc remove "raw$i" || die "remove raw$i"; done; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
pdmd_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PDMD_PID/stat"; }
# "main=T worker=T ..." : CPU ticks per thread name (pdmd names its threads;
# the main thread, which runs the monitor, is "pdmd")
pdmd_thread_ticks() {
	local t
	for t in /proc/"$PDMD_PID"/task/*; do
		echo "$(cat "$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"
	done | awk '{ s[$1] += $2 } END { for (n in s) printf "%s=%d\n", n, s[n] }' | sort
}

for n in "${counts[@]}"; do
	log "$n devices"
	base=$(kmem_kib)
	raw_tables "$n" crypt
	crypt=$(($(kmem_kib) - base))
	raw_remove "$n"
	base=$(kmem_kib)
	raw_tables "$n" paes
	paes=$(($(kmem_kib) - base))
	raw_remove "$n"

	t0=$(uptime_ms)
	for ((i = 0; i < n; i++)); do
		pdm create "s$i" --device "/dev/mapper/slice$i" --key secure:bench >/dev/null || die "pdm create s$i"
	done
	create_ms=$((($(uptime_ms) - t0) / n))
	devs=()
	for ((i = 0; i < n; i++)); do devs+=("/dev/mapper/s$i"); done
	for PDMD_BIN in "${daemons[@]}"; do
		: >"$PDMD_LOG"
		pdmd_start --master-key-check 0
		for ((i = 0; i < 600; i++)); do
			(($(pdmd_count PDM_KEY_SOURCE_READY) >= n)) && break
			sleep 0.1
		done
		(($(pdmd_count PDM_KEY_SOURCE_READY) >= n)) || die "pdmd watches $(pdmd_count PDM_KEY_SOURCE_READY) of $n devices"
		cpu0=$(pdmd_cpu_ticks)
		pdmd_thread_ticks >/tmp/ticks0
		scale-probe "$rounds" 500 "${devs[@]}" >/tmp/scale.out || { cat /tmp/scale.out; die "scale-probe failed"; }
		cpu=$((($(pdmd_cpu_ticks) - cpu0) * 10))
		cat /tmp/scale.out
		pdmd_thread_ticks >/tmp/ticks1
		# CPU ms per round of each kind of pdmd thread
		split=$(awk -F= -v r="$rounds" 'NR == FNR { t0[$1] = $2; next }
			{ printf "cpu_%s_ms=%d ", $1, ($2 - t0[$1]) * 10 / r }' /tmp/ticks0 /tmp/ticks1)
		threads=$(awk '/^Threads:/ { print $2 }' "/proc/$PDMD_PID/status")
		# Where pdmd's resident memory is, by mapping (libraries by name, the
		# rest as heap, stacks and other anonymous memory); KiB
		echo "pdmd RSS by mapping ($n devices):"
		awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; sub(/.*\//, "", name) }
			/^Rss:/ { rss[name] += $2 } END { for (m in rss) if (rss[m]) printf "  %6d %s\n", rss[m], m }' \
			"/proc/$PDMD_PID/smaps" | sort -rn
		# How deep each thread has gone into its stack (the stacks are
		# locked whole, so their size is RSS)
		stack-depth "$PDMD_PID" >/tmp/stacks || die "stack-depth failed"
		sort -t= -k3 /tmp/stacks
		stacks=$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			n = f["comm"]; if (f["used_kib"] > u[n]) u[n] = f["used_kib"]; s[n] = f["size_kib"] }
			END { for (n in u) printf "stack_%s_kib=%d/%d ", n, u[n], s[n] }' /tmp/stacks)
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PDMD_PID/status")
		fds=$(find "/proc/$PDMD_PID/fd" -mindepth 1 | wc -l)
		regen=$(pdmd_count "PDM_KEY_REDERIVED")
		# pdmd's own time per re-derivation (from its status read to the key
		# in) and its two steps: p50 and p99 of each
		pctl() { # pctl FIELD: "p50 p99" of FIELD=ms over the re-derivations
			sed -n "s/.*PDM_KEY_REDERIVED .* $1=\\([0-9.]*\\).*/\\1/p" "$PDMD_LOG" | sort -n |
				awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
					print v[int(NR * 0.5 + 0.999999)], v[int(NR * 0.99 + 0.999999)] }'
		}
		read -r rp50 rp99 < <(pctl ms)
		read -r dp50 dp99 < <(pctl derive_ms)
		read -r ip50 ip99 < <(pctl inject_ms)
		pdmd_stop
		read -r p50 p99 mx < <(tail -n 1 /tmp/scale.out | sed -E 's/.* p50 ([0-9.]+) ms p99 ([0-9.]+) ms max ([0-9.]+) ms/\1 \2 \3/')
		echo "@@SCALE daemon=$PDMD_BIN devices=$n rounds=$rounds p50_ms=$p50 p99_ms=$p99 max_ms=$mx pdmd_threads=$threads" \
			"pdmd_rss_kib=$rss pdmd_fds=$fds pdmd_cpu_ms_per_round=$((cpu / rounds)) rederived=$regen" \
			"pdmd_regen_p50_ms=$rp50 pdmd_regen_p99_ms=$rp99 derive_p50_ms=$dp50 derive_p99_ms=$dp99" \
			"inject_p50_ms=$ip50 inject_p99_ms=$ip99 ${split}${stacks}" \
			"create_ms=$create_ms kmem_paes_b=$((paes * 1024 / n)) kmem_crypt_b=$((crypt * 1024 / n))"
	done
	for ((i = 0; i < n; i++)); do pdm remove "s$i" >/dev/null || die "pdm remove s$i"; done
done
