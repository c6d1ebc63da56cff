// driftwatch streaming accumulator for ranking quality: all eight ranking
// metrics of one model version as running means (mean_accumulator.hpp).
// A template over the score type (double, float) and the id type
// (std::uint64_t, std::uint32_t) of what it evaluates:
// basic_ranking_accumulator<Score, Id>; ranking_accumulator is
// basic_ranking_accumulator<double, item_id>, today's type, bytes and all.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

namespace detail {

/// The instantiation of a basic_ranking_accumulator, for its state: its name
/// and its code. The default instantiation (double, item_id) writes today's
/// payload unchanged; every other one starts its payload with the marker
/// ranking_instantiation_marker | code, a u64 that today's layout can never
/// hold there (it is where the model version's length goes, and no state is
/// 2^64 - 2^16 bytes long): a build without the templates refuses it (the
/// length does not fit), a build with them names both instantiations.
template <class Score, class Id>
struct ranking_instantiation;
template <>
struct ranking_instantiation<double, std::uint64_t> {
  static constexpr const char* name = "ranking_accumulator";  // today's, in every message
  static constexpr const char* full_name = "basic_ranking_accumulator<double, std::uint64_t> (ranking_accumulator)";
  static constexpr std::uint16_t code = 0x4040;  // score bits, id bits
};
template <>
struct ranking_instantiation<double, std::uint32_t> {
  static constexpr const char* name = "basic_ranking_accumulator<double, std::uint32_t>";
  static constexpr const char* full_name = name;
  static constexpr std::uint16_t code = 0x4020;
};
template <>
struct ranking_instantiation<float, std::uint64_t> {
  static constexpr const char* name = "basic_ranking_accumulator<float, std::uint64_t>";
  static constexpr const char* full_name = name;
  static constexpr std::uint16_t code = 0x2040;
};
template <>
struct ranking_instantiation<float, std::uint32_t> {
  static constexpr const char* name = "basic_ranking_accumulator<float, std::uint32_t>";
  static constexpr const char* full_name = name;
  static constexpr std::uint16_t code = 0x2020;
};

constexpr std::uint64_t ranking_instantiation_marker = 0xFFFFFFFFFFFF0000u;

/// The full name of the instantiation with this code (nullptr: none).
inline const char* ranking_instantiation_name(std::uint16_t code) noexcept {
  switch (code) {
    case ranking_instantiation<double, std::uint64_t>::code: return ranking_instantiation<double, std::uint64_t>::full_name;
    case ranking_instantiation<double, std::uint32_t>::code: return ranking_instantiation<double, std::uint32_t>::full_name;
    case ranking_instantiation<float, std::uint64_t>::code: return ranking_instantiation<float, std::uint64_t>::full_name;
    case ranking_instantiation<float, std::uint32_t>::code: return ranking_instantiation<float, std::uint32_t>::full_name;
  }
  return nullptr;
}

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
///
/// Score and Id are those of the evaluator (basic_ranking_evaluator): the
/// rows observe_scores reads and the ids of the served lists and judgments.
/// The running means are the same whatever they are; a state records the
/// instantiation and loads only into the same one (ranking_accumulator's
/// bytes are today's).
template <class Score, class Id>
class basic_ranking_accumulator {
 public:
  using score_type = Score;
  using id_type = Id;
  using evaluator_type = basic_ranking_evaluator<Score, Id>;
  using judgment_type = basic_judgment<Id>;

  /// Throws driftwatch::error for k = 0 or relevance_level < 1.
  basic_ranking_accumulator(std::string model_version, std::size_t k, ranking_policy policy = ranking_policy{})
      : version_(std::move(model_version)), evaluator_(k, policy) {}

  const std::string& model_version() const noexcept { return version_; }
  std::size_t k() const noexcept { return evaluator_.k(); }
  const ranking_policy& policy() const noexcept { return evaluator_.policy(); }
  const evaluator_type& evaluator() const noexcept { return evaluator_; }

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
  ranking_metrics operator()(span<const Id> served, span<const judgment_type> judgments) noexcept {
    return observe(served, judgments);
  }
  /// Evaluates and adds one served list (see ranking_evaluator::served).
  ranking_metrics observe(span<const Id> served, span<const judgment_type> judgments) noexcept {
    const ranking_metrics m = evaluator_.served(served, judgments);
    observe(m);
    return m;
  }
  /// Evaluates and adds one score row (see ranking_evaluator::scores).
  ranking_metrics observe_scores(span<const Score> scores, span<const judgment_type> judgments) noexcept {
    const ranking_metrics m = evaluator_.scores(scores, judgments);
    observe(m);
    return m;
  }
  /// A double accumulator also reads float rows (the metrics of the same
  /// values widened to double), as its evaluator does.
  template <class S = Score, std::enable_if_t<std::is_same<S, double>::value, int> = 0>
  ranking_metrics observe_scores(span<const float> scores, span<const judgment_type> judgments) noexcept {
    const ranking_metrics m = evaluator_.scores(scores, judgments);
    observe(m);
    return m;
  }

  basic_ranking_accumulator& operator+=(const basic_ranking_accumulator& b) {
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
  /// u64 skipped, u64 rejected. Every instantiation but the default one
  /// (ranking_accumulator) first writes the u64
  /// detail::ranking_instantiation_marker | its code (score bits << 8 | id
  /// bits: 0x2020 for float and 32-bit ids); all share the state type
  /// number 4 and version 1, and load_state refuses another instantiation's
  /// state naming both.
  static constexpr state_type state_tag = state_type::ranking_accumulator;
  static constexpr const char* state_name = detail::ranking_instantiation<Score, Id>::name;
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const basic_ranking_accumulator& a = *this;
    using inst = detail::ranking_instantiation<Score, Id>;
    if (inst::code != detail::ranking_instantiation<double, item_id>::code)
      w.u64(detail::ranking_instantiation_marker | inst::code);
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
  static basic_ranking_accumulator load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    std::string version = read_instantiation_and_version(r);
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
    basic_ranking_accumulator a(std::move(version), static_cast<std::size_t>(k), p);
    at = r.position();
    for (auto& m : a.metrics_) m = mean_accumulator::load_state(r, limits);
    for (const auto& m : a.metrics_)
      if (m.count() != a.metrics_[0].count()) r.fail_at(at, "ranking metrics have different counts");
    a.skipped_ = r.u64("skipped requests");
    a.rejected_ = r.u64("rejected requests");
    return a;
  }

 private:
  // The instantiation marker (if any) and the model version: refuses a state
  // of another instantiation, naming both. Today's layout (no marker) is the
  // default instantiation's; its version string is read as byte_reader::string
  // reads it (same checks, same messages).
  static std::string read_instantiation_and_version(detail::byte_reader& r) {
    using inst = detail::ranking_instantiation<Score, Id>;
    constexpr std::uint16_t default_code = detail::ranking_instantiation<double, item_id>::code;
    const std::size_t at = r.position();
    std::uint64_t first = r.u64("model version");
    std::uint16_t held = default_code;
    if ((first & ~std::uint64_t(0xFFFF)) == detail::ranking_instantiation_marker) {
      held = static_cast<std::uint16_t>(first & 0xFFFF);
      if (detail::ranking_instantiation_name(held) == nullptr)
        r.fail_at(at, "unknown ranking accumulator instantiation code " + std::to_string(held));
    }
    if (held != inst::code)
      r.fail_at(at, std::string("the state holds a ") + detail::ranking_instantiation_name(held) +
                        ", which cannot load into a " + inst::full_name +
                        " (the score and id types must match)");
    if (held != default_code) return r.string("model version");
    // Today's layout: `first` was the version's length.
    if (first > r.remaining())
      r.fail_at(at, "model version is " + std::to_string(first) + ", more than the " + std::to_string(r.remaining()) +
                        " bytes left can hold");
    std::string version(static_cast<std::size_t>(first), '\0');
    for (auto& c : version) c = static_cast<char>(r.u8("model version"));
    return version;
  }

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
  evaluator_type evaluator_;
  mean_accumulator metrics_[ranking_metric_count];
  std::uint64_t skipped_ = 0;
  std::uint64_t rejected_ = 0;
};

/// Today's accumulator: double scores (float rows read too), 64-bit ids.
using ranking_accumulator = basic_ranking_accumulator<double, item_id>;

}  // namespace driftwatch
