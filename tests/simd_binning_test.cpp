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

// ---- float values (float lanes) ---------------------------------------------
// A float value must fall in the bin the double path gives for double(v): the
// reference is bin_count_scalar on the values widened to double. Checked for
// the float scalar twins, the xsimd float kernels, and bin_count(float) at
// every level this CPU has (and each planned uniform variant), on edges chosen
// to make float thresholds hard: edges between two floats, edges that are
// floats, edges closer than a float ulp (shared thresholds), double-subnormal
// edges (below every float), float-subnormal edges, edges beyond FLT_MAX.

namespace {

using driftwatch::simd_level;

std::vector<simd_level> supported_levels() {
  std::vector<simd_level> v;
  for (int l = 0; l <= static_cast<int>(driftwatch::simd_supported()); ++l) v.push_back(static_cast<simd_level>(l));
  return v;
}

/// Restores the CPU's best level and the float plan when a test case ends.
struct level_guard {
  ~level_guard() {
    driftwatch::set_simd_target(simd_level::avx512);
    d::set_uniform_plan_f32(-1);
  }
};

std::vector<float> adversarial_f32(const std::vector<double>& edges, std::mt19937_64& rng, std::size_t n) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> special = {nan, inf, -inf, 0.0f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                -std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min() / 3,
                                std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                                -std::numeric_limits<float>::max()};
  for (double e : edges) {
    // The float nearest the edge, the threshold, and their float neighbours.
    const float near = std::fabs(e) < 3.4e38 ? static_cast<float>(e) : (e > 0 ? 3.4e38f : -3.4e38f);
    for (float f : {near, d::float_threshold(e)}) {
      special.push_back(f);
      special.push_back(std::nextafter(f, inf));
      special.push_back(std::nextafter(f, -inf));
      special.push_back(std::nextafter(std::nextafter(f, inf), inf));
    }
  }
  std::vector<float> x(n);
  std::uniform_int_distribution<std::size_t> pick(0, special.size() - 1);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (auto& v : x) v = (rng() % 2) ? special[pick(rng)] : normal(rng);
  return x;
}

using kernel_f32 = std::uint64_t (*)(const double*, std::size_t, const float*, std::size_t, std::uint64_t*) noexcept;

std::vector<std::uint64_t> run_f32(kernel_f32 kernel, const std::vector<double>& edges, const std::vector<float>& x,
                                   std::uint64_t& invalid) {
  std::vector<std::uint64_t> counts(edges.size() + 1, 0);
  invalid = kernel(edges.data(), edges.size(), x.data(), x.size(), counts.data());
  return counts;
}

std::vector<std::uint64_t> run_dispatch(const std::vector<double>& edges, bool uniform, const std::vector<float>& x,
                                        std::uint64_t& invalid) {
  std::vector<std::uint64_t> counts(edges.size() + 1, 0);
  invalid = d::bin_count(edges.data(), edges.size(), uniform, x.data(), x.size(), counts.data());
  return counts;
}

/// Every float path against the double path on the widened values.
void check_all_kernels_f32(const std::vector<double>& edges, const std::vector<float>& x, bool uniform,
                           bool planner = false) {
  const std::vector<double> wide(x.begin(), x.end());
  std::uint64_t inv_ref = 0, inv = 0;
  const auto ref = run(&d::bin_count_scalar, edges, wide, inv_ref);
  CHECK(run_f32(&d::bin_count_scalar, edges, x, inv) == ref);
  CHECK(inv == inv_ref);
  CHECK(run_f32(&d::bin_count_search_scalar, edges, x, inv) == ref);
  CHECK(inv == inv_ref);
  CHECK(run_f32(&d::bin_count_uniform_scalar, edges, x, inv) == ref);
  CHECK(inv == inv_ref);
#if !defined(DRIFTWATCH_NO_SIMD)
  if (edges.size() <= 16) {
    CHECK(run_f32(&d::bin_count_compare_simd, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
  if (edges.size() + 1 <= d::uniform_simd_max_bins) {
    CHECK(run_f32(&d::bin_count_uniform_simd<>, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
  if (edges.size() + 2 <= d::uniform_pairs_max_stride) {
    CHECK(run_f32(&d::bin_count_uniform_pairs_simd<>, edges, x, inv) == ref);
    CHECK(inv == inv_ref);
  }
#endif
  // Each level; where bin_count takes the planned pair-table path, each of the
  // four variants forced, then (planner) the planner's own choice, timed on
  // this batch.
  const std::size_t ne = edges.size();
  const bool planned = uniform && ne + 2 <= d::uniform_pairs_max_stride &&
                       x.size() >= d::uniform_pairs_min_values_per_cell * (ne + 2) * (ne + 2);
  level_guard guard;
  for (const simd_level l : supported_levels()) {
    driftwatch::set_simd_target(l);
    const int plans = planned && l >= simd_level::avx2 ? (planner ? 5 : 4) : 1;
    for (int plan = 0; plan < plans; ++plan) {
      INFO("level " << driftwatch::simd_level_name(l) << ", plan " << (plan == 4 ? -1 : plan));
      d::set_uniform_plan_f32(plan == 4 ? -1 : plan);
      CHECK(run_dispatch(edges, uniform, x, inv) == ref);
      CHECK(inv == inv_ref);
    }
  }
}

}  // namespace

TEST_CASE("float thresholds: v > t(e) exactly when double(v) > e", "[simd][binning][float]") {
  // The claim every float kernel rests on (kernels_binning.hpp), checked on
  // random doubles of every magnitude and on the floats around each.
  std::mt19937_64 rng(16);
  std::uniform_int_distribution<int> expo(-330, 330);
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<double> edges = {0.0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e-45, 1.4e-45, 7e-46, 1e300, -1e300,
                               3.4028234663852886e38, 3.4028235677973366e38, 3.4028236e38, -3.4028236e38, 0.1, -0.1,
                               1.0 / 3.0, 16777217.0, -16777217.0};
  for (int k = 0; k < 20000; ++k) edges.push_back((rng() % 2 ? 1 : -1) * std::ldexp(mant(rng), expo(rng)));
  std::size_t checked = 0;
  for (double e : edges) {
    const float t = d::float_threshold(e);
    CHECK(static_cast<double>(t) <= e);
    const float near = std::fabs(e) < 3.4e38 ? static_cast<float>(e) : (e > 0 ? 3.4e38f : -3.4e38f);
    for (float base : {near, t}) {
      float v = base;
      for (int s = 0; s < 3; ++s) v = std::nextafter(v, -inf);
      for (int s = 0; s < 7; ++s, v = std::nextafter(v, inf)) {
        CHECK((v > t) == (static_cast<double>(v) > e));
        ++checked;
      }
    }
  }
  CHECK(checked == edges.size() * 14);
  // The direct-index kernels take float positions for common uniform edges
  // (exact ones for dyadic ranges), not the scalar fallback.
  float t[512];
  const auto dyadic = bin_edges::uniform(-2.0, 2.0, 64).interior();
  const auto g1 = d::float_thresholds(dyadic.data(), dyadic.size(), t);
  CHECK((g1.usable && g1.exact));
  const auto inexact = bin_edges::uniform(-7.3, 11.9, 300).interior();
  const auto g2 = d::float_thresholds(inexact.data(), inexact.size(), t);
  CHECK((g2.usable && !g2.exact && g2.slack < 0.01f));
  const auto narrow = bin_edges::uniform(1000.0, 1000.001, 64).interior();  // finer than float resolution
  CHECK_FALSE(d::float_thresholds(narrow.data(), narrow.size(), t).usable);
}

TEST_CASE("float binning kernels count exactly like the double path on the widened values",
          "[simd][binning][float]") {
  std::mt19937_64 rng(54321);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t ne : {0u, 1u, 2u, 3u, 5u, 9u, 12u, 16u, 17u, 31u, 63u, 100u, 511u, 700u}) {
    for (std::size_t n : {0u, 7u, 63u, 64u, 65u, 1000u, 4099u}) {
      INFO("edges " << ne << ", n " << n);
      std::vector<double> sample(2000);
      for (auto& v : sample) v = normal(rng);
      const auto q = bin_edges::from_quantiles(sample, ne + 1).interior();
      check_all_kernels_f32(q, adversarial_f32(q, rng, n), false);
      if (ne >= 1) {
        const auto u = bin_edges::uniform(-3.0, 5.0, ne + 1).interior();
        check_all_kernels_f32(u, adversarial_f32(u, rng, n), true);
      }
    }
  }
}

TEST_CASE("float kernels are exact on edges that floats cannot tell apart or represent", "[simd][binning][float]") {
  std::mt19937_64 rng(1616);
  // (lo, hi) of uniform edges: dyadic (thresholds exact), inexact widths,
  // a range narrower than float resolution (thresholds collide: scalar
  // fallback), double-subnormal, float-subnormal, beyond FLT_MAX, huge.
  const std::vector<std::pair<double, double>> ranges = {
      {-2.0, 2.0},     {-7.3, 11.9},   {0.0, 0.1},     {1.0, 1.0 + 1e-9}, {1000.0, 1000.001}, {-1e-300, 1e-300},
      {-1e-40, 1e-40}, {1e-45, 1e-43}, {-1e39, 1e39},  {3e38, 3.5e38},    {-1e300, 1e300},    {0.5, 0.5000001}};
  for (const auto& r : ranges) {
    for (std::size_t bins : {2u, 3u, 10u, 17u, 64u, 75u, 300u}) {
      INFO("range [" << r.first << ", " << r.second << "], bins " << bins);
      const auto u = bin_edges::uniform(r.first, r.second, bins).interior();
      check_all_kernels_f32(u, adversarial_f32(u, rng, 5000), true);
    }
  }
}

TEST_CASE("float uniform kernels are exact on edge values in chunks without NaN or Inf", "[simd][binning][float]") {
  // Finite values only (the kernels' assumed-finite phase), a third of them on
  // a threshold, on the float nearest an edge, or a float ulp around.
  std::mt19937_64 rng(2025);
  const std::vector<std::pair<double, double>> ranges = {{-2.0, 2.0}, {0.0, 1.0}, {-3.0, 5.0}, {-7.3, 11.9}, {0.0, 0.1}};
  for (const auto& r : ranges) {
    for (std::size_t bins : {10u, 17u, 32u, 64u, 75u}) {
      INFO("range [" << r.first << ", " << r.second << "], bins " << bins);
      const auto edges = bin_edges::uniform(r.first, r.second, bins).interior();
      std::uniform_int_distribution<std::size_t> pick(0, edges.size() - 1);
      std::uniform_real_distribution<float> spread(static_cast<float>(r.first) - 1.0f, static_cast<float>(r.second) + 1.0f);
      std::vector<float> x(bins == 64 ? 36000 : 12000);  // 36000: the pair path at 64 bins
      for (auto& v : x) {
        const double e = edges[pick(rng)];
        const float f = rng() % 2 ? static_cast<float>(e) : d::float_threshold(e);
        switch (rng() % 6) {
          case 0: v = f; break;
          case 1: v = std::nextafter(f, 1e30f); break;
          case 2: v = std::nextafter(f, -1e30f); break;
          default: v = spread(rng);
        }
      }
      check_all_kernels_f32(edges, x, true);
    }
  }
}

TEST_CASE("float kernels fold their narrow counters before they overflow", "[simd][binning][float]") {
  // Compare-and-count folds float lane counters every 16384 values (xsimd) and
  // 32-bit ones every 2^20 (AVX2/AVX-512); the pair table every 65535 pairs.
  // 1.1 M values in one bin, in the top bin, non-finite, and alternating.
  // Compare-and-count on 1.05 M values (past one 32-bit fold; 70 k where
  // only the xsimd kernels exist), the pair table on 140 k (past two folds).
  const auto few = bin_edges::from_edges({-1.0, 0.0, 0.5, 2.0}).interior();
  const auto many = bin_edges::uniform(-2.0, 2.0, 64).interior();
#if defined(DRIFTWATCH_ISA_AVX2)
  const std::size_t long_n = 1050003;
#else
  const std::size_t long_n = 70001;  // no 32-bit lane counters here; cheaper under qemu
#endif
  for (const std::size_t n : {long_n, std::size_t{140001}}) {
    std::vector<std::vector<float>> inputs = {std::vector<float>(n, 0.3f), std::vector<float>(n, 7.0f),
                                              std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()),
                                              std::vector<float>(n)};
    for (std::size_t i = 0; i < n; ++i) inputs[3][i] = i % 2 ? -1.5f : 1.01f;
    for (const auto& x : inputs) check_all_kernels_f32(n == long_n ? few : many, x, n != long_n, true);
  }
}
