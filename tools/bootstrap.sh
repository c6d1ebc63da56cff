#!/usr/bin/env bash
# Installs every Debian package driftwatch's build, tests and benchmarks need.
# Safe to run any number of times: apt-get only installs what is missing, and
# `apt-get update` runs only when a package is actually missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake git ccache pkg-config
  # the library's own dependencies (docs/design.md, "Dependencies")
  libxsimd-dev xtl-dev libeigen3-dev
  # tests and benchmarks
  catch2 libbenchmark-dev libboost-dev
  # optional adapters
  libcpp-httplib-dev libssl-dev
  # reference values (SciPy/NumPy; sklearn for the NDCG cross-check) and peer benchmarks; Debian's own python
  python3 python3-scipy python3-numpy python3-sklearn
  # integration tests for the monitoring loop
  prometheus prometheus-alertmanager
  # OpenMetrics parser used to validate the exposition (tests/adapters/check_exposition.py)
  python3-prometheus-client
  # sanitizers and fuzzers
  clang libclang-rt-14-dev
  # JSON, config files and compressed input for the tool and the adapters
  nlohmann-json3-dev libyaml-cpp-dev zlib1g-dev libdeflate-dev
  # output validation (JSON Schema, HTML) and the pandas peer of the batch benchmark
  python3-jsonschema python3-html5lib python3-pandas python3-yaml
  # the HTML report rendered in a real browser
  chromium
  # aarch64: cross compiler and user-mode emulation for the portable kernel tests
  g++-aarch64-linux-gnu qemu-user
  # GNU time (/usr/bin/time): wall, CPU and maximum RSS in bench/e2e_rank.sh
  time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
