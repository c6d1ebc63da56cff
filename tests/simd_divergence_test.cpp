// SIMD divergence reductions vs their scalar twins (detail/kernels_divergence.hpp):
// within 1e-12 relative of the double-precision scalar twin, including zeros
// (0 * log 0), subnormal proportions (xsimd's log is wrong there unless
// clamped) and near-identical inputs.
#include <driftwatch/detail/kernels_divergence.hpp>
#include <driftwatch/metrics/divergence.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

namespace d = driftwatch::detail;

// Within tolerance, or both NaN: the scalar twin itself gives NaN when a
// proportion is so small that (p + q) / 2 underflows to 0 (a property of the
// metric's formula, reproduced, not introduced, by the kernel).
[[maybe_unused]] bool close(double a, double b, double rel, double abs = 0.0) {
  return (std::isnan(a) && std::isnan(b)) || driftwatch_test::close(a, b, rel, abs);
}

struct pair_case {
  std::vector<double> p, q;
};

// Largest relative difference of the JS kernel from its twin over all cases (reported).
double js_worst = 0;

// Relative 1e-12 of the twin; for sums that cancel to (near) zero the bound is
// 1e-12 of the sum of absolute terms (the conditioning of the sum itself).
void check_sums(const pair_case& c) {
  const std::size_t n = c.p.size();
  const auto ws = d::weight_sums_scalar(c.p.data(), c.q.data(), n);
  REQUIRE(ws.ok);
#if !defined(DRIFTWATCH_NO_SIMD)
  const auto wv = d::weight_sums_simd(c.p.data(), c.q.data(), n);
  REQUIRE(wv.ok);
  CHECK(close(wv.reference, ws.reference, 1e-15));
  CHECK(close(wv.current, ws.current, 1e-15));
  CHECK(wv.min_reference == ws.min_reference);
  CHECK(wv.min_current == ws.min_current);
  if (!(ws.reference > 0 && ws.current > 0)) return;
  const double tp = ws.reference, tq = ws.current;
  // The JS sum is a sum of non-negative terms m f(d) (kernels_divergence.hpp): no
  // cancellation, so the bound is relative, including nearly identical inputs.
  const double js_s = d::js_sum_scalar(c.p.data(), c.q.data(), n, tp, tq);
  const double js_v = d::js_sum_simd(c.p.data(), c.q.data(), n, tp, tq);
  CHECK(js_s >= 0);
  CHECK(close(js_v, js_s, 1e-12, 1e-300));
  if (js_s > 1e-300) js_worst = std::max(js_worst, std::fabs(js_v - js_s) / js_s);
  // And it equals the textbook form sum p ln(p/m) + q ln(q/m) up to that form's
  // own error: 1e-13 of the sum of its absolute terms (cancellation) plus the
  // rounding of every ratio p/m, ~eps * p per term, ~1e-15 in all (sum p = sum q = 1).
  double textbook = 0, scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = c.p[i] / tp, q = c.q[i] / tq, m = (p + q) / 2;
    if (p > 0) textbook += p * std::log(p / m), scale += std::fabs(p * std::log(p / m));
    if (q > 0) textbook += q * std::log(q / m), scale += std::fabs(q * std::log(q / m));
  }
  CHECK(close(js_s, textbook, 1e-12, 1e-13 * scale + 1e-15));
  const double ps = d::psi_sum_scalar(c.p.data(), c.q.data(), n, tp, tq, 1e-4);
  const double pv = d::psi_sum_simd(c.p.data(), c.q.data(), n, tp, tq, 1e-4);
  CHECK(close(pv, ps, 1e-12));
  const double hs = d::hellinger_sum_scalar(c.p.data(), c.q.data(), n, tp, tq);
  const double hv = d::hellinger_sum_simd(c.p.data(), c.q.data(), n, tp, tq);
  CHECK(close(hv, hs, 1e-12, 1e-300));
#endif
}

}  // namespace

TEST_CASE("divergence kernels agree with the scalar twin on random weights", "[simd][divergence]") {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::size_t n : {16u, 17u, 31u, 64u, 1000u, 100003u}) {
    INFO("n " << n);
    pair_case c;
    c.p.resize(n);
    c.q.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      c.p[i] = u(rng);
      c.q[i] = u(rng) < 0.1 ? 0.0 : u(rng) * 1e6;  // zeros: 0 * log 0 = 0 on that side
    }
    check_sums(c);
  }
}

TEST_CASE("divergence kernels handle subnormal and extreme proportions", "[simd][divergence]") {
  const double sub = std::numeric_limits<double>::denorm_min();
  pair_case c;
  for (int i = 0; i < 40; ++i) {
    c.p.push_back(i % 3 == 0 ? sub * (i + 1) : (i % 3 == 1 ? 1.0 : 0.0));
    c.q.push_back(i % 4 == 0 ? 0.0 : (i % 4 == 1 ? sub : 1e-300 * (i + 1)));
  }
  check_sums(c);
  // Minimum-normal neighbourhood and huge weights.
  pair_case h;
  for (int i = 0; i < 33; ++i) {
    h.p.push_back(std::numeric_limits<double>::min() * (i + 1) / 7.0);
    h.q.push_back(i % 2 ? 1e300 : std::numeric_limits<double>::min());
  }
  check_sums(h);
}

TEST_CASE("divergence kernels on nearly identical inputs", "[simd][divergence]") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(1.0, 2.0);
  pair_case c;
  for (int i = 0; i < 4096; ++i) {
    const double v = u(rng);
    c.p.push_back(v);
    c.q.push_back(i % 7 ? v : std::nextafter(v, 3.0));
  }
  check_sums(c);
}

TEST_CASE("JS kernel on both sides of the series/log switch and over many binades", "[simd][divergence]") {
  // |d| = |p - q|/(p + q) clustered around the 0.1 switch (the log path's worst
  // cancellation), magnitudes from 1e-280 to 1, and a long vector (the kernel's
  // blocked sums); zeros on either side.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0), mag(-280.0, 0.0), near(0.09, 0.11);
  for (std::size_t n : {16u, 24u, 1000u, 200003u}) {
    INFO("n " << n);
    pair_case c;
    for (std::size_t i = 0; i < n; ++i) {
      const double base = std::pow(10.0, mag(rng)) * (1 + u(rng));
      const double dd = near(rng) * (u(rng) < 0.5 ? -1 : 1);
      double a = base * (1 + dd), b = base * (1 - dd);
      if (i % 97 == 0) a = 0;
      if (i % 89 == 0) b = 0;
      c.p.push_back(a);
      c.q.push_back(b);
    }
    check_sums(c);
  }
  // Totals far from 1 (the kernel rescales proportions internally).
  pair_case big;
  for (int i = 0; i < 1000; ++i) {
    big.p.push_back(1e290 * u(rng));
    big.q.push_back(1e-200 * u(rng));
  }
  check_sums(big);
  WARN("largest relative difference of the JS kernel from its twin: " << js_worst);
}

TEST_CASE("the weight pass finds bad weights, -0.0 and the smallest weights anywhere", "[simd][divergence]") {
  // Dense blocks (no zero) and blocks with zeros take different paths in the
  // AVX-512 pass; every case must match the twin.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.5, 1.0);
  std::vector<double> p(5000), q(5000);
  for (auto& x : p) x = u(rng);
  for (auto& x : q) x = u(rng);
  const auto same = [&](const char* what) {
    INFO(what);
    const auto ws = d::weight_sums_scalar(p.data(), q.data(), p.size());
    const auto wv = d::weight_sums_of(p.data(), q.data(), p.size());
    CHECK(wv.ok == ws.ok);
    if (!ws.ok) return;
    CHECK(close(wv.reference, ws.reference, 1e-15));
    CHECK(close(wv.current, ws.current, 1e-15));
    CHECK(wv.min_reference == ws.min_reference);
    CHECK(wv.min_current == ws.min_current);
  };
  same("dense");
  p[1500] = 1e-300;
  q[4100] = 3e-310;
  same("tiny weights in dense blocks");
  p[2600] = 0;
  p[2601] = 1e-305;
  same("a zero and a tiny weight in one block");
  q[700] = -0.0;
  same("-0.0 is a valid zero");
  p[3333] = -1e-3;
  same("a negative weight in a dense block");
  p[3333] = std::numeric_limits<double>::quiet_NaN();
  same("NaN");
  p[3333] = 1;
  q[4999] = std::numeric_limits<double>::infinity();
  same("infinity in the scalar tail");
  q[4999] = 1;
  p[0] = -std::numeric_limits<double>::infinity();
  same("-infinity first");
  p[0] = 1;
  p[2000] = 1e308;
  p[2001] = 1e308;
  same("an overflowing sum of valid weights");
}

TEST_CASE("public metrics keep their values and errors through the kernels", "[simd][divergence]") {
  std::vector<double> p(100, 1.0), q(100, 2.0);
  q[3] = 0;
  const auto js = driftwatch::jensen_shannon(p, q);
  REQUIRE(js.valid());
  CHECK(js.divergence.value > 0);
  // A bad weight beyond the first batch is still named by index.
  p[57] = -1;
  CHECK_THROWS_WITH(driftwatch::psi(p, q), driftwatch_test::contains("reference weight 57"));
  p[57] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(driftwatch::hellinger(p, q), driftwatch_test::contains("reference weight 57"));
  p[57] = 1;
  q[80] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(driftwatch::jensen_shannon(p, q), driftwatch_test::contains("current weight 80"));
  // A negative weight deep inside dense weights (the pass's fast blocks).
  std::vector<double> dense(3000, 1.0), other(3000, 2.0);
  dense[2222] = -0.5;
  CHECK_THROWS_WITH(driftwatch::jensen_shannon(dense, other), driftwatch_test::contains("reference weight 2222"));
  dense[2222] = -0.0;
  CHECK(driftwatch::jensen_shannon(dense, other).valid());
}

#if !defined(DRIFTWATCH_NO_SIMD)
TEST_CASE("the JS kernel's paired logarithms are within a few ulps of std::log", "[simd][divergence]") {
  // log_small_big: ln(small) for small in [DBL_MIN, 1], ln(big) for big in [1, 2],
  // sharing one division; measured against std::log (correctly rounded to ~0.5 ulp):
  // relative error below 1e-15 (cancellation by ~2 where e ln 2 and ln m have
  // opposite signs, e.g. big just above sqrt(2)).
  using B = d::simd::batch<double>;
  constexpr std::size_t L = d::simd::lanes<double>;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> e(-1021.0, 0.0), u(1.0, 2.0);
  double worst = 0;
  for (int it = 0; it < 4000; ++it) {
    alignas(64) double sm[L], bg[L], l1[L], l2[L];
    for (std::size_t l = 0; l < L; ++l) {
      sm[l] = std::min(1.0, std::exp2(e(rng)) * u(rng));
      bg[l] = u(rng);
    }
    if (it == 0) sm[0] = 1.0, bg[0] = 1.0, sm[L - 1] = std::numeric_limits<double>::min(), bg[L - 1] = 2.0;
    B a, b;
    d::log_small_big(B::load_unaligned(sm), B::load_unaligned(bg), a, b);
    a.store_unaligned(l1);
    b.store_unaligned(l2);
    for (std::size_t l = 0; l < L; ++l) {
      const double x1 = std::log(sm[l]), x2 = std::log(bg[l]);
      const double e1 = x1 == 0 ? std::fabs(l1[l]) : std::fabs(l1[l] - x1) / std::fabs(x1);
      const double e2 = x2 == 0 ? std::fabs(l2[l]) : std::fabs(l2[l] - x2) / std::fabs(x2);
      CHECK(e1 <= 1e-15);
      CHECK(e2 <= 1e-15);
      worst = std::max(worst, std::max(e1, e2));
    }
  }
  WARN("largest relative error of log_small_big: " << worst);
}
#endif

#if !defined(DRIFTWATCH_NO_SIMD) && defined(__AVX512F__)
TEST_CASE("the AVX-512 JS kernel's table logarithm is within 1.5e-16 of ln", "[simd][divergence]") {
  // js512::log: absolute error below 1.5e-16 where |ln x| <= 1 (the table's and
  // the final roundings), about 2 ulps beyond; checked against long double
  // log over [denorm_min, 2].
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> e(-1074.0, 1.0), u(1.0, 2.0);
  const d::js512::log_table t;
  double worst_abs = 0, worst_rel = 0;
  for (int it = 0; it < 20000; ++it) {
    alignas(64) double x[8], y[8];
    for (int l = 0; l < 8; ++l) x[l] = std::min(2.0, std::ldexp(u(rng), static_cast<int>(e(rng))));
    if (it < 3) {
      const double special[] = {1.0, 2.0, std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                                0.9, 1.1, std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0)};
      for (int l = 0; l < 8; ++l) x[l] = special[l];
    }
    _mm512_storeu_pd(y, d::js512::log(_mm512_loadu_pd(x), t));
    for (int l = 0; l < 8; ++l) {
      const long double ref = std::log(static_cast<long double>(x[l]));
      const double err = static_cast<double>(std::fabs(static_cast<long double>(y[l]) - ref));
      CHECK(err <= 1.5e-16 + 4.5e-16 * std::fabs(static_cast<double>(ref)));
      worst_abs = std::max(worst_abs, std::fabs(ref) <= 1 ? err : 0.0);
      if (std::fabs(ref) > 1) worst_rel = std::max(worst_rel, err / std::fabs(static_cast<double>(ref)));
    }
  }
  WARN("js512::log: largest absolute error where |ln x| <= 1: " << worst_abs
                                                                 << ", largest relative where |ln x| > 1: " << worst_rel);
}
TEST_CASE("the AVX-512 JS kernel's worst case: every bin just past the series/log switch", "[simd][divergence]") {
  // |d| just above 0.1 is where the log path cancels most (f ~ 0.01 from terms
  // ~0.1): eight bins with one |d| each, magnitudes over 300 decades, so that no
  // averaging hides a bad term.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0), mag(-300.0, 0.0);
  double worst = 0;
  for (int it = 0; it < 20000; ++it) {
    double p[8], q[8];
    const double dd = 0.1 + 1e-9 + 0.2 * u(rng) * u(rng) * u(rng);
    for (int l = 0; l < 8; ++l) {
      const double b = std::pow(10.0, mag(rng)) * (1 + u(rng));
      p[l] = b * (1 + dd);
      q[l] = b * (1 - dd);
    }
    std::size_t done = 0;
    const double v = d::js_sum_avx512(p, q, 8, 1.0, 1.0, done);
    const double s = d::js_sum_scalar(p, q, 8, 1.0, 1.0);
    REQUIRE(done == 8);
    CHECK(close(v, s, 1e-12));
    worst = std::max(worst, std::fabs(v - s) / s);
  }
  WARN("largest relative difference of 8 bins at the switch: " << worst);
}
#endif

// ---- float weights -----------------------------------------------------------
// Float weight vectors reach the same kernels with each value widened exactly
// in the lanes: at every level this CPU has, PSI, JS and Hellinger of a float
// vector are bit for bit those of its widened copy (same operations on the
// same doubles), and the weight pass matches the twin (sums within 1e-15, the
// smallest weights exactly). Cost: ~10 ms.

TEST_CASE("float weights give the double kernels' results on the widened values", "[simd][divergence][float]") {
  struct level_guard {
    ~level_guard() { driftwatch::set_simd_target(driftwatch::simd_level::avx512); }
  } guard;
  std::mt19937_64 rng(1616);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<std::pair<std::vector<float>, std::vector<float>>> cases;
  for (std::size_t n : {16u, 17u, 31u, 100u, 1000u, 4099u}) {
    std::vector<float> p(n), q(n), r(n);
    for (std::size_t i = 0; i < n; ++i) {
      p[i] = u(rng);
      q[i] = i % 7 == 0 ? 0.0f : u(rng);          // zeros: 0 log 0
      r[i] = p[i] * (1.0f + 1e-4f * u(rng));      // nearly identical (series path)
    }
    p[n / 2] = std::numeric_limits<float>::denorm_min();  // subnormal float weights
    q[n / 3] = 1e-40f;
    cases.push_back({p, q});
    cases.push_back({p, r});
  }
  std::size_t compared = 0;
  for (int l = 0; l <= static_cast<int>(driftwatch::simd_supported()); ++l) {
    driftwatch::set_simd_target(static_cast<driftwatch::simd_level>(l));
    for (const auto& c : cases) {
      INFO("level " << l << ", n " << c.first.size());
      const std::size_t n = c.first.size();
      const std::vector<double> p(c.first.begin(), c.first.end()), q(c.second.begin(), c.second.end());
      const auto ws = d::weight_sums_scalar(p.data(), q.data(), n);
      const auto wf = d::weight_sums_of(c.first.data(), c.second.data(), n);
      REQUIRE(wf.ok);
      CHECK(close(wf.reference, ws.reference, 1e-15));
      CHECK(close(wf.current, ws.current, 1e-15));
      CHECK(wf.min_reference == ws.min_reference);
      CHECK(wf.min_current == ws.min_current);
      const double tp = ws.reference, tq = ws.current;
      const float* fp = c.first.data();
      const float* fq = c.second.data();
      CHECK(d::js_sum(fp, fq, n, tp, tq) == d::js_sum(p.data(), q.data(), n, tp, tq));
      CHECK(d::psi_sum(fp, fq, n, tp, tq, 1e-4) == d::psi_sum(p.data(), q.data(), n, tp, tq, 1e-4));
      CHECK(d::hellinger_sum(fp, fq, n, tp, tq) == d::hellinger_sum(p.data(), q.data(), n, tp, tq));
      // And within the kernels' bound of the scalar twin on the widened values.
      CHECK(close(d::js_sum(fp, fq, n, tp, tq), d::js_sum_scalar(p.data(), q.data(), n, tp, tq), 1e-12, 1e-300));
      ++compared;
    }
  }
  CHECK(compared == cases.size() * (static_cast<std::size_t>(driftwatch::simd_supported()) + 1));
}
