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
