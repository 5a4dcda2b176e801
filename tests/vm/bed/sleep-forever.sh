#!/bin/bash
# Guest helper of check-bed: hang, so that pdm-vm's timeout must fire.
echo "bed: sleeping forever"
while :; do sleep 1000; done
