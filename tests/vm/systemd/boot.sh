#!/bin/bash
# pdm-vm: --systemd --disk sdboot:64M
# The systemd guest boots as issue 11 wants it: systemd is PID 1 and reached
# multi-user.target, udev names the disks, the project is installed (modules
# for this kernel, pdm), and no unit failed.
. "$(dirname "$0")/../lib/common.sh"

log "1. systemd"
check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
check "multi-user.target is active" systemctl is-active --quiet multi-user.target
state=$(systemctl is-system-running --wait 2>&1 || true)
check "the system is running (is-system-running: $state)" test "$state" = running
failed=$(systemctl list-units --failed --plain --no-legend --no-pager)
check "no failed unit${failed:+: $failed}" test -z "$failed"

log "2. udev and the disks"
check "udev made /dev/disk/by-id/virtio-sdboot" test -b /dev/disk/by-id/virtio-sdboot
check "and the bed's /dev/disk/by-name/sdboot" test -b /dev/disk/by-name/sdboot
check "PDM_VM_DISKS names it ($PDM_VM_DISKS)" \
	test "$PDM_VM_DISKS" = "sdboot=$(realpath /dev/disk/by-id/virtio-sdboot)"

log "3. the project, installed"
check "the kernel's modules are the image's (/lib/modules/$(uname -r))" \
	test -d "/lib/modules/$(uname -r)/kernel"
check "modprobe pkey_emu" modprobe pkey_emu
check "/dev/pkey exists" test -c /dev/pkey
check "modprobe dm-paes" modprobe dm-paes
check "device-mapper knows the paes target" sh -c 'dmsetup targets | grep -q "^paes "'
v=$(pdm --version 2>&1 || true)
check "pdm runs ($v)" sh -c 'pdm --version >/dev/null'
check "pdmd.service is known to systemd" sh -c "systemctl cat pdmd.service >/dev/null"

finish
