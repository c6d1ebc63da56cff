// Wasserstein-1 (earth mover's) distance between two raw samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <driftwatch/detail/summation.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// Wasserstein-1 distance between the empirical distributions of two sorted,
/// finite samples, as scipy.stats.wasserstein_distance(reference, current):
///
///     W1 = integral |F_ref(x) - F_cur(x)| dx
///        = sum_k |F_ref(x_k) - F_cur(x_k)| (x_{k+1} - x_k)
///
/// over the pooled sorted values x_k, with F(x) = #{values <= x} / n. In the
/// units of the feature. One merge walk, O(n + m), no allocation. Invalid when
/// either sample is empty. A distance beyond DBL_MAX (samples spanning more
/// than DBL_MAX) is +inf and valid, as SciPy returns it.
inline metric_value wasserstein_sorted(span<const double> sorted_reference, span<const double> sorted_current) noexcept {
  const std::size_t n = sorted_reference.size(), m = sorted_current.size();
  if (n == 0) return metric_value::invalid("the reference sample is empty");
  if (m == 0) return metric_value::invalid("the current sample is empty");
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  std::size_t i = 0, j = 0;
  detail::compensated_sum sum;
  bool overflow = false;
  // x is the current pooled value; advance both samples past every copy of x,
  // then the CDFs at x are i/n and j/m until the next pooled value.
  double x = std::min(sorted_reference[0], sorted_current[0]);
  while (true) {
    while (i < n && sorted_reference[i] <= x) ++i;
    while (j < m && sorted_current[j] <= x) ++j;
    if (i == n && j == m) break;
    const double next = (i < n && (j == m || sorted_reference[i] < sorted_current[j])) ? sorted_reference[i]
                                                                                         : sorted_current[j];
    const double gap = std::fabs(static_cast<double>(i) / dn - static_cast<double>(j) / dm);
    const double term = gap == 0.0 ? 0.0 : gap * (next - x);  // next - x may be +inf
    if (std::isinf(term)) overflow = true;
    sum.add(term);
    x = next;
  }
  const double w = sum.value();
  // A sum of finite terms can overflow too (the compensation is then NaN).
  return metric_value::of(overflow || std::isnan(w) || std::isinf(w) ? std::numeric_limits<double>::infinity() : w);
}

/// As wasserstein_sorted for unsorted samples; non-finite values are excluded
/// (a distance to an infinite value is meaningless). Allocates sorted copies.
inline metric_value wasserstein(span<const double> reference, span<const double> current) {
  auto finite_sorted = [](span<const double> values) {
    std::vector<double> out;
    out.reserve(values.size());
    for (double x : values)
      if (std::isfinite(x)) out.push_back(x);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto a = finite_sorted(reference);
  const auto b = finite_sorted(current);
  return wasserstein_sorted(a, b);
}

}  // namespace driftwatch
