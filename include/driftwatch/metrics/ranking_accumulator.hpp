// driftwatch streaming accumulator for ranking quality: all eight ranking
// metrics of one model version as running means (mean_accumulator.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

namespace detail {
struct state_access;  // serialization.hpp: reads and restores raw state
}  // namespace detail

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
