#include <driftwatch/metrics/multiple_testing.hpp>

#include <limits>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch_test::close;

TEST_CASE("Bonferroni and Benjamini-Hochberg agree with the NumPy reference", "[multiple_testing][reference]") {
  int checked = 0;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "pvalues") continue;
    INFO("case " << c.name);
    const auto p = c.numbers("pvalues");
    const auto bonf = driftwatch::bonferroni(p);
    const auto bh = driftwatch::benjamini_hochberg(p);
    const auto expect_bonf = c.numbers("bonferroni");
    const auto expect_bh = c.numbers("bh");
    REQUIRE(bonf.size() == p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      CHECK(close(bonf[i], expect_bonf[i], 1e-15));
      CHECK(close(bh[i], expect_bh[i], 1e-15));
    }
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("corrections reject p-values outside [0, 1]", "[multiple_testing][errors]") {
  const std::vector<double> bad = {0.1, 1.5}, nan = {std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_WITH(driftwatch::bonferroni(bad), driftwatch_test::contains("p-value 1 is not in [0, 1]"));
  CHECK_THROWS_AS(driftwatch::benjamini_hochberg(nan), driftwatch::error);
  CHECK(driftwatch::adjust_pvalues(std::vector<double>{0.2}, driftwatch::correction::none)[0] == 0.2);
  CHECK(driftwatch::benjamini_hochberg(std::vector<double>{}).empty());
}
