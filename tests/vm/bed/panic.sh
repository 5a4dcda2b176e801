#!/bin/bash
# Guest helper of check-bed: crash the kernel (sysrq c panics).
echo "bed: panicking the kernel"
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
sleep 30
echo "bed: still alive after the panic?"
