// drift_monitor::observe_row against the per-value loop it replaces, at every
// level this CPU supports, bit for bit (histograms, samples, reports),
// directly and through concurrent<drift_monitor>; the block drain's own cases
// are in monitor_row_block_test.cpp. Cost: ~0.5 s.
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "monitor_compare.hpp"
#include "test_support.hpp"

namespace {

namespace d = driftwatch::detail;
using driftwatch::simd_level;

struct level_guard {
  ~level_guard() { driftwatch::set_simd_target(simd_level::avx512); }
};

/// A monitor with f numeric features of assorted edges (quantile with ties,
/// few bins, uniform beyond the row kernel's 17 bins) and one categorical
/// feature in the middle (not part of rows).
driftwatch::drift_monitor make_monitor(std::size_t f, std::mt19937_64& rng) {
  driftwatch::drift_monitor m;
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t j = 0; j < f; ++j) {
    std::vector<double> ref(400);
    for (auto& v : ref) v = normal(rng) * (1 + static_cast<double>(j % 5));
    if (j % 7 == 3)
      for (auto& v : ref) v = std::round(v);  // ties: fewer distinct edges
    if (j % 11 == 5) {
      m.add_numeric("u" + std::to_string(j), ref, driftwatch::bin_edges::uniform(-3.0, 3.0, 40));  // > 17 bins
    } else if (j % 13 == 6) {
      m.add_numeric("few" + std::to_string(j), ref, driftwatch::bin_edges::from_quantiles(ref, 3));
    } else {
      m.add_numeric("q" + std::to_string(j), ref);
    }
    if (j == f / 2) m.add_categorical("color", std::vector<std::string>{"red", "blue", "red"});
  }
  return m;
}

std::vector<double> make_row(const driftwatch::drift_monitor& m, std::size_t f, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.5);
  std::vector<double> row(f);
  std::size_t k = 0;
  for (std::size_t id = 0; id < m.size(); ++id) {
    if (m.kind(id) != driftwatch::feature_kind::numeric) continue;
    const auto& e = m.reference_histogram(id).edges().interior();  // the current histogram's edges too
    double v = normal(rng) * (1 + static_cast<double>(k % 5));
    switch (rng() % 12) {
      case 0: v = std::numeric_limits<double>::quiet_NaN(); break;
      case 1: v = (rng() % 2 ? 1 : -1) * std::numeric_limits<double>::infinity(); break;
      case 2:
        if (!e.empty()) v = e[rng() % e.size()];  // on an edge
        break;
      case 3:
        if (!e.empty()) v = std::nextafter(e[rng() % e.size()], rng() % 2 ? 1e300 : -1e300);
        break;
      default: break;
    }
    row[k++] = v;
  }
  return row;
}


}  // namespace

TEST_CASE("observe_row equals the per-value loop bit for bit, at every level", "[simd][row][monitor]") {
  level_guard g;
  for (std::size_t f : {1u, 5u, 100u, 300u}) {
    std::mt19937_64 rng(100 + f);
    const auto proto = make_monitor(f, rng);
    for (int l = 0; l <= static_cast<int>(driftwatch::simd_supported()); ++l) {
      driftwatch::set_simd_target(static_cast<simd_level>(l));
      INFO("level " << driftwatch::simd_level_name(static_cast<simd_level>(l)) << ", f " << f);
      driftwatch::drift_monitor by_row = proto, by_value = proto;
      for (int r = 0; r < 200; ++r) {
        const auto row = make_row(proto, f, rng);
        by_row.observe_row(row);
        std::size_t k = 0;
        for (std::size_t id = 0; id < by_value.size(); ++id)
          if (by_value.kind(id) == driftwatch::feature_kind::numeric) by_value.observe(id, row[k++]);
      }
      check_same_monitor(by_row, by_value);
    }
  }
}

TEST_CASE("observe_row checks the row length and works after a copy", "[simd][row][monitor]") {
  std::mt19937_64 rng(2);
  auto m = make_monitor(10, rng);
  std::vector<double> short_row(9, 0.0);
  CHECK_THROWS_WITH(m.observe_row(short_row), driftwatch_test::contains("has 9 values but the monitor has 10"));
  // Copies carry the layout; assignment from a monitor with other edges replaces it.
  auto other = make_monitor(10, rng);
  driftwatch::drift_monitor a = m;
  a = other;
  driftwatch::drift_monitor b = other;
  for (int r = 0; r < 50; ++r) {
    const auto row = make_row(other, 10, rng);
    a.observe_row(row);
    std::size_t k = 0;
    for (std::size_t id = 0; id < b.size(); ++id)
      if (b.kind(id) == driftwatch::feature_kind::numeric) b.observe(id, row[k++]);
  }
  check_same_monitor(a, b);
}

TEST_CASE("observe_row through concurrent<drift_monitor> equals the per-value loop", "[simd][row][concurrent]") {
  std::mt19937_64 rng(8);
  const auto proto = make_monitor(64, rng);
  driftwatch::concurrent<driftwatch::drift_monitor> c(proto, 4);
  // The per-value loop through concurrent<> too: its shards are compact (no
  // raw sample, so a Wasserstein estimate with its bound), the same for both.
  driftwatch::concurrent<driftwatch::drift_monitor> by_value(proto, 4);
  auto w = c.writer();
  for (int r = 0; r < 300; ++r) {
    const auto row = make_row(proto, 64, rng);
    if (r % 2)
      c.observe_row(row);
    else
      w.observe_row(driftwatch::span<const double>(row));
    std::size_t k = 0;
    for (std::size_t id = 0; id < proto.size(); ++id)
      if (proto.kind(id) == driftwatch::feature_kind::numeric) by_value.observe(id, row[k++]);
  }
  // c's rows went to two shards (the thread's and the writer's), by_value's
  // values to one: the same merged state, not the same bytes.
  check_same_monitor(c.snapshot(), by_value.snapshot(), /*same_bytes=*/false);
}
