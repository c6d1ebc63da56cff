// drift_monitor at scale and at the extremes of double (issue 11): exact KS
// and bounded Wasserstein-1 on windows of more than 2^20 values, compact
// concurrent<> shards, per-feature settings, version-1 states, and edges /
// Wasserstein for references spanning more than DBL_MAX. Expected values from
// tests/reference/gen_monitor_reference.py (SciPy/NumPy). Cost: ~1 s.
#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/metrics/wasserstein.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;

namespace {
std::vector<driftwatch_test::reference_case> cases(const std::string& kind) {
  std::vector<driftwatch_test::reference_case> out;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("monitor_cases.txt")))
    if (c.word("kind") == kind) out.push_back(c);
  return out;
}
std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}
std::vector<double> bell(std::uint64_t seed, std::size_t n, double mean, double sd) {
  return driftwatch_test::generate("bell", seed, n, mean, sd);
}
}  // namespace

TEST_CASE("KS and Wasserstein-1 over more than 2^20 values with a shifted tail equal SciPy's", "[monitor][scale]") {
  const auto all = cases("window");
  REQUIRE(all.size() == 2);
  for (const auto& c : all) {
    INFO("case " << c.name);
    const auto ref = c.numbers("ref");
    const auto head = c.numbers("cur_head");
    const auto tail = c.numbers("cur_tail");
    REQUIRE(head.size() + tail.size() > (std::size_t{1} << 20));
    drift_monitor m;
    const auto x = m.add_numeric("x", ref);
    for (double v : head) m.observe(x, v);
    for (double v : tail) m.observe(x, v);
    const auto r = m.report().at(0);
    CHECK(r.n_current == head.size() + tail.size());
    CHECK(r.ks.n_current == head.size() + tail.size());  // every value, no cap
    CHECK_FALSE(r.current_sample_truncated);
    CHECK(r.ks_exact);
    // ks_2samp's statistic and p-value (method 'auto' -> asymptotic here).
    CHECK(r.ks.statistic == Approx(c.number("statistic")).epsilon(1e-14));
    const double p = c.number("pvalue");
    if (p == 0.0)
      CHECK(r.ks.pvalue == 0.0);
    else
      CHECK(r.ks.pvalue == Approx(p).epsilon(1e-9));
    // W1 from bounded state: within the reported bound of SciPy's value, and
    // the bound is small for a 10,000-value reference of sd 1.
    const double w1 = c.number("wasserstein");
    CHECK_FALSE(r.wasserstein_exact);
    CHECK(r.wasserstein.valid());
    CHECK(std::fabs(r.wasserstein.value - w1) <= r.wasserstein_error_bound * (1 + 1e-9) + 1e-12);
    CHECK(r.wasserstein_error_bound > 0);
    CHECK(r.wasserstein_error_bound < 0.015 * w1);  // 1.3% and 0.22% here
    // Observing head and tail in two monitors and merging gives the same.
    drift_monitor a, b;
    a.add_numeric("x", ref);
    b.add_numeric("x", ref);
    for (double v : head) a.observe(0, v);
    for (double v : tail) b.observe(0, v);
    a += b;
    const auto rm = a.report().at(0);
    CHECK(bits(rm.ks.statistic) == bits(r.ks.statistic));
    CHECK(bits(rm.ks.pvalue) == bits(r.ks.pvalue));
    CHECK(rm.wasserstein.value == Approx(r.wasserstein.value).epsilon(1e-12));
  }
}

TEST_CASE("small windows keep SciPy's Wasserstein-1 bit for bit; larger ones switch to the bound", "[monitor]") {
  const auto ref = bell(1, 500, 0, 1);
  const auto cur = bell(2, 3000, 0.3, 1);
  monitor_config cfg;
  cfg.exact_wasserstein_samples = 1000;
  drift_monitor m(cfg);
  m.add_numeric("x", ref);
  for (std::size_t i = 0; i < 1000; ++i) m.observe(0, cur[i]);
  auto r = m.report().at(0);
  const std::vector<double> first(cur.begin(), cur.begin() + 1000);
  CHECK(r.wasserstein_exact);
  CHECK(r.wasserstein_error_bound == 0);
  CHECK(bits(r.wasserstein.value) == bits(wasserstein(ref, first).value));
  CHECK(bits(r.ks.statistic_location) == bits(ks_test(ref, first).statistic_location));
  m.observe(0, cur[1000]);
  r = m.report().at(0);
  const std::vector<double> more(cur.begin(), cur.begin() + 1001);
  CHECK_FALSE(r.wasserstein_exact);
  CHECK(std::fabs(r.wasserstein.value - wasserstein(ref, more).value) <= r.wasserstein_error_bound);
  CHECK(bits(r.ks.statistic) == bits(ks_test(ref, more).statistic));
  CHECK(bits(r.ks.pvalue) == bits(ks_test(ref, more).pvalue));
  m.reset_current();
  for (std::size_t i = 0; i < 10; ++i) m.observe(0, cur[i]);
  CHECK(m.report().at(0).wasserstein_exact);  // reset makes the raw sample complete again
}

TEST_CASE("concurrent<drift_monitor> with compact shards gives the exact KS of all observations", "[monitor][concurrent]") {
  const auto ref = bell(3, 2000, 0, 1);
  drift_monitor proto;
  proto.add_numeric("x", ref);
  proto.add_numeric("tied", std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  concurrent<drift_monitor> live(proto);
  drift_monitor whole = proto;
  std::vector<std::vector<double>> per_thread;
  for (int t = 0; t < 4; ++t) per_thread.push_back(bell(10 + t, 20000, 0.05 * t, 1));
  for (const auto& v : per_thread)
    for (double x : v) {
      whole.observe(0, x);
      whole.observe(1, std::floor(std::fabs(x) * 3));
    }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&live, &per_thread, t] {
      for (double x : per_thread[t]) {
        live.observe(0, x);
        live.observe(1, std::floor(std::fabs(x) * 3));
      }
    });
  const drift_monitor mid = live.snapshot();  // a drain while writers run: still exact at the end
  (void)mid;
  for (auto& th : threads) th.join();
  const auto rl = live.snapshot().report();
  const auto rw = whole.report();
  for (std::size_t f = 0; f < 2; ++f) {
    INFO("feature " << f);
    CHECK(rl[f].n_current == rw[f].n_current);
    CHECK(bits(rl[f].ks.statistic) == bits(rw[f].ks.statistic));
    CHECK(bits(rl[f].ks.pvalue) == bits(rw[f].ks.pvalue));
    CHECK(rl[f].ks_exact);
    CHECK(std::fabs(rl[f].wasserstein.value - rw[f].wasserstein.value) <=
          rl[f].wasserstein_error_bound + rw[f].wasserstein_error_bound + 1e-12);
  }
}

TEST_CASE("compact counters carry past 65,535 exactly, and an overflowing carry table is reported with a bound",
          "[monitor][concurrent]") {
  drift_monitor m;
  std::vector<double> ref;
  for (int i = 0; i < 20; ++i) ref.push_back(i);
  m.add_numeric("x", ref);
  drift_monitor shard = m.compact_copy();
  drift_monitor wide = m;
  for (int i = 0; i < 70000; ++i) {  // slot of value 3 wraps once; carried exactly
    shard.observe(0, 3.0);
    wide.observe(0, 3.0);
  }
  drift_monitor total = m;
  total += shard;
  CHECK(bits(total.report()[0].ks.statistic) == bits(wide.report()[0].ks.statistic));
  CHECK(total.report()[0].ks_exact);
  // Ten slots wrap: eight are carried, two are not (placed nowhere, bounded).
  drift_monitor crowded = m.compact_copy();
  for (int v = 0; v < 10; ++v)
    for (int i = 0; i < 65536; ++i) crowded.observe(0, static_cast<double>(v));
  total = m;
  total += crowded;
  const auto r = total.report().at(0);
  CHECK_FALSE(r.ks_exact);
  CHECK(r.ks_statistic_error_bound == Approx(2.0 / 10.0));
  CHECK(r.n_current == 655360);
}

TEST_CASE("per-feature settings: kind, bins, binning, thresholds, exclusion", "[monitor][config]") {
  monitor_config cfg;
  feature_config strict;
  strict.thresholds = drift_thresholds{0.01, 0.01, 0.5, 0.5};
  strict.bins = 4;
  strict.method = binning::uniform;
  cfg.features["strict"] = strict;
  feature_config id_column;
  id_column.exclude = true;
  cfg.features["id"] = id_column;
  feature_config cat;
  cat.kind = feature_kind::categorical;
  cfg.features["country"] = cat;
  cfg.features["nowhere"] = feature_config{};
  cfg.pvalue_correction = correction::bonferroni;
  drift_monitor m(cfg);
  const auto ref = bell(5, 1000, 0, 1);
  const auto s = m.add_numeric("strict", ref);
  const auto plain = m.add_numeric("plain", ref);
  const auto id = m.add_numeric("id", ref);
  CHECK_THROWS_WITH(m.add_numeric("country", ref), driftwatch_test::contains("'country' is configured as categorical"));
  CHECK(m.reference_histogram(s).edges().kind() == binning::uniform);
  CHECK(m.reference_histogram(s).edges().bin_count() == 4);
  CHECK(m.reference_histogram(plain).edges().bin_count() == 10);
  CHECK(m.thresholds(s).psi == 0.01);
  CHECK(m.thresholds(plain).psi == 0.2);
  CHECK(m.excluded(id));
  const auto cur = bell(6, 1000, 0.08, 1);
  for (double v : cur) {
    m.observe(s, v);
    m.observe(plain, v);
    m.observe(id, v + 5);  // wildly different, but excluded
  }
  const auto r = m.report();
  INFO("strict psi " << r[s].psi.value << " plain p " << r[plain].ks.pvalue);
  CHECK(r[s].drift);          // strict thresholds
  CHECK_FALSE(r[plain].drift);  // the same data under the defaults
  CHECK(r[id].excluded);
  CHECK_FALSE(r[id].drift);
  CHECK(std::isnan(r[id].adjusted_pvalue));  // not in the correction
  // Bonferroni over the two non-excluded features only.
  CHECK(r[plain].adjusted_pvalue == Approx(std::min(1.0, 2 * r[plain].ks.pvalue)));
  const auto unused = m.unused_feature_configs();
  CHECK(unused == std::vector<std::string>{"country", "nowhere"});
  // Per-feature settings survive serialization.
  const drift_monitor back = deserialize<drift_monitor>(serialize(m));
  CHECK(back.thresholds(s).psi == 0.01);
  CHECK(back.excluded(id));
}

TEST_CASE("a version-1 drift_monitor state (raw current samples) still loads", "[monitor][serialization]") {
  // The layout the base release wrote (docs/concurrency.md), built by hand:
  // one numeric feature, reference {1, 2, 3}, current sample {2.5, 0.5}.
  std::vector<std::uint8_t> p;
  auto u8 = [&](unsigned v) { p.push_back(static_cast<std::uint8_t>(v)); };
  auto u64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<unsigned>((v >> (8 * i)) & 0xFF));
  };
  auto f64 = [&](double v) { u64(bits(v)); };
  auto str = [&](const std::string& s) {
    u64(s.size());
    for (char ch : s) u8(static_cast<unsigned char>(ch));
  };
  u64(2);    // bins
  u8(2);     // method: explicit
  f64(1e-4);  // psi_epsilon
  f64(2.0);  // js_base
  f64(0.2), f64(0.1), f64(0.05), f64(0.05);
  u8(0);       // correction
  u64(1000);   // max_current_samples
  u64(1);      // features
  str("x");
  u8(0);  // numeric
  u64(0), u64(0);
  auto hist = [&](std::uint64_t a, std::uint64_t b) {
    u8(2), u64(1), f64(2.0), u64(2), u64(a), u64(b), u64(0);
  };
  hist(2, 1);  // reference {1, 2 | 3}
  hist(1, 1);  // current {0.5 | 2.5}
  u64(3), f64(1), f64(2), f64(3);
  u64(2), f64(2.5), f64(0.5);
  u8(0);  // not truncated
  std::vector<std::uint8_t> b = {'D', 'W', 'S', 'T', 1, 0, 7, 0};
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(p.size() >> (8 * i)));
  b.insert(b.end(), p.begin(), p.end());
  const std::uint32_t crc = detail::crc32(b.data(), b.size());
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  const drift_monitor m = deserialize<drift_monitor>(b);
  const auto r = m.report().at(0);
  const std::vector<double> ref = {1, 2, 3}, cur = {2.5, 0.5};
  CHECK(r.n_current == 2);
  CHECK(bits(r.ks.statistic) == bits(ks_test(ref, cur).statistic));
  CHECK(bits(r.wasserstein.value) == bits(wasserstein(ref, cur).value));
  CHECK(m.config().max_current_samples == 1000);
  // It is written back in the current layout, which round-trips.
  const auto v2 = serialize(m);
  CHECK(inspect_state(v2).version == drift_monitor::state_version);
  CHECK(serialize(deserialize<drift_monitor>(v2)) == v2);
}

TEST_CASE("edges of references spanning more than DBL_MAX follow the documented rule", "[bin_edges][extreme]") {
  for (const auto& c : cases("quantile")) {
    INFO("case " << c.name);
    const auto e = bin_edges::from_quantiles(c.numbers("ref"), static_cast<std::size_t>(c.number("bins"))).interior();
    const auto expected = c.numbers("edges");
    REQUIRE(e.size() == expected.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      CHECK(bits(e[i]) == bits(expected[i]));
      CHECK(std::isfinite(e[i]));
      if (i > 0) CHECK(e[i - 1] < e[i]);
    }
    for (double v : c.numbers("numpy_raw"))  // numpy's finite values are kept as they are
      if (std::isfinite(v)) CHECK(std::find(e.begin(), e.end(), v) != e.end());
  }
  for (const auto& c : cases("uniform")) {
    INFO("case " << c.name);
    const auto e = bin_edges::uniform(c.number("lo"), c.number("hi"), static_cast<std::size_t>(c.number("bins"))).interior();
    const auto expected = c.numbers("edges");
    REQUIRE(e.size() == expected.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      CHECK(bits(e[i]) == bits(expected[i]));
      if (i > 0) CHECK(e[i - 1] < e[i]);
    }
  }
}

TEST_CASE("Wasserstein-1 that overflows is +inf and valid, as SciPy", "[wasserstein][extreme]") {
  for (const auto& c : cases("wasserstein")) {
    INFO("case " << c.name);
    const auto w = wasserstein(c.numbers("ref"), c.numbers("cur"));
    CHECK(w.valid());
    CHECK(bits(w.value) == bits(c.number("wasserstein")));
    // The monitor agrees, from its raw sample and from its bounded state.
    for (std::size_t exact : {std::size_t{2048}, std::size_t{0}}) {
      monitor_config cfg;
      cfg.exact_wasserstein_samples = exact;
      drift_monitor m(cfg);
      m.add_numeric("x", c.numbers("ref"), bin_edges{});
      for (double v : c.numbers("cur")) m.observe(0, v);
      const auto r = m.report().at(0);
      CHECK(r.wasserstein.valid());
      if (std::isinf(c.number("wasserstein")))
        CHECK(r.wasserstein.value == std::numeric_limits<double>::infinity());
      else
        CHECK(std::fabs(r.wasserstein.value - c.number("wasserstein")) <= r.wasserstein_error_bound);
    }
  }
}

TEST_CASE("values waiting to be counted (observe's buffer) count in report, state and merge", "[monitor][pending]") {
  // observe() counts a feature's values into the exact-KS window in
  // batches; a window of any size, on either side of a batch boundary, gives
  // ks_test's D and p bit for bit, writes the state of a window counted one
  // value at a time (it reads back and goes on identically), and merges as
  // its read-back copy does. Cost: ~20 ms.
  const auto ref = bell(3, 500, 0, 1);
  const auto cur = bell(4, 300, 0.3, 1.2);
  monitor_config cfg;
  cfg.exact_wasserstein_samples = 0;  // no raw sample: KS from the slot counts alone
  for (std::size_t m : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{129},
                        std::size_t{300}}) {
    drift_monitor mon(cfg);
    mon.add_numeric("x", ref);
    const std::vector<double> window(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(m));
    for (double x : window) mon.observe(0, x);
    const auto r = mon.report().at(0);
    CHECK(bits(r.ks.statistic) == bits(ks_test(ref, window).statistic));
    CHECK(bits(r.ks.pvalue) == bits(ks_test(ref, window).pvalue));
    drift_monitor back = deserialize<drift_monitor>(serialize(mon));
    CHECK(serialize(back) == serialize(mon));
    drift_monitor a = mon, b = back;
    for (std::size_t i = 0; i < 100; ++i) {
      mon.observe(0, cur[(i * 7) % cur.size()]);
      back.observe(0, cur[(i * 7) % cur.size()]);
    }
    CHECK(serialize(back) == serialize(mon));
    a += mon;  // both sides with values pending
    b += back;
    CHECK(serialize(a) == serialize(b));
    CHECK(bits(a.report().at(0).ks.pvalue) == bits(b.report().at(0).ks.pvalue));
    CHECK(bits(a.report().at(0).wasserstein.value) == bits(b.report().at(0).wasserstein.value));
  }
}

// The search guide (numeric_reference_data: ~4 d buckets, 16 to a block of a
// 32-bit start and 4-bit counts; dense blocks searched whole) must give every value the slot of the plain binary search: at the
// reference values and their neighbours, at the bucket edges, in empty and
// crowded buckets, with ties, +-0, subnormals and spans near DBL_MAX.
// Cost: < 0.1 s.
TEST_CASE("the search guide gives the slots of the plain binary search", "[monitor][guide]") {
  auto expected_slot = [](const std::vector<double>& u, double x) {
    const std::size_t k = static_cast<std::size_t>(std::lower_bound(u.begin(), u.end(), x) - u.begin());
    return 2 * k + (k < u.size() && u[k] == x ? 1 : 0);
  };
  auto check = [&](std::vector<double> reference, bool guided) {
    std::sort(reference.begin(), reference.end());
    const auto ref = detail::numeric_reference_data::from_sorted(reference);
    CHECK((ref->guide_buckets != 0) == guided);
    const std::vector<double>& u = ref->distinct;
    std::vector<double> probes = {0.0, -0.0, std::numeric_limits<double>::denorm_min(),
                                  -std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(),
                                  std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()};
    for (double v : u)
      for (double p : {v, std::nextafter(v, -INFINITY), std::nextafter(v, INFINITY), -v}) probes.push_back(p);
    for (std::size_t k = 0; k + 1 < u.size(); ++k) probes.push_back(u[k] / 2 + u[k + 1] / 2);
    if (guided)
      for (std::size_t b = 0; b <= ref->guide_buckets; ++b) {
        const double edge = ref->guide_origin + static_cast<double>(b) / ref->guide_scale;
        for (double p : {edge, std::nextafter(edge, -INFINITY), std::nextafter(edge, INFINITY)}) probes.push_back(p);
      }
    std::size_t wrong = 0;
    for (double p : probes)
      if (std::isfinite(p) && ref->slot(p) != expected_slot(u, p)) ++wrong;
    // The batched form, 64 at a time as observe's flush calls it.
    std::vector<double> finite;
    for (double p : probes)
      if (std::isfinite(p)) finite.push_back(p);
    for (std::size_t at = 0; at < finite.size(); at += 64) {
      const std::size_t m = std::min<std::size_t>(64, finite.size() - at);
      std::size_t s[64];
      ref->slots(finite.data() + at, m, s, [](std::size_t) {});
      for (std::size_t i = 0; i < m; ++i) wrong += s[i] != expected_slot(u, finite[at + i]) ? 1 : 0;
    }
    CHECK(wrong == 0);
  };
  std::vector<double> smooth = bell(11, 3000, 0.0, 1.0);
  check(smooth, true);
  std::vector<double> ties = smooth;  // a grid of 0.05: ~200 distinct values, many repeated
  for (double& x : ties) x = std::round(x * 20) / 20;
  check(ties, true);
  std::vector<double> zeros = smooth;  // -0.0 and +0.0 are one reference value
  for (std::size_t i = 0; i < 200; ++i) zeros[i] = i % 2 ? 0.0 : -0.0;
  check(zeros, true);
  std::vector<double> subnormal;  // a span of subnormals: the guide's scale overflows, binary search
  for (int i = 1; i <= 100; ++i) subnormal.push_back(i * std::numeric_limits<double>::denorm_min());
  check(subnormal, false);
  std::vector<double> tiny;  // normal values around 0 with subnormals among them
  for (int i = -100; i <= 100; ++i) tiny.push_back(i * 1e-300);
  for (int i = 1; i <= 50; ++i) tiny.push_back(i * std::numeric_limits<double>::denorm_min());
  check(tiny, true);
  std::vector<double> wide;  // a span just below DBL_MAX, and one beyond it (no guide)
  for (int i = 0; i < 500; ++i) wide.push_back((i - 250) * 3.5e305);
  check(wide, true);
  for (int i = 0; i < 500; ++i) wide[i] = (i - 250) * 7e305;
  check(wide, false);
  std::vector<double> spike = smooth;  // 70,000 values within 1e-9 and two far away: dense blocks
  for (int i = 0; i < 70000; ++i) spike.push_back(1e-9 * i / 70000);
  spike.push_back(-1e6);
  spike.push_back(1e6);
  check(spike, true);
  std::vector<double> clumps = smooth;  // buckets of exactly 14, 15 and 16 values (the 4-bit limit)
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 14 + c; ++i) clumps.push_back(0.5 * c + 1e-12 * i);
  check(clumps, true);
  std::vector<double> few = {1, 2, 3};  // fewer than 64 distinct values: binary search
  check(few, false);
}

TEST_CASE("a full pending buffer is counted in sorted order with the tails in arrival order", "[monitor][pending]") {
  // observe() counts a feature's values 256 at a time in batches of 64
  // (fewer than 4,096 distinct reference values), or 512 at a time in
  // batches of 64 whose stages interleave, ordered by a coarse key so that
  // the guide, the distinct values and the
  // counters are read in ascending address order; the values below u_0 or
  // above u_{d-1} add to the order-dependent tail sums in arrival order
  // first. Windows on either side of a buffer and a batch boundary, with
  // ties at reference values and u_0 and both tails, against a reference
  // counted in arrival order (2,000 values) and one counted sorted (5,000),
  // give ks_test's D and p bit for bit, and the same W1 bits as the same
  // values counted one at a time (merged in one by one). Cost: ~80 ms.
  for (std::size_t ref_size : {std::size_t{2000}, std::size_t{5000}}) {
    const auto ref = bell(5, ref_size, 0, 1);
    auto cur = bell(6, 1600, 0.2, 1.6);  // ~15% beyond the reference's range
    for (std::size_t i = 0; i < cur.size(); i += 9) cur[i] = ref[(i * 13) % ref.size()];  // ties
    const double lowest = *std::min_element(ref.begin(), ref.end());
    for (std::size_t i = 5; i < cur.size(); i += 97) cur[i] = lowest;  // slot 1
    monitor_config cfg;
    cfg.exact_wasserstein_samples = 0;  // KS and W1 from the slot counts and tail sums alone
    for (std::size_t m : {std::size_t{63}, std::size_t{255}, std::size_t{256}, std::size_t{257}, std::size_t{511},
                          std::size_t{512}, std::size_t{513},
                          std::size_t{1025}, std::size_t{1600}}) {
      CAPTURE(ref_size, m);
      drift_monitor batched(cfg);
      batched.add_numeric("x", ref);
      drift_monitor single = batched;  // empty copies sharing the reference
      const drift_monitor empty = batched;
      const std::vector<double> window(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(m));
      for (double x : window) {
        batched.observe(0, x);
        drift_monitor one = empty;
        one.observe(0, x);
        single += one;  // counts x alone
      }
      const auto r = batched.report().at(0), s = single.report().at(0);
      CHECK(r.ks.n_current == m);
      CHECK(bits(r.ks.statistic) == bits(ks_test(ref, window).statistic));
      CHECK(bits(r.ks.pvalue) == bits(ks_test(ref, window).pvalue));
      CHECK(bits(r.ks.statistic) == bits(s.ks.statistic));
      CHECK(bits(r.wasserstein.value) == bits(s.wasserstein.value));
      CHECK(bits(r.wasserstein_error_bound) == bits(s.wasserstein_error_bound));
      CHECK(std::fabs(r.wasserstein.value - wasserstein(ref, window).value) <= r.wasserstein_error_bound * (1 + 1e-12));
    }
  }
}
