#!/bin/bash
# pdmd locks every page it maps (mlockall): it must load no library it does
# not call.  It reads and messages devices by raw ioctl, so libdevmapper
# and what comes with it (libselinux, libpcre2, libudev), libblkid and
# libsystemd stay out.
#   tests/pdmd-libraries.sh PDMD
set -euo pipefail
pdmd=${1:?usage: pdmd-libraries.sh PDMD}
loaded=$(ldd "$pdmd" | awk '{ print $1 }' | sed 's#.*/##')
bad=$(grep -E '^lib(devmapper|selinux|pcre2|udev|blkid|systemd)[.-]' <<<"$loaded" || true)
if [[ -n $bad ]]; then
	echo "FAIL: pdmd loads $(paste -sd ' ' <<<"$bad"), which it must not (all: $(paste -sd ' ' <<<"$loaded"))"
	exit 1
fi
echo "PASS: pdmd loads only $(paste -sd ' ' <<<"$loaded")"
