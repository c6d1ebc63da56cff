// driftwatch::ks_test: the two-sample Kolmogorov-Smirnov test, giving the
// statistic and p-value of scipy.stats.ks_2samp (SciPy 1.10).
#pragma once

#include <driftwatch/core/alternative.hpp>
#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/detail/kolmogorov.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace driftwatch {

// driftwatch::alternative (two_sided, less, greater): see alternative.hpp.

/// How the p-value is computed (`method=` of scipy.stats.ks_2samp).
/// - automatic ('auto'): exact when max(n_reference, n_current) <= 10000,
///   otherwise asymptotic.
/// - exact: the exact null distribution (lattice-path counting). Falls back to
///   asymptotic, as SciPy does, when lcm(n1, n2) would not fit in a 32-bit int or
///   when the exact computation fails (one-sided with unequal sizes and
///   C(n1 + n2, n1) > DBL_MAX).
/// - asymptotic ('asymp'): two-sided uses Kolmogorov's one-sample distribution
///   kstwo with n = round(n1 n2 / (n1 + n2)); one-sided uses Hodges' eq. 5.3.
enum class ks_method { automatic, exact, asymptotic };

/// The outcome of ks_test. When `valid()` is false, `invalid_reason` says why
/// (an empty sample) and statistic/pvalue are NaN.
struct ks_result {
  /// D (two_sided), D+ (greater) or D- (less), as scipy returns it. On the
  /// exact path scipy reports D rounded to the lattice, h / lcm(n1, n2); so do we.
  double statistic = std::numeric_limits<double>::quiet_NaN();
  /// P-value under the null hypothesis, clipped to [0, 1].
  double pvalue = std::numeric_limits<double>::quiet_NaN();
  /// The method actually used: exact or asymptotic (never automatic for a
  /// valid result; an invalid result keeps the requested method).
  ks_method method = ks_method::automatic;
  /// A data value at which the ECDF difference attains the statistic, chosen
  /// as scipy 1.10 chooses it (first hit in the sorted reference, else in the
  /// sorted current sample).
  double statistic_location = std::numeric_limits<double>::quiet_NaN();
  /// +1 when the reference's ECDF is above the current's at the location, -1
  /// when below (scipy's statistic_sign); 0 for an invalid result.
  int statistic_sign = 0;
  /// Finite values used from each sample.
  std::size_t n_reference = 0, n_current = 0;
  /// NaN / +-Inf values excluded from each sample.
  std::size_t n_invalid_reference = 0, n_invalid_current = 0;
  /// nullptr when valid; otherwise a static, human-readable reason.
  const char* invalid_reason = "no data";
  /// nullptr for the test above (SciPy's ks_2samp); otherwise a static string
  /// saying which approximation was computed instead (a weighted window:
  /// basic_ks_stream<..., weighted>), to be shown wherever the result is.
  const char* approximation = nullptr;

  bool valid() const noexcept { return invalid_reason == nullptr; }
  bool approximate() const noexcept { return approximation != nullptr; }
};

namespace detail {

inline void ks_finish(ks_result& r, const ks_extremes& e, alternative alt, ks_method method);

struct ks_pvalue_outcome {
  double statistic;  // possibly rounded to the lattice (exact path)
  double pvalue;
  ks_method method;
};

/// scipy.stats.ks_2samp's p-value logic for a statistic d in [0, 1] and sizes
/// n1, n2 >= 1. The exact two-sided path for unequal sizes uses O(min(n1, n2))
/// scratch (one std::vector); the asymptotic two-sided path may use O(m^2)
/// scratch with m <= ~120. Everything else allocates nothing.
inline ks_pvalue_outcome ks_pvalue_impl(double d, std::size_t n1, std::size_t n2, alternative alt,
                                        ks_method method) {
  namespace kg = kolmogorov;
  const auto g = static_cast<std::int64_t>(kg::gcd(n1, n2));
  const auto m1 = static_cast<std::int64_t>(n1);
  const auto m2 = static_cast<std::int64_t>(n2);
  const std::int64_t n1g = m1 / g;
  const std::int64_t n2g = m2 / g;
  ks_method mode = method;
  if (mode == ks_method::automatic) {
    mode = std::max(n1, n2) <= 10000 ? ks_method::exact : ks_method::asymptotic;
  } else if (mode == ks_method::exact) {
    // scipy: switch to asymp if lcm(n1, n2) would overflow an int32.
    if (static_cast<double>(n1g) >= 2147483647.0 / static_cast<double>(n2g)) mode = ks_method::asymptotic;
  }
  double prob = kg::nan;
  if (mode == ks_method::exact) {
    const std::int64_t lcm = n1g * m2;
    const auto h = static_cast<std::int64_t>(kg::round_half_even(d * static_cast<double>(lcm)));
    d = static_cast<double>(h) / static_cast<double>(lcm);
    if (h == 0) return {d, 1.0, ks_method::exact};
    if (alt == alternative::two_sided) {
      if (m1 == m2) {
        prob = kg::prob_outside_square(m1, h);
      } else {
        std::vector<double> scratch;
        prob = kg::prob_outside_band(m1, m2, g, h, scratch);
      }
    } else if (m1 == m2) {
      prob = kg::prob_one_sided_equal(m1, h);
    } else {
      prob = kg::prob_one_sided_unequal(m1, m2, g, h);
    }
    if (!(prob >= 0.0 && prob <= 1.0)) mode = ks_method::asymptotic;  // scipy's fallback
  }
  if (mode == ks_method::asymptotic) {
    const double big = static_cast<double>(std::max(n1, n2));
    const double small = static_cast<double>(std::min(n1, n2));
    if (alt == alternative::two_sided) {
      const double en = kg::round_half_even(big * small / (big + small));
      prob = en >= 1.0 ? kg::kstwo_sf(static_cast<std::int64_t>(en), d) : kg::nan;
    } else {
      prob = kg::one_sided_asymptotic(big, small, d);
    }
  }
  if (!std::isnan(prob)) prob = kg::clip01(prob);
  return {d, prob, mode};
}

inline void ks_count_finite(span<const double> x, std::vector<double>& out, std::size_t& invalid) {
  out.clear();
  out.reserve(x.size());
  invalid = 0;
  for (double v : x) {
    if (std::isfinite(v)) {
      out.push_back(v);
    } else {
      ++invalid;
    }
  }
}

}  // namespace detail

/// Two-sample Kolmogorov-Smirnov test on samples already sorted ascending and
/// free of NaN/Inf (the caller guarantees it; checked by assert in debug
/// builds). Equals scipy.stats.ks_2samp(sorted_reference, sorted_current,
/// alternative, method): statistic to the last bit (including scipy's rounding
/// of D to h/lcm(n1, n2) on the exact path), p-value to ~1e-12 (see
/// docs/metrics.md for the verified tolerances).
///
/// Complexity: the statistic is one O(n1 + n2) merge walk without allocation.
/// The p-value costs O(min(n1, n2)) (two-sided, equal sizes), up to
/// O(n1 * n2 * D) time and O(min(n1, n2)) scratch (two-sided exact, unequal
/// sizes: the only O(n) allocation), O(min(n1, n2)^2) (one-sided exact, unequal
/// sizes; only reached when min(n1, n2) <= ~515), or O(1)-ish bounded work for
/// the asymptotic formulas (a scratch matrix of at most ~120 x 120 doubles).
/// An empty sample gives an invalid result ("empty reference sample" /
/// "empty current sample"), never an exception.
/// One documented exception to validity: with method asymptotic, two-sided,
/// and n1 = n2 = 1, scipy's p-value is NaN (kstwo with n = round(0.5) = 0); the
/// result then carries that NaN and an invalid_reason saying so.
inline ks_result ks_test_sorted(span<const double> sorted_reference, span<const double> sorted_current,
                                alternative alt = alternative::two_sided,
                                ks_method method = ks_method::automatic) {
#ifndef NDEBUG
  for (std::size_t i = 0; i < sorted_reference.size(); ++i) {
    assert(std::isfinite(sorted_reference[i]));
    assert(i == 0 || !(sorted_reference[i] < sorted_reference[i - 1]));
  }
  for (std::size_t i = 0; i < sorted_current.size(); ++i) {
    assert(std::isfinite(sorted_current[i]));
    assert(i == 0 || !(sorted_current[i] < sorted_current[i - 1]));
  }
#endif
  ks_result r;
  r.method = method;
  r.n_reference = sorted_reference.size();
  r.n_current = sorted_current.size();
  if (r.n_reference == 0) {
    r.invalid_reason = "empty reference sample";
    return r;
  }
  if (r.n_current == 0) {
    r.invalid_reason = "empty current sample";
    return r;
  }
  const detail::ks_extremes e = detail::ks_merge_walk_branchless(sorted_reference.data(), r.n_reference,
                                                                 sorted_current.data(), r.n_current);
  detail::ks_finish(r, e, alt, method);
  return r;
}

namespace detail {
/// The statistic, its location and sign, and the p-value from the extremes of
/// F_n - G_m (shared by ks_test_sorted and ks_stream). r.n_reference and
/// r.n_current must be set and positive.
inline void ks_finish(ks_result& r, const ks_extremes& e, alternative alt, ks_method method) {
  // scipy: minS = clip(-min diff, 0, 1); maxS = max diff.
  const double min_s = std::min(std::max(-e.min_diff, 0.0), 1.0);
  const double max_s = e.max_diff;
  double d;
  if (alt == alternative::less || (alt == alternative::two_sided && min_s > max_s)) {
    d = min_s;
    r.statistic_location = e.min_location;
    r.statistic_sign = -1;
  } else {
    d = max_s;
    r.statistic_location = e.max_location;
    r.statistic_sign = 1;
  }
  const detail::ks_pvalue_outcome p = detail::ks_pvalue_impl(d, r.n_reference, r.n_current, alt, method);
  r.statistic = p.statistic;
  r.pvalue = p.pvalue;
  r.method = p.method;
  r.invalid_reason = std::isnan(p.pvalue)
                         ? "asymptotic two-sided p-value undefined for n_reference = n_current = 1 (scipy: NaN)"
                         : nullptr;
}
}  // namespace detail

/// Two-sample Kolmogorov-Smirnov test on unsorted samples: copies the finite
/// values of each sample (NaN and +-Inf are excluded and counted in
/// n_invalid_reference / n_invalid_current), sorts the copies and calls
/// ks_test_sorted. Equals scipy.stats.ks_2samp(reference[finite],
/// current[finite], alternative, method). Sorting is an O(n) radix sort for
/// samples of 2048 values or more (std::sort below); allocates the two sorted
/// copies and, while sorting a large sample, two scratch arrays of its size.
/// A sample with no finite values gives an invalid result, never an exception.
inline ks_result ks_test(span<const double> reference, span<const double> current,
                         alternative alt = alternative::two_sided, ks_method method = ks_method::automatic) {
  // Filter and sort in one kernel (radix sort for large samples, std::sort
  // below 2048 values): detail/kernels_ks.hpp.
  const detail::sorted_sample ref = detail::sort_finite_radix(reference.data(), reference.size());
  const detail::sorted_sample cur = detail::sort_finite_radix(current.data(), current.size());
  const std::size_t bad_ref = ref.invalid, bad_cur = cur.invalid;
  ks_result r = ks_test_sorted(span<const double>(ref.data.get(), ref.size),
                               span<const double>(cur.data.get(), cur.size), alt, method);
  r.n_invalid_reference = bad_ref;
  r.n_invalid_current = bad_cur;
  if (r.n_reference == 0 && bad_ref != 0) r.invalid_reason = "reference sample has no finite values";
  if (r.n_reference != 0 && r.n_current == 0 && bad_cur != 0) r.invalid_reason = "current sample has no finite values";
  return r;
}

/// The p-value of a two-sample KS statistic computed elsewhere (a binned or
/// streaming D), with scipy.stats.ks_2samp's rules for `alt` and `method` (on
/// the exact path the statistic is first rounded to the lattice h / lcm, as
/// scipy does). Throws driftwatch::error if a size is 0 or the statistic is
/// not in [0, 1]. Returns NaN only in scipy's own NaN case: asymptotic,
/// two-sided, n_reference = n_current = 1. Cost and scratch as for
/// ks_test_sorted's p-value.
inline double ks_pvalue(double statistic, std::size_t n_reference, std::size_t n_current, alternative alt,
                        ks_method method = ks_method::automatic) {
  if (n_reference == 0 || n_current == 0) {
    detail::fail("ks_pvalue: sample sizes must be positive, got n_reference = " + std::to_string(n_reference) +
                 ", n_current = " + std::to_string(n_current));
  }
  if (!(statistic >= 0.0 && statistic <= 1.0)) {
    detail::fail("ks_pvalue: statistic must be in [0, 1], got " + std::to_string(statistic));
  }
  return detail::ks_pvalue_impl(statistic, n_reference, n_current, alt, method).pvalue;
}

}  // namespace driftwatch
