# shellcheck shell=bash
# Host-side helpers shared by tests/vm/mkimage and tests/vm/pdm-vm.
# Sourced, never run.  Nothing here runs in the guest.

pdm_die() {
	echo "${PDM_PROG:-pdm-vm}: $*" >&2
	exit "${PDM_EXIT_INFRA:-121}"
}

# The series of the default guest kernel: Debian 12's.
PDM_DEFAULT_KERNEL_SERIES=6.1

# pdm_kernel_series V: "6.12" for "6.12.95+deb12-amd64"
pdm_kernel_series() {
	[[ $1 =~ ^([0-9]+\.[0-9]+)([.+-]|$) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# PDM_KERNEL_ROOT: a directory holding a kernel that is not this machine's
# (boot/vmlinuz-V, lib/modules/V, lib/modules/V/build), like the debug
# kernel tests/vm/mkdebugkernel builds; empty for the host's own kernels.
# pdm_kroot prints it without a trailing slash ("" for the host).
pdm_kroot() {
	local r=${PDM_KERNEL_ROOT:-}
	echo "${r%/}"
}

# pdm_kernel_version [SERIES]: the kernel the VM boots.  $PDM_KERNEL_VERSION
# if set; else the newest $PDM_KERNEL_ROOT/boot/vmlinuz-V of SERIES (default
# $PDM_KERNEL_SERIES, else $PDM_DEFAULT_KERNEL_SERIES) that has
# $PDM_KERNEL_ROOT/lib/modules/V/build (the rule of cmake/KernelBuild.cmake).
pdm_kernel_version() {
	local want=${1:-${PDM_KERNEL_SERIES:-$PDM_DEFAULT_KERNEL_SERIES}}
	if [[ -n ${PDM_KERNEL_VERSION:-} && -z ${1:-} ]]; then
		echo "$PDM_KERNEL_VERSION"
		return
	fi
	[[ $want =~ ^[0-9]+\.[0-9]+$ ]] || pdm_die "bad kernel series '$want' (like 6.1 or 6.12)"
	local kroot img v best=""
	kroot=$(pdm_kroot)
	for img in "$kroot"/boot/vmlinuz-*; do
		[[ -e $img ]] || continue
		v=${img#"$kroot"/boot/vmlinuz-}
		[[ -e $kroot/lib/modules/$v/build/Makefile ]] || continue
		[[ $(pdm_kernel_series "$v") == "$want" ]] || continue
		best+="$v"$'\n'
	done
	best=$(printf '%s' "$best" | sort -V | tail -n 1)
	[[ -n $best ]] || pdm_die "no $want kernel with headers installed ($kroot/boot/vmlinuz-$want.* and $kroot/lib/modules/V/build; scripts/install-deps installs them)"
	echo "$best"
}

# pdm_module_deps V MODULE: the module files (paths in the kernel root,
# without $PDM_KERNEL_ROOT) that "modprobe MODULE" would load for kernel V;
# fails if MODULE is unknown.  Built-in modules print nothing.
pdm_module_deps() {
	local kroot deps verb file
	kroot=$(pdm_kroot)
	local d=()
	if [[ -n $kroot ]]; then d=(-d "$kroot"); fi
	deps=$(modprobe "${d[@]}" -S "$1" --show-depends "$2" 2>/dev/null) || return 1
	while read -r verb file _; do
		[[ $verb == insmod ]] || continue
		echo "${file#"$kroot"}"
	done <<<"$deps"
}

# Print the shared objects (absolute host paths, ld.so included) that the
# ELF files given as arguments load.  Non-dynamic files print nothing.
pdm_needed_libs() {
	local f line
	for f in "$@"; do
		{ ldd "$f" 2>/dev/null || true; } | while read -r line; do
			case $line in
			*"=> not found"*) echo "${PDM_PROG:-pdm-vm}: warning: $f: ${line%% *} not found" >&2 ;;
			*"=> /"*) line=${line#*=> }; echo "${line%% (*}" ;;
			/*) echo "${line%% (*}" ;;
			esac
		done
	done | sort -u
}

# pdm_copy_libs ROOT SKIPLIST FILE...: copy the libraries FILE... need into
# ROOT at their host paths, except those listed in SKIPLIST (a file of
# guest paths already present in the base image; may be empty or absent).
pdm_copy_libs() {
	local root=$1 skip=$2 lib norm
	shift 2
	while read -r lib; do
		[[ -n $lib ]] || continue
		# The guest is usr-merged: /lib/x is /usr/lib/x in the manifest.
		case $lib in
		/lib/* | /lib64/* | /bin/* | /sbin/*) norm=/usr$lib ;;
		*) norm=$lib ;;
		esac
		if [[ -s $skip ]] && grep -qxF "$norm" "$skip"; then
			continue
		fi
		[[ -e $root$lib ]] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(pdm_needed_libs "$@")
}

# pdm_cpio DIR OUT: pack DIR as an uncompressed newc cpio owned by root.
pdm_cpio() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$2.tmp" && mv -f "$2.tmp" "$2"
}

# pdm_unpack_vmlinux BZIMAGE OUT: write the ELF kernel inside an xz, zstd or
# gzip compressed bzImage to OUT; fail unless it is an ELF with a PVH entry
# note (Xen note type 18).
pdm_unpack_vmlinux() {
	local bz=$1 out=$2 magic off tool
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' '\x1f\x8b\x08:gzip -dc'; do
		tool=${magic#*:}
		magic=${magic%%:*}
		command -v "${tool%% *}" >/dev/null || continue
		while read -r off; do
			[[ -n $off ]] || continue
			# Trailing garbage after the stream makes the tools complain: ignore.
			tail -c +$((off + 1)) "$bz" | $tool 2>/dev/null >"$out" || true
			if [[ $(head -c 4 "$out" 2>/dev/null | od -An -c | tr -d ' ') == '177ELF' ]] &&
				readelf -n "$out" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'; then
				return 0
			fi
		done < <(LC_ALL=C grep -obUaP "$magic" "$bz" | cut -d: -f1 | head -n 4)
	done
	rm -f "$out"
	return 1
}
