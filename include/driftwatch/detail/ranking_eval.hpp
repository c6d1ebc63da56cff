// The scalar evaluation kernels behind ranking_evaluator (metrics/ranking.hpp):
// gains and discount tables, judgment summaries (R, ideal DCG, policy
// denominators), the rank kernels fed one relevant hit at a time, and tie
// handling. Users must not touch this header.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <driftwatch/core/ranking_types.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/detail/kernels_ranking.hpp>

namespace driftwatch {

namespace detail {

/// A span of judgments with ids of type Id, in a parameter from which Id is
/// never deduced: summarize(judgments, ...) takes a vector of judgment (Id
/// defaults to item_id), summarize<std::uint32_t>(...) the 32-bit ones.
template <class Id>
struct judgments_of_t {
  using type = span<const basic_judgment<Id>>;
};
template <class Id>
using judgments_of = typename judgments_of_t<Id>::type;

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
template <class Id = item_id>
inline judgment_summary summarize_tally(const grade_tally& t, judgments_of<Id> judgments, std::size_t k,
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
template <class Id = item_id>
inline judgment_summary summarize_counts(judgments_of<Id> judgments, std::size_t k,
                                         const ranking_policy& policy) noexcept {
  grade_tally t;
  for (const auto& jd : judgments) t.add(jd.grade, policy.relevance_level);
  return summarize_tally<Id>(t, judgments, k, policy);
}

/// summarize_counts plus the duplicate-id check (O(J^2) compares, no branch
/// per pair); no allocation.
template <class Id = item_id>
inline judgment_summary summarize(judgments_of<Id> judgments, std::size_t k,
                                  const ranking_policy& policy) noexcept {
  judgment_summary s = summarize_counts<Id>(judgments, k, policy);
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
    const std::size_t denom = policy_.precision_denominator_for(k_, returned, R);
    const double dR = static_cast<double>(R);
    set(ranking_metric::precision, denom ? count_ratio(rel_in_k_, denom) : 0.0);
    set(ranking_metric::recall, R ? count_ratio(rel_in_k_, R) : 0.0);
    set(ranking_metric::ndcg, summary_.ideal_dcg > 0.0 ? dcg_ / summary_.ideal_dcg : 0.0);
    set(ranking_metric::average_precision, R ? ap_sum_ / dR : 0.0);
    const std::size_t apk_norm = policy_.ap_normalizer_for(k_, R);
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
    const std::size_t denom = policy_.precision_denominator_for(k_, returned, R);
    const double dR = static_cast<double>(R);
    set(ranking_metric::precision, denom ? rel_in_k_ / static_cast<double>(denom) : 0.0);
    set(ranking_metric::recall, R ? rel_in_k_ / dR : 0.0);
    set(ranking_metric::ndcg, summary_.ideal_dcg > 0.0 ? dcg_ / summary_.ideal_dcg : 0.0);
    set(ranking_metric::average_precision, R ? ap_sum_ / dR : 0.0);
    const std::size_t apk_norm = policy_.ap_normalizer_for(k_, R);
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

/// A positive judged item present in a score row (a float score widened
/// exactly to double, a 32-bit id to 64 bits: the order is the same).
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

}  // namespace driftwatch
