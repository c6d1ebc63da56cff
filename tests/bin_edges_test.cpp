#include <driftwatch/accumulators/bin_edges.hpp>

#include <cstring>
#include <limits>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch::bin_edges;

namespace {
std::vector<double> edges_of(const driftwatch_test::reference_case& c) {
  auto ref = c.numbers("ref");
  const auto bins = static_cast<std::size_t>(c.number("bins"));
  return c.word("binning") == "uniform" ? bin_edges::uniform(ref, bins).interior()
                                        : bin_edges::from_quantiles(ref, bins).interior();
}
}  // namespace

TEST_CASE("quantile and uniform edges are bit-identical to numpy's", "[bin_edges][reference]") {
  int checked = 0;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "numeric") continue;
    INFO("case " << c.name);
    const auto expected = c.has("edges") ? c.numbers("edges") : std::vector<double>{};
    const auto actual = edges_of(c);
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      INFO("edge " << i << ": " << actual[i] << " vs numpy " << expected[i]);
      CHECK(std::memcmp(&actual[i], &expected[i], sizeof(double)) == 0);
    }
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("bins are right-closed like Prometheus le", "[bin_edges]") {
  const auto e = bin_edges::from_edges({1.0, 2.0, 3.0});
  CHECK(e.bin_count() == 4);
  CHECK(e.index(-std::numeric_limits<double>::infinity()) == 0);
  CHECK(e.index(0.5) == 0);
  CHECK(e.index(1.0) == 0);  // (-inf, 1]
  CHECK(e.index(std::nextafter(1.0, 2.0)) == 1);
  CHECK(e.index(2.0) == 1);  // (1, 2]
  CHECK(e.index(3.0) == 2);  // (2, 3]
  CHECK(e.index(3.5) == 3);  // (3, +inf)
  CHECK(e.index(std::numeric_limits<double>::infinity()) == 3);
}

TEST_CASE("heavily tied references give fewer, distinct edges", "[bin_edges]") {
  const std::vector<double> ref = {1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
  const auto e = bin_edges::from_quantiles(ref, 10);
  CHECK(e.interior().size() < 9);
  for (std::size_t i = 1; i < e.interior().size(); ++i) CHECK(e.interior()[i - 1] < e.interior()[i]);
  const auto constant = bin_edges::from_quantiles(std::vector<double>(7, 4.0), 10);
  REQUIRE(constant.interior().size() == 1);
  CHECK(constant.interior()[0] == 4.0);
  CHECK(constant.kind() == driftwatch::binning::quantile);
}

TEST_CASE("non-finite reference values are ignored when freezing edges", "[bin_edges]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> dirty = {nan, 1, 2, inf, 3, 4, -inf};
  const std::vector<double> clean = {1, 2, 3, 4};
  CHECK(bin_edges::from_quantiles(dirty, 4) == bin_edges::from_quantiles(clean, 4));
  CHECK(bin_edges::uniform(dirty, 4) == bin_edges::uniform(clean, 4));
}

TEST_CASE("configuration errors throw driftwatch::error naming the problem", "[bin_edges][errors]") {
  const std::vector<double> empty;
  const std::vector<double> nans = {std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> some = {1, 2, 3};
  CHECK_THROWS_AS(bin_edges::from_quantiles(empty), driftwatch::error);
  CHECK_THROWS_WITH(bin_edges::from_quantiles(nans), driftwatch_test::contains("no finite value"));
  CHECK_THROWS_WITH(bin_edges::from_quantiles(some, 0), driftwatch_test::contains("at least 1, got 0"));
  CHECK_THROWS_WITH(bin_edges::uniform(empty, 3), driftwatch_test::contains("no finite value"));
  CHECK_THROWS_WITH(bin_edges::from_edges({1.0, 1.0}), driftwatch_test::contains("strictly increasing"));
  CHECK_THROWS_WITH(bin_edges::from_edges({2.0, 1.0}), driftwatch_test::contains("edge 1 (1) <= edge 0 (2)"));
  CHECK_THROWS_WITH(bin_edges::from_edges({0.0, std::numeric_limits<double>::infinity()}),
                    driftwatch_test::contains("edge 1 is not finite"));
  CHECK_THROWS_WITH(bin_edges::uniform(2.0, 1.0, 3), driftwatch_test::contains("lo <= hi"));
  CHECK(bin_edges::from_edges({}).bin_count() == 1);
}
