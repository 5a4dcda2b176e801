# shellcheck shell=bash
# Helpers shared by the dm-paes load tests (faults.sh, fio-verify.sh,
# reload-loop.sh).  Source after ../lib/common.sh.  Not a test itself.

# MODE: the first argument of every matrix test, short (default) or long.
mode_arg() {
	case ${1:-short} in
	short | long) echo "${1:-short}" ;;
	*) die "usage: $0 [short|long]" ;;
	esac
}

# jnum FILE NAME -> the first number after "NAME": in pdm-stress's JSON
jnum() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" | head -1; }
# jphase FILE PHASE KEY -> KEY of phase PHASE (prefill, run, verify)
jphase() { sed -n "s/^ *\"$2\": {.*\"$3\": \([0-9]*\).*/\1/p" "$1" | head -1; }

# Totals over every pdm-stress run of a test, for the MATRIX line.
S_OPS=0 S_CHECKED=0 S_WRONG=0 S_EIO=0 S_RUNS=0

# stress_check DESC JSON RC: pdm-stress exited 0 with no wrong block and no
# EIO of any kind (allowed or not); add its counts to the totals.
stress_check() {
	local d=$1 j=$2 rc=$3 wrong eio ops checked
	wrong=$(jnum "$j" wrong_blocks)
	eio=$(($(jnum "$j" eio_allowed) + $(jnum "$j" eio_not_allowed) + $(jnum "$j" eio_writes)))
	ops=$(($(jphase "$j" run ops) + $(jphase "$j" prefill ops) + $(jphase "$j" verify ops)))
	checked=$(jnum "$j" blocks_checked)
	S_RUNS=$((S_RUNS + 1))
	S_OPS=$((S_OPS + ops))
	S_CHECKED=$((S_CHECKED + checked))
	S_WRONG=$((S_WRONG + ${wrong:-1}))
	S_EIO=$((S_EIO + eio))
	if [[ $rc == 0 && $wrong == 0 && $eio == 0 && $checked -gt 0 ]]; then
		ok "$d: ops=$ops checked=$checked wrong=0 eio=0"
	else
		fail "$d: exit $rc ops=$ops checked=$checked wrong=$wrong eio=$eio"
		cat "$j"
	fi
}

# rekey DEV FORM CLR: the key went stale; hand the target a fresh token
# of the same clear key and wait until it is valid again.
rekey() {
	dmc message "$1" 0 key set "$(token "$2" "$3")"
	wait_field "$1" key valid
}

# clear key length in bytes for a paes-token key form
clr_bytes() {
	case $1 in
	xts-256 | fxts-256) echo 64 ;;
	xts-128 | fxts-128) echo 32 ;;
	*) die "unknown key form $1" ;;
	esac
}
