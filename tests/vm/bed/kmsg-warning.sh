#!/bin/bash
# Guest helper of check-bed: put a WARNING line into the kernel log, then
# exit with status ${1:-0}; pdm-vm must fail the run on the log.
echo "WARNING: CPU: 0 PID: 1 at bed/kmsg-warning.sh injected by check-bed" >/dev/kmsg
echo "bed: wrote a WARNING to /dev/kmsg"
exit "${1:-0}"
