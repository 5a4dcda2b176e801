#!/bin/bash
# Guest helper of check-bed: make the kernel itself report a hung task (a
# real "INFO: task ... blocked for more than N seconds" report, no module of
# ours): fsync to a suspended dm device waits on writeback in D state.
# Then resume and exit 0; pdm-vm must fail the run on the log.
set -euo pipefail
modprobe dm-mod
modprobe brd rd_nr=1 rd_size=8192
echo 3 >/proc/sys/kernel/hung_task_timeout_secs
dmsetup create bed-hung --table "0 16384 linear /dev/ram0 0"
dmsetup suspend bed-hung
dd if=/dev/zero of=/dev/mapper/bed-hung bs=4k count=1 conv=fsync status=none &
pid=$!
for _ in $(seq 60); do
	dmesg | grep -q 'blocked for more than' && break
	sleep 1
done
dmesg | grep 'blocked for more than' || echo "bed: no hung-task report after 60 s"
dmsetup resume bed-hung
wait "$pid"
dmsetup remove bed-hung
echo "bed: hung-task report provoked"
