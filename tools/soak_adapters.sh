#!/usr/bin/env bash
# Soak of the adapters' hostile-client suite (tests/hostile): runs it again and
# again, in random order and several copies at once (more contention, more
# interleavings of slow clients, floods and stops), for a given time. Not run
# by CI (tools/test.sh runs the suite once through ctest).
#
#   tools/soak_adapters.sh [minutes] [parallel copies] [build dir]
#   tools/soak_adapters.sh 30 4 build/asan     # under AddressSanitizer
#
# Defaults: 10 minutes, 4 copies, build/dev. Builds the suite first. Exits 1
# if any run failed; the failing runs' output is kept in the log directory it
# prints. Loopback only.
set -euo pipefail

minutes=${1:-10}
copies=${2:-4}
build=${3:-build/dev}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -d "$build" ]; then
  echo "soak: $build does not exist; configure it first (cmake --preset dev)" >&2
  exit 2
fi
cmake --build "$build" --target hostile_clients_test -j2
binary="$build/tests/hostile_clients_test"
logs=$(mktemp -d "${TMPDIR:-/tmp}/driftwatch-soak.XXXXXX")
deadline=$(( $(date +%s) + minutes * 60 ))
echo "soak: $copies copies of $binary for $minutes min; logs in $logs"

worker() {
  local id=$1 runs=0 failures=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    runs=$((runs + 1))
    local out="$logs/copy$id-run$runs.log"
    if timeout 300 "$binary" --order rand --rng-seed "$((id * 100000 + runs))" >"$out" 2>&1; then
      rm -f "$out"
    else
      failures=$((failures + 1))
      echo "soak: copy $id run $runs FAILED (kept $out)" >&2
    fi
  done
  echo "$runs $failures" >"$logs/copy$id.total"
}

for id in $(seq 1 "$copies"); do worker "$id" & done
wait

runs=0 failures=0
for f in "$logs"/copy*.total; do
  read -r r f_count <"$f"
  runs=$((runs + r))
  failures=$((failures + f_count))
done
echo "soak: $runs runs of the suite, $failures failed (load: $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$failures" -eq 0 ]
