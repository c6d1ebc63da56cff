// Tests for include/driftwatch/metrics/ranking_accumulator.hpp: Welford moments, the
// t interval, merge = concatenation for every metric, model-version labels.
#include <driftwatch/metrics/ranking_accumulator.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using driftwatch_test::close;

TEST_CASE("mean_accumulator: mean, variance, interval", "[ranking_accumulator]") {
  mean_accumulator a;
  CHECK_FALSE(a.mean().valid());
  CHECK_FALSE(a.interval().valid());
  const std::vector<double> xs{0.2, 0.4, 0.4, 0.9, 1.0};
  a.observe(xs);
  a(std::nan(""));
  a(HUGE_VAL);
  CHECK(a.count() == 5);
  CHECK(a.invalid_count() == 2);
  CHECK(a.mean().value == Approx(0.58));
  // Two-pass sample variance.
  double ss = 0;
  for (double x : xs) ss += (x - 0.58) * (x - 0.58);
  CHECK(close(a.variance().value, ss / 4.0, 1e-14));
  // scipy.stats.t.ppf(0.975, 4) = 2.7764451051977987
  const auto ci = a.interval(0.95);
  REQUIRE(ci.valid());
  const double half = 2.7764451051977987 * std::sqrt(ss / 4.0 / 5.0);
  CHECK(close(ci.low, 0.58 - half, 1e-12));
  CHECK(close(ci.high, 0.58 + half, 1e-12));
  CHECK_FALSE(a.interval(1.0).valid());
}

TEST_CASE("mean_accumulator: merge equals concatenation", "[ranking_accumulator]") {
  driftwatch_test::splitmix64 rng(5);
  mean_accumulator all, parts[4];
  for (int i = 0; i < 10000; ++i) {
    const double x = rng.uniform01() * 3.0 + 1e3;  // offset: tests the stable update
    all(x);
    parts[rng.next() % 4](x);
  }
  mean_accumulator merged;
  for (auto& p : parts) merged += p;
  CHECK(merged.count() == all.count());
  CHECK(close(merged.mean().value, all.mean().value, 1e-14));
  CHECK(close(merged.variance().value, all.variance().value, 1e-11));
  mean_accumulator empty;
  empty += all;
  CHECK(empty.mean().value == all.mean().value);
}

TEST_CASE("ranking_accumulator: merge equals concatenation for every metric", "[ranking_accumulator]") {
  driftwatch_test::splitmix64 rng(9);
  ranking_policy p;
  p.no_relevant = no_relevant_policy::skip;
  ranking_accumulator all("v2", 5, p), a("v2", 5, p), b("v2", 5, p);
  std::vector<item_id> served(8);
  std::vector<judgment> judged;
  for (int request = 0; request < 500; ++request) {
    for (std::size_t i = 0; i < served.size(); ++i) served[i] = rng.next() % 1000000;
    judged.clear();
    for (std::size_t i = 0; i < served.size(); ++i)
      if (rng.uniform01() < 0.2) judged.push_back({served[i], 1});
    if (request % 50 == 7) served[1] = served[0];  // rejected: duplicate id
    all.observe(served, judged);
    (request % 3 ? a : b).observe(served, judged);
  }
  a += b;
  CHECK(a.count() == all.count());
  CHECK(a.skipped() == all.skipped());
  CHECK(a.rejected() == all.rejected());
  CHECK(all.rejected() == 10);
  CHECK(all.skipped() > 0);
  CHECK(all.count() + all.skipped() + all.rejected() == 500);
  for (auto m : all_ranking_metrics()) {
    INFO(trec_name(m, 5));
    CHECK(close(a.mean(m).value, all.mean(m).value, 1e-13));
    CHECK(close(a.metric(m).variance().value, all.metric(m).variance().value, 1e-11));
  }
}

TEST_CASE("ranking_accumulator: labels and configuration", "[ranking_accumulator]") {
  ranking_accumulator v1("model-v1", 10), v2("model-v2", 10), k5("model-v1", 5);
  CHECK(v1.model_version() == "model-v1");
  CHECK_THROWS_AS(v1 += v2, error);
  CHECK_THROWS_AS(v1 += k5, error);
  ranking_policy other;
  other.gain = gain_function::exponential;
  ranking_accumulator v1e("model-v1", 10, other);
  CHECK_THROWS_AS(v1 += v1e, error);
  CHECK_THROWS_AS(ranking_accumulator("x", 0), error);
  // Side by side: the same traffic judged for two versions.
  const std::vector<item_id> s1{1, 2, 3}, s2{3, 2, 1};
  const std::vector<judgment> j{{1, 1}};
  v1.observe(s1, j);
  v2.observe(s2, j);
  CHECK(v1.mean(ranking_metric::reciprocal_rank).value == 1.0);
  CHECK(v2.mean(ranking_metric::reciprocal_rank).value == Approx(1.0 / 3.0));
  CHECK_FALSE(ranking_accumulator("empty", 3).mean(ranking_metric::ndcg).valid());
}
