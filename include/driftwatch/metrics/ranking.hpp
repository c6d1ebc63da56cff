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
//
// Templates over what users vary: the score type (double, float) and the id
// type (std::uint64_t, std::uint32_t): basic_ranking_evaluator<Score, Id>,
// basic_score_matrix_view<Score>. Today's names are the defaults:
// ranking_evaluator = basic_ranking_evaluator<double, item_id>,
// score_matrix_view = basic_score_matrix_view<double> (docs/ranking-types.md).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <driftwatch/core/ranking_types.hpp>
#include <driftwatch/detail/kernels_ranking.hpp>
#include <driftwatch/detail/ranking_eval.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// A dense, read-only, row-major matrix of scores of type Score (users x
/// items): row r's scores are data[r * row_stride + 0 .. cols - 1]. No
/// ownership. score_matrix_view is the double one.
template <class Score>
struct basic_score_matrix_view {
  static_assert(is_ranking_score<Score>::value, "basic_score_matrix_view<Score>: Score must be double or float");
  const Score* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t row_stride = 0;  ///< elements between row starts; 0 means cols

  span<const Score> row(std::size_t r) const noexcept {
    return span<const Score>(data + r * (row_stride ? row_stride : cols), cols);
  }
};
using score_matrix_view = basic_score_matrix_view<double>;

/// Computes the per-request ranking metrics at one cutoff k under one policy,
/// for score rows of type Score (double or float) and item ids of type Id
/// (std::uint64_t or std::uint32_t). A small value type; construction
/// validates the configuration (throws driftwatch::error), evaluation never
/// throws and never allocates. The score type and the id type change what
/// the evaluator reads, never a metric: a float row gives the metrics of the
/// double row holding the same values (ties included, trec_eval's rules), a
/// 32-bit id those of the same id in 64 bits. ranking_evaluator is
/// basic_ranking_evaluator<double, item_id> (which also reads float rows).
template <class Score, class Id>
class basic_ranking_evaluator {
  static_assert(is_ranking_score<Score>::value, "basic_ranking_evaluator<Score, Id>: Score must be double or float");
  static_assert(is_ranking_id<Id>::value,
                "basic_ranking_evaluator<Score, Id>: Id must be std::uint64_t or std::uint32_t");

 public:
  using score_type = Score;
  using id_type = Id;
  using judgment_type = basic_judgment<Id>;
  using matrix_view = basic_score_matrix_view<Score>;

  /// k >= 1 is the cutoff of the _k metrics; policy.relevance_level >= 1.
  explicit basic_ranking_evaluator(std::size_t k, ranking_policy policy = ranking_policy{})
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
  /// them: detail::avx512::match_served_unit_planned) and table lookups; every other
  /// list, and every other level, the general kernels. Same metrics, bit for
  /// bit, either way.
  /// 32-bit ids: the same paths, the unit path's lists widened to 64 bits on
  /// the stack first, the general kernels in 32-bit lanes.
  ranking_metrics served(span<const Id> served, span<const judgment_type> judgments) const noexcept {
    const std::size_t n = served.size();
    const std::size_t J = judgments.size();
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
    if (detail::active_level() == simd_level::avx512 && n - 1 < detail::served_unit_max_served &&
        J <= detail::served_unit_max_judged && policy_.relevance_level == 1) {
      ranking_metrics r;
      if constexpr (std::is_same<Id, item_id>::value) {
        if (served_unit(served, judgments, r)) return r;
      } else {
        if (served_unit_narrow(served, judgments, r)) return r;
      }
    }
#endif
    if (n < detail::served_fast_max && J <= detail::served_fast_max) return served_small(served, judgments);
    const detail::judgment_summary s = detail::summarize<Id>(judgments, k_, policy_);
    if (s.duplicate) return ranking_metrics::invalid("duplicate judged item");
    for (std::size_t i = 1; i < n; ++i) {
      bool repeated = false;  // no early exit inside: the compiler vectorizes the row
      for (std::size_t j = 0; j < i; ++j) repeated = repeated || served[i] == served[j];
      if (repeated) return ranking_metrics::invalid("duplicate item in served list");
    }
    detail::rank_kernel kernel(k_, policy_, s);
    if (s.positive > 0) {
      for (std::size_t i = 0; i < n; ++i) {
        const Id id = served[i];
        for (const judgment_type& jd : judgments) {
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
  /// A float row is read as is, in float lanes where the kernel is SIMD
  /// (never converted to a double copy): identical metrics to the double row
  /// holding the same values, float ties included.
  ranking_metrics scores(span<const Score> scores, span<const judgment_type> judgments) const noexcept {
    return scores_row(scores, judgments);
  }

  /// A double evaluator also reads float rows (as above: the metrics of the
  /// same values widened to double). A float evaluator reads float rows only.
  template <class S = Score, std::enable_if_t<std::is_same<S, double>::value, int> = 0>
  ranking_metrics scores(span<const float> scores, span<const judgment_type> judgments) const noexcept {
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
    const detail::served_unit_match m = detail::avx512::match_served_unit_planned(
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
    const std::size_t denom = policy_.precision_denominator_for(k, n, R);
    const std::size_t apk_norm = policy_.ap_normalizer_for(k, R);
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

  // served_unit for 32-bit ids: the lists widened to 64-bit ids and 16-byte
  // records on the stack by one AVX-512 step (detail::avx512::widen_unit_lists),
  // then the same kernel and tables.
  DRIFTWATCH_TARGET_AVX512 bool served_unit_narrow(span<const Id> served, span<const judgment_type> judgments,
                                                   ranking_metrics& r) const noexcept {
    static_assert(sizeof(judgment_type) == 8 && offsetof(judgment_type, item) == 0 &&
                      offsetof(judgment_type, grade) == 4,
                  "widen_unit_lists reads basic_judgment<std::uint32_t> as {u32 item, i32 grade}");
    alignas(64) item_id wide_served[16];
    alignas(64) judgment wide_judged[detail::served_unit_max_judged];
    detail::avx512::widen_unit_lists(served.data(), served.size(),
                                     reinterpret_cast<const unsigned char*>(judgments.data()), judgments.size(),
                                     wide_served, reinterpret_cast<unsigned char*>(wide_judged));
    return served_unit(span<const item_id>(wide_served, served.size()),
                       span<const judgment>(wide_judged, judgments.size()), r);
  }
#endif

  // served() for fewer than served_fast_max served ids (a rank is a bit of a
  // 64-bit mask) and up to served_fast_max judged ids: both duplicate
  // checks and the membership test are the served_positions kernel (ids in
  // registers, broadcast compares, no branch per pair), then one branch-free
  // pass over the ranks.
  ranking_metrics served_small(span<const Id> served, span<const judgment_type> judgments) const noexcept {
    constexpr std::size_t M = detail::served_fast_max;
    // Room for match_served's padding: at most 8 lanes of 64-bit ids, 16 of 32-bit ones.
    constexpr std::size_t pad = sizeof(Id) == 8 ? 8 : 16;
    const std::size_t n = served.size();
    const std::size_t J = judgments.size();
    Id ids[M + pad];
    Id positive[M + pad];  // flags: grade > 0
    detail::grade_tally tally;
    for (std::size_t j = 0; j < J; ++j) {
      ids[j] = judgments[j].item;
      positive[j] = judgments[j].grade > 0 ? static_cast<Id>(~Id(0)) : Id(0);
      tally.add(judgments[j].grade, policy_.relevance_level);
    }
    // Membership of the positive judged ids and both duplicate checks in
    // one SIMD kernel (scalar twin: detail/kernels_ranking.hpp): ids in
    // registers, broadcast compares, no branch per pair.
    // Also checks the served ids for repeats. (The summary first gives the
    // scalar stores above time to retire before the kernel loads them as vectors.)
    const detail::judgment_summary s = detail::summarize_tally<Id>(tally, judgments, k_, policy_);
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
      detail::served_positions(served.data(), n, detail::basic_id_array<Id>{ids}, J, position);
      for (std::size_t j = 0; j < J; ++j) grade_at[position[j]] = judgments[j].grade;
      for (std::uint64_t b = match.hits; b != 0; b &= b - 1) {
        const std::size_t i = detail::lowest_bit(b);
        kernel.visit(i, grade_at[i]);
      }
    }
    return kernel.finish(n);
  }

  template <class T>
  ranking_metrics scores_row(span<const T> scores, span<const judgment_type> judgments) const noexcept {
    const detail::judgment_summary s = detail::summarize<Id>(judgments, k_, policy_);
    if (s.duplicate) return ranking_metrics::invalid("duplicate judged item");
    const std::size_t n = scores.size();
    // Positive judged items inside the row, needed to decide if there is any work.
    std::size_t present = 0;
    for (const judgment_type& jd : judgments) {
      if (jd.grade > 0 && jd.item < n) ++present;
    }
    if (present == 0) {
      for (T v : scores) {
        if (std::isnan(v)) return ranking_metrics::invalid("NaN score");
      }
      return detail::rank_kernel(k_, policy_, s).finish(n);
    }
    for (const judgment_type& jd : judgments) {
      if (jd.grade > 0 && jd.item < n && std::isnan(scores[static_cast<std::size_t>(jd.item)]))
        return ranking_metrics::invalid("NaN score");
    }
    if (policy_.ties == tie_policy::average) return scores_average(scores, judgments, s);
    return scores_ordered(scores, judgments, s);
  }

  // Deterministic tie policies: visit positive items in rank order, 64 at a time.
  template <class T>
  ranking_metrics scores_ordered(span<const T> row, span<const judgment_type> judgments,
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
      for (const judgment_type& jd : judgments) {
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
          for (const judgment_type& jd : judgments) {
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
  ranking_metrics scores_average(span<const T> row, span<const judgment_type> judgments,
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
      for (const judgment_type& jd : judgments) {
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
        for (const judgment_type& jd : judgments) {
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

/// Today's evaluator: double scores (float rows read too), 64-bit ids.
using ranking_evaluator = basic_ranking_evaluator<double, item_id>;

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

namespace detail {
template <class Evaluator, class View, class Judgments, class Sink>
void evaluate_view_rows(const Evaluator& evaluator, View scores, span<const std::size_t> row_offsets,
                        Judgments judgments, Sink& sink) {
  check_row_offsets(scores.rows, row_offsets, judgments.size());
  for (std::size_t r = 0; r < scores.rows; ++r) {
    const auto row_judgments = judgments.subspan(row_offsets[r], row_offsets[r + 1] - row_offsets[r]);
    sink(r, evaluator.scores(scores.row(r), row_judgments));
  }
}
}  // namespace detail

/// The matrix holds the evaluator's score type (a float matrix for a float
/// evaluator: read in float lanes, no conversion); judgments hold its id type.
template <class Score, class Id, class Sink>
void evaluate_rows(const basic_ranking_evaluator<Score, Id>& evaluator,
                   typename basic_ranking_evaluator<Score, Id>::matrix_view scores,
                   span<const std::size_t> row_offsets, detail::judgments_of<Id> judgments, Sink&& sink) {
  detail::evaluate_view_rows(evaluator, scores, row_offsets, judgments, sink);
}

/// A double evaluator also reads a float matrix in place (the metrics of the
/// same values widened to double).
template <class Id, class Sink>
void evaluate_rows(const basic_ranking_evaluator<double, Id>& evaluator, basic_score_matrix_view<float> scores,
                   span<const std::size_t> row_offsets, detail::judgments_of<Id> judgments, Sink&& sink) {
  detail::evaluate_view_rows(evaluator, scores, row_offsets, judgments, sink);
}

}  // namespace driftwatch
