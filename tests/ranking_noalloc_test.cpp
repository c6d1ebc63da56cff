// The hot paths allocate nothing: this executable replaces the global
// operator new with a counting one and asserts zero allocations across
// observe calls of the ranking evaluator, the ranking accumulator and the
// canary comparisons (ranking.hpp, ranking_accumulator.hpp, canary.hpp).
#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// GCC flags free() in a replaced operator delete as a mismatch; here it is
// the matching deallocation for the malloc above.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too, or AddressSanitizer reports Catch2's nothrow-new
// memory freed by the delete above as alloc-dealloc-mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace driftwatch;

TEST_CASE("the counting allocator counts", "[allocation]") {
  const std::size_t before = allocations.load();
  auto* v = new std::vector<int>(10);
  delete v;
  CHECK(allocations.load() - before == 2);
}

TEST_CASE("observe never allocates", "[ranking][allocation]") {
  driftwatch_test::splitmix64 rng(1);
  // Inputs and accumulators are built first: that may allocate.
  std::vector<item_id> served(20);
  std::vector<judgment> judged;
  judged.reserve(400);
  std::vector<double> row(300);
  ranking_policy skip;
  skip.no_relevant = no_relevant_policy::skip;
  ranking_accumulator acc("v1", 10), acc_skip("v1", 10, skip);
  ranking_policy avg;
  avg.ties = tie_policy::average;
  ranking_policy opt;
  opt.ties = tie_policy::optimistic;
  const ranking_evaluator ev_avg(10, avg), ev_opt(10, opt), ev(10);
  paired_comparison paired;
  welch_comparison welch;
  double sink = 0;

  const std::size_t before = allocations.load();
  for (int request = 0; request < 200; ++request) {
    for (auto& s : served) s = rng.next() % 50;  // duplicates happen: rejected, still no allocation
    for (auto& v : row) v = std::floor(rng.uniform01() * 20.0);
    judged.clear();  // keeps capacity: no allocation
    for (std::size_t i = 0; i < 300; ++i)
      if (rng.uniform01() < 0.3) judged.push_back({i, static_cast<int>(rng.next() % 3)});
    const auto m = acc.observe(served, judged);
    acc_skip.observe(served, judged);
    acc.observe_scores(row, judged);  // > 64 positives: several passes, stack only
    sink += ev_avg.scores(row, judged).ndcg() + ev_opt.scores(row, judged).precision();
    if (ev.served(served, judged).valid()) sink += 1.0;
    paired.observe(m.valid() ? m.ndcg() : 0.0, rng.uniform01());
    welch.observe_baseline(rng.uniform01());
    welch.observe_canary(rng.uniform01());
  }
  const std::size_t during = allocations.load() - before;
  CHECK(during == 0);
  CHECK(acc.count() + acc.rejected() == 400);
  CHECK(sink == sink);
  // Reading results does not allocate either.
  const std::size_t before_read = allocations.load();
  const auto r = paired.result();
  const auto w = welch.result();
  const auto ci = acc.metric(ranking_metric::ndcg).interval();
  CHECK(allocations.load() == before_read);
  CHECK(r.valid());
  CHECK(w.valid());
  CHECK(ci.valid());
}

// The other instantiations of the ranking templates (float scores, 32-bit
// ids) and the score-matrix path allocate nothing either.
template <class Score, class Id>
void check_instantiation_never_allocates() {
  INFO("score bytes " << sizeof(Score) << ", id bytes " << sizeof(Id));
  driftwatch_test::splitmix64 rng(2);
  std::vector<Id> served(20);
  std::vector<basic_judgment<Id>> judged;
  judged.reserve(400);
  std::vector<Score> row(300);
  const std::size_t rows = 4;
  std::vector<Score> matrix(rows * 300);
  std::vector<std::size_t> offsets = {0, 0, 0, 0, 0};
  ranking_policy avg;
  avg.ties = tie_policy::average;
  basic_ranking_accumulator<Score, Id> acc("v1", 10);
  const basic_ranking_evaluator<Score, Id> ev(10), ev_avg(10, avg);
  double sink = 0;
  const std::size_t before = allocations.load();
  for (int request = 0; request < 100; ++request) {
    for (auto& s : served) s = static_cast<Id>(rng.next() % 50);
    for (auto& v : row) v = static_cast<Score>(std::floor(rng.uniform01() * 20.0));
    for (auto& v : matrix) v = static_cast<Score>(rng.uniform01());
    judged.clear();
    for (std::size_t i = 0; i < 300; ++i)
      if (rng.uniform01() < 0.3) judged.push_back({static_cast<Id>(i), static_cast<int>(rng.next() % 3)});
    for (std::size_t r = 1; r <= rows; ++r) offsets[r] = judged.size() * r / rows;
    acc.observe(served, judged);
    acc.observe_scores(row, judged);
    sink += ev_avg.scores(row, judged).ndcg();
    if (ev.served(served, judged).valid()) sink += 1.0;
    evaluate_rows(ev, basic_score_matrix_view<Score>{matrix.data(), rows, 300, 0}, offsets, judged,
                  [&](std::size_t, const ranking_metrics& m) { sink += m.valid() ? m.precision() : 0.0; });
  }
  CHECK(allocations.load() - before == 0);
  CHECK(acc.count() + acc.rejected() == 200);
  CHECK(sink == sink);
}

TEST_CASE("observe never allocates, in every ranking instantiation", "[ranking][allocation][templates]") {
  check_instantiation_never_allocates<double, std::uint64_t>();
  check_instantiation_never_allocates<double, std::uint32_t>();
  check_instantiation_never_allocates<float, std::uint64_t>();
  check_instantiation_never_allocates<float, std::uint32_t>();
}
