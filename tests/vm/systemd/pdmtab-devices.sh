#!/bin/bash
# Guest side of pdmtab-devices: pdmtab lines whose devices never come or
# come late, as systemd-cryptsetup users know them from crypttab.
#   pdmtab-devices.sh configure|boot
# pdm-vm: --systemd --timeout 400
. "$(dirname "$0")/../lib/common.sh"

# unit_prop UNIT PROPERTY
unit_prop() { systemctl show -p "$2" --value "$1"; }
# journal_has UNIT_OR_EMPTY REGEX: this boot's journal (of UNIT) has REGEX
journal_has() {
	journalctl -b --no-pager -o cat ${1:+-u "$1"} | grep -qE "$2"
}

# missing_device NAME: virtio-NAME never came; its device job timed out,
# pdm@NAME is left inactive (not failed, as crypttab's units) and no
# /dev/mapper/NAME was made.
missing_device() {
	check "the device job of virtio-$1 timed out" \
		journal_has "" "Timed out waiting for device .*virtio-$1"
	check "pdm@$1.service is left inactive ($(unit_prop "pdm@$1.service" ActiveState))" \
		test "$(unit_prop "pdm@$1.service" ActiveState)" = inactive
	check "no /dev/mapper/$1" test ! -e "/dev/mapper/$1"
}

case ${1:-} in
configure)
	log "boot 1: pdmtab with a missing device (nofail), a missing device, a late one"
	printf 'pkey_emu\ndm-paes\n' >/etc/modules-load.d/pkeydm.conf
	mkdir -p /etc/pdm
	cat >/etc/pdm/pdmtab <<'TAB'
# name  device                        keysource  options
ghost   /dev/disk/by-id/virtio-ghost  ephemeral  nofail,x-systemd.device-timeout=5s
gone    /dev/disk/by-id/virtio-gone   ephemeral  x-systemd.device-timeout=5s
late    /dev/disk/by-id/virtio-late   ephemeral  nofail,x-systemd.device-timeout=10min
TAB
	check "the generator makes the three units" sh -c \
		'systemctl daemon-reload && for n in ghost gone late; do systemctl cat pdm@$n.service >/dev/null || exit 1; done' ;;
boot)
	log "boot 2: the boot went on"
	check "multi-user.target reached" systemctl is-active --quiet multi-user.target
	check "with pdm@late's start job still waiting for its device" \
		sh -c 'systemctl list-jobs --no-legend --no-pager | grep -q "pdm@late.service"'
	state=$(systemctl is-system-running 2>&1 || true)
	log "is-system-running: $state"

	log "nofail, the device never appears: nothing failed"
	missing_device ghost

	log "no nofail, the device never appears: its unit fails after the device timeout"
	missing_device gone
	check "the start of pdm@gone.service failed (Dependency failed)" \
		journal_has "" 'Dependency failed for .*gone'

	log "a disk hot-added after the boot: its device is made"
	check "virtio-late hot-added" hotplug_disk late
	for ((i = 0; i < 300; i++)); do
		[[ $(unit_prop pdm@late.service ActiveState) == active ]] && break
		sleep 0.1
	done
	check "pdm@late.service became active ($(unit_prop pdm@late.service ActiveState))" \
		test "$(unit_prop pdm@late.service ActiveState)" = active
	check "/dev/mapper/late is a paes device" sh -c 'dmsetup table late | grep -q " paes "'
	check "late: key valid" sh -c 'dmsetup status late | grep -q "key=valid"'
	check "I/O on /dev/mapper/late" \
		dd if=/dev/urandom of=/dev/mapper/late bs=64k count=16 oflag=direct status=none

	failed=$(systemctl list-units --failed --plain --no-legend --no-pager)
	log "failed units: ${failed:-none}"
	check "no failed unit but what the missing devices explain" \
		sh -c "! systemctl list-units --failed --plain --no-legend --no-pager | grep -vE 'pdm@gone|virtio.x2dgone|cryptsetup.target'"
	# What this test provoked on purpose is not a failure of the run.
	systemctl reset-failed pdm@gone.service cryptsetup.target 2>/dev/null || true ;;
*) die "usage: pdmtab-devices.sh configure|boot" ;;
esac
finish
