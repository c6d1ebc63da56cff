#include <driftwatch/accumulators/histogram.hpp>

#include <limits>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch::bin_edges;
using driftwatch::histogram;

TEST_CASE("counts per bin equal numpy's searchsorted/bincount", "[histogram][reference]") {
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "numeric") continue;
    INFO("case " << c.name);
    const auto edges = bin_edges::from_edges(c.has("edges") ? c.numbers("edges") : std::vector<double>{});
    histogram ref(edges), cur(edges);
    ref.observe(c.numbers("ref"));
    cur.observe(c.numbers("cur"));
    const auto expect_ref = c.numbers("ref_counts");
    const auto expect_cur = c.numbers("cur_counts");
    REQUIRE(ref.bin_count() == expect_ref.size());
    for (std::size_t i = 0; i < expect_ref.size(); ++i) {
      CHECK(ref.counts()[i] == static_cast<std::uint64_t>(expect_ref[i]));
      CHECK(cur.counts()[i] == static_cast<std::uint64_t>(expect_cur[i]));
    }
    CHECK(ref.invalid_count() == static_cast<std::uint64_t>(c.number("n_invalid_ref")));
    CHECK(cur.invalid_count() == static_cast<std::uint64_t>(c.number("n_invalid_cur")));
  }
}

TEST_CASE("merge equals concatenation, for any split", "[histogram][merge]") {
  const auto data = driftwatch_test::generate("bell", 99, 5000, 0.0, 1.0);
  std::vector<double> with_bad = data;
  with_bad[10] = std::numeric_limits<double>::quiet_NaN();
  with_bad[4000] = -std::numeric_limits<double>::infinity();
  const auto edges = bin_edges::from_quantiles(data, 16);
  histogram whole(edges);
  whole.observe(with_bad);
  for (std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{2500}, with_bad.size()}) {
    histogram a(edges), b(edges);
    a.observe(driftwatch::span<const double>(with_bad.data(), split));
    b.observe(driftwatch::span<const double>(with_bad.data() + split, with_bad.size() - split));
    histogram merged = a;
    merged += b;
    CHECK(merged == whole);
    histogram reversed = b;
    reversed += a;
    CHECK(reversed == whole);
  }
  CHECK(whole.count() == 4998);
  CHECK(whole.invalid_count() == 2);
}

TEST_CASE("merging histograms over different edges throws a clear error", "[histogram][merge][errors]") {
  histogram a(bin_edges::from_edges({1.0, 2.0}));
  histogram b(bin_edges::from_edges({1.0, 2.5}));
  histogram c(bin_edges::from_edges({1.0}));
  CHECK_THROWS_WITH(a += b, driftwatch_test::contains("different bin edges") && driftwatch_test::contains("edge values differ"));
  CHECK_THROWS_WITH(a += c, driftwatch_test::contains("3 bins vs 2 bins"));
  CHECK(a.count() == 0);
}

TEST_CASE("reset empties counts and keeps edges", "[histogram]") {
  histogram h(bin_edges::from_edges({0.0}));
  h(-1.0);
  h(1.0);
  h(std::numeric_limits<double>::quiet_NaN());
  CHECK(h.count() == 2);
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.invalid_count() == 0);
  CHECK(h.bin_count() == 2);
}
