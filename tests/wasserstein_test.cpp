#include <driftwatch/metrics/wasserstein.hpp>

#include <limits>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch_test::close;

TEST_CASE("Wasserstein-1 agrees with scipy.stats.wasserstein_distance", "[wasserstein][reference]") {
  int checked = 0;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "numeric") continue;
    INFO("case " << c.name);
    const auto w = driftwatch::wasserstein(c.numbers("ref"), c.numbers("cur"));
    REQUIRE(w.valid());
    INFO(w.value << " vs scipy " << c.number("wasserstein"));
    CHECK(close(w.value, c.number("wasserstein"), 1e-12, 1e-15));
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("Wasserstein-1 of shifted samples is the shift; empty samples are invalid", "[wasserstein]") {
  const std::vector<double> a = {0, 1, 2, 3}, b = {10, 11, 12, 13};
  CHECK(driftwatch::wasserstein(a, b).value == 10.0);
  CHECK(driftwatch::wasserstein(b, a).value == 10.0);
  const std::vector<double> none, nans = {std::numeric_limits<double>::quiet_NaN()};
  CHECK_FALSE(driftwatch::wasserstein(none, a).valid());
  CHECK_FALSE(driftwatch::wasserstein(a, nans).valid());
}
