// driftwatch running moments: the count, mean, variance and confidence
// interval of a stream of doubles (Welford), mergeable. The building block of
// ranking_accumulator and of the canary comparisons.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/detail/incomplete_beta.hpp>

namespace driftwatch {

/// A confidence interval [low, high] for a mean at `level` (e.g. 0.95).
/// Invalid (NaN bounds, reason set) with fewer than two observations.
struct confidence_interval {
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
  double level = 0.95;
  const char* invalid_reason = "no data";
  constexpr bool valid() const noexcept { return invalid_reason == nullptr; }
};

/// Running count, mean and variance of a stream of doubles (Welford's update;
/// Chan et al.'s pairwise formula for merging). 24 bytes, no allocation.
/// Non-finite values are counted in invalid_count() and excluded.
/// Merge algebra: a += b gives the count of the concatenation exactly and its
/// mean and variance up to rounding (relative error ~1e-15, not bit-identical
/// to one sequential pass: floating-point addition is not associative).
class mean_accumulator {
 public:
  /// Adds one value. O(1), noexcept, no allocation.
  /// Runs in the hot loop: measure before changing.
  void operator()(double x) noexcept {
    if (!std::isfinite(x)) {
      ++invalid_;
      return;
    }
    ++count_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (x - mean_);
  }
  void observe(double x) noexcept { (*this)(x); }
  void observe(span<const double> xs) noexcept {
    for (double x : xs) (*this)(x);
  }

  /// Merges b into *this (Chan, Golub & LeVeque 1979): n = na + nb,
  /// mean = ma + (mb - ma) nb / n, M2 = M2a + M2b + (mb - ma)^2 na nb / n.
  mean_accumulator& operator+=(const mean_accumulator& b) noexcept {
    invalid_ += b.invalid_;
    if (b.count_ == 0) return *this;
    if (count_ == 0) {
      count_ = b.count_;
      mean_ = b.mean_;
      m2_ = b.m2_;
      return *this;
    }
    const double na = static_cast<double>(count_);
    const double nb = static_cast<double>(b.count_);
    const double n = na + nb;
    const double delta = b.mean_ - mean_;
    mean_ += delta * (nb / n);
    m2_ += b.m2_ + delta * delta * (na * nb / n);
    count_ += b.count_;
    return *this;
  }

  /// Number of values observed (finite ones).
  std::uint64_t count() const noexcept { return count_; }
  /// Number of non-finite values rejected.
  std::uint64_t invalid_count() const noexcept { return invalid_; }
  /// Deprecated spelling of invalid_count().
  std::uint64_t invalid() const noexcept { return invalid_; }

  /// Empties the accumulator (no allocation).
  void reset() noexcept { *this = mean_accumulator(); }
  /// The mean; invalid when empty.
  metric_value mean() const noexcept {
    return count_ ? metric_value::of(mean_) : metric_value::invalid("no observations");
  }
  /// Sample variance (denominator n - 1, numpy ddof=1); invalid below two values.
  metric_value variance() const noexcept {
    return count_ > 1 ? metric_value::of(m2_ / static_cast<double>(count_ - 1))
                      : metric_value::invalid("fewer than two observations");
  }
  /// Standard error of the mean, sqrt(variance / n).
  metric_value standard_error() const noexcept {
    const metric_value v = variance();
    return v ? metric_value::of(std::sqrt(v.value / static_cast<double>(count_))) : v;
  }
  /// Two-sided Student-t interval for the mean: mean -+ t_{(1+level)/2, n-1} * se,
  /// like scipy.stats.ttest_1samp(x, 0).confidence_interval(level).
  /// `level` in (0, 1); outside it the interval is invalid.
  confidence_interval interval(double level = 0.95) const noexcept {
    confidence_interval ci;
    ci.level = level;
    if (!(level > 0.0 && level < 1.0)) {
      ci.invalid_reason = "confidence level must be in (0, 1)";
      return ci;
    }
    const metric_value se = standard_error();
    if (!se) {
      ci.invalid_reason = se.invalid_reason;
      return ci;
    }
    const double q = detail::student_t_quantile(0.5 + 0.5 * level, static_cast<double>(count_ - 1));
    ci.low = mean_ - q * se.value;
    ci.high = mean_ + q * se.value;
    ci.invalid_reason = nullptr;
    return ci;
  }

  /// Raw state, for exporters: count, mean, M2 (sum of squared deviations).
  double raw_mean() const noexcept { return mean_; }
  double raw_m2() const noexcept { return m2_; }

  /// State format (accumulators/serialization.hpp). Payload: u64 count,
  /// u64 invalid, f64 mean, f64 m2.
  static constexpr state_type state_tag = state_type::mean_accumulator;
  static constexpr const char* state_name = "mean_accumulator";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const mean_accumulator& m = *this;
    w.u64(m.count_);
    w.u64(m.invalid_);
    w.f64(m.mean_);
    w.f64(m.m2_);
  }
  static mean_accumulator load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    const std::size_t at = r.position();
    mean_accumulator m;
    m.count_ = r.u64("mean count");
    m.invalid_ = r.u64("mean invalid count");
    m.mean_ = r.f64("mean");
    m.m2_ = r.f64("sum of squared deviations");
    if (!std::isfinite(m.mean_) || !std::isfinite(m.m2_) || m.m2_ < 0)
      r.fail_at(at, "mean accumulator holds a non-finite mean or a negative/non-finite M2");
    if (m.count_ == 0 && (m.mean_ != 0 || m.m2_ != 0)) r.fail_at(at, "empty mean accumulator with a non-zero mean");
    return m;
  }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t invalid_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

}  // namespace driftwatch
