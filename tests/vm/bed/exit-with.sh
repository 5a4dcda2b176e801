#!/bin/bash
# Guest helper of check-bed: print a marker line, exit with status $1.
echo "bed: exit-with $1 (PDM_GUEST=${PDM_GUEST:-unset})"
exit "$1"
