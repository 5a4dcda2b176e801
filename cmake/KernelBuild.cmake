# Find the kernels to build modules for and to test on: for each series in
# PDM_KERNEL_SERIES, the newest installed /boot/vmlinuz-V that has a
# matching Kbuild tree in /lib/modules/V/build; with PDM_KERNEL_ROOT, the
# same below that directory instead of / (the debug kernel of
# tests/vm/mkdebugkernel: scripts/pdm-test --debug-kernel).  Debian changes the ABI
# number in V over time, so nothing here names more than a series.
#
# Sets PDM_KERNELS (versions, default series first) and, for each V in it,
# PDM_KERNEL_SERIES_OF_<V>.  -DPDM_KERNEL_VERSION=V builds for V alone.
set(PDM_KERNEL_SERIES "6.1;6.12" CACHE STRING
  "kernel series to build modules for and run the VM tests on; the first is the default guest kernel")

# pdm_kernel_series(V OUT): "6.12" for "6.12.95+deb12-amd64"
function(pdm_kernel_series version out)
  if(NOT version MATCHES "^([0-9]+\\.[0-9]+)([.+-]|$)")
    message(FATAL_ERROR "cannot tell the series of kernel version '${version}'")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

set(PDM_KERNEL_ROOT "" CACHE PATH
  "a directory holding the kernels instead of / (boot/vmlinuz-V, lib/modules/V/build)")
string(REGEX REPLACE "/+$" "" PDM_KROOT "${PDM_KERNEL_ROOT}")

set(PDM_KERNELS)
if(PDM_KERNEL_VERSION)
  if(NOT EXISTS ${PDM_KROOT}/lib/modules/${PDM_KERNEL_VERSION}/build/Makefile)
    message(FATAL_ERROR "PDM_KERNEL_VERSION=${PDM_KERNEL_VERSION}: no ${PDM_KROOT}/lib/modules/${PDM_KERNEL_VERSION}/build")
  endif()
  list(APPEND PDM_KERNELS ${PDM_KERNEL_VERSION})
else()
  file(GLOB _images ${PDM_KROOT}/boot/vmlinuz-*)
  set(_installed)
  foreach(_img ${_images})
    get_filename_component(_name ${_img} NAME)
    string(REPLACE "vmlinuz-" "" _ver ${_name})
    if(EXISTS ${PDM_KROOT}/lib/modules/${_ver}/build/Makefile)
      list(APPEND _installed ${_ver})
    endif()
  endforeach()
  list(SORT _installed COMPARE NATURAL ORDER DESCENDING)
  foreach(_series ${PDM_KERNEL_SERIES})
    set(_found)
    foreach(_ver ${_installed})
      pdm_kernel_series(${_ver} _s)
      if(_s STREQUAL _series)
        set(_found ${_ver})
        break()
      endif()
    endforeach()
    if(_found)
      list(APPEND PDM_KERNELS ${_found})
    else()
      message(WARNING "no installed ${_series} kernel with headers: its modules "
        "and VM tests are left out (scripts/install-deps installs every series)")
    endif()
  endforeach()
  if(NOT PDM_KERNELS)
    message(FATAL_ERROR "no ${PDM_KROOT}/boot/vmlinuz-V with ${PDM_KROOT}/lib/modules/V/build "
      "of the series ${PDM_KERNEL_SERIES}: run scripts/install-deps")
  endif()
endif()
foreach(_ver ${PDM_KERNELS})
  pdm_kernel_series(${_ver} PDM_KERNEL_SERIES_OF_${_ver})
  message(STATUS "kernel ${PDM_KERNEL_SERIES_OF_${_ver}}: ${_ver}")
endforeach()
