// driftwatch::detail: the regularized incomplete beta function and the Student t
// distribution built on it (p-values and confidence intervals of the canary tests).
// Not part of the public API. Not on any hot path: called once per read of a result.
#pragma once

#include <cmath>
#include <limits>

#include <driftwatch/detail/log_gamma.hpp>

namespace driftwatch {
namespace detail {

/// Stirling remainder of log Gamma for x >= 10: lgamma(x) = (x - 1/2) ln x - x
/// + ln(2 pi)/2 + stirling_delta(x). Absolute error below 1e-17 for x >= 10.
inline double stirling_delta(double x) noexcept {
  const double r = 1.0 / x;
  const double r2 = r * r;
  // Bernoulli-number series B_2n / (2n (2n - 1) x^(2n-1)).
  return r * (1.0 / 12.0 -
              r2 * (1.0 / 360.0 -
                    r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360360.0))))));
}

/// ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), for a, b > 0.
/// When a parameter is large the difference lnGamma(x) - lnGamma(x + y) is
/// formed from Stirling's series so that the cancellation between two large
/// log-gammas does not cost digits (the t distribution with many degrees of
/// freedom needs this to keep p-values accurate to ~1e-13 relative).
inline double log_beta(double a, double b) noexcept {
  double big = a > b ? a : b;
  double small = a > b ? b : a;
  if (big < 10.0) return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
  const double sum = big + small;
  // lnGamma(big) - lnGamma(big + small)
  //   = (big - 1/2) ln(big / sum) - small ln(sum) + small + delta(big) - delta(sum)
  const double diff = (big - 0.5) * -std::log1p(small / big) - small * std::log(sum) + small +
                      stirling_delta(big) - stirling_delta(sum);
  if (small >= 10.0) {
    // Both large: lnGamma(small) from Stirling too.
    const double lg_small =
        (small - 0.5) * std::log(small) - small + 0.91893853320467274178 + stirling_delta(small);
    return lg_small + diff;
  }
  return log_gamma(small) + diff;
}

/// Continued fraction for I_x(a, b) (modified Lentz), valid and fast for
/// x < (a + 1) / (a + b + 2). Returns the fraction only; the caller multiplies
/// by the prefactor x^a y^b / (a B(a, b)).
inline double incomplete_beta_fraction(double a, double b, double x) noexcept {
  const double tiny = 1e-300;
  const double eps = 1e-16;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < 200000; ++m) {
    const double dm = static_cast<double>(m);
    const double m2 = 2.0 * dm;
    // Even step.
    double num = dm * (b - dm) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    // Odd step.
    num = -(a + dm) * (a + b + dm) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < eps) break;
  }
  return h;
}

/// Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1, with
/// y = 1 - x supplied by the caller so that it can be exact when x is close
/// to 1 (pass y = 1 - x when you have nothing better). Relative accuracy about
/// 1e-14 over the range the t distribution uses. NaN for invalid arguments.
inline double incomplete_beta(double a, double b, double x, double y) noexcept {
  if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(y >= 0.0) || x > 1.0 || y > 1.0)
    return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return 0.0;
  if (y == 0.0) return 1.0;
  // Logs of x and y taken from whichever of the two is accurate.
  const double log_x = x > 0.5 ? std::log1p(-y) : std::log(x);
  const double log_y = y > 0.5 ? std::log1p(-x) : std::log(y);
  if (x < (a + 1.0) / (a + b + 2.0)) {
    const double front = std::exp(a * log_x + b * log_y - log_beta(a, b)) / a;
    return front * incomplete_beta_fraction(a, b, x);
  }
  // Symmetry: I_x(a, b) = 1 - I_y(b, a).
  const double front = std::exp(a * log_x + b * log_y - log_beta(a, b)) / b;
  return 1.0 - front * incomplete_beta_fraction(b, a, y);
}

/// Upper tail of I: 1 - I_x(a, b) = I_y(b, a), computed without cancellation.
inline double incomplete_beta_complement(double a, double b, double x, double y) noexcept {
  return incomplete_beta(b, a, y, x);
}

/// P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be an
/// integer: Welch's test uses fractional df). Like scipy.special.stdtr.
inline double student_t_cdf(double t, double df) noexcept {
  if (std::isnan(t) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  if (std::isinf(df)) return 0.5 * std::erfc(-t / std::sqrt(2.0));
  const double t2 = t * t;
  // x = df / (df + t^2), y = t^2 / (df + t^2), both formed without cancellation.
  const double x = df / (df + t2);
  const double y = t2 / (df + t2);
  const double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, x, y);  // P(T <= -|t|)
  return t < 0 ? tail : 1.0 - tail;
}

/// P(T <= -|t|) * 2 without cancellation: the two-sided p-value of |t|.
inline double student_t_two_sided(double t, double df) noexcept {
  if (std::isnan(t) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0.0;
  const double t2 = t * t;
  return incomplete_beta(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));
}

/// Density of Student's t.
inline double student_t_pdf(double t, double df) noexcept {
  return std::exp(-0.5 * (df + 1.0) * std::log1p(t * t / df) - log_beta(0.5 * df, 0.5)) /
         std::sqrt(df);
}

/// The p-quantile of Student's t (like scipy.special.stdtrit(df, p)), for
/// 0 < p < 1: Newton's method on student_t_cdf, safeguarded by bisection;
/// converges to a few ulps. 0 and 1 give -inf and +inf.
inline double student_t_quantile(double p, double df) noexcept {
  if (std::isnan(p) || !(df > 0.0) || p < 0.0 || p > 1.0)
    return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0.0;
  // Solve in the lower tail for accuracy, then mirror.
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;  // target lower-tail probability, < 0.5
  // Bracket: t in [lo, 0] with cdf(lo) <= q.
  double lo = -1.0;
  while (student_t_cdf(lo, df) > q && lo > -1e300) lo *= 2.0;
  double hi = 0.0;
  double t = 0.5 * (lo + hi);
  for (int i = 0; i < 400; ++i) {
    const double f = student_t_cdf(t, df) - q;
    if (f == 0.0) break;
    if (f > 0.0) hi = t; else lo = t;
    const double step = f / student_t_pdf(t, df);
    double next = t - step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - t) <= 1e-15 * std::fabs(next)) {
      t = next;
      break;
    }
    t = next;
  }
  return upper ? -t : t;
}

}  // namespace detail
}  // namespace driftwatch
