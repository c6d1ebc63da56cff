#!/usr/bin/env bash
# The main job on bundled data: builds the `driftwatch` tool and prints the
# drift report of examples/data/current.csv against examples/data/reference.csv.
# Extra arguments are passed on (for example --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target driftwatch-cli >/dev/null
exec build/release/src/cli/driftwatch drift \
  --reference examples/data/reference.csv --current examples/data/current.csv "$@"
