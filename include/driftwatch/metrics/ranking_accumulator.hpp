// driftwatch streaming accumulator for ranking quality: all eight ranking
// metrics of one model version as running means (mean_accumulator.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

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
  /// The accumulator contract's spellings: a(m) adds one request's metrics,
  /// a.observe(span) many, a(served, judgments) evaluates and adds one list.
  void operator()(const ranking_metrics& m) noexcept { observe(m); }
  void observe(span<const ranking_metrics> ms) noexcept {
    for (const auto& m : ms) observe(m);
  }
  ranking_metrics operator()(span<const item_id> served, span<const judgment> judgments) noexcept {
    return observe(served, judgments);
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
  /// The accumulator contract's invalid counter: rejected().
  std::uint64_t invalid_count() const noexcept { return rejected_; }

  /// Empties the accumulator, keeping model version, k and policy (no allocation).
  void reset() noexcept {
    for (auto& m : metrics_) m.reset();
    skipped_ = rejected_ = 0;
  }

  /// State format (accumulators/serialization.hpp). Payload: string version,
  /// u64 k, policy (5 x u8, i32), 8 x mean_accumulator (equal counts),
  /// u64 skipped, u64 rejected.
  static constexpr state_type state_tag = state_type::ranking_accumulator;
  static constexpr const char* state_name = "ranking_accumulator";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const ranking_accumulator& a = *this;
    w.string(a.version_);
    w.u64(a.k());
    const ranking_policy& p = a.policy();
    w.u8(static_cast<std::uint8_t>(p.precision));
    w.u8(static_cast<std::uint8_t>(p.ap_at_k));
    w.u8(static_cast<std::uint8_t>(p.gain));
    w.u8(static_cast<std::uint8_t>(p.ties));
    w.u8(static_cast<std::uint8_t>(p.no_relevant));
    w.i32(p.relevance_level);
    for (const auto& m : a.metrics_) m.save_state(w);
    w.u64(a.skipped_);
    w.u64(a.rejected_);
  }
  static ranking_accumulator load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    std::string version = r.string("model version");
    std::size_t at = r.position();
    const std::uint64_t k = r.u64("k");
    if (k == 0 || k > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "k must be at least 1");
    ranking_policy p;
    p.precision = static_cast<precision_denominator>(r.enum_byte(2, "precision denominator"));
    p.ap_at_k = static_cast<ap_normalizer>(r.enum_byte(1, "AP@k normalizer"));
    p.gain = static_cast<gain_function>(r.enum_byte(2, "gain function"));
    p.ties = static_cast<tie_policy>(r.enum_byte(3, "tie policy"));
    p.no_relevant = static_cast<no_relevant_policy>(r.enum_byte(1, "no-relevant policy"));
    at = r.position();
    p.relevance_level = r.i32("relevance level");
    if (p.relevance_level < 1) r.fail_at(at, "relevance level must be at least 1");
    ranking_accumulator a(std::move(version), static_cast<std::size_t>(k), p);
    at = r.position();
    for (auto& m : a.metrics_) m = mean_accumulator::load_state(r, limits);
    for (const auto& m : a.metrics_)
      if (m.count() != a.metrics_[0].count()) r.fail_at(at, "ranking metrics have different counts");
    a.skipped_ = r.u64("skipped requests");
    a.rejected_ = r.u64("rejected requests");
    return a;
  }

 private:
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
