# VM tests: each a script run in a fresh guest by tests/vm/pdm-vm.
# Included from tests/CMakeLists.txt, which defines pdm_vm_test and
# pdm_bed_check.

# The bed itself: exit status, hung guests, dirty kernel logs, disks.
foreach(check exit-status timeout dirty-log hung-task panic disk-reuse)
  pdm_bed_check(${check})
endforeach()
pdm_vm_test(bed.linear bed/linear.sh)

# pkey_emu
pdm_vm_test(emu.check emu/check.sh)

# dm-paes
pdm_vm_test(paes.oracle paes/oracle.sh)
pdm_vm_test(paes.keys paes/keys.sh)
pdm_vm_test(paes.malformed paes/malformed.sh)
pdm_vm_test(paes.io paes/io.sh)
pdm_vm_test(paes.fs paes/fs.sh)
pdm_vm_test(paes.swap paes/swap.sh)
