# shellcheck shell=bash
# Helpers for the pdm/pdmd guest tests (tests/vm/pdm/*.sh), on top of
# common.sh.  Source it:  . "$PDM_VM_LIB/pdm.sh"
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PDMD_LOG=/tmp/pdmd.log
PDMD_PID=

pdm_setup() {
	modprobe pkey_emu
	modprobe dm-paes
	[[ -e /dev/pkey ]] || die "/dev/pkey missing after modprobe pkey_emu"
	mkdir -p /etc/pdm
}

# pdmd_start [ARGS...]: pdmd in the background, log in $PDMD_LOG; waits
# until it has looked at every device.
pdmd_start() {
	pdmd --stderr "$@" >>"$PDMD_LOG" 2>&1 &
	PDMD_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q PDM_DAEMON_START "$PDMD_LOG" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	kill -0 "$PDMD_PID" 2>/dev/null || { cat "$PDMD_LOG"; die "pdmd did not start"; }
}
pdmd_stop() { # pdmd_stop [SIGNAL]
	[[ -n $PDMD_PID ]] || return 0
	kill "-${1:-TERM}" "$PDMD_PID" 2>/dev/null || true
	wait "$PDMD_PID" 2>/dev/null || true
	PDMD_PID=
}
# pdmd_wait TAG-REGEX [TENTHS]: until the log has a matching line
pdmd_wait() {
	local i
	for ((i = 0; i < ${2:-100} * ${PDM_VM_TIME_SCALE:-1}; i++)); do
		grep -qE "$1" "$PDMD_LOG" && return 0
		sleep 0.1
	done
	echo "  (pdmd log has no line matching '$1'; it ends:)"
	tail -n 5 "$PDMD_LOG" | sed 's/^/    /'
	return 1
}
pdmd_count() { grep -cE "$1" "$PDMD_LOG" || true; }

rotate() { echo 1 >"$EMU/rotate_wrapping_key"; }

# Swap in use, KiB.
swap_used_kib() { awk '/^SwapTotal/ {t=$2} /^SwapFree/ {f=$2} END {print t-f}' /proc/meminfo; }

# No dm device and no pdm:NAME key left behind.
no_leftovers() { # no_leftovers NAME
	local ok=0
	if dmsetup info "$1" >/dev/null 2>&1; then echo "  leftover dm device $1"; ok=1; fi
	if keyctl search @u logon "pdm:$1" >/dev/null 2>&1; then echo "  leftover key pdm:$1"; ok=1; fi
	if [[ -e /run/pdm/$1.json ]]; then echo "  leftover /run/pdm/$1.json"; ok=1; fi
	return $ok
}

# memcg: a cgroup (cgroup2) with a memory limit, so memory pressure pushes
# only its own pages to swap.
cg_setup() { # cg_setup NAME LIMIT
	if ! grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts; then
		mount -t cgroup2 none /sys/fs/cgroup || die "cannot mount cgroup2"
	fi
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "/sys/fs/cgroup/$1"
	echo "$2" >"/sys/fs/cgroup/$1/memory.max"
}
# cg_kill NAME PID: SIGKILL every task of cgroup NAME (stress-ng's workers
# too, not only PID), wait until the cgroup is empty and reap PID; if it is
# not empty within 60 s, show where its tasks are (their kernel stacks,
# sysrq w) and return 1.
cg_kill() {
	local cg=/sys/fs/cgroup/$1 pid=$2 i t
	echo 1 >"$cg/cgroup.kill"
	for ((i = 0; i < 600 * ${PDM_VM_TIME_SCALE:-1}; i++)); do
		if grep -qx 'populated 0' "$cg/cgroup.events"; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "  cgroup $1 not dead 60 s after cgroup.kill:"
	for t in $(cat "$cg/cgroup.procs"); do
		echo "  --- task $t ($(cat /proc/"$t"/comm 2>/dev/null)): $(grep State /proc/"$t"/status 2>/dev/null)"
		sed 's/^/    /' /proc/"$t"/stack 2>/dev/null
	done
	echo w >/proc/sysrq-trigger
	return 1
}
cg_run() { # cg_run NAME CMD...  (in the background; sets CG_PID)
	local cg=$1; shift
	(echo "$BASHPID" >"/sys/fs/cgroup/$cg/cgroup.procs" && exec "$@") &
	CG_PID=$!
}

# finish, with pdmd's log when something failed
pdm_finish() {
	if ((T_FAILS)) && [[ -s $PDMD_LOG ]]; then
		echo "----- pdmd log:"
		cat "$PDMD_LOG"
	fi
	finish
}
