// check_same_monitor(a, b): two drift_monitors hold the same state, bit for
// bit: serialized bytes, invalid counts, current histograms and every report
// field (memcmp of every metric). With same_bytes false the serialized bytes
// are not compared: two concurrent<> snapshots that merged the same values
// from differently filled shards report the same, but their raw samples and
// window layouts need not be laid out alike. Shared by the tests that drive one monitor
// by observe_row and a twin by per-value observe (monitor_row_block_test,
// simd_row_test). A header of its own, not test_support.hpp: a non-template
// function naming the monitor would compile the monitor's members in every
// test that includes test_support.hpp.
#pragma once

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <cstddef>
#include <cstring>

#include "test_support.hpp"

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline void check_same_monitor(const driftwatch::drift_monitor& a, const driftwatch::drift_monitor& b,
                               bool same_bytes = true) {
  if (same_bytes) CHECK((driftwatch::serialize(a) == driftwatch::serialize(b)));  // bool: no dump of the bytes
  CHECK(a.invalid_count() == b.invalid_count());
  for (std::size_t id = 0; id < a.size(); ++id)
    if (a.kind(id) == driftwatch::feature_kind::numeric) CHECK(a.current_histogram(id) == b.current_histogram(id));
  const auto ra = a.report(), rb = b.report();
  REQUIRE(ra.size() == rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    INFO("feature " << ra[i].name);
    CHECK(ra[i].n_current == rb[i].n_current);
    CHECK(ra[i].n_invalid_current == rb[i].n_invalid_current);
    CHECK(ra[i].n_truncated_current == rb[i].n_truncated_current);
    CHECK(ra[i].current_sample_truncated == rb[i].current_sample_truncated);
    CHECK(ra[i].wasserstein_exact == rb[i].wasserstein_exact);
    CHECK(same_bits(ra[i].psi.value, rb[i].psi.value));
    CHECK(same_bits(ra[i].js.distance.value, rb[i].js.distance.value));
    CHECK(same_bits(ra[i].hellinger.value, rb[i].hellinger.value));
    CHECK(same_bits(ra[i].ks.statistic, rb[i].ks.statistic));
    CHECK(same_bits(ra[i].ks.pvalue, rb[i].ks.pvalue));
    CHECK(same_bits(ra[i].wasserstein.value, rb[i].wasserstein.value));
    CHECK(same_bits(ra[i].wasserstein_error_bound, rb[i].wasserstein_error_bound));
    CHECK(same_bits(ra[i].adjusted_pvalue, rb[i].adjusted_pvalue));
  }
}
