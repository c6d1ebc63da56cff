// Binned drift metrics: PSI, Jensen-Shannon and Hellinger.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/detail/kernels_divergence.hpp>
#include <driftwatch/detail/summation.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// Jensen-Shannon divergence and distance (distance = sqrt(divergence)).
struct js_result {
  metric_value divergence;
  metric_value distance;
  bool valid() const noexcept { return divergence.valid(); }
};

namespace detail {

// Validates a pair of weight vectors (counts or unnormalised probabilities)
// and returns their totals; throws on a size mismatch or a negative/non-finite
// weight (these are read-side calls, never the hot path).
struct weight_totals {
  double reference = 0;
  double current = 0;
  /// Smallest non-zero weight of each side (+inf if none).
  double min_reference = HUGE_VAL;
  double min_current = HUGE_VAL;
  const char* invalid_reason = nullptr;
};

inline weight_totals check_weights(span<const double> p, span<const double> q, const char* who) {
  if (p.size() != q.size())
    fail(std::string(who) + ": reference and current have different numbers of bins (" + std::to_string(p.size()) +
         " vs " + std::to_string(q.size()) + ")");
  weight_totals totals;
  // One vectorized pass validates, sums and finds the smallest non-zero
  // weights; only a bad weight falls through to the loop below, which names it
  // in the exception (weight_sums_of fails only on a bad weight).
  const weight_sums fast = weight_sums_of(p.data(), q.data(), p.size());
  for (std::size_t i = 0; !fast.ok && i < p.size(); ++i) {
    if (!(p[i] >= 0) || !std::isfinite(p[i]))
      fail(std::string(who) + ": reference weight " + std::to_string(i) + " is negative or not finite (" +
           std::to_string(p[i]) + ")");
    if (!(q[i] >= 0) || !std::isfinite(q[i]))
      fail(std::string(who) + ": current weight " + std::to_string(i) + " is negative or not finite (" +
           std::to_string(q[i]) + ")");
  }
  totals.reference = fast.reference;
  totals.current = fast.current;
  totals.min_reference = fast.min_reference;
  totals.min_current = fast.min_current;
  if (!(totals.reference > 0))
    totals.invalid_reason = "the reference has no observations";
  else if (!(totals.current > 0))
    totals.invalid_reason = "the current window has no observations";
  return totals;
}

inline std::vector<double> to_double(const std::vector<std::uint64_t>& counts) {
  return std::vector<double>(counts.begin(), counts.end());
}

/// The counts (or weight sums) of any basic_histogram as doubles.
template <class H>
std::vector<double> histogram_weights(const H& h) {
  std::vector<double> out(h.bin_count());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(h.count_at(i));
  return out;
}

template <class H1, class H2>
void check_same_edges(const H1& a, const H2& b, const char* who) {
  if (a.edges() != b.edges())
    fail(std::string(who) + ": reference and current histograms have different bin edges (" +
         std::to_string(a.bin_count()) + " vs " + std::to_string(b.bin_count()) + " bins)");
}

/// Why a metric refuses a pair of histograms (a saturated counter32: its
/// counts are no longer exact), or nullptr.
template <class H1, class H2>
const char* histogram_refusal(const H1& a, const H2& b) noexcept {
  if (a.saturated_count() != 0) return "a 32-bit counter of the reference saturated (saturated_count() > 0)";
  if (b.saturated_count() != 0) return "a 32-bit counter of the current window saturated (saturated_count() > 0)";
  return nullptr;
}

template <class H1, class H2>
using if_histograms = std::enable_if_t<is_basic_histogram<H1>::value && is_basic_histogram<H2>::value, int>;

// Weights whose proportions leave the normal double range (a total below
// ~1e-290, where the kernels' reciprocal of the total overflows, or a non-zero
// weight more than ~290 orders of magnitude below its total, where ratios of
// proportions overflow and proportions go subnormal). Counts never get there
// (a proportion of a 64-bit count is >= 5e-20); hand-made weights can. Those
// inputs take the careful scalar paths below: divisions and logarithms of each
// proportion, no reciprocal, no ratio that can overflow. Decided from the totals
// and the smallest non-zero weights that the validation pass already found.
inline bool extreme_weights(double min_nonzero, double total) noexcept {
  constexpr double tiny = 1e-290;
  return total < tiny || min_nonzero < tiny * total;
}
inline bool extreme_weights(const weight_totals& t) noexcept {
  return extreme_weights(t.min_reference, t.reference) || extreme_weights(t.min_current, t.current);
}

inline double psi_sum_careful(span<const double> ref, span<const double> cur, double tp, double tq, double epsilon) {
  compensated_sum sum;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double p = ref[i] > 0 ? ref[i] / tp : 0, q = cur[i] > 0 ? cur[i] / tq : 0;
    const double lp = p > 0 ? std::log(p) : std::log(epsilon), lq = q > 0 ? std::log(q) : std::log(epsilon);
    sum.add(((q > 0 ? q : epsilon) - (p > 0 ? p : epsilon)) * (lq - lp));
  }
  return sum.value();
}

// p ln(p/m) + q ln(q/m) with ln m = ln(p + q) - ln 2: nothing underflows to a
// zero m or overflows a ratio.
inline double js_sum_careful(span<const double> ref, span<const double> cur, double tp, double tq) {
  const double ln2 = 0.69314718055994530942;
  compensated_sum sum;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double p = ref[i] / tp, q = cur[i] / tq;
    if (p == 0 && q == 0) continue;
    const double lm = std::log(p + q) - ln2;
    if (p > 0) sum.add(p * (std::log(p) - lm));
    if (q > 0) sum.add(q * (std::log(q) - lm));
  }
  const double v = sum.value();
  return v > 0 ? v : 0.0;
}

inline double hellinger_sum_careful(span<const double> ref, span<const double> cur, double tp, double tq) {
  compensated_sum sum;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = std::sqrt(ref[i] / tp) - std::sqrt(cur[i] / tq);
    sum.add(d * d);
  }
  return sum.value();
}

}  // namespace detail

/// Population Stability Index over the same bins:
///
///     PSI = sum_i (q_i - p_i) * ln(q_i / p_i)
///
/// with p = reference / sum(reference), q = current / sum(current) (weights
/// are normalised, as scipy.spatial.distance.jensenshannon does), and a zero
/// proportion replaced by `epsilon` on that side only, without renormalising,
/// in both factors. Always finite and >= 0. Invalid when either side has no
/// observations. Throws driftwatch::error on mismatched sizes, a negative or
/// non-finite weight, or epsilon not in (0, 1). O(B), no allocation.
inline metric_value psi(span<const double> reference, span<const double> current, double epsilon = 1e-4) {
  if (!(epsilon > 0 && epsilon < 1)) detail::fail("psi: epsilon must be in (0, 1), got " + std::to_string(epsilon));
  const auto totals = detail::check_weights(reference, current, "psi");
  if (totals.invalid_reason) return metric_value::invalid(totals.invalid_reason);
  if (detail::extreme_weights(totals))
    return metric_value::of(detail::psi_sum_careful(reference, current, totals.reference, totals.current, epsilon));
  // SIMD kernel with a scalar twin: detail/kernels_divergence.hpp.
  return metric_value::of(detail::psi_sum(reference.data(), current.data(), reference.size(), totals.reference,
                                          totals.current, epsilon));
}

/// PSI of two histograms over identical edges (throws if the edges differ):
/// any instantiations of basic_histogram; weighted ones give the PSI of their
/// weight sums per bin, as of numpy.histogram(x, edges, weights=w). Invalid
/// when a counter32 saturated.
template <class H1, class H2, detail::if_histograms<H1, H2> = 0>
metric_value psi(const H1& reference, const H2& current, double epsilon = 1e-4) {
  detail::check_same_edges(reference, current, "psi");
  if (const char* why = detail::histogram_refusal(reference, current)) return metric_value::invalid(why);
  return psi(detail::histogram_weights(reference), detail::histogram_weights(current), epsilon);
}

namespace detail {
template <class C1, class C2>
using if_category_counts =
    std::enable_if_t<is_basic_category_counts<C1>::value && is_basic_category_counts<C2>::value, int>;
template <class C1, class C2>
const char* category_refusal(const C1& a, const C2& b) noexcept {
  if (a.saturated_count() != 0) return "a 32-bit counter of the reference saturated (saturated_count() > 0)";
  if (b.saturated_count() != 0) return "a 32-bit counter of the current window saturated (saturated_count() > 0)";
  return nullptr;
}
}  // namespace detail

/// PSI of two categorical features over the union of their categories (any
/// basic_category_counts instantiations; weighted ones give their weight sums).
template <class C1, class C2, detail::if_category_counts<C1, C2> = 0>
metric_value psi(const C1& reference, const C2& current, double epsilon = 1e-4) {
  if (const char* why = detail::category_refusal(reference, current)) return metric_value::invalid(why);
  const auto a = align(reference, current);
  return psi(a.reference, a.current, epsilon);
}

/// Jensen-Shannon divergence and distance, exactly as
/// scipy.spatial.distance.jensenshannon(reference, current, base):
/// p and q normalised to sum 1, M = (p + q) / 2,
///
///     divergence = (sum p ln(p/M) + sum q ln(q/M)) / (2 ln base),  0 ln 0 = 0
///     distance   = sqrt(divergence)
///
/// (SciPy returns the distance.) With base 2 (default) both lie in [0, 1].
/// Computed as one sum of non-negative terms M f(d) (docs/metrics.md), so it is
/// never negative and identical inputs give exactly 0; O(n), no allocation.
/// Invalid when either side has no observations. Throws on
/// mismatched sizes, negative/non-finite weights, or base <= 0 or == 1.
inline js_result jensen_shannon(span<const double> reference, span<const double> current, double base = 2.0) {
  if (!(base > 0) || base == 1 || !std::isfinite(base))
    detail::fail("jensen_shannon: the logarithm base must be positive, finite and not 1, got " + std::to_string(base));
  const auto totals = detail::check_weights(reference, current, "jensen_shannon");
  if (totals.invalid_reason)
    return js_result{metric_value::invalid(totals.invalid_reason), metric_value::invalid(totals.invalid_reason)};
  // sum p ln(p/M) + sum q ln(q/M), computed as one sum of non-negative terms m f(d)
  // (SIMD kernel with a scalar twin; formula and error: detail/kernels_divergence.hpp).
  const bool extreme = detail::extreme_weights(totals);
  const double sum = extreme ? detail::js_sum_careful(reference, current, totals.reference, totals.current)
                             : detail::js_sum(reference.data(), current.data(), reference.size(), totals.reference,
                                              totals.current);
  double divergence = sum / std::log(base) / 2.0;
  if (divergence < 0) divergence = 0;
  return js_result{metric_value::of(divergence), metric_value::of(std::sqrt(divergence))};
}

/// Jensen-Shannon of two histograms (any basic_histogram instantiations, as psi).
template <class H1, class H2, detail::if_histograms<H1, H2> = 0>
js_result jensen_shannon(const H1& reference, const H2& current, double base = 2.0) {
  detail::check_same_edges(reference, current, "jensen_shannon");
  if (const char* why = detail::histogram_refusal(reference, current))
    return js_result{metric_value::invalid(why), metric_value::invalid(why)};
  return jensen_shannon(detail::histogram_weights(reference), detail::histogram_weights(current), base);
}

template <class C1, class C2, detail::if_category_counts<C1, C2> = 0>
js_result jensen_shannon(const C1& reference, const C2& current, double base = 2.0) {
  if (const char* why = detail::category_refusal(reference, current))
    return js_result{metric_value::invalid(why), metric_value::invalid(why)};
  const auto a = align(reference, current);
  return jensen_shannon(a.reference, a.current, base);
}

/// Hellinger distance over the same bins, in [0, 1]:
///
///     H = sqrt(max(0, 1 - sum_i sqrt(p_i q_i)))
///
/// computed in the algebraically identical, cancellation-free form
/// H = sqrt(sum_i (sqrt p_i - sqrt q_i)^2 / 2), so nearly identical inputs keep
/// full relative precision. Invalid when either side has no observations.
inline metric_value hellinger(span<const double> reference, span<const double> current) {
  const auto totals = detail::check_weights(reference, current, "hellinger");
  if (totals.invalid_reason) return metric_value::invalid(totals.invalid_reason);
  const bool extreme = detail::extreme_weights(totals);
  const double h2 = (extreme ? detail::hellinger_sum_careful(reference, current, totals.reference, totals.current)
                             : detail::hellinger_sum(reference.data(), current.data(), reference.size(),
                                                     totals.reference, totals.current)) /
                    2.0;
  return metric_value::of(std::sqrt(h2 < 1 ? h2 : 1.0));
}

/// Hellinger of two histograms (any basic_histogram instantiations, as psi).
template <class H1, class H2, detail::if_histograms<H1, H2> = 0>
metric_value hellinger(const H1& reference, const H2& current) {
  detail::check_same_edges(reference, current, "hellinger");
  if (const char* why = detail::histogram_refusal(reference, current)) return metric_value::invalid(why);
  return hellinger(detail::histogram_weights(reference), detail::histogram_weights(current));
}

template <class C1, class C2, detail::if_category_counts<C1, C2> = 0>
metric_value hellinger(const C1& reference, const C2& current) {
  if (const char* why = detail::category_refusal(reference, current)) return metric_value::invalid(why);
  const auto a = align(reference, current);
  return hellinger(a.reference, a.current);
}

}  // namespace driftwatch
