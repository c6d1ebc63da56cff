#!/usr/bin/env bash
# Builds bench/monitor_scale_bench.cpp against this tree's headers and against
# another commit's (default: the last commit before the bounded-memory
# drift_monitor), runs both one after the other, and prints both results.
#   bash bench/monitor_scale_compare.sh [BASE_COMMIT] [scale|scrape] [args...]
# Needs g++ and libxsimd-dev (tools/bootstrap.sh). Writes only under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-ca1031c}
mode=${2:-scale}
shift $(( $# >= 2 ? 2 : $# ))
out=build/monitor_scale_compare
rm -rf "$out/base" && mkdir -p "$out/base"
git archive "$base" include | tar -x -C "$out/base"
flags=(-std=c++17 -O2 -DNDEBUG -pthread)
g++ "${flags[@]}" -Iinclude bench/monitor_scale_bench.cpp -o "$out/new"
g++ "${flags[@]}" -I"$out/base/include" bench/monitor_scale_bench.cpp -o "$out/old"
echo "== load: $(uptime)"
echo "== this tree ($(git rev-parse --short HEAD))"
"$out/new" "$mode" "$@"
echo "== base ($base)"
"$out/old" "$mode" "$@"
echo "== load: $(uptime)"
