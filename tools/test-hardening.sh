#!/usr/bin/env bash
# Hardening checks (docs/concurrency.md, "Hardening"), from a fresh clone:
#   1. every test under AddressSanitizer + UndefinedBehaviorSanitizer, examples/service and its
#      integration tests included (build/asan, preset asan)
#   2. every test under ThreadSanitizer, examples/service and its integration tests included
#      (build/tsan, preset tsan; known false positives of uninstrumented libraries: tests/tsan.supp)
#   Both skip only the CTest labels `files` (Python/promtool/amtool checks of committed files: no
#   code of ours runs) and `consumer` (separate, unsanitized projects built against the library).
#   3. each libFuzzer target for FUZZ_SECONDS (default 25) seconds, JOBS at a time (build/fuzz, preset fuzz)
# Prints one line per step and a closing "test-hardening: N passed, M failed"
# line; exits non-zero if anything failed. A fuzzer finding is saved under
# build/fuzz/artifacts/<target>/: fix it, then commit the input to
# tests/fuzz/regressions/<target>/ so every build replays it.
#
# Environment: FUZZ_SECONDS (per target), JOBS (build/test parallelism,
# default: nproc), HARDENING_STEPS (subset of "asan tsan fuzz").
set -uo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${FUZZ_SECONDS:-25}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
steps=${HARDENING_STEPS:-asan tsan fuzz}

passed=0
failed=0
failures=()
start=$(date +%s)

bash tools/bootstrap.sh || { echo "test-hardening: bootstrap failed"; exit 1; }

# Runs "$@" quietly; its output goes to a log shown only on failure.
step() {
  local name=$1
  shift
  local log="build/hardening-logs/${name}.log"
  mkdir -p build/hardening-logs
  local t0=$(date +%s)
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "PASS  ${name} ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAIL  ${name} ($(( $(date +%s) - t0 )) s), last lines of ${log}:"
    tail -n 40 "$log" | sed 's/^/      /'
  fi
}

preset_tests() {
  local preset=$1
  cmake --preset "$preset" && cmake --build --preset "$preset" -j "$jobs" && ctest --preset "$preset" -j "$jobs"
}

run_fuzzer() {
  local t=$1
  local work="build/fuzz/work/${t}" artifacts="build/fuzz/artifacts/${t}/"
  mkdir -p "$work" "$artifacts"
  # The committed regressions first (each must pass), then fuzz from the
  # corpus; new inputs go to the scratch work dir, never into the source tree.
  if [[ -d "tests/fuzz/regressions/${t}" ]]; then
    "build/fuzz/tests/fuzz/fuzz_${t}" -runs=0 "tests/fuzz/regressions/${t}" || return 1
  fi
  "build/fuzz/tests/fuzz/fuzz_${t}" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "tests/fuzz/corpus/${t}"
}

for s in $steps; do
  case "$s" in
    asan) step asan preset_tests asan ;;
    tsan) step tsan preset_tests tsan ;;
    fuzz)
      step fuzz_build bash -c "cmake --preset fuzz && cmake --build --preset fuzz -j $jobs"
      if [[ " ${failures[*]-} " != *" fuzz_build "* ]]; then
        # The targets are listed once, in tests/fuzz/CMakeLists.txt.
        mapfile -t fuzz_targets < build/fuzz/fuzz_targets.txt
        # Each fuzzer is one process on one core: run $jobs of them at a
        # time (each still gets its full FUZZ_SECONDS), then report each
        # in the order listed.
        mkdir -p build/hardening-logs
        for t in "${fuzz_targets[@]}"; do
          while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
          ( t0=$(date +%s)
            run_fuzzer "$t" > "build/hardening-logs/fuzz_${t}.raw.log" 2>&1
            echo "$? $(( $(date +%s) - t0 ))" > "build/hardening-logs/fuzz_${t}.rc" ) &
        done
        wait
        for t in "${fuzz_targets[@]}"; do
          read -r rc secs < "build/hardening-logs/fuzz_${t}.rc" || { rc=1; secs=0; }
          step "fuzz_${t}" bash -c "cat build/hardening-logs/fuzz_${t}.raw.log; echo '(${secs} s, run in parallel)'; exit ${rc}"
          execs=$(grep -ho "stat::number_of_executed_units: *[0-9]*" "build/hardening-logs/fuzz_${t}.log" | grep -o "[0-9]*$" | tail -n 1)
          [[ -n "$execs" ]] && echo "      fuzz_${t}: ${execs} executions in ${fuzz_seconds} s (${secs} s with its regressions, ${jobs} fuzzers at a time)"
        done
      fi
      ;;
    *) echo "test-hardening: unknown step '$s'"; failed=$((failed + 1)); failures+=("$s") ;;
  esac
done

echo "test-hardening took $(( $(date +%s) - start )) s${failures[*]:+; failed: ${failures[*]}}"
# The closing line alone, in the 'N passed, N failed' form CI reads.
echo "test-hardening: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
