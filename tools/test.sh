#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds
# the tests and the tool, runs every test (ctest), then the hardening checks
# (ASan+UBSan suite, TSan concurrency tests, bounded fuzzing: tools/test-hardening.sh)
# and the benchmark guard (every SIMD kernel at least as fast as its scalar
# twin: bench/ci_guard.sh). CI runs exactly this (.ci/run).
#
# DRIFTWATCH_TEST_STEPS selects a subset of "unit hardening bench" (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
jobs=$(nproc 2>/dev/null || echo 2)
steps=${DRIFTWATCH_TEST_STEPS:-unit hardening bench}
status=0

if [[ " $steps " == *" unit "* ]]; then
  cmake --preset dev
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev -j "$jobs" || status=1
fi
if [[ " $steps " == *" bench "* && -f bench/ci_guard.sh ]]; then
  bash bench/ci_guard.sh || status=1
fi
if [[ " $steps " == *" hardening "* ]]; then
  # Last, so its 'N passed, N failed' line closes the run.
  bash tools/test-hardening.sh || status=1
fi
exit $status
