#!/usr/bin/env bash
# The main job on bundled data: builds the `driftwatch` tool, prints the drift
# report of examples/data/current.csv against examples/data/reference.csv, and
# writes the same report as one HTML page (docs/report.md), printing where.
# Extra arguments are passed on (for example --format json, --correction bh);
# the page gets them too, then --format html. The exit status is the printed
# report's (3 with --fail-on-drift and drift, 4 when a feature could not be checked).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh >/dev/null
mkdir -p build/demo
# The build's output (compiler warnings included) goes to a log, shown only
# if the build fails, so the first screen is the report.
log=build/demo/build.log
if ! { cmake --preset release && cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" \
         --target driftwatch-cli; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "demo.sh: the build failed (whole log: $log)" >&2
  exit 1
fi
tool=build/release/src/cli/driftwatch
data=(--reference examples/data/reference.csv --current examples/data/current.csv)
html=build/demo/drift-report.html
status=0
"$tool" drift "${data[@]}" "$@" || status=$?
html_status=0
"$tool" drift "${data[@]}" "$@" --format html --output "$html" || html_status=$?
if [ "$html_status" -eq 0 ] || [ "$html_status" -eq 3 ] || [ "$html_status" -eq 4 ]; then
  # On stderr, so `tools/demo.sh --format json | jq` still reads pure JSON.
  echo "HTML report: $html (open file://$PWD/$html in a browser)" >&2
fi
exit "$status"
