# Find the kernel to build modules for: the newest installed /boot/vmlinuz-V
# that has a matching Kbuild tree in /lib/modules/V/build.  Debian changes
# the ABI number in V over time, so nothing here names a version.
# Override with -DPDM_KERNEL_VERSION=V.
if(NOT PDM_KERNEL_VERSION)
  file(GLOB _images /boot/vmlinuz-*)
  set(_versions)
  foreach(_img ${_images})
    get_filename_component(_name ${_img} NAME)
    string(REPLACE "vmlinuz-" "" _ver ${_name})
    if(EXISTS /lib/modules/${_ver}/build/Makefile)
      list(APPEND _versions ${_ver})
    endif()
  endforeach()
  if(NOT _versions)
    message(FATAL_ERROR "no /boot/vmlinuz-V with /lib/modules/V/build: "
      "install linux-image-amd64 and linux-headers-amd64 (scripts/install-deps)")
  endif()
  list(SORT _versions COMPARE NATURAL ORDER DESCENDING)
  list(GET _versions 0 _newest)
  set(PDM_KERNEL_VERSION ${_newest} CACHE STRING "kernel version the modules and the VM use")
endif()
set(PDM_KERNEL_DIR /lib/modules/${PDM_KERNEL_VERSION}/build)
set(PDM_KERNEL_IMAGE /boot/vmlinuz-${PDM_KERNEL_VERSION})
message(STATUS "kernel for modules and VM: ${PDM_KERNEL_VERSION}")
