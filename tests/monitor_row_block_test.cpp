// drift_monitor::observe_row's row block (monitor.hpp, row_block): rows wait
// in a block of row_block_rows rows and are drained feature by feature; every
// reader must see them as if each value had been observed by observe(id, x),
// bit for bit. Each case drives a monitor by rows and a twin by the per-value
// loop, at every SIMD level this CPU supports, and compares their serialized
// states byte for byte (window slot counts, tail sums, lowest / highest, raw
// sample, truncation), their reports (memcmp of every metric), current
// histograms and invalid counts: across block boundaries (R - 1, R, R + 1
// rows), interleaved with per-value observes, span observes, reports,
// serialization, copies, reset, += on either side, absorb, the window cap
// and the raw-sample limit crossed inside a block, non-finite values, signed
// zeros, references with and without a search guide (ties, dense guide
// blocks); through concurrent<drift_monitor>; after deserialize; and with no
// allocation on the row path. Cost: ~3 s (dev build; mostly serializing the
// states it compares).
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "monitor_compare.hpp"
#include "test_support.hpp"

#include "counting_allocator.hpp"  // this executable counts every allocation

namespace {

using driftwatch::drift_monitor;
using driftwatch::simd_level;

constexpr std::size_t R = 1024;  // drift_monitor's row_block_rows

struct level_guard {
  simd_level was = driftwatch::simd_target();
  ~level_guard() { driftwatch::set_simd_target(was); }
};

/// f numeric features of assorted references -- continuous (a search guide),
/// tied (rounded), few distinct values (no guide: < 64), clustered (dense
/// guide blocks), holding 0 (signed zeros), > 17 bins -- and a categorical
/// feature (not part of rows).
drift_monitor make_monitor(std::size_t f, std::mt19937_64& rng, driftwatch::monitor_config config = {}) {
  drift_monitor m(config);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t j = 0; j < f; ++j) {
    // 10,001 values: KS takes the asymptotic p-value (the exact one costs
    // O(n m) per report and is not what this file tests); the distinct values
    // d vary: ~10,000 (the sorted counting of observe's buffer), a few
    // hundred (tied), 2,000 (repeated), 40 (no guide).
    std::vector<double> ref(10001);
    for (auto& v : ref) v = normal(rng) * (1 + static_cast<double>(j % 5));
    switch (j % 6) {
      case 5:
        for (std::size_t i = 2000; i < ref.size(); ++i) ref[i] = ref[i % 2000];
        break;
      case 2:  // 40 distinct values: no search guide (the plain binary search)
        for (std::size_t i = 0; i < ref.size(); ++i) ref[i] = static_cast<double>(i % 40) / 8 - 2.5;
        break;
      case 1:
        for (auto& v : ref) v = std::round(v * 4) / 4;  // ties
        break;
      case 3:  // most values in a sliver, a few far out: dense guide blocks
        for (std::size_t i = 0; i < ref.size(); ++i) ref[i] = i % 50 == 0 ? normal(rng) * 100 : 1 + normal(rng) * 1e-6;
        break;
      case 4:
        ref[0] = 0.0;
        ref[1] = -0.0;
        break;
      default: break;
    }
    if (j % 7 == 5)
      m.add_numeric("u" + std::to_string(j), ref, driftwatch::bin_edges::uniform(-3.0, 3.0, 40));  // > 17 bins
    else
      m.add_numeric("q" + std::to_string(j), ref);
    if (j == f / 2) m.add_categorical("color", std::vector<std::string>{"red", "blue"});
  }
  return m;
}

/// Non-finite values only in every fourth feature, so that the others' columns
/// take the drain's all-finite path; values beyond the reference (the tail
/// sums, whose order matters); signed zeros, and features whose window's
/// lowest value is a zero (k % 6 == 4: no negative value).
std::vector<double> make_row(std::size_t f, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.3, 1.4);
  std::vector<double> row(f);
  for (std::size_t k = 0; k < f; ++k) {
    double v = normal(rng) * (1 + static_cast<double>(k % 5));
    if (k % 6 == 1) v = std::round(v * 4) / 4;  // on the tied reference's values
    if (k % 6 == 3) v = rng() % 3 == 0 ? 1 + normal(rng) * 1e-6 : v;
    if (k % 6 == 4) v = rng() % 3 == 0 ? (rng() % 2 ? 0.0 : -0.0) : std::fabs(v);
    switch (rng() % 40) {
      case 0:
        if (k % 4 == 0) v = std::numeric_limits<double>::quiet_NaN();
        break;
      case 1:
        if (k % 4 == 0) v = (rng() % 2 ? 1 : -1) * std::numeric_limits<double>::infinity();
        break;
      case 2: v = rng() % 2 ? 0.0 : -0.0; break;
      case 3: v = (rng() % 2 || k % 6 == 4 ? 1 : -1) * (1e6 + normal(rng) * 1e3); break;  // beyond the reference
      default: break;
    }
    row[k] = v;
  }
  return row;
}

/// The per-value loop observe_row replaces.
void observe_by_value(drift_monitor& m, const std::vector<double>& row) {
  std::size_t k = 0;
  for (std::size_t id = 0; id < m.size(); ++id)
    if (m.kind(id) == driftwatch::feature_kind::numeric) m.observe(id, row[k++]);
}


/// Runs `body` at every SIMD level this CPU supports that has its own drain
/// kernels (AVX2, AVX-512) and at the scalar level; SSE2 drains as scalar
/// does (its histogram kernel is tested in simd_binning_test).
void at_every_level(const std::function<void()>& body) {
  level_guard g;
  for (int l = 0; l <= static_cast<int>(driftwatch::simd_supported()); ++l) {
    if (static_cast<simd_level>(l) == simd_level::sse2) continue;
    driftwatch::set_simd_target(static_cast<simd_level>(l));
    INFO("level " << driftwatch::simd_level_name(static_cast<simd_level>(l)));
    body();
  }
}

}  // namespace

TEST_CASE("observe_row equals the per-value loop across block boundaries", "[monitor][row]") {
  at_every_level([] {
    for (std::size_t rows : {R - 1, R, R + 1}) {
      INFO(rows << " rows");
      std::mt19937_64 rng(rows);
      const std::size_t f = 19;  // two full tiles of 8 features and a partial one
      const drift_monitor proto = make_monitor(f, rng);
      drift_monitor by_row = proto, by_value = proto;
      for (std::size_t r = 0; r < rows; ++r) {
        const auto row = make_row(f, rng);
        by_row.observe_row(row);
        observe_by_value(by_value, row);
      }
      check_same_monitor(by_row, by_value);  // rows still in the block: the readers count them
      // A reader changes nothing: more rows after it still agree.
      for (std::size_t r = 0; r < R / 2; ++r) {
        const auto row = make_row(f, rng);
        by_row.observe_row(row);
        observe_by_value(by_value, row);
      }
      check_same_monitor(by_row, by_value);
    }
  });
}

TEST_CASE("observe_row interleaved with per-value observes, copies, reset, += and absorb", "[monitor][row]") {
  at_every_level([] {
    std::mt19937_64 rng(7);
    const std::size_t f = 16;
    const drift_monitor proto = make_monitor(f, rng);
    drift_monitor by_row = proto, by_value = proto;
    auto rows = [&](drift_monitor& a, drift_monitor& b, std::size_t n) {
      for (std::size_t r = 0; r < n; ++r) {
        const auto row = make_row(f, rng);
        a.observe_row(row);
        observe_by_value(b, row);
      }
    };
    rows(by_row, by_value, 300);
    // A single value and a span into the same features: the rows come first.
    by_row.observe(0, 0.25);
    by_value.observe(0, 0.25);
    const std::vector<double> values{1.0, -2.0, std::nan(""), 3.5, 1e7};
    by_row.observe(3, driftwatch::span<const double>(values));
    by_value.observe(3, driftwatch::span<const double>(values));
    // Values beyond the reference waiting in every feature's pending buffer
    // when the next drain counts the block's: their tail-sum terms come first.
    for (std::size_t id = 0; id < proto.size(); ++id)
      for (int i = 0; i < 7; ++i) {
        const double v = (i % 2 ? -1 : 1) * (3e5 + 0.37 * i * i + static_cast<double>(id));
        by_row.observe(id, v);
        by_value.observe(id, v);
      }
    rows(by_row, by_value, R);  // crosses a drain with per-value state pending
    check_same_monitor(by_row, by_value);

    // A copy with rows waiting goes on like the original.
    drift_monitor copy = by_row;
    drift_monitor copy_value = by_value;
    rows(copy, copy_value, 700);
    check_same_monitor(copy, copy_value);
    drift_monitor assigned = proto;
    assigned = copy;
    check_same_monitor(assigned, copy_value);

    // += with rows waiting on either side, and on both.
    drift_monitor other = proto, other_value = proto;
    rows(other, other_value, 500);
    by_row += other;  // the other side (const) has rows waiting
    by_value += other_value;
    check_same_monitor(by_row, by_value);
    rows(by_row, by_value, 200);
    by_row += other;  // both sides have rows waiting
    by_value += other_value;
    check_same_monitor(by_row, by_value);
    by_row += by_row;  // itself
    by_value += by_value;
    check_same_monitor(by_row, by_value);

    // absorb, as concurrent<> drains its shards: parts with rows waiting.
    drift_monitor p1 = proto, p2 = proto, v1 = proto, v2 = proto;
    rows(p1, v1, R + 10);
    rows(p2, v2, 33);
    drift_monitor* parts[] = {&p1, &p2};
    drift_monitor* parts_value[] = {&v1, &v2};
    by_row.absorb(parts, 2);
    by_value.absorb(parts_value, 2);
    check_same_monitor(by_row, by_value);
    check_same_monitor(p1, v1);  // emptied
    rows(p1, v1, 40);
    check_same_monitor(p1, v1);

    // reset drops the rows waiting with the window.
    rows(by_row, by_value, 100);
    by_row.reset();
    by_value.reset();
    check_same_monitor(by_row, by_value);
    rows(by_row, by_value, R + 1);
    check_same_monitor(by_row, by_value);
  });
}

TEST_CASE("observe_row honours the window cap and the raw-sample limit inside a block", "[monitor][row]") {
  at_every_level([] {
    for (std::size_t cap : {std::size_t{700}, R, R + 300}) {
      INFO("max_current_samples " << cap);
      std::mt19937_64 rng(cap);
      driftwatch::monitor_config config;
      config.max_current_samples = cap;
      config.exact_wasserstein_samples = 500;  // the raw sample fills inside the first block
      const std::size_t f = 9;
      const drift_monitor proto = make_monitor(f, rng, config);
      drift_monitor by_row = proto, by_value = proto;
      for (std::size_t r = 0; r < 2 * R + 5; ++r) {
        const auto row = make_row(f, rng);
        by_row.observe_row(row);
        observe_by_value(by_value, row);
        if (r == R - 2 || r == R + 1) check_same_monitor(by_row, by_value);
      }
      check_same_monitor(by_row, by_value);
      const auto report = by_row.report();
      CHECK(report[0].current_sample_truncated);
      CHECK(report[0].n_truncated_current > 0);
    }
  });
}

TEST_CASE("observe_row after serialize and deserialize, with rows waiting at serialize", "[monitor][row]") {
  at_every_level([] {
    std::mt19937_64 rng(21);
    const std::size_t f = 12;
    const drift_monitor proto = make_monitor(f, rng);
    drift_monitor by_row = proto, by_value = proto;
    for (std::size_t r = 0; r < R + 77; ++r) {
      const auto row = make_row(f, rng);
      by_row.observe_row(row);
      observe_by_value(by_value, row);
    }
    const auto bytes = driftwatch::serialize(by_row);
    CHECK((bytes == driftwatch::serialize(by_value)));
    auto loaded = driftwatch::deserialize<drift_monitor>(driftwatch::span<const std::uint8_t>(bytes));
    for (std::size_t r = 0; r < R + 5; ++r) {
      const auto row = make_row(f, rng);
      loaded.observe_row(row);
      observe_by_value(by_value, row);
    }
    check_same_monitor(loaded, by_value);
  });
}

TEST_CASE("observe_row through concurrent<drift_monitor> across block boundaries", "[monitor][row][concurrent]") {
  std::mt19937_64 rng(5);
  const std::size_t f = 20;
  const drift_monitor proto = make_monitor(f, rng);
  driftwatch::concurrent<drift_monitor> by_row(proto, 2), by_value(proto, 2);
  auto w = by_row.writer();
  auto wv = by_value.writer();
  for (std::size_t r = 0; r < 2 * R + 50; ++r) {
    const auto row = make_row(f, rng);
    if (r % 3)
      w.observe_row(driftwatch::span<const double>(row));
    else
      by_row.observe_row(row);
    // The same shard pattern on both sides (the writer's shard, the calling
    // thread's), so the snapshots merge the same parts in the same order.
    if (r % 3)
      wv.apply([&](drift_monitor& m) { observe_by_value(m, row); });
    else
      by_value.apply([&](drift_monitor& m) { observe_by_value(m, row); });
    if (r == R / 2 || r == R + 3) check_same_monitor(by_row.snapshot(), by_value.snapshot());  // drains mid-block
  }
  check_same_monitor(by_row.snapshot(), by_value.snapshot());
}

TEST_CASE("observe_row allocates nothing, across block drains", "[monitor][row][allocation]") {
  at_every_level([] {
    std::mt19937_64 rng(3);
    const std::size_t f = 17;
    drift_monitor m = make_monitor(f, rng);
    std::vector<std::vector<double>> rows;
    for (int r = 0; r < 64; ++r) rows.push_back(make_row(f, rng));
    const long before = driftwatch_test::allocation_count();
    for (std::size_t r = 0; r < 3 * R + 7; ++r) m.observe_row(rows[r % rows.size()]);
    m.observe(0, 1.5);  // drains the rows waiting
    for (std::size_t r = 0; r < 10; ++r) m.observe_row(rows[r]);
    m.reset();
    CHECK(driftwatch_test::allocation_count() == before);
  });
}

TEST_CASE("a monitor without numeric features takes empty rows", "[monitor][row]") {
  drift_monitor m;
  m.add_categorical("c", std::vector<std::string>{"a"});
  for (std::size_t r = 0; r < R + 1; ++r) m.observe_row(driftwatch::span<const double>());
  CHECK(m.report().size() == 1);
  std::vector<double> one{1.0};
  CHECK_THROWS(m.observe_row(driftwatch::span<const double>(one)));
}
