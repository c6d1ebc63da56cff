// Chi-square homogeneity test for a categorical feature.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>
#include <string>
#include <vector>

#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/detail/special_functions.hpp>
#include <driftwatch/detail/summation.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

struct chi2_result {
  double statistic = std::numeric_limits<double>::quiet_NaN();
  double pvalue = std::numeric_limits<double>::quiet_NaN();
  std::size_t dof = 0;
  /// nullptr when valid, else why there is no result (an empty side).
  const char* invalid_reason = "no data";
  /// nullptr when the test is the exact-count Pearson test above; otherwise a
  /// static string saying which approximation was computed (weighted counts:
  /// see chi_square of basic_category_counts). Every output shows it.
  const char* approximation = nullptr;
  bool approximate() const noexcept { return approximation != nullptr; }
  bool valid() const noexcept { return invalid_reason == nullptr; }
};

/// Pearson's chi-square test of homogeneity on the 2 x C contingency table
/// whose rows are the reference and current counts per category, without
/// Yates' correction: scipy.stats.chi2_contingency(table, correction=False).
///
///     E_rc = row_r * col_c / N,  X^2 = sum (O_rc - E_rc)^2 / E_rc,
///     dof = C' - 1,  p = chi2.sf(X^2, dof)
///
/// where C' counts the categories with a non-zero total (SciPy rejects a zero
/// expected frequency; a category present in neither side carries no
/// information, so it is left out instead). With one category, dof = 0 and the
/// result is X^2 = 0, p = 1, as SciPy returns. Invalid when either row total is
/// zero. Throws on mismatched sizes or negative/non-finite counts.
inline chi2_result chi_square(span<const double> reference, span<const double> current) {
  if (reference.size() != current.size())
    detail::fail("chi_square: reference and current have different numbers of categories (" +
                 std::to_string(reference.size()) + " vs " + std::to_string(current.size()) + ")");
  detail::compensated_sum r0, r1;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    if (!(reference[i] >= 0) || !(current[i] >= 0) || !std::isfinite(reference[i]) || !std::isfinite(current[i]))
      detail::fail("chi_square: category " + std::to_string(i) + " has a negative or non-finite count");
    r0.add(reference[i]);
    r1.add(current[i]);
    if (reference[i] + current[i] > 0) ++columns;
  }
  chi2_result out;
  const double row0 = r0.value(), row1 = r1.value(), total = row0 + row1;
  if (!(row0 > 0)) {
    out.invalid_reason = "the reference has no observations";
    return out;
  }
  if (!(row1 > 0)) {
    out.invalid_reason = "the current window has no observations";
    return out;
  }
  out.invalid_reason = nullptr;
  out.dof = columns - 1;
  if (out.dof == 0) {
    out.statistic = 0.0;
    out.pvalue = 1.0;
    return out;
  }
  detail::compensated_sum stat;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double col = reference[i] + current[i];
    if (col == 0) continue;
    const double e0 = row0 * col / total, e1 = row1 * col / total;
    stat.add((reference[i] - e0) * (reference[i] - e0) / e0);
    stat.add((current[i] - e1) * (current[i] - e1) / e1);
  }
  out.statistic = stat.value();
  out.pvalue = detail::chi2_sf(out.statistic, static_cast<double>(out.dof));
  return out;
}

/// The approximation a weighted chi-square states (chi2_result::approximation).
constexpr const char* chi2_weighted_approximation =
    "approximate: weighted counts, Pearson's test on each side's weight sums scaled to its Kish effective "
    "sample size (sum w)^2 / sum w^2";

/// The test on two categorical features over the union of their categories
/// (any basic_category_counts instantiations). Unweighted: the exact test
/// above. When either side is weighted there is no exact Pearson test; the
/// result is an approximation, marked in `approximation`: each side's weight
/// sums are scaled to its Kish effective sample size n_eff = (sum w)^2 /
/// sum w^2 (so O'_c = O_c * n_eff / sum w), and Pearson's test runs on those
/// pseudo-counts (equal to scipy.stats.chi2_contingency on the scaled table,
/// tests/reference/gen_weighted_reference.py). With unit weights it equals the
/// unweighted test. Invalid (with a reason) when a counter32 saturated.
template <class C1, class C2,
          std::enable_if_t<detail::is_basic_category_counts<C1>::value && detail::is_basic_category_counts<C2>::value,
                           int> = 0>
chi2_result chi_square(const C1& reference, const C2& current) {
  if (reference.saturated_count() != 0 || current.saturated_count() != 0) {
    chi2_result out;
    out.invalid_reason = "a 32-bit counter saturated (saturated_count() > 0): the counts are not exact";
    return out;
  }
  auto a = align(reference, current);
  if (!C1::is_weighted && !C2::is_weighted) return chi_square(a.reference, a.current);
  auto scale = [](std::vector<double>& row, double total, double n_eff) {
    if (total > 0)
      for (auto& x : row) x = x * (n_eff / total);
  };
  scale(a.reference, static_cast<double>(reference.count()), reference.effective_count());
  scale(a.current, static_cast<double>(current.count()), current.effective_count());
  chi2_result out = chi_square(a.reference, a.current);
  out.approximation = chi2_weighted_approximation;
  return out;
}

}  // namespace driftwatch
