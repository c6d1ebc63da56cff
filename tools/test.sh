#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds
# the tests and the tool, runs every test (ctest), then the hardening checks
# (ASan+UBSan suite, TSan concurrency tests, bounded fuzzing: tools/test-hardening.sh)
# and the benchmark guard (every SIMD kernel at least as fast as its scalar
# twin: bench/ci_guard.sh). CI runs exactly this (.ci/run).
#
# It also rebuilds the kernel tests for AVX2, for the host's ISA and for
# aarch64 (cross-built, run under qemu-user) and checks SIMD == scalar there
# (the unit build has no ISA flags: it forces every level the CPU supports).
#
# DRIFTWATCH_TEST_STEPS selects a subset of "unit simd hardening bench" (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
jobs=$(nproc 2>/dev/null || echo 2)
steps=${DRIFTWATCH_TEST_STEPS:-unit simd hardening bench}
status=0

if [[ " $steps " == *" unit "* ]]; then
  cmake --preset dev
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev -j "$jobs" || status=1
fi
if [[ " $steps " == *" simd "* ]]; then
  for preset in simd-avx2 simd-native; do
    if [[ $preset == simd-avx2 ]] && ! grep -qw avx2 /proc/cpuinfo; then
      echo "test.sh: this CPU has no AVX2; skipping the simd-avx2 kernel tests"
      continue
    fi
    echo "test.sh: kernel tests for preset $preset"
    cmake --preset "$preset" >/dev/null
    # The kernel tests (CTest label `kernel`, listed in tests/CMakeLists.txt).
    cmake --build --preset "$preset" -j "$jobs"
    ctest --preset "$preset" -j "$jobs" || status=1
  done
  # The SIMD == scalar tests (CTest label `simd`) cross-built for aarch64
  # (NEON via xsimd) and run under qemu-user: ~1 min of compiling and ~10 s
  # of tests on 2 idle cores.
  if command -v aarch64-linux-gnu-g++ > /dev/null && command -v qemu-aarch64 > /dev/null; then
    echo "test.sh: kernel tests for aarch64 (preset aarch64-kernels, qemu-user)"
    { cmake --preset aarch64-kernels > /dev/null && cmake --build --preset aarch64-kernels -j "$jobs" &&
      ctest --preset aarch64-kernels; } || status=1
  else
    echo "test.sh: no aarch64 cross compiler or qemu-aarch64; skipping the aarch64 kernel tests"
  fi
fi
if [[ " $steps " == *" bench "* && -f bench/ci_guard.sh ]]; then
  bash bench/ci_guard.sh || status=1
fi
if [[ " $steps " == *" hardening "* ]]; then
  # Last, so its 'N passed, N failed' line closes the run.
  bash tools/test-hardening.sh || status=1
fi
exit $status
