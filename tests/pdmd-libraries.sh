#!/bin/bash
# pdmd locks every page it maps (mlockall): it must load no library it does
# not call.  It reads and messages devices by raw ioctl, so libdevmapper
# and what comes with it (libselinux, libpcre2, libudev, libcap), libblkid
# and libsystemd stay out, linked shared or static.
#   tests/pdmd-libraries.sh PDMD
set -euo pipefail
pdmd=${1:?usage: pdmd-libraries.sh PDMD}
loaded=$(ldd "$pdmd" | awk '{ print $1 }' | sed 's#.*/##')
bad=$(grep -E '^lib(devmapper|selinux|pcre2|udev|cap|blkid|systemd)[.-]' <<<"$loaded" || true)
if [[ -n $bad ]]; then
	echo "FAIL: pdmd loads $(paste -sd ' ' <<<"$bad"), which it must not (all: $(paste -sd ' ' <<<"$loaded"))"
	exit 1
fi
# Their functions, undefined (shared) or defined (static) in pdmd.
calls=$(nm -D --defined-only "$pdmd" 2>/dev/null; nm "$pdmd" 2>/dev/null; nm -D -u "$pdmd") || true
bad=$(grep -oE '\b(dm_task_[a-z_]+|dm_udev_[a-z_]+|blkid_[a-z_]+|sd_[a-z_]+)\b' <<<"$calls" | sort -u || true)
if [[ -n $bad ]]; then
	echo "FAIL: pdmd calls $(paste -sd ' ' <<<"$bad")"
	exit 1
fi
echo "PASS: pdmd loads only $(paste -sd ' ' <<<"$loaded")"
