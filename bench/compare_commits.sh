#!/usr/bin/env bash
# Before and after, in one run: builds the kernel benchmarks of two commits
# (Release, the compiler's default flags: what users compile; or FLAGS=...)
# and runs every benchmark the two have in common, alternating BASE and HEAD
# per executable, REPS rounds; prints each case's best time for both and the
# ratio HEAD/BASE (< 1: HEAD faster). bench/category_bench.cpp and any
# SAME_SOURCE files are built from THIS tree's source against each commit's
# headers, so they compare the library alone.
#
#   bench/compare_commits.sh BASE [HEAD]     (HEAD defaults to the working tree)
#
# Environment: FLAGS (default ""), REPS (default 3), FILTER (a benchmark
# regex, default all), JOBS (default 2), SAME_SOURCE (extra .cpp files), WORK
# (default build/compare).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base=${1:?usage: bench/compare_commits.sh BASE [HEAD]}
head=${2:-}
work="${WORK:-$root/build/compare}"
reps=${REPS:-3}
filter=${FILTER:-.}
same_source="$root/bench/category_bench.cpp ${SAME_SOURCE:-}"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

checkout() {  # rev dir
  rm -rf "$2"
  mkdir -p "$2"
  git -C "$root" archive "$1" | tar -x -C "$2"
}
build() {  # src dir
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${FLAGS:-}" \
    -DDRIFTWATCH_BUILD_BENCHMARKS=ON -DDRIFTWATCH_BUILD_TESTS=OFF -DDRIFTWATCH_BUILD_TOOLS=OFF \
    -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=OFF "${launcher[@]}" > "$2.configure.log" 2>&1 \
    || { cat "$2.configure.log" >&2; exit 1; }
  cmake --build "$2" --target driftwatch_kernel_benches -j "${JOBS:-2}" > "$2.build.log" 2>&1 \
    || { tail -30 "$2.build.log" >&2; exit 1; }
  for f in $same_source; do
    [ -f "$f" ] || continue
    g++ -std=c++17 -O3 -DNDEBUG ${FLAGS:-} -I "$1/include" "$f" -o "$2/$(basename "${f%.cpp}")" \
      -lbenchmark -pthread
  done
}

mkdir -p "$work"
checkout "$base" "$work/base-src"
if [ -n "$head" ]; then
  checkout "$head" "$work/head-src"
  head_src="$work/head-src"
else
  head_src="$root"
  head="working tree"
fi
echo "compare_commits: building $base and $head (flags: '${FLAGS:-}')" >&2
build "$work/base-src" "$work/base"
build "$head_src" "$work/head"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for exe in "$work"/head/bench/*_bench "$work"/head/*_bench; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  other="$work/base/${exe#"$work/head/"}"
  [ -x "$other" ] || continue
  for r in $(seq 1 "$reps"); do
    for side in base head; do
      bin=$([ $side = base ] && echo "$other" || echo "$exe")
      "$bin" --benchmark_filter="$filter" --benchmark_min_time=0.2 --benchmark_format=json \
        > "$tmp/$name.$side.$r.json" 2> /dev/null || true
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$tmp" "$base" "$head" "$load_before" "$load_after" <<'PY'
import glob, json, os, sys
tmp, base, head, lb, la = sys.argv[1:6]
best = {}
for path in glob.glob(os.path.join(tmp, "*.json")):
    exe, side, _, _ = os.path.basename(path).rsplit(".", 3)
    try:
        data = json.load(open(path))
    except ValueError:
        continue
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        key = (exe, b["name"])
        t = b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        cur = best.setdefault(key, {})
        cur[side] = min(cur.get(side, float("inf")), t)
rows = [(k, v) for k, v in sorted(best.items()) if "base" in v and "head" in v]
print("before/after: %s -> %s; load average %s before, %s after; best of the rounds" % (base, head, lb, la))
print("| executable | benchmark | %s ns | %s ns | after/before |" % (base[:10], head[:12]))
print("|---|---|---:|---:|---:|")
worst = 0
for (exe, name), v in rows:
    r = v["head"] / v["base"]
    worst = max(worst, r)
    print("| %s | %s | %.1f | %.1f | %.2f |" % (exe, name, v["base"], v["head"], r))
print("%d cases in common; slowest after/before %.2f" % (len(rows), worst))
PY
