# shellcheck shell=bash
# Helpers for the dm-paes guest tests (tests/vm/paes/*.sh).  Source it:
#   . "$(dirname "$0")/../lib/common.sh"
set -euo pipefail

EMU=/sys/devices/virtual/misc/pkey/emu
T_FAILS=0

log() { echo "== $*"; }
fail() { echo "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); }
ok() { echo "ok: $*"; }
die() { echo "FATAL: $*"; exit 1; }
check() { # check DESC CMD...
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
finish() {
	if ((T_FAILS)); then echo "RESULT: $T_FAILS failure(s)"; exit 1; fi
	echo "RESULT: all passed"
}

paes_setup() {
	modprobe pkey_emu
	modprobe dm-paes
	modprobe dm-crypt
	modprobe loop 2>/dev/null || true
	[[ -e /dev/pkey ]] || die "/dev/pkey missing"
}

# mkloop NAME MB -> loop device of a fresh zeroed file on tmpfs
mkloop() {
	local f=/tmp/$1.img
	rm -f "$f"
	dd if=/dev/zero of="$f" bs=1M count="$2" status=none
	losetup -f --show "$f"
}

randhex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
token() { paes-token clear2prot "$1" "$2"; }

dmc() { dmsetup "$@"; }	# DM_DISABLE_UDEV=1 in the guest
dm_remove() { dmsetup remove --retry "$1" 2>/dev/null || true; }

# field DEV NAME -> value of NAME=value in the paes status line
field() {
	dmsetup status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wait_field DEV NAME VALUE [TENTHS]  (TENTHS times $PDM_VM_TIME_SCALE)
wait_field() {
	local i
	for ((i = 0; i < ${4:-100} * ${PDM_VM_TIME_SCALE:-1}; i++)); do
		[[ $(field "$1" "$2") == "$3" ]] && return 0
		sleep 0.1
	done
	echo "  (timeout: $2=$(field "$1" "$2"), want $3)"
	return 1
}

# rw helpers, bypassing the page cache
ddw() { dd if="$1" of="$2" bs="${3:-64k}" seek="${4:-0}" oflag=direct,seek_bytes conv=notrunc status=none; }
ddr() { dd if="$1" of="$2" bs="${3:-64k}" skip="${4:-0}" count="${5:-1}" iflag=direct,skip_bytes,count_bytes status=none; }

# hotplug_disk NAME: ask pdm-vm to hot-add its --hotplug-disk NAME, and
# wait up to 30 s for /dev/disk/by-id/virtio-NAME (udev: systemd guest).
hotplug_disk() {
	local i
	echo "PDM-VM-HOTPLUG $1"
	for ((i = 0; i < 300; i++)); do
		[[ -e /dev/disk/by-id/virtio-$1 ]] && return 0
		sleep 0.1
	done
	return 1
}
