// Distribution functions behind driftwatch::ks_test: exact two-sample lattice
// path counts and the one-sample Kolmogorov / Smirnov distributions used by the
// asymptotic path. Users should call ks_test / ks_pvalue instead.
//
// Every algorithm here is chosen to give the p-values of SciPy 1.10's
// scipy.stats.ks_2samp (same branch boundaries, same fallbacks); the code is our
// own. References: Hodges (1958) "The significance probability of the Smirnov
// two-sample test"; Viehmann (2021) arXiv:2102.08037; Simard & L'Ecuyer (2011)
// "Computing the two-sided Kolmogorov-Smirnov distribution"; Marsaglia, Tsang &
// Wang (2003); Pomeranz (1974); Pelz & Good (1976); Birnbaum & Tingey (1951).
#pragma once

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <driftwatch/detail/log_gamma.hpp>

namespace driftwatch {
namespace detail {
namespace kolmogorov {

constexpr double pi = 3.14159265358979323846;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

inline double clip01(double p) noexcept { return p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p); }

/// Round half to even (numpy.round), in any floating-point rounding mode.
inline double round_half_even(double x) noexcept {
  const double r = std::round(x);  // half away from zero
  if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return r;
}

inline std::uint64_t gcd(std::uint64_t a, std::uint64_t b) noexcept {
  while (b != 0) {
    const std::uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// ---------------------------------------------------------------------------
// Exact two-sample distributions (Hodges 1958). The lattice path from (0, 0) to
// (m, n) moves one step right per reference value and one step up per current
// value in merged order; D is the largest |x/m - y/n| along it.
// ---------------------------------------------------------------------------

/// P(D_{n,n} >= h/n) for two samples of equal size n (0 < h <= n), by the
/// reflection-principle alternating sum 2 * sum_k (-1)^(k+1) C(2n, n-kh)/C(2n, n),
/// nested Horner-like to avoid cancellation. O(n) time, no allocation.
inline double prob_outside_square(std::int64_t n, std::int64_t h) noexcept {
  double total = 0.0;
  for (std::int64_t k = n / h; k >= 0; --k) {
    double ratio = 1.0;  // C(2n, n-kh) / C(2n, n-(k-1)h) style factor, h terms
    for (std::int64_t j = 0; j < h; ++j) {
      ratio = static_cast<double>(n - k * h - j) * ratio / static_cast<double>(n + k * h + j + 1);
    }
    total = ratio * (1.0 - total);
  }
  return 2.0 * total;
}

/// P(D_{m,n} >= h/lcm(m, n)) for unequal sizes (two-sided), computing 1 - (the
/// proportion of paths strictly inside the band |x/m - y/n| < h/lcm) directly
/// with Viehmann's recursion, column by column over a sliding window.
/// O(m * window) time with window <= min(n, 2 h g / m + 2); `scratch` is resized
/// to at most 2 (n + 1) + m doubles (the only allocation of the exact two-sided
/// path). The step of the recursion, the weighted average
/// (a i + val j) / (i + j), multiplies by 1/(i + j) from a table instead of
/// dividing, and is unrolled four cells at a time: the division was the
/// latency of the loop-carried dependency (70 ms for m = 10^4, n = 7,312,
/// D = 0.04, now ~4-6 times less). The weights then sum to 1 within a few ulps
/// instead of exactly, so the result moves by at most ~1e-11 relative over the
/// m + n steps of a path (measured: < 1e-14; the tests hold SciPy's p-values
/// to 1e-10 absolute). Proportions below DBL_MIN (subnormal, so already
/// imprecise) are set to 0: deep inside a wide band (a drifted window) they
/// fill whole columns, and subnormal arithmetic made the recursion 2.6 times
/// slower; the result moves by less than (m + n) DBL_MIN < 1e-303 absolute.
inline double flush_subnormal(double v) noexcept { return v < DBL_MIN ? 0.0 : v; }  // v >= 0
inline double prob_outside_band(std::int64_t m, std::int64_t n, std::int64_t g, std::int64_t h,
                                std::vector<double>& scratch) {
  if (m < n) std::swap(m, n);
  const std::int64_t mg = m / g;
  const std::int64_t ng = n / g;
  const double dmg = static_cast<double>(mg);
  std::int64_t lo = 0;
  std::int64_t hi = std::min(static_cast<std::int64_t>(std::ceil(static_cast<double>(h) / dmg)), n + 1);
  std::int64_t len = hi - lo;
  const std::int64_t size = std::min(2 * hi + 2, n + 1);
  scratch.assign(static_cast<std::size_t>(size + m + n + 1), 1.0);
  double* a = scratch.data();
  double* reciprocal = a + size;  // reciprocal[k] = 1 / k, k = 1 .. m + n
  for (std::int64_t k = 1; k <= m + n; ++k) reciprocal[k] = 1.0 / static_cast<double>(k);
  for (std::int64_t j = lo; j < hi; ++j) a[j] = 0.0;
  for (std::int64_t i = 1; i <= m; ++i) {
    const std::int64_t last_lo = lo;
    const std::int64_t last_len = len;
    lo = static_cast<std::int64_t>(std::floor(static_cast<double>(ng * i - h) / dmg)) + 1;
    lo = std::min(std::max(lo, std::int64_t{0}), n);
    hi = std::min(static_cast<std::int64_t>(std::ceil(static_cast<double>(ng * i + h) / dmg)), n + 1);
    if (hi <= lo) return 1.0;
    // a[] holds, per cell of the window, the proportion of paths to that cell
    // that already left the band; the recursion is a weighted average.
    double val = lo == 0 ? 0.0 : 1.0;
    const double di = static_cast<double>(i);
    const double* r = reciprocal + i + lo;  // r[jj] = 1 / (i + j)
    const std::int64_t shift = lo - last_lo;  // >= 0: a[jj + shift] is still the previous column
    const std::int64_t width = hi - lo;
    std::int64_t jj = 0;
    // val_j = alpha_j val_{j-1} + beta_j, four steps at a time: the chain from
    // one block's val to the next is then one multiply-add for four cells
    // (val_{j+3} = (alpha_{j+3} .. alpha_j) val_{j-1} + ...), the rest runs
    // beside it. Every beta is read before the block's cells are written.
    for (; jj + 4 <= width; jj += 4) {
      const double dj = static_cast<double>(jj + lo);
      const double a0 = dj * r[jj], a1 = (dj + 1.0) * r[jj + 1], a2 = (dj + 2.0) * r[jj + 2],
                   a3 = (dj + 3.0) * r[jj + 3];
      const double b0 = a[jj + shift] * (di * r[jj]), b1 = a[jj + 1 + shift] * (di * r[jj + 1]),
                   b2 = a[jj + 2 + shift] * (di * r[jj + 2]), b3 = a[jj + 3 + shift] * (di * r[jj + 3]);
      const double p1 = a1 * a0, q1 = a1 * b0 + b1;
      const double p2 = a2 * p1, q2 = a2 * q1 + b2;
      const double p3 = a3 * p2, q3 = a3 * q2 + b3;
      a[jj] = flush_subnormal(val * a0 + b0);
      a[jj + 1] = flush_subnormal(val * p1 + q1);
      a[jj + 2] = flush_subnormal(val * p2 + q2);
      val = flush_subnormal(val * p3 + q3);
      a[jj + 3] = val;
    }
    for (; jj < width; ++jj) {
      const double dj = static_cast<double>(jj + lo);
      val = flush_subnormal(val * (dj * r[jj]) + a[jj + shift] * (di * r[jj]));
      a[jj] = val;
    }
    len = hi - lo;
    if (last_len > len) {
      for (std::int64_t t = len; t < len + (last_len - len) && t < size; ++t) a[t] = 1.0;
    }
  }
  return a[hi - lo - 1];
}

/// One-sided P(D+_{n,n} >= h/n) = C(2n, n-h) / C(2n, n), as a product of h ratios.
inline double prob_one_sided_equal(std::int64_t n, std::int64_t h) noexcept {
  double p = 1.0;
  for (std::int64_t j = 0; j < h; ++j) {
    p *= static_cast<double>(n - j) / (static_cast<double>(n + j) + 1.0);
  }
  return p;
}

/// log C(a, k) in long double. Exact product for small k, lgamma otherwise.
inline long double log_binom(std::int64_t a, std::int64_t k) noexcept {
  if (k < 0 || k > a) return -std::numeric_limits<long double>::infinity();
  if (k > a - k) k = a - k;
  if (k < 20) {
    long double c = 1.0L;
    for (std::int64_t i = 1; i <= k; ++i) c = c * static_cast<long double>(a - k + i) / static_cast<long double>(i);
    return std::log(c);
  }
  return log_gamma(static_cast<long double>(a) + 1.0L) - log_gamma(static_cast<long double>(k) + 1.0L) -
         log_gamma(static_cast<long double>(a - k) + 1.0L);
}

inline long double binom(std::int64_t a, std::int64_t k) noexcept {
  if (k < 0 || k > a) return 0.0L;
  if (k > a - k) k = a - k;
  if (k < 20) {
    long double c = 1.0L;
    for (std::int64_t i = 1; i <= k; ++i) c = c * static_cast<long double>(a - k + i) / static_cast<long double>(i);
    return c;
  }
  return std::exp(log_binom(a, k));
}

/// Largest smaller size for which C(m + n, n) stays below DBL_MAX is about
/// 515; the counting method below keeps its B values in a fixed buffer.
constexpr std::size_t max_count_paths_terms = 1100;

/// One-sided P(D+_{m,n} >= h/lcm) for m != n by counting the lattice paths that
/// reach the boundary m*y <= n*x - h*g (Hodges' "outside" method: B(x_j, j) =
/// paths first touching the boundary at row j), divided by C(m + n, n).
/// Returns NaN where SciPy's computation fails and it falls back to the
/// asymptotic formula: when C(m + n, n) overflows a double. O(n^2) time for
/// the smaller size n (<= ~515 whenever it succeeds); no heap allocation.
inline double prob_one_sided_unequal(std::int64_t m, std::int64_t n, std::int64_t g, std::int64_t h) noexcept {
  if (m < n) std::swap(m, n);
  const long double log_total = log_binom(m + n, n);
  if (!(log_total < std::log(static_cast<long double>(DBL_MAX)))) return nan;
  const std::int64_t mg = m / g;
  const std::int64_t ng = n / g;
  // Rows j = 0 .. count-1 where the boundary line n*x/m + h/lcm crosses x_j.
  const std::int64_t count = n + (mg - h) / mg;  // C++ division truncates; (mg - h) may be negative
  // Python floor division: adjust when the remainder is non-zero and negative.
  std::int64_t rows = count;
  if ((mg - h) < 0 && (mg - h) % mg != 0) rows -= 1;
  if (rows <= 0) return 1.0;
  if (static_cast<std::size_t>(rows) > max_count_paths_terms) return nan;  // unreachable when C(m+n,n) is finite
  long double b[max_count_paths_terms];
  auto xj = [&](std::int64_t j) { return (h + mg * j + ng - 1) / ng; };
  b[0] = 1.0L;
  for (std::int64_t j = 1; j < rows; ++j) {
    long double bj = binom(xj(j) + j, j);
    for (std::int64_t i = 0; i < j; ++i) bj -= binom(xj(j) - xj(i) + j - i, j - i) * b[i];
    b[j] = bj;
  }
  long double paths = 0.0L;
  for (std::int64_t j = 0; j < rows; ++j) paths += b[j] * binom((m - xj(j)) + (n - j), n - j);
  const long double p = paths / std::exp(log_total);
  return static_cast<double>(p);
}

// ---------------------------------------------------------------------------
// Smirnov's one-sided one-sample distribution: smirnov_sf(n, x) = P(D+_n >= x)
// (scipy.special.smirnov), by the Birnbaum-Tingey sum with special cases.
// ---------------------------------------------------------------------------

/// log(k!) - (k log k - k + log(2 pi k) / 2), Stirling's remainder, for k >= 1
/// given rk = 1/k, with an absolute error below ~1e-18: the exact product for
/// k < 30, otherwise the asymptotic series to the 1/k^15 term (next term < 3e-24
/// at k = 30).
inline long double stirling_remainder(std::int64_t k, long double rk) noexcept {
  if (k < 30) {
    const long double lk = static_cast<long double>(k);
    long double f = 1.0L;
    for (std::int64_t i = 2; i <= k; ++i) f *= static_cast<long double>(i);  // exact up to 25!
    return std::log(f) - (lk * std::log(lk) - lk + 0.5L * std::log(2.0L * static_cast<long double>(pi) * lk));
  }
  const long double r2 = rk * rk;
  // 1/12 - 1/(360 k^2) + 1/(1260 k^4) - 1/(1680 k^6) + 1/(1188 k^8) - 691/(360360 k^10)
  // + 1/(156 k^12) - 3617/(122400 k^14), all times 1/k.
  long double p = -3617.0L / 122400.0L;
  p = p * r2 + 1.0L / 156.0L;
  p = p * r2 - 691.0L / 360360.0L;
  p = p * r2 + 1.0L / 1188.0L;
  p = p * r2 - 1.0L / 1680.0L;
  p = p * r2 + 1.0L / 1260.0L;
  p = p * r2 - 1.0L / 360.0L;
  p = p * r2 + 1.0L / 12.0L;
  return p * rk;
}

/// log1p(y) - y for y > -1, without the cancellation of the direct form near 0:
/// with s = y / (2 + y), log1p(y) = 2 atanh(s), and y - 2s = s y exactly, so
/// log1p(y) - y = -s y + 2 s^3 (1/3 + s^2/5 + s^4/7 + ...). For |y| <= 1/8
/// (|s| <= 1/15) the series is cut after s^18 (relative remainder < 1e-22);
/// beyond, the direct form loses at most a factor ~8 to cancellation.
inline long double log1p_minus_x(long double y, long double s) noexcept {
  if (std::fabs(y) > 0.125L) return std::log1p(y) - y;
  const long double s2 = s * s;
  long double p = 1.0L / 19.0L;
  p = p * s2 + 1.0L / 17.0L;
  p = p * s2 + 1.0L / 15.0L;
  p = p * s2 + 1.0L / 13.0L;
  p = p * s2 + 1.0L / 11.0L;
  p = p * s2 + 1.0L / 9.0L;
  p = p * s2 + 1.0L / 7.0L;
  p = p * s2 + 1.0L / 5.0L;
  p = p * s2 + 1.0L / 3.0L;
  return -s * y + 2.0L * s * s2 * p;
}

/// The v-th Birnbaum-Tingey term C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v) for
/// 1 <= v <= n - nx - 1 (nx = n x = nxfl + alpha), as exp(expo) * factor, computed
/// without the cancellation of its three large logarithms. With Stirling's
/// formula log k! = k log k - k + log(2 pi k)/2 + R(k), and y1 = nx/v, y2 = nx/(n-v):
///
///   log term = v (log1p(y1) - y1) + (n - v) (log1p(-y2) + y2) + R(n) - R(v) - R(n - v)   [expo]
///              + log( sqrt(n / (2 pi v (n - v))) / (x + v/n) )                          [log factor]
///
/// (the k log k parts cancel exactly, and so do v y1 = (n-v) y2 = nx). Every part
/// of `expo` is at most ~|expo| in size and is evaluated in long double without
/// transcendental calls when |y1|, |y2| <= 1/8 (series), so expo has an absolute
/// error of ~1e-17 at |expo| ~ 100 (the old running product of ratios drifted by
/// ~1e-12 over 500000 terms); `factor` is a few double operations (relative error
/// ~3e-16). No running state: terms can be evaluated in any order.
struct smirnov_term {
  long double expo;
  double factor;
};
struct smirnov_sum_constants {
  std::int64_t n;
  long double nx, rn, r_n;  // n x, 1/n, R(n)
  double half_log_factor;   // n / (2 pi), the factor's constant
};
/// `fast_path = false` forces the general (log1p) evaluation; tests compare the two.
inline smirnov_term smirnov_term_at(const smirnov_sum_constants& c, std::int64_t v, bool fast_path = true) noexcept {
  const std::int64_t w = c.n - v;
  const double dv = static_cast<double>(v);
  const double dw = static_cast<double>(w);
  const double nxd = static_cast<double>(c.nx);
  const double up_n = dv + nxd;  // n (x + v/n)
  const double factor = static_cast<double>(c.n) * std::sqrt(c.half_log_factor / (dv * dw * up_n * up_n));
  if (fast_path && dv >= 1000.0 && dw >= 1000.0 && dv >= 8.0 * nxd && dw >= 8.0 * nxd) {
    // Fast path (y1, y2 <= 1/8, v, n - v >= 1000): with s1 = y1/(2+y1) = nx/(2v+nx)
    // and s2 = y2/(2-y2) = nx/(2(n-v)-nx), the series of log1p_minus_x gives
    //   v g(y1) + (n-v) g(-y2) = -nx s1 - nx s2 + 2 v s1^3 P(s1^2) - 2 (n-v) s2^3 P(s2^2),
    // P(t) = 1/3 + t/5 + t^2/7 + ..., and nx (s1 + s2) = 2 n nx^2 / ((2v+nx)(2n-2v-nx))
    // (the big part, ~|expo|: one long double division). The rest is < 1 in size and
    // done in double (absolute error ~1e-17), as is R(k) ~ 1/(12k) (< 1e-4).
    const long double a = 2.0L * static_cast<long double>(v) + c.nx;
    const long double b = 2.0L * static_cast<long double>(w) - c.nx;
    const long double big = 2.0L * static_cast<long double>(c.n) * c.nx * c.nx / (a * b);
    const double s1 = nxd / (2.0 * dv + nxd);
    const double s2 = nxd / (2.0 * dw - nxd);
    auto series = [](double t) {  // P(t), |t| <= 1/225: cut after t^8 (relative remainder < 1e-20)
      double p = 1.0 / 19.0;
      p = p * t + 1.0 / 17.0;
      p = p * t + 1.0 / 15.0;
      p = p * t + 1.0 / 13.0;
      p = p * t + 1.0 / 11.0;
      p = p * t + 1.0 / 9.0;
      p = p * t + 1.0 / 7.0;
      p = p * t + 1.0 / 5.0;
      p = p * t + 1.0 / 3.0;
      return p;
    };
    auto remainder = [](double k) {  // R(k) for k >= 1000: next term 1/(1188 k^9) < 1e-29
      const double r = 1.0 / k;
      const double r2 = r * r;
      return r * (1.0 / 12.0 + r2 * (-1.0 / 360.0 + r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0))));
    };
    const double small = 2.0 * (dv * s1 * s1 * s1 * series(s1 * s1) - dw * s2 * s2 * s2 * series(s2 * s2)) -
                         remainder(dv) - remainder(dw);
    return {c.r_n - big + static_cast<long double>(small), factor};
  }
  const long double lv = static_cast<long double>(v);
  const long double lw = static_cast<long double>(w);
  const long double r = 1.0L / (lv * lw);
  const long double y1 = c.nx * lw * r;  // nx / v
  const long double y2 = c.nx * lv * r;  // nx / (n - v), < 1 because v <= n - nx - 1
  const long double q = 1.0L / ((2.0L + y1) * (2.0L - y2));
  const long double s1 = y1 * (2.0L - y2) * q;   // y1 / (2 + y1)
  const long double s2 = -y2 * (2.0L + y1) * q;  // -y2 / (2 - y2)
  const long double expo = lv * log1p_minus_x(y1, s1) + lw * log1p_minus_x(-y2, s2) + c.r_n -
                           stirling_remainder(v, lw * r) - stirling_remainder(w, lv * r);
  return {expo, factor};
}
inline long double smirnov_log_term(const smirnov_sum_constants& c, std::int64_t v) noexcept {
  const smirnov_term t = smirnov_term_at(c, v);
  return t.expo + std::log(static_cast<long double>(t.factor));
}

/// Relative bound on the part of the Birnbaum-Tingey sum that smirnov_sf leaves out.
constexpr long double smirnov_tail_tolerance = 1e-20L;

/// Terms of the Birnbaum-Tingey sum relative to exp(e0), e0 = the peak term's
/// expo: exp(expo - e0) * factor in double from the split d = hi + lo (hi = d
/// rounded to double, |lo| <= 4e-15): exp(hi) (1 + lo) has a relative error of
/// ~1 ulp. `log_value` (if given) receives the term's natural log (double).
inline double smirnov_relative_term(const smirnov_sum_constants& c, std::int64_t v, long double e0,
                                    double* log_value = nullptr) noexcept {
  const smirnov_term t = smirnov_term_at(c, v);
  const long double d = t.expo - e0;
  const double dh = static_cast<double>(d);
  const double dl = static_cast<double>(d - static_cast<long double>(dh));
  if (log_value != nullptr) *log_value = dh + std::log(t.factor);
  const double e = std::exp(dh);
  return (e + e * dl) * t.factor;
}

/// Most grid points smirnov_strided_sum evaluates (a fixed buffer, no allocation).
constexpr std::size_t smirnov_stride_max_points = 1024;  // 16 KB of stack with the logs

/// The Birnbaum-Tingey terms v = 1..last (relative to exp(e0)) summed from every
/// h-th term, h >> 1, for large n; returns false (out untouched) where that is
/// not shown to be exact, and the caller then adds term by term.
///
/// Why it works: the terms f(v) (v real, through the Gamma-function form of
/// C(n, v)) are an analytic, log-concave bump whose singularities (v = -n x and
/// v = n - n x) lie beyond both ends of the range. By Poisson summation, the
/// integer sum sum_v f(v) and the stride-h sum h * sum_j f(peak + j h) both equal
/// the integral of f up to the aliasing terms 2 Re F(k) and 2 Re F(k / h) of its
/// Fourier transform F. For a bump of local width sigma (sigma^-2 = -(log f)'',
/// the curvature of the log term) |F(w)| ~ f exp(-2 pi^2 sigma^2 w^2), so at
/// h = sigma / 8 the aliasing is ~exp(-2 pi^2 64) ~ 1e-549 of the sum at the
/// peak. The curvature grows away from the peak, so the bound is not taken
/// from the peak alone: the stride is accepted only if
///   (a) the walk in each direction reaches a term whose whole remaining tail,
///       bounded by log-concavity (every later term falls by at least the last
///       step's ratio), is below 1e-20 of the sum, before leaving 1..last (the
///       ends are where f is not smooth; a walk that reaches them falls back);
///   (b) the local aliasing estimate sum_j f_j exp(-2 pi^2 / (h^2 kappa_j)),
///       kappa_j from the second difference of log f on the grid, is below
///       1e-19 of the sum; and
///   (c) the two interleaved stride-2h sums (even and odd grid points), whose
///       aliasing is the fourth root of the stride-h sum's, agree to 1e-12.
/// Otherwise the stride halves (down to 4, then the caller's term-by-term
/// walk). For n = 10^4 and n x^2 ~ 20 this evaluates ~250-500 terms instead of
/// ~7,000; tests/kolmogorov_test.cpp compares it with the full sum term by term.
inline bool smirnov_strided_sum(const smirnov_sum_constants& c, std::int64_t last, std::int64_t peak, long double e0,
                                long double& out) noexcept {
  if (last < 512) return false;
  // Curvature of log f at the peak from a wide second difference (which
  // overestimates it, as the curvature grows away from the peak: a smaller,
  // safer stride).
  const std::int64_t delta = last / 64;
  if (peak - delta < 1 || peak + delta > last) return false;
  double lm = 0.0, l0 = 0.0, lp = 0.0;
  smirnov_relative_term(c, peak - delta, e0, &lm);
  smirnov_relative_term(c, peak, e0, &l0);
  smirnov_relative_term(c, peak + delta, e0, &lp);
  const double dd = static_cast<double>(delta);
  const double kappa0 = -(lm - 2.0 * l0 + lp) / (dd * dd);
  if (!(kappa0 > 0.0)) return false;
  double value[smirnov_stride_max_points];
  double logv[smirnov_stride_max_points];
  const double sigma = 1.0 / std::sqrt(kappa0);
  for (auto h = static_cast<std::int64_t>(std::min(sigma / 8.0, static_cast<double>(last / 4))); h >= 4; h /= 2) {
    const double dh = static_cast<double>(h);
    // Grid points peak + j h, j = -down .. up, stored at index j + half.
    const std::int64_t half = static_cast<std::int64_t>(smirnov_stride_max_points / 2);
    bool ok = true;
    long double sum = 0.0L;
    std::int64_t reach[2] = {0, 0};
    value[half] = smirnov_relative_term(c, peak, e0, &logv[half]);
    sum += value[half];
    for (int dir = 0; dir < 2 && ok; ++dir) {
      const std::int64_t step = dir == 0 ? h : -h;
      for (std::int64_t j = 1;; ++j) {
        const std::int64_t v = peak + j * step;
        const std::int64_t idx = half + (dir == 0 ? j : -j);
        if (v < 1 || v > last || idx < 0 || idx >= static_cast<std::int64_t>(smirnov_stride_max_points)) {
          ok = false;  // reached an end (or the buffer) with terms still counting
          break;
        }
        const std::size_t i = static_cast<std::size_t>(idx);
        const std::size_t prev = static_cast<std::size_t>(idx + (dir == 0 ? -1 : 1));
        value[i] = smirnov_relative_term(c, v, e0, &logv[i]);
        sum += value[i];
        const double slope = (logv[prev] - logv[i]) / dh;  // per unit step, > 0 once falling
        // Integer terms beyond v: at most value * sum_{k>=1} exp(-k slope).
        if (slope > 0.0 && static_cast<long double>(value[i] / std::expm1(slope)) < 1e-20L * sum * dh) {
          reach[dir] = j;
          break;
        }
      }
    }
    if (!ok) continue;  // a smaller stride lands closer to the end, where the terms may be negligible
    const std::size_t lo = static_cast<std::size_t>(half - reach[1]);
    const std::size_t hi = static_cast<std::size_t>(half + reach[0]);
    long double alias = 0.0L, even = 0.0L, odd = 0.0L;
    for (std::size_t i = lo; i <= hi; ++i) {
      ((i - lo) % 2 == 0 ? even : odd) += value[i];
      if (i == lo || i == hi) continue;
      const double kappa = -(logv[i - 1] - 2.0 * logv[i] + logv[i + 1]) / (dh * dh);
      alias += kappa > 0.0 ? value[i] * std::exp(-2.0 * pi * pi / (dh * dh * kappa)) : value[i];
    }
    if (alias <= 1e-19L * sum && std::fabs(even - odd) <= 1e-12L * sum) {
      out = sum * static_cast<long double>(h);
      return true;
    }
  }
  return false;
}

/// sum_{v=0}^{n-nxfl-1} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v) for n x = nxfl + alpha
/// (2 <= nx, nxfl <= n - 2). `truncated`: start at the largest term and stop each
/// direction as smirnov_sf describes; otherwise add every term (the reference the
/// tests compare the truncated sum with). O(n - nxfl) time worst case. `strided`
/// (with `truncated`): try smirnov_strided_sum first (O(sqrt-ish) terms; falls
/// back to the term-by-term walk where it does not apply).
inline long double smirnov_term_sum(std::int64_t n, std::int64_t nxfl, double alpha, bool truncated,
                                    bool strided = true) noexcept {
  smirnov_sum_constants c;
  c.n = n;
  c.nx = static_cast<long double>(nxfl) + static_cast<long double>(alpha);
  const long double ln = static_cast<long double>(n);
  c.rn = 1.0L / ln;
  c.r_n = stirling_remainder(n, c.rn);
  c.half_log_factor = static_cast<double>(ln / (2.0L * static_cast<long double>(pi)));
  const std::int64_t last = n - nxfl - 1;  // >= 1
  // v = 0: x^-1 (1 - x)^n.
  const long double lt0 = -std::log(c.nx * c.rn) + ln * std::log1p(-c.nx * c.rn);
  if (!truncated) {
    long double sum = std::exp(lt0);
    for (std::int64_t v = 1; v <= last; ++v) {
      const smirnov_term t = smirnov_term_at(c, v);
      sum += std::exp(t.expo) * static_cast<long double>(t.factor);
    }
    return sum;
  }
  // Largest term of v = 1..last by ternary search on the (unimodal) log term.
  std::int64_t lo = 1, hi = last;
  while (hi - lo > 2) {
    const std::int64_t m1 = lo + (hi - lo) / 3;
    const std::int64_t m2 = hi - (hi - lo) / 3;
    if (smirnov_log_term(c, m1) < smirnov_log_term(c, m2)) {
      lo = m1 + 1;
    } else {
      hi = m2 - 1;
    }
  }
  std::int64_t peak = lo;
  long double peak_lt = smirnov_log_term(c, lo);
  for (std::int64_t v = lo + 1; v <= hi; ++v) {
    const long double lt = smirnov_log_term(c, v);
    if (lt > peak_lt) {
      peak_lt = lt;
      peak = v;
    }
  }
  const long double e0 = smirnov_term_at(c, peak).expo;
  if (strided) {
    long double body = 0.0L;
    if (smirnov_strided_sum(c, last, peak, e0, body)) return (body + std::exp(lt0 - e0)) * std::exp(e0);
  }
  auto term = [&](std::int64_t v) { return smirnov_relative_term(c, v, e0); };
  long double sum = 0.0L, comp = 0.0L;  // Kahan
  auto add = [&](long double t) {
    const long double y = t - comp;
    const long double s = sum + y;
    comp = (s - sum) - y;
    sum = s;
  };
  const double tp = term(peak);
  add(tp);
  double prev = tp;
  for (std::int64_t v = peak + 1; v <= last; ++v) {  // upwards: last - v terms left
    const double t = term(v);
    add(t);
    const long double left = static_cast<long double>(last - v);
    if (t < prev && static_cast<long double>(t) * left < sum * smirnov_tail_tolerance) break;
    prev = t;
  }
  prev = tp;
  for (std::int64_t v = peak - 1; v >= 1; --v) {  // downwards: v - 1 terms left (v = 0 added below)
    const double t = term(v);
    add(t);
    const long double left = static_cast<long double>(v - 1);
    if (t < prev && static_cast<long double>(t) * left < sum * smirnov_tail_tolerance) break;
    prev = t;
  }
  add(std::exp(lt0 - e0));
  return sum * std::exp(e0);
}

/// P(D+_n >= x) for n >= 1, 0 <= x <= 1 (scipy.special.smirnov), with SciPy 1.10's
/// special cases; beyond n = 10^6 SciPy's approximation exp(-(6nx+1)^2/(18n)),
/// as SciPy does. Otherwise the Birnbaum-Tingey sum
///   sf = x * sum_{v=0}^{n-nxfl-1} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),
/// the same sum SciPy evaluates (in double-double, from v = 0 upwards, stopping
/// once 4 (terms left) term < DBL_EPSILON sum). Here every term comes from
/// smirnov_log_term (long double, relative error ~1e-17, no running product),
/// so the sum starts at its largest term and walks outward: the terms for v >= 1
/// are unimodal (their log is concave in the continuous extension: the
/// curvature of log C(n, v), -n/(v(n-v)), outweighs that of the two powers,
/// which is smaller by terms of order x^2), so once a term is smaller than its
/// predecessor in the walking direction, every term left in that direction is
/// smaller still and the walk stops when (terms left) * term < 1e-20 * (sum so
/// far): the omitted part is below 2e-20 of the sum. The v = 0 term (not part of
/// the unimodal run when n x < e) is always added. Kahan summation in long double.
/// For n = 500000 and x ~ 0.011 (n x^2 ~ 60) that walk evaluates ~60% of the
/// n - nxfl terms. Before it, smirnov_strided_sum tries every h-th term (h about
/// an eighth of the terms' width), which for n >= ~5,000 applies and costs a few
/// hundred terms (10-40 us at n ~ 10^4 instead of ~350 us); O(n) time worst
/// case, no allocation.
inline double smirnov_sf(std::int64_t n, double x) noexcept {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return nan;
  if (n == 1) return 1.0 - x;
  if (x == 0.0) return 1.0;
  if (x == 1.0) return 0.0;
  const double dn = static_cast<double>(n);
  // n*x split exactly into floor and fraction (an FMA gives the rounding error).
  const double nx = dn * x;
  const double nx_err = std::fma(dn, x, -nx);
  double nx_floor = std::floor(nx);
  double alpha = (nx - nx_floor) + nx_err;
  if (alpha < 0.0) {
    nx_floor -= 1.0;
    alpha += 1.0;
  }
  if (alpha >= 1.0) {
    nx_floor += 1.0;
    alpha -= 1.0;
  }
  const auto nxfl = static_cast<std::int64_t>(nx_floor);
  if (nxfl == 0 || (nxfl == 1 && alpha == 0.0)) {
    const double cdf = x * std::pow(1.0 + x, dn - 1.0);
    return clip01(1.0 - cdf);
  }
  if (-2.0 * dn * x * x < -708.3964185322641) return 0.0;  // cephes MINLOG
  if (nxfl >= n - 1) return clip01(std::pow(1.0 - x, dn));
  if (n > 1000000) {
    const double t = 6.0 * dn * x + 1.0;
    return clip01(std::exp(-t * t / 18.0 / dn));
  }
  return clip01(static_cast<double>(static_cast<long double>(x) * smirnov_term_sum(n, nxfl, alpha, true)));
}

// ---------------------------------------------------------------------------
// Kolmogorov's two-sided one-sample distribution P(D_n <= x) (scipy's kstwo),
// selecting the algorithm like Simard & L'Ecuyer (2011) as SciPy 1.10 does.
// ---------------------------------------------------------------------------

/// Durbin's matrix method in the Marsaglia-Tsang-Wang form: the k-th diagonal
/// entry of H^n times n!/n^n, with power-of-two rescaling. O(m^3 log n) time and
/// O(m^2) scratch for m = 2 ceil(n x) - 1 (bounded: <= ~120 where it is used).
inline double cdf_durbin_matrix(std::int64_t n, double x) {
  if (x >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * x;
  if (nd <= 0.5) return 0.0;
  const auto k = static_cast<std::int64_t>(std::ceil(nd));
  const double h = static_cast<double>(k) - nd;
  const auto m = static_cast<std::size_t>(2 * k - 1);
  const long double scale_up = std::ldexp(1.0L, 128);

  std::vector<double> hm(m * m, 0.0), pw(m * m, 0.0), tmp(m * m, 0.0);
  std::vector<double> v(m), w(m);
  double fac = 1.0;
  for (std::size_t j = 1; j <= m; ++j) {
    w[j - 1] = fac;
    fac /= static_cast<double>(j);
    v[j - 1] = (1.0 - std::pow(h, static_cast<double>(j))) * fac;
  }
  const double tt = std::pow(std::max(2.0 * h - 1.0, 0.0), static_cast<double>(m)) - 2.0 * std::pow(h, static_cast<double>(m));
  v[m - 1] = (1.0 + tt) * fac;
  auto at = [m](std::vector<double>& a, std::size_t r, std::size_t c) -> double& { return a[r * m + c]; };
  for (std::size_t i = 1; i < m; ++i) {
    for (std::size_t r = i - 1; r < m; ++r) at(hm, r, i) = w[r - (i - 1)];
  }
  for (std::size_t r = 0; r < m; ++r) at(hm, r, 0) = v[r];
  for (std::size_t c = 0; c < m; ++c) at(hm, m - 1, c) = v[m - 1 - c];
  for (std::size_t r = 0; r < m; ++r) at(pw, r, r) = 1.0;

  auto multiply = [&](std::vector<double>& out, const std::vector<double>& a, const std::vector<double>& b) {
    std::fill(tmp.begin(), tmp.end(), 0.0);
    for (std::size_t r = 0; r < m; ++r) {
      for (std::size_t q = 0; q < m; ++q) {
        const double arq = a[r * m + q];
        if (arq == 0.0) continue;
        const double* brow = &b[q * m];
        double* trow = &tmp[r * m];
        for (std::size_t c = 0; c < m; ++c) trow[c] += arq * brow[c];
      }
    }
    out.swap(tmp);
  };

  long long power_exp = 0;  // true power = pw * 2^power_exp
  long long h_exp = 0;      // true H^(2^i) = hm * 2^h_exp
  const std::size_t kk = static_cast<std::size_t>(k - 1);
  for (std::int64_t nn = n; nn > 0; nn /= 2) {
    if (nn % 2 != 0) {
      multiply(pw, pw, hm);
      power_exp += h_exp;
    }
    multiply(hm, hm, hm);
    h_exp *= 2;
    if (std::fabs(at(hm, kk, kk)) > static_cast<double>(scale_up)) {
      for (double& e : hm) e = static_cast<double>(static_cast<long double>(e) / scale_up);
      h_exp += 128;
    }
  }
  long double p = at(pw, kk, kk);
  const long double ln = static_cast<long double>(n);
  for (std::int64_t i = 1; i <= n; ++i) {
    p = static_cast<long double>(i) * p / ln;
    if (std::fabs(p) < 1.0L / scale_up) {
      p *= scale_up;
      power_exp -= 128;
    }
  }
  if (power_exp != 0) p = std::ldexp(p, static_cast<int>(power_exp));
  return clip01(static_cast<double>(p));
}

/// Pomeranz's recursion for P(D_n <= x): 2n+1 convolution steps over short
/// rows. O(n * (n x)^2) time, O(n x) scratch; used for n <= 140.
inline double cdf_pomeranz(std::int64_t n, double x) {
  const double t = static_cast<double>(n) * x;
  const auto ll = static_cast<std::int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const std::int64_t ceilf = f > 0.0 ? 1 : 0;
  const std::int64_t roundf = f > 0.5 ? 1 : 0;
  const auto npwrs = static_cast<std::size_t>(2 * (ll + 1));
  const double dn = static_cast<double>(n);
  std::vector<double> gpower(npwrs), twogpower(npwrs), onem2gpower(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
  const double g_n = g / dn, two_g_n = 2.0 * g / dn, one_m2g_n = (1.0 - 2.0 * g) / dn;
  for (std::size_t k = 1; k < npwrs; ++k) {
    const double dk = static_cast<double>(k);
    gpower[k] = gpower[k - 1] * g_n / dk;
    twogpower[k] = twogpower[k - 1] * two_g_n / dk;
    onem2gpower[k] = onem2gpower[k - 1] * one_m2g_n / dk;
  }
  auto bounds = [&](std::int64_t i, std::int64_t& j1, std::int64_t& j2) {
    std::int64_t a, b;
    if (i == 0) {
      a = -ll - ceilf - 1;
      b = ll + ceilf - 1;
    } else {
      const std::int64_t half = (i + 1) / 2;
      if ((i + 1) % 2 == 0) {
        if (half == n + 1) {
          a = n - ll - ceilf - 1;
          b = n + ll + ceilf - 1;
        } else {
          a = half - 1 - ll - roundf - 1;
          b = half + ll - 1 + ceilf - 1;
        }
      } else {
        a = half - 1 - ll - 1;
        b = half + ll + roundf - 1;
      }
    }
    j1 = std::max(a + 2, std::int64_t{0});
    j2 = std::min(b, n);
  };
  const double up = std::ldexp(1.0, 128);
  const double down = std::ldexp(1.0, -128);
  std::vector<double> v0(npwrs, 0.0), v1(npwrs, 0.0);
  v1[0] = 1.0;
  std::int64_t s0 = 0, s1 = 0;  // first column index held by v0, v1
  long long expnt = 0;
  std::int64_t j1 = 0, j2 = 0;
  bounds(0, j1, j2);
  for (std::int64_t i = 1; i < 2 * n + 2; ++i) {
    const std::int64_t k1 = j1;
    v0.swap(v1);
    std::swap(s0, s1);
    std::fill(v1.begin(), v1.end(), 0.0);
    bounds(i, j1, j2);
    const std::vector<double>& pw = (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 != 0 ? twogpower : onem2gpower);
    const std::int64_t len2 = j2 - k1 + 1;
    if (len2 > 0) {
      // Full convolution of v0[k1-s0 .. k1-s0+len2) with pw[0 .. len2), keeping
      // entries j1-k1 .. j2-k1 (indices past the stored row read as zero).
      const std::int64_t off = k1 - s0;
      const std::int64_t start = j1 - k1;
      const std::int64_t count = j2 - j1 + 1;
      double vmax = 0.0;
      for (std::int64_t c = 0; c < count; ++c) {
        const std::int64_t idx = start + c;
        double acc = 0.0;
        for (std::int64_t q = 0; q <= idx; ++q) {
          if (q >= len2 || idx - q >= len2 || idx - q >= static_cast<std::int64_t>(npwrs)) continue;
          const std::int64_t src = off + q;
          if (src < 0 || src >= static_cast<std::int64_t>(npwrs)) continue;
          acc += v0[static_cast<std::size_t>(src)] * pw[static_cast<std::size_t>(idx - q)];
        }
        v1[static_cast<std::size_t>(c)] = acc;
        vmax = std::max(vmax, acc);
      }
      if (vmax > 0.0 && vmax < down) {
        for (double& e : v1) e *= up;
        expnt -= 128;
      }
      s1 = s0 + j1 - k1;
    }
  }
  double ans = v1[static_cast<std::size_t>(n - s1)];
  for (std::int64_t k = 1; k <= n; ++k) {
    if (std::fabs(ans) > up) {
      ans *= down;
      expnt += 128;
    }
    ans *= static_cast<double>(k);
  }
  if (expnt != 0) ans = std::ldexp(ans, static_cast<int>(expnt));
  return clip01(ans);
}

/// Pelz-Good asymptotic expansion of P(D_n <= x) (four terms in 1/sqrt(n)),
/// for large n. O(sqrt(n) x) time, no allocation.
inline double cdf_pelz_good(std::int64_t n, double x) noexcept {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double z = std::sqrt(dn) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double pi2 = pi * pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double qlog = -pi2 / 8.0 / z2;
  if (qlog < -708.0) return 0.0;
  double q = std::exp(qlog);
  const double k1a = -z2, k1b = pi2 / 4.0;
  const double k2a = 6.0 * z6 + 2.0 * z4;
  const double k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
  const double k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
  const double k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
  const double k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
  const double k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
  const double k3a = -30.0 * z6 - 90.0 * z4 * z4;
  double k0 = 0.0, kk1 = 0.0, kk2 = 0.0, kk3 = 0.0;
  const auto maxk = static_cast<std::int64_t>(std::ceil(16.0 * z / pi));
  for (std::int64_t k = maxk; k > 0; --k) {
    const double mm = static_cast<double>(2 * k - 1);
    const double m2 = mm * mm, m4 = m2 * m2, m6 = m4 * m2;
    const double qp = std::pow(q, 8.0 * static_cast<double>(k));
    k0 = k0 * qp + 1.0;
    kk1 = kk1 * qp + (k1a + k1b * m2);
    kk2 = kk2 * qp + (k2a + k2b * m2 + k2c * m4);
    kk3 = kk3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const double s2pi = std::sqrt(2.0 * pi);
  k0 *= q * s2pi / z;
  kk1 *= q * s2pi / (6.0 * z4);
  kk2 *= q * s2pi / (72.0 * z3 * z4);
  kk3 *= q * s2pi / (6480.0 * z4 * z6);
  // Second sum over all integers k (no cancellation expected).
  q = std::exp(-pi2 / 2.0 / z2);
  const double sqrt3z = std::sqrt(3.0) * z;
  double k2extra = 0.0, k3extra = 0.0;
  for (std::int64_t k = maxk; k > 0; --k) {
    const double dk = static_cast<double>(k);
    const double ksq = dk * dk;
    const double qk = std::pow(q, ksq);
    const double kpi = pi * dk;
    k2extra += ksq * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ksq * qk;
  }
  kk2 += k2extra * pi2 * s2pi / (-36.0 * z3);
  kk3 += k3extra * pi2 * s2pi / (216.0 * z6);
  return k0 + kk1 / std::sqrt(dn) + kk2 / dn + kk3 / (dn * std::sqrt(dn));
}

/// log(n! / n^n) by Stirling's series with n log n removed up front.
inline double log_factorial_over_power(std::int64_t n) noexcept {
  static const double c[8] = {-2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
                              8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
                              -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double dn = static_cast<double>(n);
  const double rn = 1.0 / dn;
  const double y = rn / dn;
  double poly = 0.0;
  for (double ci : c) poly = poly * y + ci;
  return std::log(dn) / 2.0 - dn + std::log(2.0 * pi) / 2.0 + rn * poly;
}

/// P(D_n >= x), the survival function of Kolmogorov's two-sided one-sample
/// statistic (scipy.stats.kstwo.sf(x, n)), for n >= 1. Chooses among the
/// Ruben-Gambino closed forms, 2 * smirnov_sf, Durbin's matrix method,
/// Pomeranz's recursion and the Pelz-Good expansion with SciPy 1.10's cutoffs.
/// May allocate O(m^2) scratch (m <= ~120) for the matrix method.
inline double kstwo_sf(std::int64_t n, double x) {
  if (n <= 0 || std::isnan(x)) return nan;
  const double dn = static_cast<double>(n);
  if (x <= 0.5 / dn) return 1.0;  // below the support
  if (x >= 1.0) return 0.0;
  const double t = dn * x;
  if (t <= 0.5) return 1.0;
  if (t <= 1.0) {
    double cdf;
    if (n <= 140) {
      cdf = 1.0;
      for (std::int64_t i = 1; i <= n; ++i) cdf *= static_cast<double>(i) * (1.0 / dn) * (2.0 * t - 1.0);
    } else {
      cdf = std::exp(log_factorial_over_power(n) + dn * std::log(2.0 * t - 1.0));
    }
    return clip01(1.0 - cdf);
  }
  if (t >= dn - 1.0) return clip01(2.0 * std::pow(1.0 - x, dn));
  if (x >= 0.5) return clip01(2.0 * smirnov_sf(n, x));
  const double nxsq = t * x;
  if (n <= 140) {
    if (nxsq <= 0.754693) return clip01(1.0 - cdf_durbin_matrix(n, x));
    if (nxsq <= 4.0) return clip01(1.0 - cdf_pomeranz(n, x));
    return clip01(2.0 * smirnov_sf(n, x));
  }
  if (nxsq >= 370.0) return 0.0;
  if (nxsq >= 2.2) return clip01(2.0 * smirnov_sf(n, x));
  double cdf;
  if (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) {
    cdf = cdf_durbin_matrix(n, x);
  } else {
    cdf = cdf_pelz_good(n, x);
  }
  return clip01(1.0 - cdf);
}

/// Hodges' (1958, eq. 5.3) one-sided asymptotic tail for the two-sample D+,
/// as SciPy uses it: m >= n are the sample sizes, en = m n / (m + n).
inline double one_sided_asymptotic(double m, double n, double d) noexcept {
  if (m < n) std::swap(m, n);
  const double en = m * n / (m + n);
  const double z = std::sqrt(en) * d;
  const double expt = -2.0 * (z * z) - 2.0 * z * (m + 2.0 * n) / std::sqrt(m * n * (m + n)) / 3.0;
  return clip01(std::exp(expt));
}

}  // namespace kolmogorov
}  // namespace detail
}  // namespace driftwatch
