#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include <limits>
#include <type_traits>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

#include "counting_allocator.hpp"  // this executable counts every allocation

using namespace driftwatch;

// drift_monitor is a class template only so that a translation unit compiles
// the members it calls (monitor.hpp). Instantiate every member here, so that
// one a test never calls still has to compile.
template class driftwatch::basic_drift_monitor<>;
static_assert(std::is_same<drift_monitor, basic_drift_monitor<void>>::value, "drift_monitor is basic_drift_monitor<>");

namespace {
std::vector<double> bell(std::uint64_t seed, std::size_t n, double mean, double sd) {
  return driftwatch_test::generate("bell", seed, n, mean, sd);
}
}  // namespace

TEST_CASE("the monitor's report equals the standalone metrics on the same data", "[monitor]") {
  const auto ref = bell(1, 3000, 0.0, 1.0);
  const auto cur = bell(2, 2000, 0.4, 1.0);
  drift_monitor m;
  const auto id = m.add_numeric("x", ref);
  for (double x : cur) m.observe(id, x);
  const auto r = m.report().at(0);
  const auto edges = bin_edges::from_quantiles(ref, 10);
  histogram hr(edges), hc(edges);
  hr.observe(ref);
  hc.observe(cur);
  CHECK(r.psi.value == psi(hr, hc).value);
  CHECK(r.js.distance.value == jensen_shannon(hr, hc).distance.value);
  CHECK(r.hellinger.value == hellinger(hr, hc).value);
  CHECK(r.ks.statistic == ks_test(ref, cur).statistic);
  CHECK(r.ks.pvalue == ks_test(ref, cur).pvalue);
  CHECK(r.wasserstein.value == wasserstein(ref, cur).value);
  CHECK(r.n_reference == 3000);
  CHECK(r.n_current == 2000);
  CHECK(r.drift);
  CHECK((r.reasons & drift_ks) != 0);
}

TEST_CASE("verdicts follow the documented default thresholds", "[monitor]") {
  drift_monitor m;
  const auto same = m.add_numeric("same", bell(3, 2000, 0.0, 1.0));
  const auto moved = m.add_numeric("moved", bell(4, 2000, 0.0, 1.0));
  const auto cat = m.add_categorical("cat", std::vector<std::string>(100, "a"));
  for (double x : bell(5, 2000, 0.0, 1.0)) m.observe(same, x);
  for (double x : bell(6, 2000, 3.0, 1.0)) m.observe(moved, x);
  for (int i = 0; i < 100; ++i) m.observe(cat, i % 2 ? "a" : "b");
  const auto r = m.report();
  CHECK(m.config().thresholds.psi == 0.2);
  CHECK(m.config().thresholds.js_distance == 0.1);
  CHECK(m.config().thresholds.ks_pvalue == 0.05);
  CHECK_FALSE(r[0].drift);
  CHECK(r[1].drift);
  CHECK((r[1].reasons & (drift_psi | drift_js | drift_ks)) == (drift_psi | drift_js | drift_ks));
  CHECK(r[2].drift);
  CHECK((r[2].reasons & drift_chi2) != 0);
  CHECK(r[2].chi2.dof == 1);  // "b" was unseen in the reference: kept, not dropped
}

TEST_CASE("thresholds and p-value corrections are configurable", "[monitor]") {
  monitor_config config;
  config.thresholds.psi = 1e9;
  config.thresholds.js_distance = 1e9;
  config.pvalue_correction = correction::bonferroni;
  drift_monitor m(config);
  std::vector<drift_monitor::feature_id> ids;
  for (int f = 0; f < 4; ++f) ids.push_back(m.add_numeric("f" + std::to_string(f), bell(10 + f, 500, 0, 1)));
  for (int f = 0; f < 4; ++f)
    for (double x : bell(20 + f, 500, f == 0 ? 0.25 : 0.0, 1)) m.observe(ids[f], x);
  const auto r = m.report();
  for (const auto& f : r) {
    CHECK(f.adjusted_pvalue == std::min(1.0, 4 * f.ks.pvalue));
    CHECK(f.drift == (f.adjusted_pvalue < 0.05));
    CHECK((f.reasons & ~unsigned(drift_ks)) == 0);
  }
}

TEST_CASE("an empty current window is invalid and never drifts", "[monitor]") {
  drift_monitor m;
  const auto id = m.add_numeric("x", bell(1, 100, 0, 1));
  m.observe(id, std::numeric_limits<double>::quiet_NaN());
  m.observe_missing(id, 2);
  const auto r = m.report().at(0);
  CHECK_FALSE(r.valid());
  CHECK_FALSE(r.drift);
  CHECK(r.n_invalid_current == 1);
  CHECK(r.n_missing_current == 2);
  CHECK_FALSE(r.psi.valid());
  CHECK(std::string(r.invalid_reason).find("current window") != std::string::npos);
}

TEST_CASE("monitor merge equals observing everything in one monitor", "[monitor][merge]") {
  const auto ref = bell(1, 1000, 0, 1);
  const auto cur = bell(2, 900, 0.2, 1.1);
  const std::vector<std::string> cats = {"a", "b", "c", "a", "d", "a"};
  auto make = [&] {
    drift_monitor m;
    m.add_numeric("x", ref);
    m.add_categorical("c", std::vector<std::string>{"a", "b", "c"});
    return m;
  };
  drift_monitor whole = make(), a = make(), b = make();
  for (std::size_t i = 0; i < cur.size(); ++i) {
    whole.observe(0, cur[i]);
    (i < 400 ? a : b).observe(0, cur[i]);
  }
  for (std::size_t i = 0; i < cats.size(); ++i) {
    whole.observe(1, cats[i]);
    (i < 2 ? a : b).observe(1, cats[i]);
  }
  a += b;
  const auto rw = whole.report(), ra = a.report();
  for (std::size_t f = 0; f < 2; ++f) {
    CHECK(ra[f].psi.value == rw[f].psi.value);
    CHECK(ra[f].js.distance.value == rw[f].js.distance.value);
    CHECK(ra[f].n_current == rw[f].n_current);
  }
  CHECK(ra[0].ks.statistic == rw[0].ks.statistic);
  CHECK(ra[0].ks.pvalue == rw[0].ks.pvalue);
  CHECK(ra[0].wasserstein.value == rw[0].wasserstein.value);
  CHECK(ra[1].chi2.statistic == rw[1].chi2.statistic);
  CHECK(a.current_histogram(0) == whole.current_histogram(0));

  drift_monitor other;
  other.add_numeric("x", bell(9, 1000, 0, 1));
  other.add_categorical("c", std::vector<std::string>{"a"});
  CHECK_THROWS_WITH(a += other, driftwatch_test::contains("feature 'x' has a different reference"));
  drift_monitor fewer;
  CHECK_THROWS_WITH(a += fewer, driftwatch_test::contains("different numbers of features (2 vs 0)"));
}

TEST_CASE("observe allocates nothing (numeric values, known categories)", "[monitor][allocation]") {
  monitor_config config;
  config.max_current_samples = 1000;
  drift_monitor m(config);
  const auto x = m.add_numeric("x", bell(1, 1000, 0, 1));
  const auto c = m.add_categorical("c", std::vector<std::string>{"mobile", "desktop", "a-category-name-longer-than-sso"});
  const auto values = bell(2, 5000, 0, 1);  // more than max_current_samples: the overflow path too
  const long before = driftwatch_test::allocation_count();
  for (double v : values) m.observe(x, v);
  for (int i = 0; i < 5000; ++i) m.observe(c, i % 3 == 0 ? "mobile" : "a-category-name-longer-than-sso");
  m.observe_missing(x);
  m.reset();
  const long after = driftwatch_test::allocation_count();
  CHECK(after - before == 0);
  const auto r = m.report();
  CHECK(r[0].current_sample_truncated == false);  // reset cleared it
}

TEST_CASE("values beyond max_current_samples still count in the histogram and are flagged", "[monitor]") {
  monitor_config config;
  config.max_current_samples = 10;
  drift_monitor m(config);
  const auto x = m.add_numeric("x", bell(1, 100, 0, 1));
  for (double v : bell(2, 50, 0, 1)) m.observe(x, v);
  const auto r = m.report().at(0);
  CHECK(r.n_current == 50);
  CHECK(r.ks.n_current == 10);
  CHECK(r.current_sample_truncated);
}

TEST_CASE("monitor configuration errors throw driftwatch::error", "[monitor][errors]") {
  monitor_config bad;
  bad.bins = 0;
  CHECK_THROWS_WITH(drift_monitor(bad), driftwatch_test::contains("bins must be at least 1"));
  drift_monitor m;
  m.add_numeric("x", std::vector<double>{1, 2, 3});
  CHECK_THROWS_WITH(m.add_numeric("x", std::vector<double>{1}), driftwatch_test::contains("'x' already exists"));
  CHECK_THROWS_WITH(m.add_numeric("y", std::vector<double>{std::nan("")}), driftwatch_test::contains("no finite value"));
  CHECK_THROWS_WITH(m.add_categorical("z", std::vector<std::string>{}), driftwatch_test::contains("'z' has no value"));
  CHECK_THROWS_WITH(m.find("nope"), driftwatch_test::contains("no feature named 'nope'"));
  CHECK_THROWS_WITH(m.reference_categories(0), driftwatch_test::contains("is numeric"));
}

TEST_CASE("observe(id, values) equals observe(id, x) per value", "[monitor]") {
  // The span overload bins through the histogram's SIMD kernel and counts the
  // window in batches; its state is that of the per-value calls, byte for byte.
  const auto ref = bell(5, 800, 0, 1);
  auto cur = bell(6, 1000, 0.2, 1.3);
  cur[10] = std::numeric_limits<double>::quiet_NaN();
  cur[500] = std::numeric_limits<double>::infinity();
  monitor_config cfg;
  cfg.exact_wasserstein_samples = 100;
  drift_monitor one(cfg), many(cfg);
  one.add_numeric("x", ref);
  many.add_numeric("x", ref);
  for (double x : cur) one.observe(0, x);
  many.observe(0, span<const double>(cur.data(), 400));
  many.observe(0, span<const double>(cur.data() + 400, cur.size() - 400));
  CHECK(serialize(many) == serialize(one));
  CHECK(many.report().at(0).n_invalid_current == 2);
}
