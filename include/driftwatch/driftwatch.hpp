// driftwatch: the core, in one include: bins, accumulators, drift and ranking
// metrics, the monitor. Pays for no HTTP, JSON or Eigen: the adapters
// (driftwatch/adapters/) and the Eigen interop header are separate, and so are
// the embedding utilities (concurrent.hpp, window.hpp, serialization.hpp),
// which pull in threads, clocks and byte I/O a batch user does not need; they
// are included where used. Its compile cost is measured by bench/run.sh
// (docs/benchmarks.md): keep it under 1 s at -O2.
#pragma once

#include <driftwatch/version.hpp>
#include <driftwatch/fwd.hpp>
#include <driftwatch/alternative.hpp>
#include <driftwatch/error.hpp>
#include <driftwatch/span.hpp>
#include <driftwatch/result.hpp>
#include <driftwatch/bin_edges.hpp>
#include <driftwatch/histogram.hpp>
#include <driftwatch/category_counts.hpp>
#include <driftwatch/divergence.hpp>
#include <driftwatch/wasserstein.hpp>
#include <driftwatch/chi_square.hpp>
#include <driftwatch/multiple_testing.hpp>
#include <driftwatch/monitor.hpp>
#include <driftwatch/ks_test.hpp>
#include <driftwatch/ks_stream.hpp>
#include <driftwatch/ranking.hpp>
#include <driftwatch/ranking_accumulator.hpp>
#include <driftwatch/canary.hpp>
