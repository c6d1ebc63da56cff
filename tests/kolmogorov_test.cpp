// Tests for driftwatch/detail/kolmogorov.hpp's one-sided Smirnov distribution
// (smirnov_sf, behind ks_test's asymptotic p-value via kstwo_sf) against
// scipy.special.smirnov / scipy.stats.kstwo.sf (SciPy 1.10), reference values in
// tests/reference/smirnov_cases.txt (gen_smirnov_reference.py) and
// kstwo_mid_cases.txt (gen_kstwo_mid_reference.py), and the truncated and
// strided Birnbaum-Tingey sums against the full sum.
#include <driftwatch/detail/kolmogorov.hpp>

#include "reference_reader.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {
namespace kg = driftwatch::detail::kolmogorov;

double relative_error(double got, double expected) {
  if (got == expected) return 0.0;
  return std::fabs(got - expected) / std::fabs(expected);
}
}  // namespace

TEST_CASE("smirnov_sf and kstwo_sf match SciPy at a relative tolerance", "[kolmogorov][reference]") {
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("smirnov_cases.txt"));
  REQUIRE(cases.size() > 100);
  double worst_sf = 0.0, worst_kstwo = 0.0;
  std::string worst_sf_name, worst_kstwo_name;
  for (const auto& c : cases) {
    INFO(c.name);
    const auto n = static_cast<std::int64_t>(c.number("n"));
    const double x = c.number("x");
    const double sf = kg::smirnov_sf(n, x);
    const double e = relative_error(sf, c.number("sf"));
    // SciPy's double-double sum and ours agree to a few ulps; below 1e-280 both
    // are at the edge of the range and only the absolute error means anything.
    if (c.number("sf") > 1e-280) CHECK(e <= 1e-13);
    CHECK(std::fabs(sf - c.number("sf")) <= 1e-15);
    if (e > worst_sf && c.number("sf") > 1e-280) {
      worst_sf = e;
      worst_sf_name = c.name;
    }
    const double ks = kg::kstwo_sf(n, x);
    const double ek = relative_error(ks, c.number("kstwo_sf"));
    CHECK(std::fabs(ks - c.number("kstwo_sf")) <= 1e-10);
    // On the 2 * smirnov branch (n x^2 >= 2.2, n > 140) the agreement is relative.
    if (n > 140 && static_cast<double>(n) * x * x >= 2.2 && c.number("kstwo_sf") > 1e-280) {
      CHECK(ek <= 1e-13);
      if (ek > worst_kstwo) {
        worst_kstwo = ek;
        worst_kstwo_name = c.name;
      }
    }
  }
  std::printf("smirnov cases: %zu, max relative error smirnov_sf = %.3g (%s), "
              "kstwo_sf (2 smirnov branch) = %.3g (%s)\n",
              cases.size(), worst_sf, worst_sf_name.c_str(), worst_kstwo, worst_kstwo_name.c_str());
}

TEST_CASE("kstwo_sf matches SciPy for n in 1e3..1e5", "[kolmogorov][reference]") {
  // tests/reference/kstwo_mid_cases.txt (gen_kstwo_mid_reference.py): the sizes ks_2samp's
  // asymptotic path reaches with a 1,000..100,000-value reference, every kstwo.sf branch.
  // Tolerances as above: 1e-10 absolute everywhere, 1e-13 relative on the 2 smirnov branch
  // (where the strided Birnbaum-Tingey sum runs) and for smirnov_sf itself. Cost: ~0.1 s.
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("kstwo_mid_cases.txt"));
  REQUIRE(cases.size() > 200);
  double worst = 0.0;
  int on_smirnov_branch = 0;
  for (const auto& c : cases) {
    INFO(c.name);
    const auto n = static_cast<std::int64_t>(c.number("n"));
    const double x = c.number("x");
    const double sf = kg::smirnov_sf(n, x);
    if (c.number("sf") > 1e-280) CHECK(relative_error(sf, c.number("sf")) <= 1e-13);
    CHECK(std::fabs(sf - c.number("sf")) <= 1e-15);
    const double ks = kg::kstwo_sf(n, x);
    CHECK(std::fabs(ks - c.number("kstwo_sf")) <= 1e-10);
    if (static_cast<double>(n) * x * x >= 2.2 && c.number("kstwo_sf") > 1e-280) {
      const double e = relative_error(ks, c.number("kstwo_sf"));
      CHECK(e <= 1e-13);
      worst = std::max(worst, e);
      ++on_smirnov_branch;
    }
  }
  CHECK(on_smirnov_branch > 100);
  std::printf("kstwo mid-n cases: %zu (%d on the 2 smirnov branch), max relative error there %.3g\n", cases.size(),
              on_smirnov_branch, worst);
}

TEST_CASE("the truncated Birnbaum-Tingey sum equals the full sum at large n", "[kolmogorov]") {
  double worst = 0.0;
  for (std::int64_t n : {2000, 30000, 100000, 500000, 999999}) {
    for (double z : {0.8, 1.2, 1.5, 2.0, 4.0, 7.7, 12.0, 18.0}) {
      const double x = z / std::sqrt(static_cast<double>(n));
      const double nx = static_cast<double>(n) * x;
      const auto nxfl = static_cast<std::int64_t>(std::floor(nx));
      const double alpha = nx - std::floor(nx);
      if (nxfl < 2 || nxfl > n - 2) continue;
      const long double full = kg::smirnov_term_sum(n, nxfl, alpha, false);
      const long double cut = kg::smirnov_term_sum(n, nxfl, alpha, true);
      INFO("n = " << n << ", x = " << x);
      REQUIRE(full > 0.0L);
      const double rel = static_cast<double>(std::fabs(cut - full) / full);
      CHECK(rel <= 1e-15);
      if (rel > worst) worst = rel;
    }
  }
  std::printf("truncated vs full Birnbaum-Tingey sum: max relative difference %.3g\n", worst);
}

TEST_CASE("the strided Birnbaum-Tingey sum equals the full sum for n in 1e3..1e6", "[kolmogorov]") {
  // smirnov_strided_sum (every h-th term times h, h up to ~sigma/8) against
  // the sum of every term, on a dense grid of the kstwo.sf branch n x^2 >= 2.2
  // (z = sqrt(n) x from 1.45 to ~19, n x^2 < 370) and n from 600 to 10^6,
  // including the sizes ks_2samp reaches with a 10,000-value reference
  // (en = round(n1 n2 / (n1 + n2)) ~ 9,600..10,000). Also counts how often the
  // stride applies (it must, for the scrape cost docs/prometheus.md states).
  // Cost: ~1.5 s (the full sums, O(n) each).
  double worst = 0.0;
  int cases = 0, strided = 0;
  for (std::int64_t n : {600, 1000, 1500, 2000, 3333, 5000, 7777, 9600, 9992, 10000, 15000, 30000, 77777, 100000,
                         250000, 999999}) {
    const double zstep = n > 100000 ? 1.5 : 1.07;
    for (double z = 1.45; z < 19.3; z *= zstep) {
      const double x = z / std::sqrt(static_cast<double>(n));
      const double nx = static_cast<double>(n) * x;
      const auto nxfl = static_cast<std::int64_t>(std::floor(nx));
      const double alpha = nx - std::floor(nx);
      if (nxfl < 2 || nxfl > n - 2) continue;
      INFO("n = " << n << ", z = " << z);
      const long double full = kg::smirnov_term_sum(n, nxfl, alpha, false);
      const long double cut = kg::smirnov_term_sum(n, nxfl, alpha, true, true);
      REQUIRE(full > 0.0L);
      const double rel = static_cast<double>(std::fabs(cut - full) / full);
      CHECK(rel <= 1e-15);
      worst = std::max(worst, rel);
      ++cases;
      // Whether the stride applied: rerun the strided part alone.
      kg::smirnov_sum_constants c;
      c.n = n;
      c.nx = static_cast<long double>(nxfl) + static_cast<long double>(alpha);
      c.rn = 1.0L / static_cast<long double>(n);
      c.r_n = kg::stirling_remainder(n, c.rn);
      c.half_log_factor = static_cast<double>(static_cast<long double>(n) / (2.0L * static_cast<long double>(kg::pi)));
      const std::int64_t last = n - nxfl - 1;
      std::int64_t peak = 1;
      long double best = -1e300L;
      for (std::int64_t v = 1; v <= last; v += std::max<std::int64_t>(1, last / 4096)) {
        const long double lt = kg::smirnov_log_term(c, v);
        if (lt > best) {
          best = lt;
          peak = v;
        }
      }
      long double body = 0.0L;
      const bool applied = kg::smirnov_strided_sum(c, last, peak, kg::smirnov_term_at(c, peak).expo, body);
      if (applied) ++strided;
      if (n >= 5000) CHECK(applied);
    }
  }
  std::printf("strided vs full Birnbaum-Tingey sum: %d cases, stride applied in %d, max relative difference %.3g\n",
              cases, strided, worst);
}

TEST_CASE("smirnov_term_at's fast and general paths agree", "[kolmogorov]") {
  // The fast path (v, n - v >= max(1000, 8 n x): one long double division plus
  // double series) and the general path (long double log1p / atanh series) are
  // two evaluations of the same expression.
  double worst = 0.0;
  for (std::int64_t n : {20000, 500000, 999999}) {
    for (double z : {1.0, 7.7, 18.0}) {
      kg::smirnov_sum_constants c;
      c.n = n;
      c.nx = static_cast<long double>(z * std::sqrt(static_cast<double>(n)));
      c.rn = 1.0L / static_cast<long double>(n);
      c.r_n = kg::stirling_remainder(n, c.rn);
      c.half_log_factor = static_cast<double>(n) / (2.0 * kg::pi);
      const auto last = n - static_cast<std::int64_t>(std::floor(static_cast<double>(c.nx))) - 1;
      for (std::int64_t v = 1000; v < last - 1000; v += n / 97) {
        const auto fast = kg::smirnov_term_at(c, v);
        const auto general = kg::smirnov_term_at(c, v, false);
        CHECK(fast.factor == general.factor);
        // Both have an absolute error of a few long double ulps of the big part.
        const double d = static_cast<double>(std::fabs(fast.expo - general.expo) / std::fabs(general.expo));
        CHECK(d <= 4e-17);
        if (d > worst) worst = d;
      }
    }
  }
  std::printf("fast vs general log term: max relative difference %.3g\n", worst);
}
