#!/usr/bin/env bash
# CI guard: a short pass of the kernel benchmarks (small sizes, seconds) that
# fails only if a SIMD kernel is slower than its own scalar twin.
#
#   bench/ci_guard.sh            build (Release, host ISA) and check
#   bench/ci_guard.sh --no-build use the benchmarks already built
#
# Robust to noisy machines: every kernel and twin runs several repetitions
# (best kept: noise only ever slows a run down), a kernel counts as slower
# only below (1 - margin) x its twin (margin 10%, DRIFTWATCH_GUARD_MARGIN),
# and a pair that fails is measured once more, alone, before it is reported.
# Exit 0: every kernel at least as fast as its twin; 1: one is slower;
# 2: the benchmarks could not be built or run.
# Environment: DRIFTWATCH_BENCH_BUILD (default build/bench), JOBS, PYTHON.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DRIFTWATCH_BENCH_BUILD:-$root/build/bench}"
python="${PYTHON:-/usr/bin/python3}"
margin="${DRIFTWATCH_GUARD_MARGIN:-0.10}"

if [ "${1:-}" != "--no-build" ]; then
  launcher=()
  if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-march=native \
    -DDRIFTWATCH_BUILD_BENCHMARKS=ON -DDRIFTWATCH_BUILD_TESTS=OFF -DDRIFTWATCH_BUILD_TOOLS=OFF \
    -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=OFF "${launcher[@]}" > /dev/null \
    && cmake --build "$build" --target driftwatch_kernel_benches -j "${JOBS:-2}" > /dev/null \
    || { echo "ci_guard: could not build the benchmarks in $build" >&2; exit 2; }
fi

# kernel benchmark | its scalar twin | executable
pairs="
bin_quantile_b10_driftwatch|bin_quantile_b10_scalar_upper_bound|binning_bench
bin_uniform_b64_driftwatch|bin_uniform_b64_scalar_index|binning_bench
guard_uniform_b64_inexact_kernel|guard_uniform_b64_inexact_twin|binning_bench
guard_uniform_b200_kernel|guard_uniform_b200_twin|binning_bench
js_1m_driftwatch|js_1m_scalar_log|divergence_bench
guard_psi_kernel|guard_psi_twin|divergence_bench
guard_hellinger_kernel|guard_hellinger_twin|divergence_bench
guard_weights_kernel|guard_weights_twin|divergence_bench
guard_ks_sort_kernel|guard_ks_sort_twin|ks_bench
guard_ks_walk_kernel|guard_ks_walk_twin|ks_bench
guard_rank_count_kernel|guard_rank_count_twin|ranking_bench
guard_served_kernel|guard_served_twin|ranking_bench
guard_served_match_kernel|guard_served_match_twin|ranking_bench
guard_served_unit_kernel|guard_served_unit_twin|ranking_bench
"

export DRIFTWATCH_BENCH_QUICK=1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Best items/s of one benchmark over `reps` repetitions (CPU time).
measure() {  # exe name reps out.json
  "$build/bench/$1" --benchmark_filter="^$2\$" --benchmark_repetitions="$3" --benchmark_min_time=0.05 \
    --benchmark_out="$4" --benchmark_out_format=json > /dev/null 2>&1
}
best() {  # json
  "$python" -c '
import json, sys
rates = [b["items_per_second"] for b in json.load(open(sys.argv[1]))["benchmarks"]
         if b.get("run_type") != "aggregate" and "items_per_second" in b]
print(max(rates) if rates else 0)' "$1"
}

status=0
printf "%-34s %-40s %12s %12s %7s\n" kernel twin "kernel/s" "twin/s" ratio
while IFS='|' read -r kernel twin exe; do
  [ -n "$kernel" ] || continue
  if [ ! -x "$build/bench/$exe" ]; then
    echo "ci_guard: $build/bench/$exe missing" >&2
    exit 2
  fi
  verdict=""
  for attempt in 1 2; do
    measure "$exe" "$kernel" 5 "$tmp/k.json" && measure "$exe" "$twin" 5 "$tmp/t.json" \
      || { echo "ci_guard: running $exe failed" >&2; exit 2; }
    k="$(best "$tmp/k.json")"
    t="$(best "$tmp/t.json")"
    verdict="$("$python" -c 'import sys; k, t, m = map(float, sys.argv[1:]); print("ok" if k >= (1 - m) * t else "SLOWER")' "$k" "$t" "$margin")"
    [ "$verdict" = ok ] && break
  done
  ratio="$("$python" -c 'import sys; k, t = map(float, sys.argv[1:]); print("%.2fx" % (k / t if t else 0))' "$k" "$t")"
  printf "%-34s %-40s %12.4g %12.4g %7s %s\n" "$kernel" "$twin" "$k" "$t" "$ratio" "$verdict"
  [ "$verdict" = ok ] || status=1
done <<< "$pairs"

if [ "$status" = 0 ]; then
  echo "ci_guard: every SIMD kernel is at least as fast as its scalar twin (margin ${margin})"
else
  echo "ci_guard: a SIMD kernel is slower than its scalar twin (see SLOWER above)" >&2
fi
exit "$status"
