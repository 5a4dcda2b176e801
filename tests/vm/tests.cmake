# VM tests: each a script run in a fresh guest by tests/vm/pdm-vm.
# Included from tests/CMakeLists.txt, which defines pdm_vm_test and
# pdm_bed_check.

# A build for the debug kernel (scripts/pdm-test --debug-kernel) tests the
# kernel code: the busybox guest's tests, not the bed's own checks nor the
# systemd guest, whose image has Debian's kernels.
option(PDM_DEBUG_KERNEL
  "the kernels under PDM_KERNEL_ROOT are debug kernels (tests/vm/mkdebugkernel)" OFF)

# The bed itself: exit status, hung guests, dirty kernel logs, disks.
if(NOT PDM_DEBUG_KERNEL)
  foreach(check exit-status timeout dirty-log hung-task panic boot-crash disk-reuse)
    pdm_bed_check(${check})
  endforeach()
endif()
pdm_vm_test(bed.linear bed/linear.sh)

# pkey_emu
pdm_vm_test(emu.check emu/check.sh)
pdm_vm_test(emu.master-key emu/master-key.sh)
pdm_vm_test(emu.card emu/card.sh)

# dm-paes
pdm_vm_test(paes.oracle paes/oracle.sh)
pdm_vm_test(paes.keys paes/keys.sh)
pdm_vm_test(paes.malformed paes/malformed.sh)
pdm_vm_test(paes.io paes/io.sh)
pdm_vm_test(paes.fs paes/fs.sh)
pdm_vm_test(paes.swap paes/swap.sh)
pdm_vm_test(paes.stress paes/stress.sh)
pdm_vm_test(paes.bounce-budget paes/bounce-budget.sh)
pdm_vm_test(paes.replace-inflight paes/replace-inflight.sh)
pdm_vm_test(paes.faults           paes/faults.sh TIMEOUT 300 ARGS short)
pdm_vm_test(paes.faults.long      paes/faults.sh TIMEOUT 1500 LABELS long ARGS long)
pdm_vm_test(paes.fio-verify       paes/fio-verify.sh TIMEOUT 300 ARGS short)
pdm_vm_test(paes.fio-verify.long  paes/fio-verify.sh TIMEOUT 1200 LABELS long ARGS long)
pdm_vm_test(paes.reload-loop      paes/reload-loop.sh TIMEOUT 300 ARGS short)
pdm_vm_test(paes.reload-loop.long paes/reload-loop.sh TIMEOUT 1200 LABELS long ARGS long)

# pdm / pdmd (disks, --mem and --tools come from each script's "# pdm-vm:" line)
pdm_vm_test(pdm.swap.secure    pdm/swap.sh ARGS secure)
pdm_vm_test(pdm.swap.ephemeral pdm/swap.sh ARGS ephemeral)
pdm_vm_test(pdm.swap.error     pdm/swap.sh ARGS error)
pdm_vm_test(pdm.swap.random-secure        pdm/swap.sh ARGS random-secure)
pdm_vm_test(pdm.swap.random-secure.cipher pdm/swap.sh ARGS random-secure:cca-aescipher)
pdm_vm_test(pdm.swap.random-secure.ep11   pdm/swap.sh ARGS random-secure:ep11)
pdm_vm_test(pdm.random-secure             pdm/random-secure.sh TIMEOUT 300)
pdm_vm_test(pdm.pdmd-restart   pdm/pdmd-restart.sh)
pdm_vm_test(pdm.pdmd-recovery  pdm/pdmd-recovery.sh)
pdm_vm_test(pdm.bad-input      pdm/bad-input.sh)
pdm_vm_test(pdm.vp             pdm/vp.sh)
pdm_vm_test(pdm.key-sources    pdm/key-sources.sh)
pdm_vm_test(pdm.demo           demo.sh)
pdm_vm_test(pdm.hygiene        pdm/hygiene.sh ARGS short)
pdm_vm_test(pdm.hygiene.long   pdm/hygiene.sh TIMEOUT 900 LABELS long ARGS long)
# Power-cut consistency: dm-log-writes under dm-paes (and dm-crypt as the
# reference), the log replayed and checked at every flush, FUA and mark.
pdm_vm_test(pdm.powercut       pdm/powercut.sh ARGS short)
pdm_vm_test(pdm.powercut.long  pdm/powercut.sh TIMEOUT 3600 LABELS long ARGS long)
# Rotation storms under pdm-stress, pdmd kill/restart chaos, swap long forms.
pdm_vm_test(stress.secure            pdm/storm.sh ARGS secure short)
pdm_vm_test(stress.clear             pdm/storm.sh ARGS clear short)
pdm_vm_test(stress.ephemeral         pdm/storm.sh ARGS ephemeral short)
pdm_vm_test(stress.secure.long       pdm/storm.sh TIMEOUT 900 LABELS long ARGS secure long)
pdm_vm_test(stress.clear.long        pdm/storm.sh TIMEOUT 900 LABELS long ARGS clear long)
pdm_vm_test(stress.ephemeral.long    pdm/storm.sh TIMEOUT 900 LABELS long ARGS ephemeral long)
pdm_vm_test(pdm.pdmd-chaos           pdm/pdmd-chaos.sh ARGS short)
pdm_vm_test(pdm.pdmd-chaos.long      pdm/pdmd-chaos.sh TIMEOUT 900 LABELS long ARGS long)
pdm_vm_test(pdm.swap.secure.long     pdm/swap.sh TIMEOUT 600 LABELS long ARGS secure long)
pdm_vm_test(pdm.swap.ephemeral.long  pdm/swap.sh TIMEOUT 600 LABELS long ARGS ephemeral long)
# The recovery soak: 10 rounds of secure swap under pressure, 8 rotations each.
pdm_vm_test(pdm.swap.soak            pdm/swap-soak.sh LABELS long ARGS pressure 10 8)
pdm_vm_test(pdm.swap.soak.watermark  pdm/swap-soak.sh LABELS long ARGS watermark 10 8)
# Fuzzing the kernel interfaces (dm ioctls, key messages, /dev/pkey, sysfs).
pdm_vm_test(fuzz.kernel        fuzz/kernel.sh TIMEOUT 300 ARGS short)
pdm_vm_test(fuzz.kernel.long   fuzz/kernel.sh TIMEOUT 1800 LABELS long ARGS long)
# Two boots on the same disks: a host-side runner.
pdm_vm_host_test(pdm.secure-fs pdm/secure-fs-reboot TIMEOUT 400)
# The debug kernel only (KASAN, lockdep, kmemleak, fault injection; set by
# the debug build): dm-paes and pkey_emu through allocation failures.
if(PDM_DEBUG_KERNEL)
  pdm_vm_test(debug.alloc-faults paes/alloc-faults.sh TIMEOUT 900)
endif()
if(PDM_DEBUG_KERNEL)
  return()
endif()
# The systemd guest (pdm-vm run --systemd): a Debian root with systemd as
# PID 1 and the project installed in it.  The first one to run builds the
# image (mkroot: a few minutes, then cached).
pdm_vm_test(sysd.boot          systemd/boot.sh VMARGS --systemd)
pdm_bed_check(systemd)
set_tests_properties(vm.bed.systemd PROPERTIES TIMEOUT 1800)
pdm_vm_host_test(sysd.root-reboot systemd/root-reboot TIMEOUT 1200)
# Boot integration (issue 11): three boots of a machine configured through
# pdmtab, fstab and modprobe.d; pdmtab lines whose devices never come or
# come late (a disk hot-added after the boot).
pdm_vm_host_test(sysd.pdmtab-boots   systemd/pdmtab-boots TIMEOUT 1500)
pdm_vm_host_test(sysd.pdmtab-devices systemd/pdmtab-devices TIMEOUT 1000)
