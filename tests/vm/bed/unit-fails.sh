#!/bin/bash
# Guest helper of check-bed (systemd guest): make a unit fail, exit 0;
# pdm-vm must fail the run on the failed unit.
systemd-run --unit=bed-fails --quiet /bin/sh -c 'echo "bed: this unit fails on purpose"; exit 3'
for _ in $(seq 50); do
	systemctl is-failed --quiet bed-fails.service && break
	sleep 0.1
done
echo "bed: bed-fails.service is $(systemctl is-failed bed-fails.service)"
