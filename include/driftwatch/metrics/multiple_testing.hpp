// Corrections for testing many features at once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

enum class correction { none, bonferroni, benjamini_hochberg };

namespace detail {
inline void check_pvalues(span<const double> pvalues, const char* who) {
  for (std::size_t i = 0; i < pvalues.size(); ++i)
    if (!(pvalues[i] >= 0 && pvalues[i] <= 1))
      fail(std::string(who) + ": p-value " + std::to_string(i) + " is not in [0, 1] (" + std::to_string(pvalues[i]) +
           ")");
}
}  // namespace detail

/// Bonferroni-adjusted p-values: min(1, m * p_i) for m tests. Controls the
/// family-wise error rate. Same positions as the input; throws on a p-value
/// outside [0, 1] (NaN included), naming it.
inline std::vector<double> bonferroni(span<const double> pvalues) {
  detail::check_pvalues(pvalues, "bonferroni");
  std::vector<double> out(pvalues.begin(), pvalues.end());
  const auto m = static_cast<double>(pvalues.size());
  for (auto& p : out) p = std::min(1.0, p * m);
  return out;
}

/// Benjamini-Hochberg adjusted p-values (step-up, controls the false discovery
/// rate under independence or positive dependence): with p sorted ascending,
/// adj_(i) = min_{j >= i} min(1, m * p_(j) / j), returned in input order (as
/// R's p.adjust(method = "BH") and statsmodels' fdr_bh). Reject where adj <= q.
inline std::vector<double> benjamini_hochberg(span<const double> pvalues) {
  detail::check_pvalues(pvalues, "benjamini_hochberg");
  const std::size_t m = pvalues.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pvalues[a] < pvalues[b]; });
  std::vector<double> out(m);
  double running = 1.0;
  for (std::size_t k = m; k-- > 0;) {
    const std::size_t i = order[k];
    const double candidate = pvalues[i] * static_cast<double>(m) / static_cast<double>(k + 1);
    running = std::min(running, candidate);
    out[i] = std::min(1.0, running);
  }
  return out;
}

/// Applies `method` (none returns a copy).
inline std::vector<double> adjust_pvalues(span<const double> pvalues, correction method) {
  switch (method) {
    case correction::bonferroni: return bonferroni(pvalues);
    case correction::benjamini_hochberg: return benjamini_hochberg(pvalues);
    case correction::none: break;
  }
  detail::check_pvalues(pvalues, "adjust_pvalues");
  return std::vector<double>(pvalues.begin(), pvalues.end());
}

}  // namespace driftwatch
