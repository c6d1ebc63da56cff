# Cross build for aarch64 with Debian's g++-aarch64-linux-gnu; test binaries
# run under qemu-user (qemu-aarch64 -L /usr/aarch64-linux-gnu), also for
# catch_discover_tests and ctest. Used by the `aarch64-kernels` preset
# (CMakePresets.json) and tools/test.sh's simd step: the kernel tests with
# xsimd's NEON kernels (and the scalar twins), no x86 intrinsics.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# The header-only packages the kernel tests use (xsimd, xtl, Catch2 2.x) are
# architecture-independent and installed for the host only: found there.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
# Debian installs xsimd's CMake package under the host's multiarch directory
# (/usr/lib/x86_64-linux-gnu/cmake/xsimd), which a cross build does not search.
if(NOT DEFINED xsimd_DIR)
  file(GLOB _dw_xsimd_config_dirs /usr/lib/*/cmake/xsimd)
  if(_dw_xsimd_config_dirs)
    list(GET _dw_xsimd_config_dirs 0 _dw_xsimd_dir)
    set(xsimd_DIR "${_dw_xsimd_dir}" CACHE PATH "xsimd's CMake package (header-only, any architecture)")
  endif()
endif()
