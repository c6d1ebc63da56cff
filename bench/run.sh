#!/usr/bin/env bash
# Builds the kernel benchmarks in Release for the host, runs them and the
# NumPy/SciPy peers on the same data, measures the core header's compile time,
# and writes bench_results.json (current directory) and docs/benchmarks.md.
#
#   bench/run.sh            full sizes (16M values, 1M samples, 2000 x 100k matrix)
#   bench/run.sh --quick    small sizes, seconds
#
# Environment: DRIFTWATCH_BENCH_BUILD (build dir, default build/bench),
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

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-march=native \
  -DDRIFTWATCH_BUILD_BENCHMARKS=ON -DDRIFTWATCH_BUILD_TESTS=OFF -DDRIFTWATCH_BUILD_TOOLS=OFF \
  -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=OFF "${launcher[@]}" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target driftwatch_kernel_benches -j "${JOBS:-2}"

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
for b in binning ks divergence ranking; do
  exe="$build/bench/${b}_bench"
  [ -x "$exe" ] || { echo "bench/run.sh: $exe was not built" >&2; exit 1; }
  echo "== ${b}_bench" >&2
  "$exe" "${gbench[@]}" --benchmark_out="$tmp/$b.json" --benchmark_out_format=json >&2
  jsons+=("$tmp/$b.json")
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
"$python" "$root/bench/report.py" --bench-json "${jsons[@]}" --peers-json "$tmp/peers.json" \
  --compile-json "$tmp/compile.json" --out-json "$out_dir/bench_results.json" \
  --out-md "$root/docs/benchmarks.md" --context "$context" \
  --command "bench/run.sh$([ "$quick" = 1 ] && echo ' --quick')"
echo "wrote $out_dir/bench_results.json and $root/docs/benchmarks.md" >&2
# End-to-end `driftwatch rank` against trec_eval (TREC_EVAL; unset: "not
# measured"), its own section of docs/benchmarks.md (bench/e2e_rank.sh).
"$root/bench/e2e_rank.sh" --write-md $([ "$quick" = 1 ] && echo --quick)
