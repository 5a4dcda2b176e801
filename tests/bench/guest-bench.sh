#!/bin/bash
# pdm-vm: --tools
# Runs inside the test guest (via tests/bench/pdm-bench): fio on one ram disk
# through dm-linear, dm-crypt (default flags), dm-crypt without workqueues and
# dm-paes, so only ratios from the same run are compared.  Prints one JSON
# document per fio run between markers for the host to tabulate, and first
# the ceiling: pkey_emu's KM and the kernel's xts(aes) on every CPU at once
# (pkey_emu's limit_ms=), one @@LIMIT line per engine and unit size.
set -euo pipefail
runtime=${1:-5}
size_mb=${2:-128}

modprobe brd rd_nr=1 rd_size=$((size_mb * 1024))
modprobe dm-crypt
modprobe pkey_emu limit_ms=2000
dmesg | sed -n 's/.*pkey_emu: limit \(engine=.*\)/@@LIMIT \1/p'
modprobe dm-paes
dev=/dev/ram0
sectors=$(blockdev --getsz $dev)

hex() { od -An -v -tx1 | tr -d ' \n'; }
crypt_key=$(head -c 64 /dev/urandom | hex)

setup() {
	case $1 in
	linear)        echo "0 $sectors linear $dev 0" ;;
	crypt)         echo "0 $sectors crypt aes-xts-plain64 $crypt_key 0 $dev 0 1 sector_size:4096" ;;
	crypt-nowq)    echo "0 $sectors crypt aes-xts-plain64 $crypt_key 0 $dev 0 3 sector_size:4096 no_read_workqueue no_write_workqueue" ;;
	paes)          echo "0 $sectors paes paes-xts-plain64 $(hex < /sys/devices/virtual/misc/pkey/protkey/protkey_aes_256_xts) 0 $dev 0 1 sector_size:4096" ;;
	esac | dmsetup create bench
}

for target in linear crypt crypt-nowq paes; do
	setup $target
	# Every block written once, so reads hit allocated ram-disk pages.
	dd if=/dev/zero of=/dev/mapper/bench bs=1M count="$size_mb" oflag=direct status=none
	for wl in "randread 4k 1" "randwrite 4k 1" "read 128k 32" "write 128k 32"; do
		set -- $wl
		echo "@@FIO $target $1 $2 $3"
		fio --name=b --filename=/dev/mapper/bench --ioengine=io_uring \
			--direct=1 --rw="$1" --bs="$2" --iodepth="$3" \
			--runtime="$runtime" --time_based --ramp_time=1 --lat_percentiles=1 \
			--output-format=json
		echo "@@END"
	done
	dmsetup remove bench
done
