// Regularised incomplete gamma functions, for chi-square p-values.
#pragma once

#include <cmath>
#include <limits>

#include <driftwatch/detail/log_gamma.hpp>

namespace driftwatch {
namespace detail {

// P(a, x) by its power series; converges fast for x < a + 1.
inline double gamma_p_series(double a, double x) noexcept {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
  }
  return sum * std::exp(-x + a * std::log(x) - log_gamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz); converges fast for
// x >= a + 1 and keeps relative precision deep into the tail.
inline double gamma_q_continued_fraction(double a, double x) noexcept {
  const double tiny = std::numeric_limits<double>::min() / std::numeric_limits<double>::epsilon();
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-17) break;
  }
  return std::exp(-x + a * std::log(x) - log_gamma(a)) * h;
}

/// Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), for
/// a > 0, x >= 0 (scipy.special.gammaincc). Relative accuracy about 1e-14
/// for moderate a; NaN for invalid arguments.
inline double gamma_q(double a, double x) noexcept {
  if (!(a > 0) || !(x >= 0) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_continued_fraction(a, x);
}

/// Survival function of the chi-square distribution with `dof` degrees of
/// freedom: P(X > x) = Q(dof / 2, x / 2) (scipy.stats.chi2.sf).
inline double chi2_sf(double x, double dof) noexcept {
  if (x <= 0) return 1.0;
  return gamma_q(dof / 2.0, x / 2.0);
}

}  // namespace detail
}  // namespace driftwatch
