// The deprecated include paths (compat/include/, docs/design.md "Include
// paths") still compile and bring in what they used to. The one file of the
// repository allowed to use them (tests/check_layers.py skips it).
#include <driftwatch/alternative.hpp>
#include <driftwatch/bin_edges.hpp>
#include <driftwatch/canary.hpp>
#include <driftwatch/category_counts.hpp>
#include <driftwatch/chi_square.hpp>
#include <driftwatch/concurrent.hpp>
#include <driftwatch/divergence.hpp>
#include <driftwatch/error.hpp>
#include <driftwatch/fwd.hpp>
#include <driftwatch/histogram.hpp>
#include <driftwatch/ks_stream.hpp>
#include <driftwatch/ks_test.hpp>
#include <driftwatch/monitor.hpp>
#include <driftwatch/multiple_testing.hpp>
#include <driftwatch/ranking.hpp>
#include <driftwatch/ranking_accumulator.hpp>
#include <driftwatch/result.hpp>
#include <driftwatch/serialization.hpp>
#include <driftwatch/span.hpp>
#include <driftwatch/version.hpp>
#include <driftwatch/wasserstein.hpp>
#include <driftwatch/window.hpp>

#include <vector>

#include "test_support.hpp"

TEST_CASE("code written against the old include paths still builds and runs") {
  driftwatch::histogram h(driftwatch::bin_edges::from_edges({0.0}));
  h(1.0);
  const auto back = driftwatch::deserialize<driftwatch::histogram>(driftwatch::serialize(h));
  CHECK(back == h);
  driftwatch::drift_monitor m;
  m.reset_current();  // the deprecated alias of reset()
  CHECK(m.size() == 0);
  CHECK(DRIFTWATCH_VERSION_MAJOR == 0);
}
