// driftwatch ranking vocabulary: item ids, judgments, the named policies
// (trec_eval's conventions and the others users ask for), the metric names and
// the per-request result. Shared by the evaluation kernels (detail/ranking_eval.hpp)
// and the metrics (metrics/ranking.hpp); definitions in docs/ranking.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace driftwatch {

/// An item (document, product) identifier. In the score-row path it is the
/// column index of the item's score. The default id type; the evaluators and
/// accumulators also take 32-bit ids (basic_ranking_evaluator<Score, Id>).
using item_id = std::uint64_t;

/// The id types the ranking templates take: std::uint64_t (item_id, the
/// default) and std::uint32_t.
template <class Id>
struct is_ranking_id : std::integral_constant<bool, std::is_same<Id, std::uint64_t>::value ||
                                                        std::is_same<Id, std::uint32_t>::value> {};

/// The score types the ranking templates take: double (the default) and float.
template <class Score>
struct is_ranking_score
    : std::integral_constant<bool, std::is_same<Score, double>::value || std::is_same<Score, float>::value> {};

/// One judged item of a request with ids of type Id: `grade` is its
/// relevance level (0 = judged not relevant; 1, 2, ... graded relevance;
/// negative = in the pool but not judged, treated as 0 like trec_eval).
/// Clicked/bought items are grade 1.
template <class Id>
struct basic_judgment {
  static_assert(is_ranking_id<Id>::value, "basic_judgment<Id>: Id must be std::uint64_t or std::uint32_t");
  Id item = 0;
  int grade = 0;
};

/// A judgment with 64-bit ids (item_id): what every API takes by default.
using judgment = basic_judgment<item_id>;

/// Denominator of precision@k.
enum class precision_denominator {
  k,               ///< k even when fewer were returned (trec_eval P_k, ranx, torchmetrics)
  min_k_returned,  ///< min(k, number returned)
  min_k_relevant,  ///< min(k, R): "R-capped" precision, 1 is always reachable
};

/// Normaliser of AP@k.
enum class ap_normalizer {
  all_relevant,    ///< R, every relevant item (trec_eval map_cut_k, ranx map@k)
  min_k_relevant,  ///< min(k, R) (implicit, RecBole MAP@k)
};

/// Gain of a judged item with grade g > 0 in DCG and the ideal DCG.
enum class gain_function {
  linear,       ///< g (trec_eval ndcg_cut, sklearn ndcg_score, ranx "ndcg")
  exponential,  ///< 2^g - 1 (Burges et al.; ranx "ndcg_burges")
  binary,       ///< 1 if g >= relevance_level, else 0
};

/// How items with equal scores are ordered (score-row input only: a served
/// list is already an order).
enum class tie_policy {
  id_descending,  ///< trec_eval: the larger item id first (docno descending)
  optimistic,     ///< within a tie, higher grades first (best case)
  pessimistic,    ///< within a tie, lower grades first; unjudged first (worst case)
  average,        ///< expected value over all orderings of each tie (McSherry & Najork 2008)
};

/// What a request with no relevant item (R = 0) gives.
enum class no_relevant_policy {
  zero,  ///< every metric is 0 (trec_eval, for a query judged with no relevant document)
  skip,  ///< the result is invalid (reason "no relevant items"); accumulators count and skip it
};

/// The conventions a metric is computed under. The default is trec_eval's.
struct ranking_policy {
  precision_denominator precision = precision_denominator::k;
  ap_normalizer ap_at_k = ap_normalizer::all_relevant;
  gain_function gain = gain_function::linear;
  tie_policy ties = tie_policy::id_descending;
  no_relevant_policy no_relevant = no_relevant_policy::zero;
  /// Minimum grade that counts as relevant (trec_eval -l). At least 1.
  int relevance_level = 1;

  /// trec_eval's conventions (the default).
  static constexpr ranking_policy trec_eval() noexcept { return ranking_policy{}; }

  /// P@k's denominator under this policy, for a list of `returned` items of
  /// which `relevant` (R) are relevant: k, min(k, returned) or min(k, R). The
  /// one place every evaluator reads it from.
  constexpr std::size_t precision_denominator_for(std::size_t k, std::size_t returned,
                                                  std::size_t relevant) const noexcept {
    if (precision == precision_denominator::min_k_returned && returned < k) return returned;
    if (precision == precision_denominator::min_k_relevant && relevant < k) return relevant;
    return k;
  }
  /// AP@k's normaliser under this policy: R, or min(k, R).
  constexpr std::size_t ap_normalizer_for(std::size_t k, std::size_t relevant) const noexcept {
    return ap_at_k == ap_normalizer::min_k_relevant && k < relevant ? k : relevant;
  }

  friend constexpr bool operator==(const ranking_policy& a, const ranking_policy& b) noexcept {
    return a.precision == b.precision && a.ap_at_k == b.ap_at_k && a.gain == b.gain &&
           a.ties == b.ties && a.no_relevant == b.no_relevant &&
           a.relevance_level == b.relevance_level;
  }
  friend constexpr bool operator!=(const ranking_policy& a, const ranking_policy& b) noexcept {
    return !(a == b);
  }
};

/// The metrics, in the order trec_eval prints them.
enum class ranking_metric : unsigned {
  average_precision,       ///< map: AP over the whole list
  r_precision,             ///< Rprec: precision at rank R
  reciprocal_rank,         ///< recip_rank: 1 / rank of the first relevant item (uncut)
  precision,               ///< P_k
  recall,                  ///< recall_k
  ndcg,                    ///< ndcg_cut_k
  average_precision_at_k,  ///< map_cut_k
  hit_rate,                ///< success_k: 1 if a relevant item is in the top k
};
constexpr std::size_t ranking_metric_count = 8;

/// All eight metrics, in enum order.
constexpr std::array<ranking_metric, ranking_metric_count> all_ranking_metrics() noexcept {
  return {ranking_metric::average_precision, ranking_metric::r_precision,
          ranking_metric::reciprocal_rank,   ranking_metric::precision,
          ranking_metric::recall,            ranking_metric::ndcg,
          ranking_metric::average_precision_at_k, ranking_metric::hit_rate};
}

/// True for the metrics that take the cutoff k (their trec_eval name ends in _k).
constexpr bool has_cutoff(ranking_metric m) noexcept {
  return m == ranking_metric::precision || m == ranking_metric::recall ||
         m == ranking_metric::ndcg || m == ranking_metric::average_precision_at_k ||
         m == ranking_metric::hit_rate;
}

/// trec_eval's measure name: "map", "Rprec", "recip_rank", "P_10", "recall_10",
/// "ndcg_cut_10", "map_cut_10", "success_10".
inline std::string trec_name(ranking_metric m, std::size_t k) {
  static const char* const roots[ranking_metric_count] = {
      "map", "Rprec", "recip_rank", "P", "recall", "ndcg_cut", "map_cut", "success"};
  std::string name = roots[static_cast<unsigned>(m)];
  if (has_cutoff(m)) name += "_" + std::to_string(k);
  return name;
}

/// The metrics of one request (query). When `invalid_reason` is set the
/// request is not counted (policy skip, or bad input: duplicate ids, NaN scores)
/// and the values are NaN.
struct ranking_metrics {
  std::array<double, ranking_metric_count> values{};
  /// nullptr when valid; otherwise a static, human-readable reason.
  const char* invalid_reason = nullptr;

  constexpr bool valid() const noexcept { return invalid_reason == nullptr; }
  constexpr double operator[](ranking_metric m) const noexcept {
    return values[static_cast<unsigned>(m)];
  }
  constexpr double precision() const noexcept { return (*this)[ranking_metric::precision]; }
  constexpr double recall() const noexcept { return (*this)[ranking_metric::recall]; }
  constexpr double ndcg() const noexcept { return (*this)[ranking_metric::ndcg]; }
  constexpr double average_precision() const noexcept {
    return (*this)[ranking_metric::average_precision];
  }
  constexpr double average_precision_at_k() const noexcept {
    return (*this)[ranking_metric::average_precision_at_k];
  }
  constexpr double reciprocal_rank() const noexcept {
    return (*this)[ranking_metric::reciprocal_rank];
  }
  constexpr double hit_rate() const noexcept { return (*this)[ranking_metric::hit_rate]; }
  constexpr double r_precision() const noexcept { return (*this)[ranking_metric::r_precision]; }

  static ranking_metrics invalid(const char* reason) noexcept {
    ranking_metrics r;
    r.values.fill(std::numeric_limits<double>::quiet_NaN());
    r.invalid_reason = reason;
    return r;
  }
};

}  // namespace driftwatch
