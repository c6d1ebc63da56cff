// Wasserstein-1 (earth mover's) distance between two raw samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/core/error.hpp>
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

namespace detail {
/// Finite values of one weighted sample, sorted, with the running sums of
/// their weights (cum[0] = 0, cum[k] = weight of the k smallest values, as
/// numpy.cumsum over the sorted weights). Throws on a size mismatch or a
/// negative / non-finite weight.
struct weighted_sorted_sample {
  std::vector<double> values, cum;
};
inline weighted_sorted_sample weighted_sorted(span<const double> values, span<const double> weights, const char* side) {
  if (values.size() != weights.size())
    fail(std::string("wasserstein: ") + side + " has " + std::to_string(values.size()) + " values but " +
         std::to_string(weights.size()) + " weights");
  std::vector<std::pair<double, double>> pairs;
  pairs.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i]))
      fail(std::string("wasserstein: ") + side + " weight " + std::to_string(i) + " is negative or not finite (" +
           std::to_string(weights[i]) + ")");
    if (std::isfinite(values[i])) pairs.emplace_back(values[i], weights[i]);
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const std::pair<double, double>& a, const std::pair<double, double>& b) { return a.first < b.first; });
  weighted_sorted_sample out;
  out.values.reserve(pairs.size());
  out.cum.reserve(pairs.size() + 1);
  out.cum.push_back(0.0);
  for (const auto& p : pairs) {
    out.values.push_back(p.first);
    out.cum.push_back(out.cum.back() + p.second);
  }
  return out;
}
}  // namespace detail

/// Weighted Wasserstein-1 distance, as scipy.stats.wasserstein_distance(
/// reference, current, u_weights=reference_weights, v_weights=current_weights):
/// the integral of |F_ref - F_cur| with F(x) = (weight of the values <= x) /
/// (total weight). Weights are >= 0 and finite (throws otherwise, or when a
/// sample and its weights differ in length); a non-finite value is excluded
/// with its weight. Invalid when a side has no finite value or its weights sum
/// to 0. Allocates sorted copies; O((n + m) log(n + m)).
inline metric_value wasserstein(span<const double> reference, span<const double> current,
                                span<const double> reference_weights, span<const double> current_weights) {
  const auto a = detail::weighted_sorted(reference, reference_weights, "the reference");
  const auto b = detail::weighted_sorted(current, current_weights, "the current sample");
  const std::size_t n = a.values.size(), m = b.values.size();
  if (n == 0) return metric_value::invalid("the reference sample is empty");
  if (m == 0) return metric_value::invalid("the current sample is empty");
  const double wa = a.cum[n], wb = b.cum[m];
  if (!(wa > 0)) return metric_value::invalid("the reference weights sum to 0");
  if (!(wb > 0)) return metric_value::invalid("the current weights sum to 0");
  std::size_t i = 0, j = 0;
  detail::compensated_sum sum;
  bool overflow = false;
  double x = std::min(a.values[0], b.values[0]);
  while (true) {
    while (i < n && a.values[i] <= x) ++i;
    while (j < m && b.values[j] <= x) ++j;
    if (i == n && j == m) break;
    const double next = (i < n && (j == m || a.values[i] < b.values[j])) ? a.values[i] : b.values[j];
    const double gap = std::fabs(a.cum[i] / wa - b.cum[j] / wb);
    const double term = gap == 0.0 ? 0.0 : gap * (next - x);
    if (std::isinf(term)) overflow = true;
    sum.add(term);
    x = next;
  }
  const double w = sum.value();
  return metric_value::of(overflow || std::isnan(w) || std::isinf(w) ? std::numeric_limits<double>::infinity() : w);
}

}  // namespace driftwatch
