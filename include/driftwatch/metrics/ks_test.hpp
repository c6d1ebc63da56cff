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

  bool valid() const noexcept { return invalid_reason == nullptr; }
};

namespace detail {

/// Extremes of F_n - G_m over the pooled sample, with the locations scipy 1.10
/// reports (np.argmax / np.argmin over concatenate([sorted ref, sorted cur])).
struct ks_extremes {
  double max_diff = -std::numeric_limits<double>::infinity();
  double max_location = 0.0;
  double min_diff = std::numeric_limits<double>::infinity();
  double min_location = 0.0;
};

/// The extreme bookkeeping shared by every KS walk (ks_merge_walk, its
/// branchless twin, ks_stream): fed one evaluation point (a distinct pooled
/// value v, with i reference and j current values <= v) at a time, in
/// increasing order. It keeps the first location attaining each extreme among
/// reference values (1) and among current values (2); argmax over scipy's
/// concatenation prefers (1).
class ks_extreme_tracker {
 public:
  ks_extreme_tracker(double na, double nb) noexcept : na_(na), nb_(nb) {}
  void at(double v, std::size_t i, std::uint64_t j, bool in1, bool in2) noexcept {
    const double diff = static_cast<double>(i) / na_ - static_cast<double>(j) / nb_;  // scipy's expression
    if (diff > e_.max_diff) {
      e_.max_diff = diff;
      max_has1_ = in1;
      max_has2_ = in2;
      max_loc1_ = max_loc2_ = v;
    } else if (diff == e_.max_diff) {
      if (in1 && !max_has1_) max_has1_ = true, max_loc1_ = v;
      if (in2 && !max_has2_) max_has2_ = true, max_loc2_ = v;
    }
    if (diff < e_.min_diff) {
      e_.min_diff = diff;
      min_has1_ = in1;
      min_has2_ = in2;
      min_loc1_ = min_loc2_ = v;
    } else if (diff == e_.min_diff) {
      if (in1 && !min_has1_) min_has1_ = true, min_loc1_ = v;
      if (in2 && !min_has2_) min_has2_ = true, min_loc2_ = v;
    }
  }
  ks_extremes extremes() const noexcept {
    ks_extremes e = e_;
    e.max_location = max_has1_ ? max_loc1_ : max_loc2_;
    e.min_location = min_has1_ ? min_loc1_ : min_loc2_;
    return e;
  }

 private:
  double na_, nb_;
  ks_extremes e_;
  bool max_has1_ = false, max_has2_ = false, min_has1_ = false, min_has2_ = false;
  double max_loc1_ = 0, max_loc2_ = 0, min_loc1_ = 0, min_loc2_ = 0;
};

/// One merge walk over two ascending, finite, non-empty arrays, evaluating
/// diff(v) = #{a <= v}/na - #{b <= v}/nb (same floating-point expression as
/// scipy) once per distinct value v. O(na + nb), no allocation, noexcept.
/// Runs in the hot loop: measure before changing (a SIMD twin may replace it).
inline ks_extremes ks_merge_walk(const double* a, std::size_t na, const double* b, std::size_t nb) noexcept {
  ks_extreme_tracker t(static_cast<double>(na), static_cast<double>(nb));
  std::size_t i = 0, j = 0;
  while (i < na || j < nb) {
    double v;
    if (i == na) {
      v = b[j];
    } else if (j == nb) {
      v = a[i];
    } else {
      v = a[i] < b[j] ? a[i] : b[j];
    }
    const std::size_t i0 = i, j0 = j;
    while (i < na && a[i] == v) ++i;
    while (j < nb && b[j] == v) ++j;
    const bool in1 = i != i0, in2 = j != j0;
    t.at(v, i, j, in1, in2);
  }
  return t.extremes();
}

/// ks_merge_walk's fast twin, bit-identical to it (tests/simd_ks_test.cpp):
/// - no mispredicted branch: the next value is taken from `a` or `b` by a
///   select, one element per step, and diff is considered once per distinct
///   value (when the next value differs);
/// - no division per step: diff's exact value is K / (na nb) with the integer
///   K = i nb - j na, kept by one add per step. Distinct K are at least
///   1 / (na nb) apart, far more than the rounding of the double diff when
///   na nb <= 2^49, so the double diff is computed (the same expression as the
///   reference walk) only where K reaches a new or equal extreme: elsewhere it
///   can neither set nor tie an extreme. Beyond 2^49 every value is evaluated.
/// O(na + nb), no allocation. Runs in the hot loop: measure before changing
/// (bench/ks_bench.cpp).
inline ks_extremes ks_merge_walk_branchless(const double* a, std::size_t na, const double* b,
                                            std::size_t nb) noexcept {
  ks_extreme_tracker t(static_cast<double>(na), static_cast<double>(nb));
  const bool exact_k = static_cast<double>(na) * static_cast<double>(nb) <= 562949953421312.0;  // 2^49
  const auto step_a = static_cast<std::int64_t>(nb), step_b = -static_cast<std::int64_t>(na);
  std::int64_t k = 0;
  std::int64_t k_max = std::numeric_limits<std::int64_t>::min();
  std::int64_t k_min = std::numeric_limits<std::int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  bool in1 = false, in2 = false;
  std::size_t i = 0, j = 0;
  double x = na ? a[0] : inf, y = nb ? b[0] : inf;
  while (i < na || j < nb) {
    // Arithmetic instead of ?: so the compiler cannot turn it into a branch.
    const std::size_t take_a = x <= y ? 1 : 0;  // finite data: the exhausted side reads +inf
    const double v = y < x ? y : x;              // minsd: the value taken
    i += take_a;
    j += 1 - take_a;
    k += step_b + static_cast<std::int64_t>(take_a) * (step_a - step_b);
    in1 = in1 || take_a != 0;
    in2 = in2 || take_a == 0;
    x = i < na ? a[i] : inf;
    y = j < nb ? b[j] : inf;
    if (x == v || y == v) continue;  // v repeats: evaluate at its last copy
    if (exact_k && k < k_max && k > k_min) {  // strictly inside: no extreme here
      in1 = in2 = false;
      continue;
    }
    k_max = k > k_max ? k : k_max;
    k_min = k < k_min ? k : k_min;
    t.at(v, i, j, in1, in2);
    in1 = in2 = false;
  }
  return t.extremes();
}

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
