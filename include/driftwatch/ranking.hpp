// driftwatch ranking metrics per request: precision@k, recall@k, NDCG@k, AP,
// AP@k, reciprocal rank, hit rate@k (trec_eval's success_k) and R-precision,
// with trec_eval's semantics by default and every other convention a named policy.
//
// Two inputs, the same numbers:
//   - the served list: the item ids the service returned, in order, plus the
//     items later judged relevant (clicks, purchases, graded labels);
//   - a row of scores over all items (column = item id), plus the judged items:
//     relevant items are ranked by counting the items that score higher (and
//     the ties), in one streaming pass over the row, no sort and no top-k.
// On the same data (the served list is the row's ranking) both give bit-identical
// metrics: they feed the same rank-ordered kernel in the same order.
// Definitions, policies and how other tools differ: docs/ranking.md.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <driftwatch/detail/kernels_ranking.hpp>
#include <driftwatch/error.hpp>
#include <driftwatch/span.hpp>

namespace driftwatch {

/// An item (document, product) identifier. In the score-row path it is the
/// column index of the item's score.
using item_id = std::uint64_t;

/// One judged item of a request: `grade` is its relevance level (0 = judged
/// not relevant; 1, 2, ... graded relevance; negative = in the pool but not
/// judged, treated as 0 like trec_eval). Clicked/bought items are grade 1.
struct judgment {
  item_id item = 0;
  int grade = 0;
};

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

namespace detail {

inline double ranking_gain(gain_function g, int grade, int level) noexcept {
  if (grade <= 0) return 0.0;
  switch (g) {
    case gain_function::linear: return static_cast<double>(grade);
    case gain_function::exponential: return std::exp2(static_cast<double>(grade)) - 1.0;
    case gain_function::binary: return grade >= level ? 1.0 : 0.0;
  }
  return 0.0;
}

/// 1 / log2(rank + 1) is written as a division, like trec_eval, so the sums
/// round exactly as trec_eval's do.
/// log2(rank + 1) for the first ranks, computed once by std::log2 itself, so
/// a table lookup gives the very bits a call would (ranks beyond call it).
inline double log2_rank_plus_one(std::size_t rank) noexcept {
  constexpr std::size_t table_size = 256;
  struct table {
    double v[table_size];
    table() noexcept {
      for (std::size_t r = 0; r < table_size; ++r) v[r] = std::log2(static_cast<double>(r + 1));
    }
  };
  static const table t;
  return rank < table_size ? t.v[rank] : std::log2(static_cast<double>(rank + 1));
}

constexpr std::size_t unit_discount_table_size = 256;

/// 1.0 / log2_rank_plus_one(rank) for rank < unit_discount_table_size: the
/// very division discounted(1.0, rank) performs, done once per rank.
inline const double* unit_discount_table() noexcept {
  struct table {
    double v[unit_discount_table_size];
    table() noexcept {
      for (std::size_t r = 0; r < unit_discount_table_size; ++r) v[r] = 1.0 / log2_rank_plus_one(r);
    }
  };
  static const table t;
  return t.v;
}

/// gain / log2(rank + 1), trec_eval's division; a unit gain (binary relevance)
/// reads the quotient from a table instead (the same bits, no division).
inline double discounted(double gain, std::size_t rank) noexcept {
  if (gain == 1.0 && rank < unit_discount_table_size) return unit_discount_table()[rank];
  return gain / log2_rank_plus_one(rank);
}

constexpr std::size_t quotient_table_max = 64;

/// c / d for 0 <= c <= d <= quotient_table_max, d >= 1, each computed once by
/// the division itself (so a lookup gives the bits the division would), laid
/// out as rows d = 0, 1, 2, ...: row d starts at d (d + 1) / 2.
inline const double* quotient_table() noexcept {
  constexpr std::size_t M = quotient_table_max;
  struct table {
    double v[(M + 1) * (M + 2) / 2];
    table() noexcept {
      for (std::size_t d = 0; d <= M; ++d)
        for (std::size_t c = 0; c <= d; ++c)
          v[d * (d + 1) / 2 + c] = d ? static_cast<double>(c) / static_cast<double>(d) : 0.0;
    }
  };
  static const table t;
  return t.v;
}

/// static_cast<double>(c) / static_cast<double>(d) for d >= 1, bit for bit:
/// from quotient_table when c <= d <= quotient_table_max (the counts and
/// ranks of the metrics: no division in the common case), else divided.
inline double count_ratio(std::size_t c, std::size_t d) noexcept {
  if (c <= d && d <= quotient_table_max) return quotient_table()[d * (d + 1) / 2 + c];
  return static_cast<double>(c) / static_cast<double>(d);
}

constexpr std::size_t unit_dcg_table_size = 256;

/// sum_{p=1..c} discounted(1, p), accumulated left to right from 0.0 exactly as
/// summarize's loop does, for c < unit_dcg_table_size.
inline double unit_dcg_prefix(std::size_t c) noexcept {
  struct table {
    double v[unit_dcg_table_size];
    table() noexcept {
      double sum = 0.0;
      v[0] = sum;
      for (std::size_t p = 1; p < unit_dcg_table_size; ++p) {
        sum += discounted(1.0, p);
        v[p] = sum;
      }
    }
  };
  static const table t;
  return t.v[c];
}

/// Index of the lowest set bit of x != 0.
inline std::size_t lowest_bit(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<std::size_t>(__builtin_ctzll(x));
#else
  std::size_t i = 0;
  while (!(x & 1)) {
    x >>= 1;
    ++i;
  }
  return i;
#endif
}

/// Number of set bits of x.
inline std::size_t bit_count(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<std::size_t>(__builtin_popcountll(x));
#else
  std::size_t c = 0;
  for (; x != 0; x &= x - 1) ++c;
  return c;
#endif
}

/// What the served path for unit gains reads, behind one initialisation
/// guard: for every set of hit ranks within 1..unit_hit_ranks (bit r - 1 of
/// the index for rank r), the DCG of unit gains and the sum of precisions at
/// the hits, each accumulated from 0.0 in increasing rank by the very
/// additions of rank_kernel::visit_mask (so a lookup gives the bits that loop
/// would); the unit discounts or +0.0; the ideal DCG prefixes (copies of
/// unit_dcg_prefix); the quotient table.
constexpr std::size_t unit_hit_ranks = 10;
struct unit_hit_sums {
  struct sums {
    double dcg, ap;
  };
  sums by_hits[std::size_t(1) << unit_hit_ranks];
  double disc_or_zero[2][64];  // [0]: +0.0, [1]: the unit discounts
  double ideal[65];
  double first_hit[13];  // count_ratio(1, r) for a first hit at rank r <= 12; [0] = 0.0 (no hit)
  const double* quot;
  unit_hit_sums() noexcept : quot(quotient_table()) {
    const double* unit_disc = unit_discount_table();
    for (std::size_t m = 0; m < (std::size_t(1) << unit_hit_ranks); ++m) {
      double d = 0.0, a = 0.0;
      std::size_t so_far = 0;
      for (std::uint64_t b = static_cast<std::uint64_t>(m) << 1; b != 0; b &= b - 1) {
        const std::size_t i = lowest_bit(b);
        ++so_far;
        d += unit_disc[i];
        a += quot[i * (i + 1) / 2 + so_far];
      }
      by_hits[m] = {d, a};
    }
    for (std::size_t i = 0; i < 64; ++i) {
      disc_or_zero[0][i] = 0.0;
      disc_or_zero[1][i] = unit_disc[i];
    }
    for (std::size_t c = 0; c <= 64; ++c) ideal[c] = unit_dcg_prefix(c);
    first_hit[0] = 0.0;
    for (std::size_t r = 1; r < 13; ++r) first_hit[r] = count_ratio(1, r);
  }
};
inline const unit_hit_sums& unit_hit_table() noexcept {
  static const unit_hit_sums t;
  return t;
}

/// What every path knows before looking at the ranking: R and the ideal DCG@k.
struct judgment_summary {
  std::size_t relevant = 0;  // R: judged items with grade >= level
  std::size_t positive = 0;  // judged items with grade > 0
  double ideal_dcg = 0.0;    // DCG@k of the judged items sorted by grade descending
  bool duplicate = false;
  int top_grade = 0;  // highest positive grade (0 when none)
  int low_grade = 0;  // lowest positive grade (0 when none)
};

/// Per-grade tallies of a judgment list, one judgment at a time (add), so a
/// caller's own pass over the judgments can collect them.
struct grade_tally {
  std::size_t relevant = 0, positive = 0;
  int top = 0, low = std::numeric_limits<int>::max();
  std::size_t top_count = 0;  // judgments with grade == top (once top > 0)

  void add(int g, int level) noexcept {
    relevant += g >= level ? 1 : 0;
    positive += g > 0 ? 1 : 0;
    top_count = g > top ? 0 : top_count;
    top = g > top ? g : top;
    top_count += g == top ? 1 : 0;
    low = g > 0 && g < low ? g : low;
  }
};

/// R, the positive count and the ideal DCG@k from the tally of `judgments`,
/// without the duplicate check (`duplicate` stays false). O(1) when every
/// positive grade is the same, else O(J * L) for L distinct positive grades;
/// no allocation.
inline judgment_summary summarize_tally(const grade_tally& t, span<const judgment> judgments, std::size_t k,
                                        const ranking_policy& policy) noexcept {
  judgment_summary s;
  const std::size_t n = judgments.size();
  s.relevant = t.relevant;
  s.positive = t.positive;
  const int top = t.top, low = t.low;
  const std::size_t top_count = t.top_count;
  if (s.positive == 0) return s;
  s.top_grade = top;
  s.low_grade = low;
  if (low == top && ranking_gain(policy.gain, top, policy.relevance_level) == 1.0) {
    // One positive grade of unit gain: what the general loop below computes
    // in its first step (and it has no second one).
    const std::size_t c = top_count < k ? top_count : k;
    if (c < unit_dcg_table_size) {
      s.ideal_dcg = unit_dcg_prefix(c);
      return s;
    }
  }
  // Ideal ranking: distinct grades from the highest down, like trec_eval's
  // walk over its rel_levels histogram.
  std::size_t position = 0;
  int level = std::numeric_limits<int>::max();
  while (position < k) {
    int next = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const int g = judgments[i].grade;
      if (g > next && g < level) next = g;
    }
    if (next <= 0) break;
    level = next;
    const double gain = ranking_gain(policy.gain, level, policy.relevance_level);
    if (position == 0 && gain == 1.0) {
      // The common case (binary relevance, linear gain): the ideal DCG is a
      // prefix of sum 1/log2(p + 1), read from a table built by the very same
      // sequence of additions, so the bits are those of the loop below.
      std::size_t c = 0;
      for (std::size_t i = 0; i < n; ++i) c += judgments[i].grade == level ? 1 : 0;
      if (c > k) c = k;
      if (c < unit_dcg_table_size) {
        s.ideal_dcg = unit_dcg_prefix(c);
        position = c;
        continue;
      }
    }
    for (std::size_t i = 0; i < n && position < k; ++i) {
      if (judgments[i].grade == level) {
        s.ideal_dcg += discounted(gain, position + 1);
        ++position;
      }
    }
  }
  return s;
}

/// R, the positive count and the ideal DCG@k, without the duplicate check
/// (`duplicate` stays false). O(J * L) for J judgments with L distinct
/// positive grades, O(J) when every positive grade is the same; no allocation.
inline judgment_summary summarize_counts(span<const judgment> judgments, std::size_t k,
                                         const ranking_policy& policy) noexcept {
  grade_tally t;
  for (const judgment& jd : judgments) t.add(jd.grade, policy.relevance_level);
  return summarize_tally(t, judgments, k, policy);
}

/// summarize_counts plus the duplicate-id check (O(J^2) compares, no branch
/// per pair); no allocation.
inline judgment_summary summarize(span<const judgment> judgments, std::size_t k,
                                  const ranking_policy& policy) noexcept {
  judgment_summary s = summarize_counts(judgments, k, policy);
  const std::size_t n = judgments.size();
  bool duplicate = false;
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) duplicate = duplicate || judgments[j].item == judgments[i].item;
  s.duplicate = duplicate;
  return s;
}

/// The rank-ordered kernel: visit(rank, grade) for every positive (grade > 0)
/// retrieved item, in increasing rank; then finish(). Ranks are 1-based.
/// Runs in the hot loop: measure before changing.
class rank_kernel {
 public:
  rank_kernel(std::size_t k, const ranking_policy& policy, const judgment_summary& s) noexcept
      : k_(k), policy_(policy), summary_(s) {}

  void visit(std::size_t rank, int grade) noexcept {
    if (rank <= k_) dcg_ += discounted(ranking_gain(policy_.gain, grade, policy_.relevance_level), rank);
    if (grade < policy_.relevance_level) return;
    ++rel_so_far_;
    const double precision_here = count_ratio(rel_so_far_, rank);
    ap_sum_ += precision_here;
    if (rank <= k_) {
      ap_sum_k_ += precision_here;
      ++rel_in_k_;
    }
    if (rank <= summary_.relevant) ++rel_in_r_;
    if (first_rel_rank_ == 0) first_rel_rank_ = rank;
  }

  /// visit(i, grade) for every set bit i of `positive` (bit 0 clear, bits
  /// 1..63 the ranks of items that all have this one grade > 0), in
  /// increasing rank: the same state, bit for bit, without a branch per
  /// served item (whether a served id is relevant is a coin flip the branch
  /// predictor loses), only per hit. Ranks < 64 <= quotient_table_max.
  void visit_mask(std::uint64_t positive, int grade) noexcept {
    const double* unit_disc = unit_discount_table();
    const double* quot = quotient_table();
    const double gain = ranking_gain(policy_.gain, grade, policy_.relevance_level);
    const std::size_t R = summary_.relevant;
    // Locals, not members, so the state lives in registers.
    double dcg = dcg_, ap = ap_sum_, ap_k = ap_sum_k_;
    std::size_t so_far = rel_so_far_, in_k = rel_in_k_, in_r = rel_in_r_, first = first_rel_rank_;
    const std::uint64_t top_k = k_ >= 63 ? ~std::uint64_t(0) : (std::uint64_t(2) << k_) - 1;  // bits 0..k
    if (gain == 1.0) {
      for (std::uint64_t b = positive & top_k; b != 0; b &= b - 1) dcg += unit_disc[lowest_bit(b)];
    } else {
      for (std::uint64_t b = positive & top_k; b != 0; b &= b - 1) dcg += gain / log2_rank_plus_one(lowest_bit(b));
    }
    if (grade >= policy_.relevance_level) {
      for (std::uint64_t b = positive; b != 0; b &= b - 1) {
        const std::size_t i = lowest_bit(b);
        ++so_far;
        const double p = quot[i * (i + 1) / 2 + so_far];
        ap += p;
        ap_k += i <= k_ ? p : 0.0;
        in_k += i <= k_ ? 1 : 0;
        in_r += i <= R ? 1 : 0;
        first = first == 0 ? i : first;
      }
    }
    dcg_ = dcg;
    ap_sum_ = ap;
    ap_sum_k_ = ap_k;
    rel_so_far_ = so_far;
    rel_in_k_ = in_k;
    rel_in_r_ = in_r;
    first_rel_rank_ = first;
  }

  ranking_metrics finish(std::size_t returned) const noexcept {
    const std::size_t R = summary_.relevant;
    if (R == 0 && policy_.no_relevant == no_relevant_policy::skip)
      return ranking_metrics::invalid("no relevant items");
    ranking_metrics m;
    auto set = [&m](ranking_metric which, double v) { m.values[static_cast<unsigned>(which)] = v; };
    std::size_t denom = k_;
    if (policy_.precision == precision_denominator::min_k_returned && returned < denom) denom = returned;
    if (policy_.precision == precision_denominator::min_k_relevant && R < denom) denom = R;
    const double dR = static_cast<double>(R);
    set(ranking_metric::precision, denom ? count_ratio(rel_in_k_, denom) : 0.0);
    set(ranking_metric::recall, R ? count_ratio(rel_in_k_, R) : 0.0);
    set(ranking_metric::ndcg, summary_.ideal_dcg > 0.0 ? dcg_ / summary_.ideal_dcg : 0.0);
    set(ranking_metric::average_precision, R ? ap_sum_ / dR : 0.0);
    std::size_t apk_norm = R;
    if (policy_.ap_at_k == ap_normalizer::min_k_relevant && k_ < apk_norm) apk_norm = k_;
    set(ranking_metric::average_precision_at_k,
        apk_norm ? ap_sum_k_ / static_cast<double>(apk_norm) : 0.0);
    set(ranking_metric::reciprocal_rank, first_rel_rank_ ? count_ratio(1, first_rel_rank_) : 0.0);
    set(ranking_metric::hit_rate, rel_in_k_ ? 1.0 : 0.0);
    // trec_eval: relevant among the first min(returned, R), divided by R.
    set(ranking_metric::r_precision, R ? count_ratio(rel_in_r_, R) : 0.0);
    return m;
  }

 private:
  std::size_t k_;
  ranking_policy policy_;
  judgment_summary summary_;
  std::size_t rel_so_far_ = 0, rel_in_k_ = 0, rel_in_r_ = 0, first_rel_rank_ = 0;
  double dcg_ = 0.0, ap_sum_ = 0.0, ap_sum_k_ = 0.0;
};

/// Expected metrics over all orderings within ties (tie_policy::average).
/// visit_group(a, t, r, gain_sum): a group of t tied items after a items
/// ranked strictly higher, holding r relevant items and positive items whose
/// gains sum to gain_sum; groups in increasing a.
class average_tie_kernel {
 public:
  average_tie_kernel(std::size_t k, const ranking_policy& policy, const judgment_summary& s) noexcept
      : k_(k), policy_(policy), summary_(s) {}

  void visit_group(std::size_t a, std::size_t t, std::size_t r, double gain_sum) noexcept {
    const double dt = static_cast<double>(t);
    const std::size_t c = k_ > a ? (k_ - a < t ? k_ - a : t) : 0;  // slots within the top k
    if (gain_sum > 0.0 && c > 0) {
      double disc = 0.0;
      for (std::size_t p = 1; p <= c; ++p) disc += 1.0 / std::log2(static_cast<double>(a + p + 1));
      dcg_ += gain_sum / dt * disc;
    }
    if (r == 0) return;
    const double dr = static_cast<double>(r);
    rel_in_k_ += dr * static_cast<double>(c) / dt;
    const std::size_t R = summary_.relevant;
    const std::size_t cr = R > a ? (R - a < t ? R - a : t) : 0;
    rel_in_r_ += dr * static_cast<double>(cr) / dt;
    // AP: a relevant item at slot p of the group has, in expectation,
    // rel_above + 1 + (p - 1)(r - 1)/(t - 1) relevant items at or above it.
    const double before = static_cast<double>(rel_above_);
    for (std::size_t p = 1; p <= t; ++p) {
      const double above_in_group =
          t > 1 ? static_cast<double>(p - 1) * (dr - 1.0) / (dt - 1.0) : 0.0;
      const double term = dr / dt * (before + 1.0 + above_in_group) / static_cast<double>(a + p);
      ap_sum_ += term;
      if (a + p <= k_) ap_sum_k_ += term;
    }
    if (!seen_relevant_) {
      seen_relevant_ = true;
      // First relevant slot X: P(X = 1) = r/t, P(X = x+1) = P(X = x) (t - x - r + 1)/(t - x).
      double px = dr / dt;
      double rr = 0.0, hit = 0.0;
      for (std::size_t x = 1; x + r <= t + 1; ++x) {
        rr += px / static_cast<double>(a + x);
        if (a + x <= k_) hit += px;
        px *= static_cast<double>(t - x - r + 1) / static_cast<double>(t - x);
      }
      rr_ = rr;
      hit_ = hit;
    }
    rel_above_ += r;
  }

  ranking_metrics finish(std::size_t returned) const noexcept {
    const std::size_t R = summary_.relevant;
    if (R == 0 && policy_.no_relevant == no_relevant_policy::skip)
      return ranking_metrics::invalid("no relevant items");
    ranking_metrics m;
    auto set = [&m](ranking_metric which, double v) { m.values[static_cast<unsigned>(which)] = v; };
    std::size_t denom = k_;
    if (policy_.precision == precision_denominator::min_k_returned && returned < denom) denom = returned;
    if (policy_.precision == precision_denominator::min_k_relevant && R < denom) denom = R;
    const double dR = static_cast<double>(R);
    set(ranking_metric::precision, denom ? rel_in_k_ / static_cast<double>(denom) : 0.0);
    set(ranking_metric::recall, R ? rel_in_k_ / dR : 0.0);
    set(ranking_metric::ndcg, summary_.ideal_dcg > 0.0 ? dcg_ / summary_.ideal_dcg : 0.0);
    set(ranking_metric::average_precision, R ? ap_sum_ / dR : 0.0);
    std::size_t apk_norm = R;
    if (policy_.ap_at_k == ap_normalizer::min_k_relevant && k_ < apk_norm) apk_norm = k_;
    set(ranking_metric::average_precision_at_k,
        apk_norm ? ap_sum_k_ / static_cast<double>(apk_norm) : 0.0);
    set(ranking_metric::reciprocal_rank, rr_);
    set(ranking_metric::hit_rate, hit_);
    set(ranking_metric::r_precision, R ? rel_in_r_ / dR : 0.0);
    return m;
  }

 private:
  std::size_t k_;
  ranking_policy policy_;
  judgment_summary summary_;
  std::size_t rel_above_ = 0;
  bool seen_relevant_ = false;
  double rel_in_k_ = 0.0, rel_in_r_ = 0.0, dcg_ = 0.0, ap_sum_ = 0.0, ap_sum_k_ = 0.0;
  double rr_ = 0.0, hit_ = 0.0;
};

/// A positive judged item present in a score row.
struct ranked_candidate {
  double score = 0.0;
  int grade = 0;
  item_id id = 0;
};

/// The order in which tied items are placed, restricted to judged positive items.
inline bool precedes(const ranked_candidate& x, const ranked_candidate& y, tie_policy ties) noexcept {
  if (x.score != y.score) return x.score > y.score;
  if (ties == tie_policy::optimistic && x.grade != y.grade) return x.grade > y.grade;
  if (ties == tie_policy::pessimistic && x.grade != y.grade) return x.grade < y.grade;
  return x.id > y.id;
}

/// Items whose rank is computed per pass over the row; the pass keeps one
/// counter per item on the stack.
constexpr std::size_t rank_chunk = 64;

/// Served lists and judgment lists up to this long take the kernel path.
constexpr std::size_t served_fast_max = 64;

static_assert(served_unit_max_served <= 63, "a hit is a bit of a 64-bit mask");

// served() reads judgments as 16-byte records (id, then grade) in the kernels.
static_assert(sizeof(judgment) == 16 && offsetof(judgment, item) == 0 && offsetof(judgment, grade) == 8,
              "match_served_unit reads judgment as {u64 item, i32 grade, 4 bytes padding}");

}  // namespace detail

/// Computes the per-request ranking metrics at one cutoff k under one policy.
/// A small value type; construction validates the configuration (throws
/// driftwatch::error), evaluation never throws and never allocates.
class ranking_evaluator {
 public:
  /// k >= 1 is the cutoff of the _k metrics; policy.relevance_level >= 1.
  explicit ranking_evaluator(std::size_t k, ranking_policy policy = ranking_policy{})
      : k_(k), policy_(policy) {
    if (k == 0) detail::fail("ranking cutoff k must be at least 1: k = 0");
    if (policy.relevance_level < 1)
      detail::fail("relevance_level must be at least 1: " + std::to_string(policy.relevance_level));
  }

  std::size_t k() const noexcept { return k_; }
  const ranking_policy& policy() const noexcept { return policy_; }

  /// Metrics of a served list (ids in the order shown, rank 1 first; it may be
  /// longer or shorter than k) against the request's judged items.
  /// O(n * J + J * L) for n served, J judged items and L distinct grades; no
  /// allocation. Invalid (and counted as such by accumulators) when an id
  /// repeats in `served` ("duplicate item in served list") or in `judgments`
  /// ("duplicate judged item"); see ranking_policy for R = 0.
  /// The tie policy does not apply: a served list is already an order.
  /// At the avx512 kernel level (docs/simd.md: chosen at run time in a
  /// default build), lists of 1..10 ids with up to 24 judgments of grades
  /// <= 1 under relevance level 1 (clicks, purchases) take one branch-free
  /// matching step (conflict detection or pairwise, as the planner timed
  /// them: detail::match_served_unit_planned) and table lookups; every other
  /// list, and every other level, the general kernels. Same metrics, bit for
  /// bit, either way.
  ranking_metrics served(span<const item_id> served, span<const judgment> judgments) const noexcept {
    const std::size_t n = served.size();
    const std::size_t J = judgments.size();
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
    if (detail::active_level() == simd_level::avx512 && n - 1 < detail::served_unit_max_served &&
        J <= detail::served_unit_max_judged && policy_.relevance_level == 1) {
      ranking_metrics r;
      if (served_unit(served, judgments, r)) return r;
    }
#endif
    if (n < detail::served_fast_max && J <= detail::served_fast_max) return served_small(served, judgments);
    const detail::judgment_summary s = detail::summarize(judgments, k_, policy_);
    if (s.duplicate) return ranking_metrics::invalid("duplicate judged item");
    for (std::size_t i = 1; i < n; ++i) {
      bool repeated = false;  // no early exit inside: the compiler vectorizes the row
      for (std::size_t j = 0; j < i; ++j) repeated = repeated || served[i] == served[j];
      if (repeated) return ranking_metrics::invalid("duplicate item in served list");
    }
    detail::rank_kernel kernel(k_, policy_, s);
    if (s.positive > 0) {
      for (std::size_t i = 0; i < n; ++i) {
        const item_id id = served[i];
        for (const judgment& jd : judgments) {
          if (jd.item == id) {
            if (jd.grade > 0) kernel.visit(i + 1, jd.grade);
            break;
          }
        }
      }
    }
    return kernel.finish(n);
  }

  /// Metrics of a score row: `scores[i]` is item i's score, higher is better,
  /// every item of the row counts as returned; judged items with an id outside
  /// the row were not returned (they still count in R and the ideal DCG).
  /// Each relevant item's rank is 1 + the items scoring higher + the tied items
  /// placed before it by the tie policy, counted in a streaming pass over the
  /// row (one pass per 64 positive judged items; no sort, no top-k selection).
  /// O(n * P + P * J) for n items, P positive judged items, J judged items;
  /// no allocation. Invalid when a score is NaN ("NaN score") or an item is
  /// judged twice ("duplicate judged item"). +-inf scores are ordered normally.
  ranking_metrics scores(span<const double> scores, span<const judgment> judgments) const noexcept {
    return scores_row(scores, judgments);
  }

  /// The same for a row of float scores (read as is, never converted to a
  /// double copy): identical metrics to the double row holding the same values.
  ranking_metrics scores(span<const float> scores, span<const judgment> judgments) const noexcept {
    return scores_row(scores, judgments);
  }

 private:
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
  // served() from match_served_unit's findings when no grade is above 1, no
  // id repeats and the relevance level is 1: every positive judged item is relevant with
  // gain 1 (linear, exponential and binary gains alike), R is their count,
  // the ideal DCG the unit prefix of min(R, k), and the state is what
  // rank_kernel::visit_mask(hits, 1) leaves, bit for bit: the DCG and AP
  // sums of ranks 1..unit_hit_ranks read from unit_hit_table (built by
  // visit_mask's own additions), later ranks (none while served lists of the
  // unit path are at most unit_hit_ranks long) added without a branch (a
  // miss adds +0.0, which leaves a non-negative sum unchanged); then
  // rank_kernel::finish's formulas, the quotients of small counts read from
  // the tables that count_ratio reads. (Measure before restructuring: with
  // GCC 12 this exact shape inlines into the caller's loop; shapes that did
  // not cost 25-30% more per list.)
  // False (r untouched) when a grade is above 1 or an id repeats: the caller
  // takes the general path (its checks, its error messages in their order).
  DRIFTWATCH_TARGET_AVX512 bool served_unit(span<const item_id> served, span<const judgment> judgments,
                                            ranking_metrics& r) const noexcept {
    using detail::bit_count;
    const std::size_t n = served.size();
    const detail::served_unit_match m = detail::match_served_unit_planned(
        served.data(), n, reinterpret_cast<const unsigned char*>(judgments.data()), judgments.size());
    if (m.unusual) return false;  // a grade above 1 or a repeated id: the general path tells which
    const std::size_t R = bit_count(m.positive);
    if (R == 0) {  // every metric 0 (no hit either), or skipped
      r = policy_.no_relevant == no_relevant_policy::skip ? ranking_metrics::invalid("no relevant items")
                                                          : ranking_metrics{};
      return true;
    }
    const detail::unit_hit_sums& t = detail::unit_hit_table();
    const std::size_t k = k_;
    const std::uint64_t hits = m.hits;
    const std::uint64_t top_k = k >= 63 ? ~std::uint64_t(0) : (std::uint64_t(2) << k) - 1;  // bits 0..k
    const std::uint64_t hk = hits & top_k;
    constexpr std::uint64_t table_bits = (std::uint64_t(1) << detail::unit_hit_ranks) - 1;
    const detail::unit_hit_sums::sums all = t.by_hits[(hits >> 1) & table_bits];
    const detail::unit_hit_sums::sums top = t.by_hits[(hk >> 1) & table_bits];
    double dcg = top.dcg, ap = all.ap, ap_k = top.ap;
    if (n > detail::unit_hit_ranks) {
      // A miss reads an entry that is +0.0 (the quotient 0 / i, the zero row
      // of the discounts) instead of branching on the coin flip of a hit.
      std::size_t so_far = bit_count(hits & (table_bits << 1));
      for (std::size_t i = detail::unit_hit_ranks + 1; i <= n; ++i) {
        const std::size_t hit = (hits >> i) & 1;
        const std::size_t in_top = hit & (i <= k ? 1 : 0);
        so_far += hit;
        const std::size_t row = i * (i + 1) / 2;
        ap += t.quot[row + (so_far & (0 - hit))];
        ap_k += t.quot[row + (so_far & (0 - in_top))];
        dcg += t.disc_or_zero[in_top][i];
      }
    }
    const std::size_t in_k = bit_count(hk);
    const std::size_t in_r = bit_count(hits & ((std::uint64_t(2) << R) - 1));  // R <= 24
    std::size_t denom = k;
    if (policy_.precision == precision_denominator::min_k_returned && n < denom) denom = n;
    if (policy_.precision == precision_denominator::min_k_relevant && R < denom) denom = R;
    std::size_t apk_norm = R;
    if (policy_.ap_at_k == ap_normalizer::min_k_relevant && k < apk_norm) apk_norm = k;
    // count_ratio(c, d) from the table: c <= d <= 64 for in_k, in_r <= R <= 24;
    // the reciprocal rank of the first hit (0.0 for none) likewise.
    const double* row_r = t.quot + R * (R + 1) / 2;
    auto set = [&r](ranking_metric which, double v) { r.values[static_cast<unsigned>(which)] = v; };
    set(ranking_metric::precision,  // in_k <= denom (k, n >= 1, R >= 1)
        denom <= detail::quotient_table_max ? t.quot[denom * (denom + 1) / 2 + in_k] : detail::count_ratio(in_k, denom));
    set(ranking_metric::recall, row_r[in_k]);
    set(ranking_metric::r_precision, row_r[in_r]);
    set(ranking_metric::reciprocal_rank, t.first_hit[hits ? detail::lowest_bit(hits) : 0]);
    set(ranking_metric::hit_rate, static_cast<double>(in_k != 0));
    set(ranking_metric::average_precision, ap / static_cast<double>(R));
    set(ranking_metric::average_precision_at_k, ap_k / static_cast<double>(apk_norm));
    set(ranking_metric::ndcg, dcg / t.ideal[R < k ? R : k]);  // ideal > 0: R >= 1
    r.invalid_reason = nullptr;
    return true;
  }
#endif

  // served() for fewer than served_fast_max served ids (a rank is a bit of a
  // 64-bit mask) and up to served_fast_max judged ids: both duplicate
  // checks and the membership test are the served_positions kernel (ids in
  // registers, broadcast compares, no branch per pair), then one branch-free
  // pass over the ranks.
  ranking_metrics served_small(span<const item_id> served, span<const judgment> judgments) const noexcept {
    constexpr std::size_t M = detail::served_fast_max;
    const std::size_t n = served.size();
    const std::size_t J = judgments.size();
    item_id ids[M + 8];           // room for match_served's padding (at most 8 lanes)
    std::uint64_t positive[M + 8];  // flags: grade > 0
    detail::grade_tally tally;
    for (std::size_t j = 0; j < J; ++j) {
      ids[j] = judgments[j].item;
      positive[j] = judgments[j].grade > 0 ? ~std::uint64_t(0) : 0;
      tally.add(judgments[j].grade, policy_.relevance_level);
    }
    // Membership of the positive judged ids and both duplicate checks in
    // one SIMD kernel (scalar twin: detail/kernels_ranking.hpp): ids in
    // registers, broadcast compares, no branch per pair.
    // Also checks the served ids for repeats. (The summary first gives the
    // scalar stores above time to retire before the kernel loads them as vectors.)
    const detail::judgment_summary s = detail::summarize_tally(tally, judgments, k_, policy_);
    const detail::served_match match = detail::match_served(served.data(), n, ids, positive, J);
    if (match.judged_repeat) return ranking_metrics::invalid("duplicate judged item");
    if (match.served_repeat) return ranking_metrics::invalid("duplicate item in served list");
    detail::rank_kernel kernel(k_, policy_, s);
    if (s.positive == 0) return kernel.finish(n);
    if (s.top_grade == s.low_grade) {
      // One positive grade (binary relevance): the hits are all it takes.
      kernel.visit_mask(match.hits, s.top_grade);
    } else {
      std::size_t position[M];
      int grade_at[M + 1];  // [0] collects the judged items not served
      detail::served_positions(served.data(), n, detail::id_array{ids}, J, position);
      for (std::size_t j = 0; j < J; ++j) grade_at[position[j]] = judgments[j].grade;
      for (std::uint64_t b = match.hits; b != 0; b &= b - 1) {
        const std::size_t i = detail::lowest_bit(b);
        kernel.visit(i, grade_at[i]);
      }
    }
    return kernel.finish(n);
  }

  template <class T>
  ranking_metrics scores_row(span<const T> scores, span<const judgment> judgments) const noexcept {
    const detail::judgment_summary s = detail::summarize(judgments, k_, policy_);
    if (s.duplicate) return ranking_metrics::invalid("duplicate judged item");
    const std::size_t n = scores.size();
    // Positive judged items inside the row, needed to decide if there is any work.
    std::size_t present = 0;
    for (const judgment& jd : judgments) {
      if (jd.grade > 0 && jd.item < n) ++present;
    }
    if (present == 0) {
      for (T v : scores) {
        if (std::isnan(v)) return ranking_metrics::invalid("NaN score");
      }
      return detail::rank_kernel(k_, policy_, s).finish(n);
    }
    for (const judgment& jd : judgments) {
      if (jd.grade > 0 && jd.item < n && std::isnan(scores[static_cast<std::size_t>(jd.item)]))
        return ranking_metrics::invalid("NaN score");
    }
    if (policy_.ties == tie_policy::average) return scores_average(scores, judgments, s);
    return scores_ordered(scores, judgments, s);
  }

  // Deterministic tie policies: visit positive items in rank order, 64 at a time.
  template <class T>
  ranking_metrics scores_ordered(span<const T> row, span<const judgment> judgments,
                                 const detail::judgment_summary& s) const noexcept {
    using detail::ranked_candidate;
    const std::size_t n = row.size();
    const tie_policy ties = policy_.ties;
    detail::rank_kernel kernel(k_, policy_, s);
    ranked_candidate chunk[detail::rank_chunk];
    std::size_t greater[detail::rank_chunk];
    std::size_t tied_before[detail::rank_chunk];
    std::size_t tied[detail::rank_chunk];
    bool have_last = false;
    ranked_candidate last{};
    for (;;) {
      // The next (up to) 64 positive items after `last`, sorted by rank.
      std::size_t m = 0;
      for (const judgment& jd : judgments) {
        if (jd.grade <= 0 || jd.item >= n) continue;
        const ranked_candidate c{row[static_cast<std::size_t>(jd.item)], jd.grade, jd.item};
        if (have_last && !detail::precedes(last, c, ties)) continue;
        if (m == detail::rank_chunk && !detail::precedes(c, chunk[m - 1], ties)) continue;
        std::size_t pos = m < detail::rank_chunk ? m++ : m - 1;
        while (pos > 0 && detail::precedes(c, chunk[pos - 1], ties)) {
          chunk[pos] = chunk[pos - 1];
          --pos;
        }
        chunk[pos] = c;
      }
      if (m == 0) break;
      // One streaming pass counts, for each of the m items, the items above it
      // (SIMD kernel with a scalar twin: detail/kernels_ranking.hpp).
      count_pass(row, chunk, m, ties == tie_policy::id_descending, greater, tied_before, tied);
      for (std::size_t j = 0; j < m; ++j) {
        std::size_t before = tied_before[j];
        if (ties != tie_policy::id_descending) {
          // Placement inside the tie is decided among the positive judged items.
          std::size_t pos_before = 0, pos_tied = 0;
          for (const judgment& jd : judgments) {
            if (jd.grade <= 0 || jd.item >= n) continue;
            const ranked_candidate c{row[static_cast<std::size_t>(jd.item)], jd.grade, jd.item};
            if (c.score != chunk[j].score) continue;
            ++pos_tied;
            if (detail::precedes(c, chunk[j], ties)) ++pos_before;
          }
          before = pos_before;
          if (ties == tie_policy::pessimistic) before += tied[j] - pos_tied;  // non-positive items first
        }
        kernel.visit(1 + greater[j] + before, chunk[j].grade);
      }
      last = chunk[m - 1];
      have_last = true;
      if (m < detail::rank_chunk) break;
    }
    return kernel.finish(n);
  }

  // tie_policy::average: visit groups of equal score, 64 distinct scores per pass.
  template <class T>
  ranking_metrics scores_average(span<const T> row, span<const judgment> judgments,
                                 const detail::judgment_summary& s) const noexcept {
    const std::size_t n = row.size();
    detail::average_tie_kernel kernel(k_, policy_, s);
    double group_score[detail::rank_chunk];
    std::size_t greater[detail::rank_chunk];
    std::size_t tied[detail::rank_chunk];
    bool have_last = false;
    double last = 0.0;
    for (;;) {
      std::size_t m = 0;
      for (const judgment& jd : judgments) {
        if (jd.grade <= 0 || jd.item >= n) continue;
        const double v = row[static_cast<std::size_t>(jd.item)];
        if (have_last && !(v < last)) continue;
        bool seen = false;
        for (std::size_t j = 0; j < m; ++j) seen = seen || group_score[j] == v;
        if (seen) continue;
        if (m == detail::rank_chunk && !(v > group_score[m - 1])) continue;
        std::size_t pos = m < detail::rank_chunk ? m++ : m - 1;
        while (pos > 0 && v > group_score[pos - 1]) {
          group_score[pos] = group_score[pos - 1];
          --pos;
        }
        group_score[pos] = v;
      }
      if (m == 0) break;
      group_pass(row, group_score, m, greater, tied);
      for (std::size_t j = 0; j < m; ++j) {
        std::size_t relevant = 0;
        double gain_sum = 0.0;
        for (const judgment& jd : judgments) {
          if (jd.grade <= 0 || jd.item >= n) continue;
          if (row[static_cast<std::size_t>(jd.item)] != group_score[j]) continue;
          if (jd.grade >= policy_.relevance_level) ++relevant;
          gain_sum += detail::ranking_gain(policy_.gain, jd.grade, policy_.relevance_level);
        }
        kernel.visit_group(greater[j], tied[j], relevant, gain_sum);
      }
      last = group_score[m - 1];
      have_last = true;
      if (m < detail::rank_chunk) break;
    }
    return kernel.finish(n);
  }

  // The streaming pass of scores_ordered. With id_descending only
  // greater + tied_before is needed, and it is one comparison per item and
  // position: score > s before the item's index, score >= s after it.
  // Otherwise greater and tied come from "> s" and ">= s" over the whole row.
  // A score of -inf has no value below it for ">=": that pass runs the scalar
  // twin's direct comparisons instead.
  template <class T>
  static void count_pass(span<const T> row, const detail::ranked_candidate* chunk, std::size_t m,
                         bool id_descending, std::size_t* greater, std::size_t* tied_before,
                         std::size_t* tied) noexcept {
    const std::size_t n = row.size();
    bool has_neg_inf = false;
    const double neg_inf = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < m; ++j) has_neg_inf = has_neg_inf || chunk[j].score == neg_inf;
    if (has_neg_inf) {
      for (std::size_t j = 0; j < m; ++j) greater[j] = tied_before[j] = tied[j] = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(row[i]);
        for (std::size_t j = 0; j < m; ++j) {
          greater[j] += v > chunk[j].score;
          const bool eq = v == chunk[j].score;
          tied[j] += eq;
          tied_before[j] += eq && i > chunk[j].id;
        }
      }
      return;
    }
    detail::above_query<T> q[2 * detail::rank_chunk]{};
    std::size_t c[2 * detail::rank_chunk];
    if (id_descending) {
      for (std::size_t j = 0; j < m; ++j) {
        const T sc = static_cast<T>(chunk[j].score);
        q[j] = {sc, detail::next_below(sc), static_cast<std::size_t>(chunk[j].id) + 1};
      }
      detail::count_above(row.data(), n, q, m, c);
      for (std::size_t j = 0; j < m; ++j) {
        greater[j] = c[j];  // greater + tied_before, which is all the caller adds
        tied_before[j] = tied[j] = 0;
      }
      return;
    }
    for (std::size_t j = 0; j < m; ++j) {
      const T sc = static_cast<T>(chunk[j].score);
      const T ge = detail::next_below(sc);
      q[2 * j] = {sc, sc, n};
      q[2 * j + 1] = {ge, ge, n};
    }
    detail::count_above(row.data(), n, q, 2 * m, c);
    for (std::size_t j = 0; j < m; ++j) {
      greater[j] = c[2 * j];
      tied[j] = c[2 * j + 1] - c[2 * j];
      tied_before[j] = 0;  // read only under id_descending
    }
  }

  // The streaming pass of scores_average: greater and tied per distinct score.
  template <class T>
  static void group_pass(span<const T> row, const double* group_score, std::size_t m, std::size_t* greater,
                         std::size_t* tied) noexcept {
    const std::size_t n = row.size();
    bool has_neg_inf = false;
    const double neg_inf = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < m; ++j) has_neg_inf = has_neg_inf || group_score[j] == neg_inf;
    if (has_neg_inf) {
      for (std::size_t j = 0; j < m; ++j) greater[j] = tied[j] = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(row[i]);
        for (std::size_t j = 0; j < m; ++j) {
          greater[j] += v > group_score[j];
          tied[j] += v == group_score[j];
        }
      }
      return;
    }
    detail::above_query<T> q[2 * detail::rank_chunk]{};
    std::size_t c[2 * detail::rank_chunk];
    for (std::size_t j = 0; j < m; ++j) {
      const T sc = static_cast<T>(group_score[j]);
      const T ge = detail::next_below(sc);
      q[2 * j] = {sc, sc, n};
      q[2 * j + 1] = {ge, ge, n};
    }
    detail::count_above(row.data(), n, q, 2 * m, c);
    for (std::size_t j = 0; j < m; ++j) {
      greater[j] = c[2 * j];
      tied[j] = c[2 * j + 1] - c[2 * j];
    }
  }

  std::size_t k_;
  ranking_policy policy_;
};

/// A dense, read-only, row-major matrix of scores (users x items): row r's
/// scores are data[r * row_stride + 0 .. cols - 1]. No ownership.
struct score_matrix_view {
  const double* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t row_stride = 0;  ///< elements between row starts; 0 means cols

  span<const double> row(std::size_t r) const noexcept {
    return span<const double>(data + r * (row_stride ? row_stride : cols), cols);
  }
};

/// The offline path: evaluates every row of `scores` against its judged items,
/// given in CSR form (row r's judgments are judgments[row_offsets[r] ..
/// row_offsets[r + 1]), item = column), and calls sink(row, metrics) for each.
/// Throws driftwatch::error if row_offsets does not have rows + 1 entries, is
/// not non-decreasing or points past `judgments`; then evaluation is noexcept
/// and allocates nothing (the sink may).
namespace detail {
/// Throws driftwatch::error unless row_offsets is a valid CSR index of `rows` rows.
inline void check_row_offsets(std::size_t rows, span<const std::size_t> row_offsets,
                              std::size_t judgment_count) {
  if (row_offsets.size() != rows + 1)
    fail("row_offsets must have rows + 1 entries: got " + std::to_string(row_offsets.size()) + " for " +
         std::to_string(rows) + " rows");
  for (std::size_t r = 0; r < rows; ++r) {
    if (row_offsets[r] > row_offsets[r + 1] || row_offsets[r + 1] > judgment_count)
      fail("row_offsets must be non-decreasing and within judgments: row " + std::to_string(r));
  }
}
}  // namespace detail

template <class Sink>
void evaluate_rows(const ranking_evaluator& evaluator, score_matrix_view scores,
                   span<const std::size_t> row_offsets, span<const judgment> judgments, Sink&& sink) {
  detail::check_row_offsets(scores.rows, row_offsets, judgments.size());
  for (std::size_t r = 0; r < scores.rows; ++r) {
    const auto row_judgments =
        judgments.subspan(row_offsets[r], row_offsets[r + 1] - row_offsets[r]);
    sink(r, evaluator.scores(scores.row(r), row_judgments));
  }
}

}  // namespace driftwatch
