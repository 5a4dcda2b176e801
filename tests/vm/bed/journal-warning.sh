#!/bin/bash
# Guest helper of check-bed (systemd guest): put a WARNING line into the
# journal only (not the kernel log), exit 0; pdm-vm must fail the run.
logger -t bed-journal "WARNING: at bed/journal-warning.sh injected by check-bed"
echo "bed: wrote a WARNING to the journal"
