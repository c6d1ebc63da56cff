// driftwatch: the core, in one include. Pays for no HTTP, JSON or Eigen: the
// adapters (driftwatch/adapters/) and the Eigen interop header are separate.
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
#include <driftwatch/concurrent.hpp>
#include <driftwatch/window.hpp>
#include <driftwatch/serialization.hpp>
