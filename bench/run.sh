#!/usr/bin/env bash
# Builds the kernel benchmarks in Release twice, for the host (-march=native)
# and with the compiler's default flags (what a service that vendors
# driftwatch compiles: run-time SIMD dispatch, docs/simd.md), runs both builds
# pairwise (each benchmark executable native then default, back to back) and
# the NumPy/SciPy peers on the same data, measures the core header's compile
# time, and writes bench_results.json (current directory) and
# docs/benchmarks.md.
#
#   bench/run.sh            full sizes (16M values, 1M samples, 2000 x 100k matrix)
#   bench/run.sh --quick    small sizes, seconds
#
# Environment: DRIFTWATCH_BENCH_BUILD (native build dir, default build/bench;
# the default-flags build goes to the same path + "-default"),
# TREC_EVAL (trec_eval binary for bench/e2e_rank.sh; unset: not measured),
# JOBS (parallel build jobs, default 2), PYTHON (default /usr/bin/python3).
set -euo pipefail

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DRIFTWATCH_BENCH_BUILD:-$root/build/bench}"
python="${PYTHON:-/usr/bin/python3}"
out_dir="$(pwd)"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

build_default="$build-default"
configure() {  # dir flags
  mkdir -p "$1"
  cmake -S "$root" -B "$1" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=$2" \
    -DDRIFTWATCH_BUILD_BENCHMARKS=ON -DDRIFTWATCH_BUILD_TESTS=OFF -DDRIFTWATCH_BUILD_TOOLS=OFF \
    -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=OFF "${launcher[@]}" > "$1/configure.log" 2>&1 \
    || { cat "$1/configure.log" >&2; exit 1; }
  cmake --build "$1" --target driftwatch_kernel_benches -j "${JOBS:-2}"
}
configure "$build" -march=native
configure "$build_default" ""

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export DRIFTWATCH_BENCH_QUICK=$quick
if [ "$quick" = 1 ]; then
  gbench=(--benchmark_repetitions=2 --benchmark_min_time=0.05)
  peers=(--quick --repeats 2)
  compile_reps=1
else
  gbench=(--benchmark_repetitions=3 --benchmark_min_time=0.5)
  peers=(--repeats 3)
  compile_reps=3
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
jsons=()
default_jsons=()
mkdir -p "$tmp/default"
for b in binning ks divergence ranking row; do
  for dir in "$build" "$build_default"; do
    exe="$dir/bench/${b}_bench"
    [ -x "$exe" ] || { echo "bench/run.sh: $exe was not built" >&2; exit 1; }
  done
  echo "== ${b}_bench (-march=native)" >&2
  "$build/bench/${b}_bench" "${gbench[@]}" --benchmark_out="$tmp/$b.json" --benchmark_out_format=json >&2
  jsons+=("$tmp/$b.json")
  echo "== ${b}_bench (default flags)" >&2
  "$build_default/bench/${b}_bench" "${gbench[@]}" --benchmark_out="$tmp/default/$b.json" \
    --benchmark_out_format=json >&2
  default_jsons+=("$tmp/default/$b.json")
done
echo "== peers (NumPy/SciPy)" >&2
"$python" "$root/bench/peers/peers.py" "${peers[@]}" > "$tmp/peers.json"
echo "== compile time of <driftwatch/driftwatch.hpp>" >&2
"$python" "$root/bench/compile_time.py" --include-dir "$root/include" --repeats "$compile_reps" > "$tmp/compile.json"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
isa="$(grep -m1 -o 'avx512f' /proc/cpuinfo || grep -m1 -o 'avx2' /proc/cpuinfo || echo sse2)"
mode="full sizes"; [ "$quick" = 1 ] && mode="quick sizes (--quick)"
context="Run: $(date -u +%Y-%m-%dT%H:%MZ), $mode, $cpu ($(nproc) cores, $isa), load average $load_before before / $load_after after (1, 5, 15 min)."
"$python" "$root/bench/report.py" --bench-json "${jsons[@]}" --default-bench-json "${default_jsons[@]}" \
  --peers-json "$tmp/peers.json" \
  --compile-json "$tmp/compile.json" --out-json "$out_dir/bench_results.json" \
  --out-md "$root/docs/benchmarks.md" --context "$context" \
  --command "bench/run.sh$([ "$quick" = 1 ] && echo ' --quick')"
echo "wrote $out_dir/bench_results.json and $root/docs/benchmarks.md" >&2
# End-to-end `driftwatch rank` against trec_eval (TREC_EVAL; unset: "not
# measured"), its own section of docs/benchmarks.md (bench/e2e_rank.sh).
"$root/bench/e2e_rank.sh" --write-md $([ "$quick" = 1 ] && echo --quick)
