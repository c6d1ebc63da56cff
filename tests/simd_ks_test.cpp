// KS kernels vs their twins (detail/kernels_ks.hpp, ks_merge_walk_branchless):
// the radix sort gives std::sort's order, the branch-free walk gives the
// reference walk's extremes and locations bit for bit.
#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/metrics/ks_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "test_support.hpp"

namespace {
namespace d = driftwatch::detail;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_walk(const std::vector<double>& a, const std::vector<double>& b) {
  const auto r = d::ks_merge_walk(a.data(), a.size(), b.data(), b.size());
  const auto f = d::ks_merge_walk_branchless(a.data(), a.size(), b.data(), b.size());
  CHECK(same_bits(r.max_diff, f.max_diff));
  CHECK(same_bits(r.min_diff, f.min_diff));
  CHECK(r.max_location == f.max_location);
  CHECK(r.min_location == f.min_location);
}

std::vector<double> sample(std::mt19937_64& rng, std::size_t n, int kind) {
  std::vector<double> x(n);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> small(-3, 3);
  const double sub = std::numeric_limits<double>::denorm_min();
  for (auto& v : x) {
    switch (kind) {
      case 0: v = normal(rng); break;
      case 1: v = small(rng); break;                       // heavy ties
      case 2: v = small(rng) * sub; break;                 // subnormals and signed zeros
      default: v = (rng() % 5 == 0) ? -0.0 : normal(rng) * 1e300; break;
    }
  }
  return x;
}
}  // namespace

TEST_CASE("radix sort orders like std::sort and drops non-finite values", "[simd][ks]") {
  std::mt19937_64 rng(3);
  for (std::size_t n : {0u, 1u, 100u, 2047u, 2048u, 5000u, 100000u}) {
    for (int kind = 0; kind < 4; ++kind) {
      INFO("n " << n << " kind " << kind);
      auto x = sample(rng, n, kind);
      for (std::size_t i = 0; i < x.size(); i += 17) x[i] = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t i = 5; i < x.size(); i += 29) x[i] = -std::numeric_limits<double>::infinity();
      std::vector<double> b;
      const auto sorted = d::sort_finite_radix(x.data(), x.size());
      const std::vector<double> a(sorted.data.get(), sorted.data.get() + sorted.size);
      const auto ib = d::sort_finite_std(x.data(), x.size(), b);
      CHECK(sorted.invalid == ib);
      REQUIRE(a.size() == b.size());
      bool equal = true;
      for (std::size_t i = 0; i < a.size(); ++i) equal = equal && a[i] == b[i];  // -0 == +0
      CHECK(equal);
      CHECK(std::is_sorted(a.begin(), a.end()));
    }
  }
}

TEST_CASE("radix sort with every pass trivial, and with one or two passes", "[simd][ks]") {
  // All keys equal: no pass moves anything. Values differing only in the low
  // byte: one pass (ends in the result directly); in the two low bytes: two
  // passes (ends in the result's storage as keys, converted in place).
  for (int moving_bytes = 0; moving_bytes <= 2; ++moving_bytes) {
    std::vector<double> x(5000);
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::uint64_t bits = 0x3FF0000000000000ull;  // 1.0
      if (moving_bytes >= 1) bits |= (i * 37) % 256;
      if (moving_bytes >= 2) bits |= ((i * 101) % 256) << 8;
      std::memcpy(&x[i], &bits, sizeof bits);
    }
    const auto sorted = d::sort_finite_radix(x.data(), x.size());
    std::vector<double> b;
    d::sort_finite_std(x.data(), x.size(), b);
    REQUIRE(sorted.size == b.size());
    bool equal = true;
    for (std::size_t i = 0; i < b.size(); ++i) equal = equal && same_bits(sorted.data[i], b[i]);
    CHECK(equal);
  }
}

TEST_CASE("branch-free merge walk equals the reference walk bit for bit", "[simd][ks]") {
  std::mt19937_64 rng(11);
  for (std::size_t na : {1u, 2u, 7u, 1000u, 30000u}) {
    for (std::size_t nb : {1u, 3u, 999u, 20000u}) {
      for (int kind = 0; kind < 4; ++kind) {
        INFO("na " << na << " nb " << nb << " kind " << kind);
        std::vector<double> a, b;
        auto xa = sample(rng, na, kind), xb = sample(rng, nb, kind);
        d::sort_finite_std(xa.data(), xa.size(), a);
        d::sort_finite_std(xb.data(), xb.size(), b);
        check_walk(a, b);
        check_walk(b, a);
        check_walk(a, a);
      }
    }
  }
}

TEST_CASE("ks_test through the kernels equals ks_test_sorted on std::sort output", "[simd][ks]") {
  std::mt19937_64 rng(17);
  auto x = sample(rng, 12000, 0), y = sample(rng, 9000, 1);
  x[10] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> a, b;
  d::sort_finite_std(x.data(), x.size(), a);
  d::sort_finite_std(y.data(), y.size(), b);
  const auto r = driftwatch::ks_test(x, y);
  const auto s = driftwatch::ks_test_sorted(a, b);
  CHECK(same_bits(r.statistic, s.statistic));
  CHECK(same_bits(r.pvalue, s.pvalue));
  CHECK(r.statistic_location == s.statistic_location);
  CHECK(r.n_invalid_reference == 1);
}
