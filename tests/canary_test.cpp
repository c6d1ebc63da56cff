// Tests for include/driftwatch/metrics/canary.hpp against scipy.stats.ttest_rel and
// ttest_ind(equal_var=False) (tests/reference/gen_canary_reference.py): t,
// p-value, df and interval bounds to 1e-9 relative; and merge = concatenation.
#include <driftwatch/metrics/canary.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using driftwatch_test::close;

namespace {

double worst_rel = 0.0;

// |a - b| <= 1e-9 * max(|a|, |b|) (relative), infinities equal.
void check_close(double got, double want, const char* what) {
  INFO(what << ": got " << got << " want " << want);
  if (std::isinf(want)) {
    CHECK(got == want);
    return;
  }
  CHECK(close(got, want, 1e-9, 1e-300));
  if (want != 0.0) worst_rel = std::max(worst_rel, std::fabs(got - want) / std::fabs(want));
}

void check_result(const comparison_result& r, const std::vector<double>& ref) {
  REQUIRE(r.valid());
  check_close(r.t_statistic, ref[0], "statistic");
  check_close(r.p_value, ref[1], "p-value");
  check_close(r.degrees_of_freedom, ref[2], "df");
  check_close(r.ci_low, ref[3], "ci low");
  check_close(r.ci_high, ref[4], "ci high");
}

}  // namespace

TEST_CASE("paired and Welch t-tests agree with SciPy to 1e-9", "[canary][reference]") {
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("canary_reference.txt"));
  std::size_t checked = 0;
  for (const auto& c : cases) {
    INFO("case " << c.name);
    const auto base = c.numbers("baseline");
    const auto can = c.numbers("canary");
    welch_comparison welch;
    for (double x : base) welch.observe_baseline(x);
    for (double x : can) welch.observe_canary(x);
    paired_comparison paired;
    if (base.size() == can.size())
      for (std::size_t i = 0; i < base.size(); ++i) paired.observe(base[i], can[i]);
    const std::pair<alternative, const char*> alts[] = {
        {alternative::two_sided, "two-sided"}, {alternative::less, "less"}, {alternative::greater, "greater"}};
    for (const auto& a : alts) {
      const double level = a.first == alternative::less ? 0.9 : 0.95;
      INFO("alternative " << a.second);
      check_result(welch.result(a.first, level), c.numbers(std::string("welch_") + a.second));
      ++checked;
      if (c.has(std::string("paired_") + a.second)) {
        const auto r = paired.result(a.first, level);
        check_result(r, c.numbers(std::string("paired_") + a.second));
        ++checked;
        // SciPy's own ttest_rel interval: its quantile (cdflib stdtrit) is
        // itself only good to ~1e-9 relative, hence the looser bound.
        const auto scipy_ci = c.numbers(std::string("paired_") + a.second + "_scipy_ci");
        if (std::isfinite(scipy_ci[0])) CHECK(close(r.ci_low, scipy_ci[0], 1e-8));
        if (std::isfinite(scipy_ci[1])) CHECK(close(r.ci_high, scipy_ci[1], 1e-8));
      }
    }
  }
  CHECK(checked >= 40);
  WARN("canary reference results checked: " << checked << ", worst relative difference " << worst_rel);
}

TEST_CASE("canary merge equals concatenation", "[canary]") {
  driftwatch_test::splitmix64 rng(3);
  paired_comparison all, left, right;
  welch_comparison wall, wleft, wright;
  for (int i = 0; i < 1000; ++i) {
    const double b = rng.uniform01(), c = rng.uniform01() + 0.05;
    all.observe(b, c);
    (i % 3 ? left : right).observe(b, c);
    wall.observe_baseline(b);
    (i % 2 ? wleft : wright).observe_baseline(b);
    if (i % 4 == 0) {
      wall.observe_canary(c);
      (i % 8 ? wleft : wright).observe_canary(c);
    }
  }
  left += right;
  wleft += wright;
  const auto a = all.result(), m = left.result();
  CHECK(a.baseline_count == m.baseline_count);
  CHECK(close(a.difference, m.difference, 1e-12));
  CHECK(close(a.t_statistic, m.t_statistic, 1e-12));
  CHECK(close(a.p_value, m.p_value, 1e-10));
  CHECK(close(a.ci_low, m.ci_low, 1e-12));
  const auto wa = wall.result(), wm = wleft.result();
  CHECK(wa.canary_count == wm.canary_count);
  CHECK(wa.baseline_count == wm.baseline_count);
  CHECK(close(wa.t_statistic, wm.t_statistic, 1e-12));
  CHECK(close(wa.degrees_of_freedom, wm.degrees_of_freedom, 1e-12));
  CHECK(close(wa.p_value, wm.p_value, 1e-10));
}

TEST_CASE("canary edge cases are invalid results, not NaN surprises", "[canary]") {
  paired_comparison p;
  CHECK_FALSE(p.result().valid());
  p.observe(0.5, 0.6);
  CHECK_FALSE(p.result().valid());
  p.observe(0.4, 0.5);  // constant difference: zero variance
  const auto r = p.result();
  CHECK_FALSE(r.valid());
  CHECK(std::string(r.invalid_reason).find("zero variance") != std::string::npos);
  p.observe(std::nan(""), 1.0);
  CHECK(p.invalid_count() == 1);
  CHECK(p.count() == 2);
  welch_comparison w;
  w.observe_baseline(1.0);
  w.observe_canary(2.0);
  w.observe_canary(3.0);
  CHECK_FALSE(w.result().valid());
  w.observe_baseline(2.0);
  CHECK(w.result().valid());
  CHECK_FALSE(w.result(alternative::two_sided, 1.5).valid());
}
