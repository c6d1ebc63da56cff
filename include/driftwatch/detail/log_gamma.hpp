// log |Gamma(x)| that is safe to call from several threads at once.
//
// std::lgamma also stores the sign of Gamma(x) in the global `signgam` (POSIX),
// so two threads computing p-values at the same time race on it: ThreadSanitizer
// found exactly that in the drift tool, whose two worker threads each compute
// chi-square p-values. glibc's lgamma_r / lgammal_r return the same value and
// give the sign back through their argument instead; other C libraries get
// std::lgamma.
#pragma once

#include <cmath>

namespace driftwatch {
namespace detail {

inline double log_gamma(double x) noexcept {
#if defined(__GLIBC__)
  int sign = 0;
  return ::lgamma_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

inline long double log_gamma(long double x) noexcept {
#if defined(__GLIBC__)
  int sign = 0;
  return ::lgammal_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

}  // namespace detail
}  // namespace driftwatch
