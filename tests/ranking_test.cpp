// Tests for include/driftwatch/metrics/ranking.hpp: hand-computed cases for every
// policy, randomized cases against the independent Python reference of
// trec_eval's semantics (tests/reference/trec_eval_ref.py via
// gen_ranking_reference.py, NDCG also against sklearn.metrics.ndcg_score), and
// the score-row path == the served-list path, bit for bit.
#include <driftwatch/metrics/ranking.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using driftwatch_test::close;

namespace {

std::vector<item_id> trec_order(const std::vector<double>& row) {
  std::vector<item_id> ids(row.size());
  std::iota(ids.begin(), ids.end(), item_id{0});
  std::sort(ids.begin(), ids.end(), [&](item_id a, item_id b) {
    if (row[a] != row[b]) return row[a] > row[b];
    return a > b;
  });
  return ids;
}

void require_values(const ranking_metrics& m, const std::vector<double>& expected, double tol) {
  REQUIRE(m.valid());
  for (std::size_t i = 0; i < ranking_metric_count; ++i) {
    INFO("metric " << trec_name(static_cast<ranking_metric>(i), 0) << ": got " << m.values[i]
                   << " expected " << expected[i]);
    CHECK(std::fabs(m.values[i] - expected[i]) <= tol);
  }
}

bool bit_identical(const ranking_metrics& a, const ranking_metrics& b) {
  if (a.valid() != b.valid()) return false;
  for (std::size_t i = 0; i < ranking_metric_count; ++i) {
    if (a.valid() && a.values[i] != b.values[i]) return false;
  }
  return true;
}

const double l3 = std::log2(3.0);
const double l5 = std::log2(5.0);

}  // namespace

TEST_CASE("trec_eval names", "[ranking]") {
  CHECK(trec_name(ranking_metric::precision, 10) == "P_10");
  CHECK(trec_name(ranking_metric::recall, 10) == "recall_10");
  CHECK(trec_name(ranking_metric::ndcg, 10) == "ndcg_cut_10");
  CHECK(trec_name(ranking_metric::average_precision, 10) == "map");
  CHECK(trec_name(ranking_metric::average_precision_at_k, 10) == "map_cut_10");
  CHECK(trec_name(ranking_metric::reciprocal_rank, 10) == "recip_rank");
  CHECK(trec_name(ranking_metric::hit_rate, 10) == "success_10");
  CHECK(trec_name(ranking_metric::r_precision, 10) == "Rprec");
}

TEST_CASE("configuration errors throw", "[ranking]") {
  CHECK_THROWS_AS(ranking_evaluator(0), error);
  ranking_policy p;
  p.relevance_level = 0;
  CHECK_THROWS_AS(ranking_evaluator(5, p), error);
}

TEST_CASE("served list: the trec_eval definitions by hand", "[ranking]") {
  const ranking_evaluator ev(5);
  const std::vector<item_id> served{1, 2, 3, 4, 5};
  const std::vector<judgment> judged{{2, 1}, {4, 1}, {9, 1}};  // 9 never served
  const auto m = ev.served(served, judged);
  REQUIRE(m.valid());
  CHECK(m.precision() == Approx(0.4));
  CHECK(m.recall() == Approx(2.0 / 3.0));
  CHECK(m.hit_rate() == 1.0);
  CHECK(m.reciprocal_rank() == 0.5);
  CHECK(m.average_precision() == Approx((0.5 + 0.5) / 3.0));
  CHECK(m.average_precision_at_k() == Approx((0.5 + 0.5) / 3.0));
  CHECK(m.r_precision() == Approx(1.0 / 3.0));  // first R = 3 ranks hold one relevant
  CHECK(m.ndcg() == Approx((1.0 / l3 + 1.0 / l5) / (1.0 + 1.0 / l3 + 0.5)));
}

TEST_CASE("fewer than k returned: the precision denominators", "[ranking]") {
  const std::vector<item_id> served{7, 2};
  const std::vector<judgment> judged{{2, 1}};
  ranking_policy p;
  CHECK(ranking_evaluator(10, p).served(served, judged).precision() == Approx(0.1));  // trec_eval P_10
  p.precision = precision_denominator::min_k_returned;
  CHECK(ranking_evaluator(10, p).served(served, judged).precision() == Approx(0.5));
  p.precision = precision_denominator::min_k_relevant;
  CHECK(ranking_evaluator(10, p).served(served, judged).precision() == Approx(1.0));
  // AP@k normalisers: one of three relevant found at rank 1 within k = 2.
  const std::vector<judgment> three{{7, 1}, {8, 1}, {9, 1}};
  ranking_policy q;
  CHECK(ranking_evaluator(2, q).served(served, three).average_precision_at_k() == Approx(1.0 / 3.0));
  q.ap_at_k = ap_normalizer::min_k_relevant;
  CHECK(ranking_evaluator(2, q).served(served, three).average_precision_at_k() == Approx(0.5));
}

TEST_CASE("no relevant items: zero (trec_eval) or skip", "[ranking]") {
  const std::vector<item_id> served{1, 2};
  const std::vector<judgment> judged{{1, 0}, {5, -1}};
  ranking_policy p;
  const auto zero = ranking_evaluator(3, p).served(served, judged);
  REQUIRE(zero.valid());
  for (double v : zero.values) CHECK(v == 0.0);
  const auto none = ranking_evaluator(3, p).served(served, {});
  REQUIRE(none.valid());
  p.no_relevant = no_relevant_policy::skip;
  const auto skipped = ranking_evaluator(3, p).served(served, judged);
  CHECK_FALSE(skipped.valid());
  CHECK(std::string(skipped.invalid_reason) == "no relevant items");
  CHECK(std::isnan(skipped.precision()));
}

TEST_CASE("graded relevance: linear, exponential and binary gains", "[ranking]") {
  const std::vector<item_id> served{1, 2, 3};
  const std::vector<judgment> judged{{1, 1}, {2, 0}, {3, 3}, {4, 2}};
  ranking_policy p;
  CHECK(ranking_evaluator(3, p).served(served, judged).ndcg() ==
        Approx((1.0 + 3.0 / 2.0) / (3.0 + 2.0 / l3 + 0.5)));
  p.gain = gain_function::exponential;
  CHECK(ranking_evaluator(3, p).served(served, judged).ndcg() ==
        Approx((1.0 + 7.0 / 2.0) / (7.0 + 3.0 / l3 + 0.5)));
  p.gain = gain_function::binary;
  p.relevance_level = 2;
  // Relevant: items 3 (rank 3) and 4 (not served). DCG = 1/2, IDCG = 1 + 1/log2(3).
  const auto m = ranking_evaluator(3, p).served(served, judged);
  CHECK(m.ndcg() == Approx(0.5 / (1.0 + 1.0 / l3)));
  CHECK(m.precision() == Approx(1.0 / 3.0));
  CHECK(m.recall() == Approx(0.5));
  CHECK(m.reciprocal_rank() == Approx(1.0 / 3.0));
  // trec_eval -l 2 keeps the raw grade as the NDCG gain (linear).
  ranking_policy l2;
  l2.relevance_level = 2;
  CHECK(ranking_evaluator(3, l2).served(served, judged).ndcg() ==
        Approx((1.0 + 3.0 / 2.0) / (3.0 + 2.0 / l3 + 0.5)));
}

TEST_CASE("ties: every policy by hand", "[ranking]") {
  // ids 0..4; the 0.5 tie holds items 0 (grade 1), 2 (unjudged), 3 (grade 2).
  const std::vector<double> row{0.5, 0.9, 0.5, 0.5, 0.1};
  const std::vector<judgment> judged{{0, 1}, {3, 2}};
  ranking_policy p;
  SECTION("id descending (trec_eval): 1, 3, 2, 0, 4") {
    const auto m = ranking_evaluator(2, p).scores(row, judged);
    CHECK(m.precision() == Approx(0.5));
    CHECK(m.average_precision() == Approx((0.5 + 0.5) / 2.0));
    CHECK(m.reciprocal_rank() == Approx(0.5));
    CHECK(bit_identical(m, ranking_evaluator(2, p).served(trec_order(row), judged)));
  }
  SECTION("optimistic: 1, 3, 0, 2, 4") {
    p.ties = tie_policy::optimistic;
    const auto m = ranking_evaluator(2, p).scores(row, judged);
    CHECK(m.precision() == Approx(0.5));
    CHECK(m.average_precision() == Approx(7.0 / 12.0));
    CHECK(m.ndcg() == Approx((2.0 / l3) / (2.0 + 1.0 / l3)));
  }
  SECTION("pessimistic: 1, 2, 0, 3, 4") {
    p.ties = tie_policy::pessimistic;
    const auto m = ranking_evaluator(2, p).scores(row, judged);
    CHECK(m.precision() == 0.0);
    CHECK(m.hit_rate() == 0.0);
    CHECK(m.average_precision() == Approx(5.0 / 12.0));
    CHECK(m.reciprocal_rank() == Approx(1.0 / 3.0));
  }
  SECTION("average over the 6 orderings of the tie") {
    p.ties = tie_policy::average;
    const auto m = ranking_evaluator(2, p).scores(row, judged);
    CHECK(m.precision() == Approx(1.0 / 3.0));
    CHECK(m.hit_rate() == Approx(2.0 / 3.0));
    CHECK(m.reciprocal_rank() == Approx(4.0 / 9.0));
    CHECK(m.average_precision() == Approx(0.5));
    // E[DCG@2] = mean gain of the tie (3/3) * 1/log2(3) for its one slot within k.
    CHECK(m.ndcg() == Approx((1.0 / l3) / (2.0 + 1.0 / l3)));
  }
}

TEST_CASE("bad input is reported, never thrown", "[ranking]") {
  const ranking_evaluator ev(3);
  const std::vector<item_id> dup{1, 2, 1};
  const std::vector<judgment> judged{{1, 1}};
  auto m = ev.served(dup, judged);
  CHECK_FALSE(m.valid());
  CHECK(std::string(m.invalid_reason) == "duplicate item in served list");
  const std::vector<judgment> twice{{1, 1}, {1, 0}};
  m = ev.served(std::vector<item_id>{1, 2}, twice);
  CHECK(std::string(m.invalid_reason) == "duplicate judged item");
  const std::vector<double> nan_row{0.1, std::nan(""), 0.3};
  CHECK(std::string(ev.scores(nan_row, judged).invalid_reason) == "NaN score");
  CHECK(std::string(ev.scores(nan_row, {}).invalid_reason) == "NaN score");
  // Infinities are ordinary scores.
  const std::vector<double> inf_row{0.1, -HUGE_VAL, HUGE_VAL};
  const std::vector<judgment> j2{{2, 1}};
  CHECK(ev.scores(inf_row, j2).reciprocal_rank() == 1.0);
}

TEST_CASE("randomized cases against the Python trec_eval reference", "[ranking][reference]") {
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("ranking_reference.txt"));
  REQUIRE(cases.size() >= 400);
  std::size_t checked = 0, served_checked = 0, sklearn_checked = 0;
  double worst = 0.0;
  for (const auto& c : cases) {
    INFO("case " << c.name);
    ranking_policy p;
    const std::string prec = c.word("precision");
    p.precision = prec == "k" ? precision_denominator::k
                  : prec == "min_k_returned" ? precision_denominator::min_k_returned
                                             : precision_denominator::min_k_relevant;
    p.ap_at_k = c.word("ap_at_k") == "all_relevant" ? ap_normalizer::all_relevant
                                                     : ap_normalizer::min_k_relevant;
    const std::string gain = c.word("gain");
    p.gain = gain == "linear" ? gain_function::linear
             : gain == "exponential" ? gain_function::exponential
                                     : gain_function::binary;
    const std::string ties = c.word("ties");
    p.ties = ties == "id_descending" ? tie_policy::id_descending
             : ties == "optimistic" ? tie_policy::optimistic
             : ties == "pessimistic" ? tie_policy::pessimistic
                                     : tie_policy::average;
    p.no_relevant = c.word("no_relevant") == "zero" ? no_relevant_policy::zero : no_relevant_policy::skip;
    p.relevance_level = static_cast<int>(c.number("level"));
    const ranking_evaluator ev(static_cast<std::size_t>(c.number("k")), p);
    const std::vector<double> row = c.numbers("scores");
    std::vector<judgment> judged;
    const auto items = c.numbers("items");
    const auto grades = c.numbers("grades");
    for (std::size_t i = 0; i < items.size(); ++i)
      judged.push_back({static_cast<item_id>(items[i]), static_cast<int>(grades[i])});
    const auto m = ev.scores(row, judged);
    if (c.has("skipped")) {
      CHECK_FALSE(m.valid());
      continue;
    }
    const auto expected = c.numbers("values");
    require_values(m, expected, 1e-12);
    for (std::size_t i = 0; i < ranking_metric_count; ++i)
      worst = std::max(worst, std::fabs(m.values[i] - expected[i]));
    ++checked;
    if (p.ties == tie_policy::id_descending) {
      // The served list is the row's trec_eval ranking: identical numbers.
      CHECK(bit_identical(m, ev.served(trec_order(row), judged)));
      ++served_checked;
    }
    if (c.has("sklearn_ndcg")) {
      CHECK(close(m.ndcg(), c.number("sklearn_ndcg"), 1e-12, 1e-14));
      ++sklearn_checked;
    }
  }
  CHECK(checked > 400);
  CHECK(served_checked > 250);
  CHECK(sklearn_checked > 30);
  WARN("reference cases: " << checked << " (served path " << served_checked << ", sklearn NDCG "
                           << sklearn_checked << "), worst |diff| " << worst);
}

TEST_CASE("score rows and served lists agree on big rows (more than 64 relevant items)", "[ranking]") {
  driftwatch_test::splitmix64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n = 300 + static_cast<std::size_t>(rng.next() % 200);
    std::vector<double> row(n);
    // Coarse scores: many ties.
    for (auto& v : row) v = std::floor(rng.uniform01() * 40.0) / 4.0;
    std::vector<judgment> judged;
    for (std::size_t i = 0; i < n + 20; ++i) {
      if (rng.uniform01() < 0.5) judged.push_back({i, static_cast<int>(rng.next() % 4)});
    }
    for (std::size_t k : {1u, 10u, 100u, 1000u}) {
      for (auto ties : {tie_policy::id_descending, tie_policy::optimistic, tie_policy::pessimistic}) {
        ranking_policy p;
        p.ties = ties;
        const ranking_evaluator ev(k, p);
        const auto from_row = ev.scores(row, judged);
        // The served list under this tie policy, built by sorting.
        std::vector<item_id> served(n);
        std::iota(served.begin(), served.end(), item_id{0});
        std::vector<int> grade(n, 0);
        for (const auto& j : judged)
          if (j.item < n) grade[j.item] = std::max(j.grade, 0);
        std::sort(served.begin(), served.end(), [&](item_id a, item_id b) {
          if (row[a] != row[b]) return row[a] > row[b];
          if (ties == tie_policy::optimistic && grade[a] != grade[b]) return grade[a] > grade[b];
          if (ties == tie_policy::pessimistic && grade[a] != grade[b]) return grade[a] < grade[b];
          return a > b;
        });
        CHECK(bit_identical(from_row, ev.served(served, judged)));
      }
    }
  }
}

TEST_CASE("the matrix path evaluates every row like the row path", "[ranking]") {
  driftwatch_test::splitmix64 rng(11);
  const std::size_t rows = 30, cols = 57, stride = 64;
  std::vector<double> data(rows * stride, -1.0);
  std::vector<std::size_t> offsets{0};
  std::vector<judgment> judged;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) data[r * stride + c] = std::floor(rng.uniform01() * 10.0);
    for (std::size_t c = 0; c < cols; ++c)
      if (rng.uniform01() < 0.2) judged.push_back({c, static_cast<int>(1 + rng.next() % 2)});
    offsets.push_back(judged.size());
  }
  const ranking_evaluator ev(10);
  const score_matrix_view view{data.data(), rows, cols, stride};
  std::size_t seen = 0;
  evaluate_rows(ev, view, offsets, judged, [&](std::size_t r, const ranking_metrics& m) {
    std::vector<double> row(data.begin() + static_cast<std::ptrdiff_t>(r * stride),
                            data.begin() + static_cast<std::ptrdiff_t>(r * stride + cols));
    const span<const judgment> rj(judged.data() + offsets[r], offsets[r + 1] - offsets[r]);
    CHECK(bit_identical(m, ev.served(trec_order(row), rj)));
    ++seen;
  });
  CHECK(seen == rows);
  std::vector<std::size_t> bad{0, 1};
  CHECK_THROWS_AS(evaluate_rows(ev, view, bad, judged, [](std::size_t, const ranking_metrics&) {}), error);
}
