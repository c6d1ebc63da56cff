// driftwatch: the core, in one include: bins, accumulators, drift and ranking
// metrics, the monitor. Pays for no HTTP, JSON or Eigen: the adapters
// (driftwatch/adapters/) and the Eigen interop header are separate, and so are
// the embedding utilities (monitors/concurrent.hpp, monitors/window.hpp),
// which pull in threads and clocks a batch user does not need; they are
// included where used. Each accumulator carries its state format
// (accumulators/serialization.hpp: byte I/O, no allocation until used).
// Its compile cost is measured by bench/run.sh
// (docs/benchmarks.md): keep it under 1 s at -O2.
#pragma once

#include <driftwatch/core/version.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/core/alternative.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/metrics/wasserstein.hpp>
#include <driftwatch/metrics/chi_square.hpp>
#include <driftwatch/metrics/multiple_testing.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/metrics/ks_stream.hpp>
#include <driftwatch/metrics/binned_ks.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>
#include <driftwatch/metrics/canary.hpp>
