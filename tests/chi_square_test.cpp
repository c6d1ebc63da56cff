#include <driftwatch/metrics/chi_square.hpp>

#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch_test::close;

TEST_CASE("chi-square homogeneity agrees with scipy.stats.chi2_contingency(correction=False)",
          "[chi_square][reference]") {
  int checked = 0;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "categorical") continue;
    INFO("case " << c.name);
    driftwatch::category_counts ref, cur;
    ref.observe(c.words("ref_cats"));
    cur.observe(c.words("cur_cats"));
    const auto r = driftwatch::chi_square(ref, cur);
    REQUIRE(r.valid());
    INFO("statistic " << r.statistic << " vs " << c.number("chi2_statistic") << ", p " << r.pvalue << " vs "
                      << c.number("chi2_pvalue"));
    CHECK(close(r.statistic, c.number("chi2_statistic"), 1e-9, 1e-12));
    CHECK(close(r.pvalue, c.number("chi2_pvalue"), 1e-9, 1e-300));
    CHECK(r.dof == static_cast<std::size_t>(c.number("chi2_dof")));
    ++checked;
  }
  CHECK(checked >= 6);
}

TEST_CASE("chi-square survival function matches known values across dof and tails", "[chi_square]") {
  // Closed forms: dof 2 -> exp(-x/2); dof 1 -> erfc(sqrt(x/2)).
  for (double x : {0.001, 0.5, 1.0, 3.0, 10.0, 50.0, 200.0, 700.0}) {
    INFO("x = " << x);
    CHECK(close(driftwatch::detail::chi2_sf(x, 2), std::exp(-x / 2), 1e-13));
    CHECK(close(driftwatch::detail::chi2_sf(x, 1), std::erfc(std::sqrt(x / 2)), 1e-12));
  }
  CHECK(driftwatch::detail::chi2_sf(0, 5) == 1.0);
}

TEST_CASE("chi-square: empty sides are invalid, bad counts throw", "[chi_square][errors]") {
  const std::vector<double> some = {3, 4}, none = {0, 0}, three = {1, 2, 3}, negative = {1, -1};
  CHECK_FALSE(driftwatch::chi_square(some, none).valid());
  CHECK_FALSE(driftwatch::chi_square(none, some).valid());
  CHECK_THROWS_WITH(driftwatch::chi_square(some, three), driftwatch_test::contains("(2 vs 3)"));
  CHECK_THROWS_WITH(driftwatch::chi_square(some, negative), driftwatch_test::contains("category 1"));
  // A category present on neither side is dropped, not an error (SciPy would raise).
  const std::vector<double> a = {5, 0, 3}, b = {2, 0, 6};
  const auto r = driftwatch::chi_square(a, b);
  REQUIRE(r.valid());
  CHECK(r.dof == 1);
}
