// driftwatch streaming accumulators for ranking quality: the running mean,
// variance and confidence interval of one metric (Welford), and one that
// carries all eight ranking metrics of one model version.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <driftwatch/detail/incomplete_beta.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

namespace detail {
struct state_access;  // serialization.hpp: reads and restores raw state
}  // namespace detail

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
/// Non-finite values are counted in invalid() and excluded.
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
  std::uint64_t invalid() const noexcept { return invalid_; }
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

 private:
  friend struct detail::state_access;  // restores serialized state
  std::uint64_t count_ = 0;
  std::uint64_t invalid_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

/// All eight ranking metrics of one model version at one k and policy, as
/// running means with variances and confidence intervals.
///
/// observe(...) evaluates one request and adds its metrics: noexcept, no
/// allocation, O(one ranking_evaluator call). Requests whose metrics are
/// invalid are counted by reason class and excluded: skipped() for R = 0 under
/// no_relevant_policy::skip, rejected() for bad input (duplicate ids, NaN
/// scores).
/// a += b merges two accumulators of the same model version, k and policy
/// (anything else throws driftwatch::error); the result equals observing both
/// streams in one accumulator (counts exactly, means/variances up to rounding).
/// Keep one per model version to track versions side by side.
class ranking_accumulator {
 public:
  /// Throws driftwatch::error for k = 0 or relevance_level < 1.
  ranking_accumulator(std::string model_version, std::size_t k, ranking_policy policy = ranking_policy{})
      : version_(std::move(model_version)), evaluator_(k, policy) {}

  const std::string& model_version() const noexcept { return version_; }
  std::size_t k() const noexcept { return evaluator_.k(); }
  const ranking_policy& policy() const noexcept { return evaluator_.policy(); }
  const ranking_evaluator& evaluator() const noexcept { return evaluator_; }

  /// Adds one request's already computed metrics.
  /// Runs in the hot loop: measure before changing.
  void observe(const ranking_metrics& m) noexcept {
    if (!m.valid()) {
      if (is_skip(m)) ++skipped_; else ++rejected_;
      return;
    }
    for (std::size_t i = 0; i < ranking_metric_count; ++i) metrics_[i](m.values[i]);
  }
  /// Evaluates and adds one served list (see ranking_evaluator::served).
  ranking_metrics observe(span<const item_id> served, span<const judgment> judgments) noexcept {
    const ranking_metrics m = evaluator_.served(served, judgments);
    observe(m);
    return m;
  }
  /// Evaluates and adds one score row (see ranking_evaluator::scores).
  ranking_metrics observe_scores(span<const double> scores, span<const judgment> judgments) noexcept {
    const ranking_metrics m = evaluator_.scores(scores, judgments);
    observe(m);
    return m;
  }

  ranking_accumulator& operator+=(const ranking_accumulator& b) {
    if (b.version_ != version_)
      detail::fail("cannot merge ranking accumulators of different model versions: '" + version_ +
                   "' and '" + b.version_ + "'");
    if (b.k() != k())
      detail::fail("cannot merge ranking accumulators with different k: " + std::to_string(k()) +
                   " and " + std::to_string(b.k()));
    if (b.policy() != policy()) detail::fail("cannot merge ranking accumulators with different policies");
    for (std::size_t i = 0; i < ranking_metric_count; ++i) metrics_[i] += b.metrics_[i];
    skipped_ += b.skipped_;
    rejected_ += b.rejected_;
    return *this;
  }

  /// The running statistics of one metric.
  const mean_accumulator& metric(ranking_metric m) const noexcept {
    return metrics_[static_cast<unsigned>(m)];
  }
  /// Mean of one metric over the evaluated requests (what trec_eval's "all" row prints).
  metric_value mean(ranking_metric m) const noexcept { return metric(m).mean(); }
  /// Requests evaluated (trec_eval's num_q).
  std::uint64_t count() const noexcept { return metrics_[0].count(); }
  /// Requests skipped because they had no relevant item (policy skip).
  std::uint64_t skipped() const noexcept { return skipped_; }
  /// Requests rejected as bad input (duplicate ids, NaN scores).
  std::uint64_t rejected() const noexcept { return rejected_; }

 private:
  friend struct detail::state_access;  // restores serialized state
  static bool is_skip(const ranking_metrics& m) noexcept {
    // The one invalid reason that is a policy decision, not bad input.
    const char* a = m.invalid_reason;
    const char* b = "no relevant items";
    while (*a && *a == *b) {
      ++a;
      ++b;
    }
    return *a == *b;
  }

  std::string version_;
  ranking_evaluator evaluator_;
  mean_accumulator metrics_[ranking_metric_count];
  std::uint64_t skipped_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace driftwatch
