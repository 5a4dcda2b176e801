#!/bin/bash
# pkey_emu in the guest: the module loads (its load-time self-test compares
# every KM/PCC path with the kernel's xts(aes)), and pkey-emu-check exercises
# /dev/pkey and the sysfs ABI with valid and invalid input.
set -euo pipefail
modprobe pkey_emu
dmesg | grep -i 'pkey_emu' | tail -n 5
pkey-emu-check
# Unload and load again: init and exit unwind cleanly.
rmmod pkey_emu
modprobe pkey_emu
pkey-emu-check >/dev/null
rmmod pkey_emu
# limit_ms=: one line per engine and unit, each with every online CPU.
# Only the lines of this load count; the ring buffer stays for the bed.
seen=$(dmesg | wc -l)
modprobe pkey_emu limit_ms=100
cpus=$(grep -c '^processor' /proc/cpuinfo)
for eu in km:4096 xts:4096 km:65536 xts:65536; do
	line=$(dmesg | tail -n +"$((seen + 1))" |
		grep "pkey_emu: limit engine=${eu%:*} .*unit=${eu#*:} " | tail -n 1 || true)
	echo "$line"
	case $line in
	*" cpus=$cpus bytes="[1-9]*) ;;
	*) echo "pkey_emu limit_ms=: no throughput line for ${eu%:*} at ${eu#*:} bytes on $cpus CPUs"; exit 1 ;;
	esac
done
rmmod pkey_emu
