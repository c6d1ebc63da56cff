#include <driftwatch/metrics/divergence.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using driftwatch_test::close;

namespace {

// 1e-12 relative, as the acceptance asks; the absolute floor only matters for
// values that are 0 in exact arithmetic (identical inputs), where NumPy's and
// our summation orders leave different ~1e-17 residues.
constexpr double rel = 1e-12;
constexpr double abs_floor = 1e-15;

struct pair_of_histograms {
  histogram ref, cur;
};

pair_of_histograms numeric_from(const driftwatch_test::reference_case& c) {
  const auto ref = c.numbers("ref");
  const auto bins = static_cast<std::size_t>(c.number("bins"));
  const auto edges =
      c.word("binning") == "uniform" ? bin_edges::uniform(ref, bins) : bin_edges::from_quantiles(ref, bins);
  pair_of_histograms h{histogram(edges), histogram(edges)};
  h.ref.observe(ref);
  h.cur.observe(c.numbers("cur"));
  return h;
}

std::vector<std::string> categories(const driftwatch_test::reference_case& c, const std::string& key) {
  return c.words(key);
}

}  // namespace

TEST_CASE("PSI, Jensen-Shannon and Hellinger agree with NumPy/SciPy to 1e-12", "[divergence][reference]") {
  int numeric = 0, categorical = 0;
  double worst = 0;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    const auto kind = c.word("kind");
    if (kind == "pvalues") continue;
    INFO("case " << c.name);
    const double eps = c.number("epsilon"), base = c.number("base");
    metric_value p, h;
    js_result js;
    if (kind == "numeric") {
      auto hs = numeric_from(c);
      p = psi(hs.ref, hs.cur, eps);
      js = jensen_shannon(hs.ref, hs.cur, base);
      h = hellinger(hs.ref, hs.cur);
      ++numeric;
    } else {
      category_counts ref, cur;
      ref.observe(categories(c, "ref_cats"));
      cur.observe(categories(c, "cur_cats"));
      p = psi(ref, cur, eps);
      js = jensen_shannon(ref, cur, base);
      h = hellinger(ref, cur);
      ++categorical;
    }
    REQUIRE(p.valid());
    REQUIRE(js.valid());
    REQUIRE(h.valid());
    INFO("psi " << p.value << " vs " << c.number("psi"));
    CHECK(close(p.value, c.number("psi"), rel, abs_floor));
    INFO("js distance " << js.distance.value << " vs " << c.number("js_distance"));
    CHECK(close(js.distance.value, c.number("js_distance"), rel, abs_floor));
    CHECK(close(js.divergence.value, c.number("js_divergence"), rel, abs_floor));
    INFO("hellinger " << h.value << " vs " << c.number("hellinger"));
    CHECK(close(h.value, c.number("hellinger"), rel, abs_floor));
    auto track = [&](double a, double b) {
      if (std::fabs(b) > 1e-12) worst = std::max(worst, std::fabs(a - b) / std::fabs(b));
    };
    track(p.value, c.number("psi"));
    track(js.distance.value, c.number("js_distance"));
    track(h.value, c.number("hellinger"));
  }
  CHECK(numeric >= 20);
  CHECK(categorical >= 6);
  WARN("largest relative difference from NumPy/SciPy: " << worst);
}

TEST_CASE("PSI replaces an empty bin's proportion by epsilon on that side only", "[divergence]") {
  const std::vector<double> ref = {50, 50, 0};
  const std::vector<double> cur = {50, 0, 50};
  const double e = 1e-4;
  // Terms: bin 0: 0; bin 1: (e - .5) ln(e / .5); bin 2: (.5 - e) ln(.5 / e).
  const double expected = (e - 0.5) * std::log(e / 0.5) + (0.5 - e) * std::log(0.5 / e);
  const auto p = psi(ref, cur, e);
  REQUIRE(p.valid());
  CHECK(close(p.value, expected, 1e-15));
  CHECK(std::isfinite(psi(ref, cur, 1e-300).value));
}

TEST_CASE("identical distributions give exactly zero and JS stays in [0, 1]", "[divergence]") {
  const std::vector<double> a = {0.1, 0.2, 0.3, 0.4};
  CHECK(psi(a, a).value == 0.0);
  CHECK(jensen_shannon(a, a).distance.value == 0.0);
  CHECK(hellinger(a, a).value == 0.0);
  const std::vector<double> x = {1, 0}, y = {0, 1};
  CHECK(jensen_shannon(x, y).distance.value == 1.0);  // disjoint support, base 2
  CHECK(close(hellinger(x, y).value, 1.0, 1e-15));
}

TEST_CASE("empty sides give invalid results with a reason, never NaN silently", "[divergence]") {
  const std::vector<double> some = {1, 2}, none = {0, 0};
  const auto p = psi(some, none);
  CHECK_FALSE(p.valid());
  CHECK(std::string(p.invalid_reason).find("current") != std::string::npos);
  CHECK_FALSE(jensen_shannon(none, some).valid());
  CHECK(std::string(hellinger(none, some).invalid_reason).find("reference") != std::string::npos);
  histogram a(bin_edges::from_edges({0.0})), b(bin_edges::from_edges({0.0}));
  a(1.0);
  CHECK_FALSE(psi(a, b).valid());
}

TEST_CASE("bad inputs throw driftwatch::error naming the problem", "[divergence][errors]") {
  const std::vector<double> two = {1, 2}, three = {1, 2, 3}, negative = {1, -2};
  const std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_WITH(psi(two, three), driftwatch_test::contains("different numbers of bins (2 vs 3)"));
  CHECK_THROWS_WITH(psi(two, negative), driftwatch_test::contains("current weight 1 is negative or not finite"));
  CHECK_THROWS_WITH(jensen_shannon(nan, two), driftwatch_test::contains("reference weight 1"));
  CHECK_THROWS_WITH(psi(two, two, 0.0), driftwatch_test::contains("epsilon must be in (0, 1)"));
  CHECK_THROWS_WITH(jensen_shannon(two, two, 1.0), driftwatch_test::contains("base"));
  histogram a(bin_edges::from_edges({0.0})), b(bin_edges::from_edges({1.0}));
  CHECK_THROWS_AS(psi(a, b), driftwatch::error);
}

TEST_CASE("weights far outside the normal range give finite, correct metrics", "[divergence]") {
  const double e = 1e-4;
  // A subnormal total: the proportions are [1, 0] and [0, 1], disjoint.
  const std::vector<double> a = {1e-310, 0}, b = {0, 1e-310};
  CHECK(jensen_shannon(a, b).distance.value == 1.0);
  CHECK(close(hellinger(a, b).value, 1.0, 1e-15));
  CHECK(close(psi(a, b).value, 2 * (1 - e) * std::log(1 / e), 1e-15));
  // A proportion 324 orders of magnitude below the other: q/p overflows a double.
  const std::vector<double> tiny = {5e-324, 1}, one = {0, 1};
  const auto p = psi(tiny, one);
  REQUIRE(p.valid());
  CHECK(std::isfinite(p.value));
  CHECK(close(p.value, (e - 5e-324) * (std::log(e) - std::log(5e-324)), 1e-12));
  CHECK(std::isfinite(jensen_shannon(tiny, one).distance.value));
  // Scaling every weight by the same factor changes nothing, however small it is.
  const auto x = driftwatch_test::generate("uniform", 7, 200, 0.0, 1.0);
  const auto y = driftwatch_test::generate("uniform", 8, 200, 0.0, 1.0);
  std::vector<double> xs(x), ys(y);
  for (auto& v : xs) v *= 1e-300;
  for (auto& v : ys) v *= 1e-300;
  CHECK(close(jensen_shannon(xs, ys).distance.value, jensen_shannon(x, y).distance.value, 1e-12));
  CHECK(close(psi(xs, ys).value, psi(x, y).value, 1e-12));
  CHECK(close(hellinger(xs, ys).value, hellinger(x, y).value, 1e-12));
}
