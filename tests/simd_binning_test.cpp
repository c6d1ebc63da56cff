// SIMD binning kernels vs their scalar twins (detail/kernels_binning.hpp):
// counts must be identical, on random data and on adversarial values (NaN,
// +-Inf, values exactly on edges and one ulp around them, subnormals, huge).
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/accumulators/histogram.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "counting_allocator.hpp"  // this executable counts every allocation
#include "test_support.hpp"

namespace {

using driftwatch::bin_edges;
namespace d = driftwatch::detail;

std::vector<double> adversarial(const std::vector<double>& edges, std::mt19937_64& rng, std::size_t n) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> special = {std::numeric_limits<double>::quiet_NaN(), inf, -inf, 0.0, -0.0,
                                 std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
                                 std::numeric_limits<double>::min() / 3, std::numeric_limits<double>::max(),
                                 -std::numeric_limits<double>::max()};
  for (double e : edges) {
    special.push_back(e);
    special.push_back(std::nextafter(e, inf));
    special.push_back(std::nextafter(e, -inf));
  }
  std::vector<double> x(n);
  std::uniform_int_distribution<std::size_t> pick(0, special.size() - 1);
  std::normal_distribution<double> normal(0.0, 2.0);
  for (auto& v : x) v = (rng() % 2) ? special[pick(rng)] : normal(rng);
  return x;
}

std::vector<std::uint64_t> run(std::uint64_t (*kernel)(const double*, std::size_t, const double*, std::size_t,
                                                       std::uint64_t*) noexcept,
                               const std::vector<double>& edges, const std::vector<double>& x,
                               std::uint64_t& invalid) {
  std::vector<std::uint64_t> counts(edges.size() + 1, 0);
  invalid = kernel(edges.data(), edges.size(), x.data(), x.size(), counts.data());
  return counts;
}

void check_all_kernels(const std::vector<double>& edges, const std::vector<double>& x) {
  std::uint64_t inv_ref = 0, inv = 0;
  const auto ref = run(&d::bin_count_scalar, edges, x, inv_ref);
  CHECK(run(&d::bin_count_search_scalar, edges, x, inv) == ref);
  CHECK(inv == inv_ref);
  CHECK(run(&d::bin_count_uniform_scalar, edges, x, inv) == ref);
  CHECK(inv == inv_ref);
#if !defined(DRIFTWATCH_NO_SIMD)
  if (edges.size() <= 16) {
    CHECK(run(&d::bin_count_compare_simd, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
  if (edges.size() >= 2 && edges.size() + 1 <= d::uniform_simd_max_bins) {
    CHECK(run(&d::bin_count_uniform_simd<>, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
  if (edges.size() >= 2 && edges.size() + 2 <= d::uniform_pairs_max_stride) {
    CHECK(run(&d::bin_count_uniform_pairs_simd<>, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
#endif
  // And through the public path, against operator() one value at a time.
  const auto be = bin_edges::from_edges(edges);
  driftwatch::histogram bulk(be), one(be);
  bulk.observe(x);
  for (double v : x) one(v);
  CHECK(bulk == one);
}

}  // namespace

TEST_CASE("binning kernels count exactly like the scalar twin", "[simd][binning]") {
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t ne : {0u, 1u, 2u, 3u, 4u, 5u, 8u, 9u, 12u, 15u, 16u, 17u, 31u, 63u, 100u, 511u, 700u}) {
    for (std::size_t n : {0u, 1u, 7u, 63u, 64u, 65u, 1000u, 4099u}) {
      INFO("edges " << ne << ", n " << n);
      // quantile-like (irregular) edges
      std::vector<double> sample(2000);
      for (auto& v : sample) v = normal(rng);
      const auto q = bin_edges::from_quantiles(sample, ne + 1).interior();
      check_all_kernels(q, adversarial(q, rng, n));
      // uniform edges
      if (ne >= 1) {
        const auto u = bin_edges::uniform(-3.0, 5.0, ne + 1).interior();
        check_all_kernels(u, adversarial(u, rng, n));
      }
    }
  }
}

TEST_CASE("uniform kernel is exact on edges that the index formula rounds wrongly", "[simd][binning]") {
  // Widths that are not representable, tiny and huge ranges, subnormal edges.
  std::mt19937_64 rng(7);
  const std::vector<std::pair<double, double>> ranges = {
      {0.0, 0.1}, {-1e-300, 1e-300}, {1e300, 1.7e300}, {-5e-324 * 1000, 5e-324 * 4000}, {1.0, 1.0 + 1e-12}, {-7.3, 11.9}};
  for (const auto& r : ranges) {
    for (std::size_t bins : {2u, 3u, 17u, 64u, 300u}) {
      INFO("range [" << r.first << ", " << r.second << "], bins " << bins);
      const auto u = bin_edges::uniform(r.first, r.second, bins).interior();
      check_all_kernels(u, adversarial(u, rng, 5000));
    }
  }
}

TEST_CASE("uniform kernels are exact on edge values in chunks without NaN or Inf", "[simd][binning]") {
  // The pair kernel checks finiteness per chunk and, for edges whose positions
  // are exact integers (dyadic ranges), tests "near an edge" as t == floor(t):
  // feed it only finite values, a third of them on an edge or one ulp around.
  std::mt19937_64 rng(2024);
  const std::vector<std::pair<double, double>> ranges = {{-2.0, 2.0}, {0.0, 1.0}, {-3.0, 5.0}, {-7.3, 11.9}, {0.0, 0.1}};
  for (const auto& r : ranges) {
    for (std::size_t bins : {16u, 17u, 32u, 64u, 75u}) {
      INFO("range [" << r.first << ", " << r.second << "], bins " << bins);
      const auto edges = bin_edges::uniform(r.first, r.second, bins).interior();
      std::uniform_int_distribution<std::size_t> pick(0, edges.size() - 1);
      std::uniform_real_distribution<double> spread(r.first - 1.0, r.second + 1.0);
      std::vector<double> x(20000);
      for (auto& v : x) {
        const double e = edges[pick(rng)];
        switch (rng() % 6) {
          case 0: v = e; break;
          case 1: v = std::nextafter(e, 1e300); break;
          case 2: v = std::nextafter(e, -1e300); break;
          default: v = spread(rng);
        }
      }
      check_all_kernels(edges, x);
    }
  }
}

TEST_CASE("compare-and-count takes non-finite values back out of whole chunks", "[simd][binning]") {
  // The kernel first counts every lane as if finite (+Inf above every edge,
  // NaN and -Inf above none) and corrects chunks that held anything else.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> edges = {-1.0, -0.25, 0.0, 0.5, 2.0};
  std::vector<std::vector<double>> inputs = {std::vector<double>(1000, inf), std::vector<double>(1000, -inf),
                                             std::vector<double>(1000, nan), std::vector<double>(1001)};
  for (std::size_t i = 0; i < inputs[3].size(); ++i) inputs[3][i] = i % 3 == 0 ? inf : (i % 3 == 1 ? 0.1 : -inf);
  for (const auto& x : inputs) check_all_kernels(edges, x);
}

TEST_CASE("pair kernel folds its 16-bit table before any counter overflows", "[simd][binning]") {
  // 300k values (150k pairs, more than 65535 per cell) piled into single
  // cells: all in one bin, all non-finite, all in the overflow bin, and an
  // alternation of two bins (pairs (a, b) only); then a random mix on top.
  const auto edges = bin_edges::uniform(-2.0, 2.0, 64).interior();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::mt19937_64 rng(99);
  std::vector<std::vector<double>> inputs = {std::vector<double>(300001, 0.3), std::vector<double>(300000, nan),
                                             std::vector<double>(300003, 7.0), std::vector<double>(300000)};
  for (std::size_t i = 0; i < inputs[3].size(); ++i) inputs[3][i] = i % 2 ? -1.5 : 1.01;
  inputs.push_back(adversarial(edges, rng, 300000));
  for (const auto& x : inputs) {
    std::uint64_t inv_ref = 0;
    const auto ref = run(&d::bin_count_scalar, edges, x, inv_ref);
#if !defined(DRIFTWATCH_NO_SIMD)
    std::uint64_t inv = 0;
    CHECK(run(&d::bin_count_uniform_pairs_simd<>, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
#endif
    driftwatch::histogram h(bin_edges::uniform(-2.0, 2.0, 64));
    h.observe(x);
    CHECK(std::vector<std::uint64_t>(h.counts().begin(), h.counts().end()) == ref);
    CHECK(h.invalid_count() == inv_ref);
  }
}

TEST_CASE("histogram::observe keeps counting invalid values apart", "[simd][binning]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x(1000, nan);
  for (std::size_t i = 0; i < x.size(); i += 3) x[i] = inf;
  for (std::size_t i = 1; i < x.size(); i += 3) x[i] = 0.5;
  driftwatch::histogram h(bin_edges::from_edges({0.0, 1.0}));
  h.observe(x);
  CHECK(h.invalid_count() == 667);
  CHECK(h.counts()[1] == 333);
  CHECK(h.count() == 333);
}

TEST_CASE("histogram::observe allocates nothing, whichever kernel runs", "[simd][binning][alloc]") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(50000), sample(5000);  // enough for the pair kernel at 64 bins
  for (auto& v : x) v = normal(rng);
  for (auto& v : sample) v = normal(rng);
  const bin_edges edge_sets[] = {bin_edges::from_quantiles(sample, 10), bin_edges::uniform(-3.0, 3.0, 64),
                                 bin_edges::from_quantiles(sample, 700), bin_edges::uniform(-3.0, 3.0, 2000)};
  for (const auto& e : edge_sets) {
    driftwatch::histogram h(e);
    const long before = driftwatch_test::allocation_count();
    h.observe(x);
    CHECK(driftwatch_test::allocation_count() == before);
    CHECK(h.count() == x.size());
  }
}
