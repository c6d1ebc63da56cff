// driftwatch canary comparison: is the canary model's per-request metric
// different from the baseline's? Paired t-test (both models scored the same
// requests) and Welch's t-test (traffic split between them), each a mergeable
// streaming accumulator. Values agree with scipy.stats.ttest_rel and
// scipy.stats.ttest_ind(equal_var=False) (tests/canary_test.cpp, to 1e-9).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <driftwatch/detail/incomplete_beta.hpp>
#include <driftwatch/core/alternative.hpp>
#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

// driftwatch::alternative (two_sided, less, greater) is shared with ks_test.hpp (alternative.hpp).
// For the t-tests here it is SciPy's `alternative=` of ttest_rel / ttest_ind,
// about difference = canary - baseline:
//   two_sided: difference != 0; less: difference < 0 (the canary is worse, for
//   a higher-is-better metric); greater: difference > 0.

/// The result of a canary comparison. difference = canary mean - baseline
/// mean; [ci_low, ci_high] its Student-t confidence interval at `confidence`
/// (one-sided alternatives give a half-infinite interval, like SciPy).
/// Invalid (NaN fields, reason set) when a side has fewer than two values or
/// the standard error is 0.
struct comparison_result {
  std::uint64_t baseline_count = 0;
  std::uint64_t canary_count = 0;
  double baseline_mean = std::numeric_limits<double>::quiet_NaN();
  double canary_mean = std::numeric_limits<double>::quiet_NaN();
  double difference = std::numeric_limits<double>::quiet_NaN();
  double standard_error = std::numeric_limits<double>::quiet_NaN();
  double t_statistic = std::numeric_limits<double>::quiet_NaN();
  double degrees_of_freedom = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
  double ci_low = std::numeric_limits<double>::quiet_NaN();
  double ci_high = std::numeric_limits<double>::quiet_NaN();
  double confidence = 0.95;
  const char* invalid_reason = "no data";
  constexpr bool valid() const noexcept { return invalid_reason == nullptr; }
};

namespace detail {

inline void finish_t_test(comparison_result& r, alternative alt, double confidence) noexcept {
  r.confidence = confidence;
  if (!(confidence > 0.0 && confidence < 1.0)) {
    r.invalid_reason = "confidence level must be in (0, 1)";
    return;
  }
  if (!(r.standard_error > 0.0)) {
    r.invalid_reason = "zero variance: the t statistic is undefined";
    return;
  }
  const double t = r.difference / r.standard_error;
  const double df = r.degrees_of_freedom;
  r.t_statistic = t;
  const double inf = std::numeric_limits<double>::infinity();
  switch (alt) {
    case alternative::two_sided: {
      r.p_value = student_t_two_sided(t, df);
      const double q = student_t_quantile(0.5 + 0.5 * confidence, df);
      r.ci_low = r.difference - q * r.standard_error;
      r.ci_high = r.difference + q * r.standard_error;
      break;
    }
    case alternative::less:
      r.p_value = student_t_cdf(t, df);
      r.ci_low = -inf;
      r.ci_high = r.difference + student_t_quantile(confidence, df) * r.standard_error;
      break;
    case alternative::greater:
      r.p_value = student_t_cdf(-t, df);
      r.ci_low = r.difference + student_t_quantile(1.0 - confidence, df) * r.standard_error;
      r.ci_high = inf;
      break;
  }
  r.invalid_reason = nullptr;
}

}  // namespace detail

/// Which arm of an unpaired comparison an observation belongs to.
enum class comparison_arm { baseline, canary };

/// Paired comparison: both models scored the same requests, observe(baseline,
/// canary) once per request. The test is the one-sample t-test of the
/// differences (canary - baseline), like scipy.stats.ttest_rel(canary, baseline):
/// df = n - 1, se = sd(d) / sqrt(n).
/// observe: O(1), noexcept, no allocation; a pair with a non-finite value is
/// counted in invalid_count() and excluded. a += b is the comparison of the
/// concatenated streams (count exact, moments up to rounding).
class paired_comparison {
 public:
  /// Runs in the hot loop: measure before changing.
  void observe(double baseline, double canary) noexcept {
    if (!std::isfinite(baseline) || !std::isfinite(canary)) {
      ++invalid_;
      return;
    }
    baseline_(baseline);
    canary_(canary);
    difference_(canary - baseline);
  }
  void operator()(double baseline, double canary) noexcept { observe(baseline, canary); }
  /// Observes the pairs (baseline[i], canary[i]); throws driftwatch::error
  /// (before observing anything) when the spans differ in length.
  void observe(span<const double> baseline, span<const double> canary) {
    if (baseline.size() != canary.size())
      detail::fail("paired_comparison::observe: " + std::to_string(baseline.size()) + " baseline values but " +
                   std::to_string(canary.size()) + " canary values");
    for (std::size_t i = 0; i < baseline.size(); ++i) observe(baseline[i], canary[i]);
  }

  paired_comparison& operator+=(const paired_comparison& b) noexcept {
    baseline_ += b.baseline_;
    canary_ += b.canary_;
    difference_ += b.difference_;
    invalid_ += b.invalid_;
    return *this;
  }

  std::uint64_t count() const noexcept { return difference_.count(); }
  std::uint64_t invalid_count() const noexcept { return invalid_; }
  /// Deprecated spelling of invalid_count().
  std::uint64_t invalid() const noexcept { return invalid_; }
  const mean_accumulator& differences() const noexcept { return difference_; }

  /// Empties both sides (no allocation).
  void reset() noexcept { *this = paired_comparison(); }

  /// State format (accumulators/serialization.hpp). Payload:
  /// 3 x mean_accumulator (equal counts), u64 invalid.
  static constexpr state_type state_tag = state_type::paired_comparison;
  static constexpr const char* state_name = "paired_comparison";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const paired_comparison& c = *this;
    c.baseline_.save_state(w);
    c.canary_.save_state(w);
    c.difference_.save_state(w);
    w.u64(c.invalid_);
  }
  static paired_comparison load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    const std::size_t at = r.position();
    paired_comparison c;
    c.baseline_ = mean_accumulator::load_state(r, limits);
    c.canary_ = mean_accumulator::load_state(r, limits);
    c.difference_ = mean_accumulator::load_state(r, limits);
    if (c.baseline_.count() != c.canary_.count() || c.canary_.count() != c.difference_.count())
      r.fail_at(at, "paired comparison sides have different counts");
    c.invalid_ = r.u64("invalid pairs");
    return c;
  }

  /// The paired t-test. O(1) plus a few incomplete-beta evaluations.
  comparison_result result(alternative alt = alternative::two_sided, double confidence = 0.95) const noexcept {
    comparison_result r;
    r.baseline_count = r.canary_count = count();
    if (count() < 2) {
      r.invalid_reason = "fewer than two paired observations";
      return r;
    }
    r.baseline_mean = baseline_.mean().value;
    r.canary_mean = canary_.mean().value;
    r.difference = difference_.mean().value;
    r.standard_error = difference_.standard_error().value;
    r.degrees_of_freedom = static_cast<double>(count() - 1);
    detail::finish_t_test(r, alt, confidence);
    return r;
  }

 private:
  mean_accumulator baseline_, canary_, difference_;
  std::uint64_t invalid_ = 0;
};

/// Unpaired comparison (split traffic): observe_baseline / observe_canary for
/// each request served by that model. Welch's t-test, like
/// scipy.stats.ttest_ind(canary, baseline, equal_var=False):
/// se = sqrt(vc/nc + vb/nb), df by Welch-Satterthwaite.
/// observe: O(1), noexcept, no allocation; non-finite values are counted per
/// side in the accumulators' invalid_count() and excluded. a += b merges both sides.
class welch_comparison {
 public:
  /// Runs in the hot loop: measure before changing.
  void observe_baseline(double x) noexcept { baseline_(x); }
  void observe_canary(double x) noexcept { canary_(x); }
  /// The accumulator contract's spellings: c(arm, x) observes one value of
  /// that arm, c.observe(arm, values) many.
  void operator()(comparison_arm arm, double x) noexcept {
    if (arm == comparison_arm::baseline) baseline_(x); else canary_(x);
  }
  void observe(comparison_arm arm, span<const double> xs) noexcept {
    (arm == comparison_arm::baseline ? baseline_ : canary_).observe(xs);
  }
  /// Non-finite values excluded, both arms.
  std::uint64_t invalid_count() const noexcept { return baseline_.invalid_count() + canary_.invalid_count(); }
  /// Empties both arms (no allocation).
  void reset() noexcept { *this = welch_comparison(); }

  /// State format (accumulators/serialization.hpp). Payload: 2 x mean_accumulator.
  static constexpr state_type state_tag = state_type::welch_comparison;
  static constexpr const char* state_name = "welch_comparison";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const welch_comparison& c = *this;
    c.baseline_.save_state(w);
    c.canary_.save_state(w);
  }
  static welch_comparison load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    welch_comparison c;
    c.baseline_ = mean_accumulator::load_state(r, limits);
    c.canary_ = mean_accumulator::load_state(r, limits);
    return c;
  }

  welch_comparison& operator+=(const welch_comparison& b) noexcept {
    baseline_ += b.baseline_;
    canary_ += b.canary_;
    return *this;
  }

  const mean_accumulator& baseline() const noexcept { return baseline_; }
  const mean_accumulator& canary() const noexcept { return canary_; }

  /// Welch's t-test. O(1) plus a few incomplete-beta evaluations.
  comparison_result result(alternative alt = alternative::two_sided, double confidence = 0.95) const noexcept {
    comparison_result r;
    r.baseline_count = baseline_.count();
    r.canary_count = canary_.count();
    if (r.baseline_count < 2 || r.canary_count < 2) {
      r.invalid_reason = "fewer than two observations on a side";
      return r;
    }
    r.baseline_mean = baseline_.mean().value;
    r.canary_mean = canary_.mean().value;
    r.difference = r.canary_mean - r.baseline_mean;
    const double nb = static_cast<double>(r.baseline_count);
    const double nc = static_cast<double>(r.canary_count);
    const double vb = baseline_.variance().value / nb;
    const double vc = canary_.variance().value / nc;
    r.standard_error = std::sqrt(vc + vb);
    r.degrees_of_freedom = (vc + vb) * (vc + vb) / (vc * vc / (nc - 1.0) + vb * vb / (nb - 1.0));
    detail::finish_t_test(r, alt, confidence);
    return r;
  }

 private:
  mean_accumulator baseline_, canary_;
};

}  // namespace driftwatch
