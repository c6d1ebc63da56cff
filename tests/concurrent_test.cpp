// Tests of include/driftwatch/monitors/concurrent.hpp: exact totals from many threads,
// consistent snapshots, take() partitions, shard reuse, and no allocation on
// the hot path (counting allocator).
#include <driftwatch/monitors/concurrent.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>

#include "counting_allocator.hpp"
#include "test_support.hpp"

using namespace driftwatch;

namespace {
histogram make_histogram() { return histogram(bin_edges::from_edges({0.0, 10.0, 100.0})); }
}  // namespace

TEST_CASE("concurrent<histogram>: totals from several threads are exact") {
  concurrent<histogram> c(make_histogram());
  constexpr int threads = 4, per_thread = 20000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&c, t] {
      for (int i = 0; i < per_thread; ++i) c(static_cast<double>((i + t) % 200) - 50.0);
    });
  for (auto& th : pool) th.join();
  const histogram h = c.snapshot();
  CHECK(h.count() == std::uint64_t{threads} * per_thread);
  histogram expected = make_histogram();
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) expected(static_cast<double>((i + t) % 200) - 50.0);
  CHECK(h == expected);
  CHECK(c.shard_count() >= 1);
  CHECK(c.shard_count() <= threads);  // a finished thread's shard may be reused
}

TEST_CASE("snapshot does not consume; take() partitions the stream") {
  concurrent<histogram> c(make_histogram());
  for (int i = 0; i < 10; ++i) c(1.0);
  CHECK(c.snapshot().count() == 10);
  CHECK(c.snapshot().count() == 10);
  CHECK(c.take().count() == 10);
  CHECK(c.snapshot().count() == 0);
  c(2.0);
  c(std::nan(""));
  const histogram t = c.take();
  CHECK(t.count() == 1);
  CHECK(t.invalid_count() == 1);
  CHECK(c.take().count() == 0);
}

TEST_CASE("the prototype's configuration is kept and its data is the initial total") {
  histogram proto = make_histogram();
  proto(5.0);
  concurrent<histogram> c(proto);
  c(50.0);
  const histogram s = c.snapshot();
  CHECK(s.count() == 2);
  CHECK(s.edges() == proto.edges());
  histogram other = make_histogram();
  other(500.0);
  c.merge(other);
  CHECK(c.snapshot().count() == 3);
  CHECK_THROWS_AS(c.merge(histogram(bin_edges::from_edges({1.0}))), driftwatch::error);
}

TEST_CASE("writer handles: one shard each, released and reused") {
  concurrent<histogram> c(make_histogram(), 2);
  {
    auto a = c.writer();
    auto b = c.writer();
    a(1.0);
    b(2.0);
    CHECK_THROWS_WITH(c.writer(), driftwatch_test::contains("max_writers = 2"));
    auto moved = std::move(a);
    moved(3.0);
  }
  auto again = c.writer();  // a released shard is reused, keeping its counts
  again(4.0);
  CHECK(c.shard_count() == 2);
  CHECK(c.snapshot().count() == 4);
  CHECK_THROWS_AS(concurrent<histogram>(make_histogram(), 0), driftwatch::error);
}

TEST_CASE("a thread's shard is released at thread exit and reused by the next thread") {
  concurrent<histogram> c(make_histogram(), 1);
  for (int round = 0; round < 5; ++round) {
    std::thread t([&c] { c(1.0); });
    t.join();
  }
  CHECK(c.snapshot().count() == 5);
  CHECK(c.shard_count() == 1);
}

TEST_CASE("works with every accumulator kind") {
  SECTION("category_counts") {
    category_counts proto;
    proto.add_category("a");
    concurrent<category_counts> c(proto);
    std::thread t([&c] {
      for (int i = 0; i < 100; ++i) c(i % 2 ? "a" : "b");
    });
    for (int i = 0; i < 100; ++i) c("a");
    t.join();
    const category_counts s = c.snapshot();
    CHECK(s.count("a") == 150);
    CHECK(s.count("b") == 50);
  }
  SECTION("drift_monitor") {
    monitor_config cfg;
    cfg.bins = 4;
    cfg.max_current_samples = 1000;
    drift_monitor m(cfg);
    const std::vector<double> ref = {1, 2, 3, 4, 5, 6, 7, 8};
    const auto x = m.add_numeric("x", ref);
    concurrent<drift_monitor> c(m);
    std::thread t([&c, x] {
      for (int i = 0; i < 300; ++i) c.observe(x, 1.5 * (i % 7));
    });
    for (int i = 0; i < 300; ++i) c.observe(x, 2.0);
    t.join();
    const drift_monitor s = c.snapshot();
    CHECK(s.current_histogram(x).count() == 600);
    CHECK(s.report()[0].n_current == 600);
  }
  SECTION("ranking_accumulator and canary comparisons via apply") {
    concurrent<ranking_accumulator> r(ranking_accumulator("v1", 3));
    concurrent<welch_comparison> w(welch_comparison{});
    concurrent<paired_comparison> p(paired_comparison{});
    const std::vector<item_id> served = {1, 2, 3};
    const std::vector<judgment> judged = {{2, 1}};
    std::thread t([&] {
      for (int i = 0; i < 50; ++i) {
        r.observe(served, judged);
        w.apply([](welch_comparison& a) { a.observe_canary(1.0); });
        p.observe(0.5, 0.75);
      }
    });
    for (int i = 0; i < 50; ++i) {
      r.observe(served, judged);
      w.apply([](welch_comparison& a) { a.observe_baseline(2.0); });
      p(0.5, 0.25);
    }
    t.join();
    CHECK(r.snapshot().count() == 100);
    CHECK(r.snapshot().mean(ranking_metric::precision).value == Approx(1.0 / 3.0));
    CHECK(w.snapshot().canary().count() == 50);
    CHECK(w.snapshot().baseline().count() == 50);
    CHECK(p.take().count() == 100);
    CHECK(p.snapshot().count() == 0);
  }
}

TEST_CASE("observe allocates nothing once the thread is registered") {
  concurrent<histogram> c(make_histogram());
  c(0.0);  // registers this thread (one allocation, outside the hot path)
  auto h = c.writer();
  h(0.0);
  monitor_config cfg;
  cfg.max_current_samples = 4096;
  drift_monitor m(cfg);
  const std::vector<double> ref = {1, 2, 3, 4};
  const std::vector<std::string> cats = {"a", "b"};
  const auto x = m.add_numeric("x", ref);
  const auto k = m.add_categorical("k", cats);
  concurrent<drift_monitor> cm(m);
  cm.observe(x, 0.0);
  const long before = driftwatch_test::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    c(static_cast<double>(i));
    h(static_cast<double>(i));
    cm.observe(x, static_cast<double>(i));
    cm.observe(k, "b");
  }
  CHECK(driftwatch_test::allocation_count() == before);
  // Taking a snapshot allocates (the copy); observing after it still does not.
  (void)c.snapshot();
  (void)cm.take();
  const long after_snapshot = driftwatch_test::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    c(1.0);
    cm.observe(x, 1.0);
  }
  CHECK(driftwatch_test::allocation_count() == after_snapshot);
  CHECK(cm.snapshot().current_histogram(x).count() == 1000);
}

TEST_CASE("with_snapshot reads the merged state in place: the snapshot's values, no copy") {
  concurrent<histogram> c(make_histogram());
  constexpr int threads = 3, per_thread = 5000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&c, t] {
      for (int i = 0; i < per_thread; ++i) c(static_cast<double>((i * 7 + t) % 150) - 20.0);
    });
  // While the writers run: each read is a prefix of the stream, never more.
  for (int s = 0; s < 20; ++s) {
    const std::uint64_t n = c.with_snapshot(std::chrono::microseconds(100), [](const histogram& h) { return h.count(); });
    CHECK(n <= std::uint64_t{threads} * per_thread);
  }
  for (auto& th : pool) th.join();
  const histogram copy = c.snapshot();
  std::size_t deferred = 99;
  CHECK(c.with_snapshot(std::chrono::microseconds(100), [&](const histogram& h) { return h == copy; }, &deferred));
  CHECK(deferred == 0);
  CHECK(c.with_snapshot([](const histogram& h) { return h.count(); }) == std::uint64_t{threads} * per_thread);
  // No allocation: the total is read where it is (snapshot() copies it).
  c(5.0);
  const long before = driftwatch_test::allocation_count();
  const std::uint64_t n = c.with_snapshot([](const histogram& h) { return h.count(); });
  CHECK(driftwatch_test::allocation_count() == before);
  CHECK(n == std::uint64_t{threads} * per_thread + 1);
  (void)c.snapshot();
  CHECK(driftwatch_test::allocation_count() > before);
}

TEST_CASE("an idle shard is skipped by a drain and still counted exactly once later") {
  // Two writer handles (two shards); reads in between with one of them idle
  // exercise the skip (no write since the last flip) and the flip after it.
  concurrent<histogram> c(make_histogram());
  auto a = c.writer();
  auto b = c.writer();
  for (int i = 0; i < 5; ++i) a(1.0);
  CHECK(c.snapshot().count() == 5);
  CHECK(c.snapshot().count() == 5);  // both shards idle: skipped
  for (int i = 0; i < 3; ++i) b(20.0);
  CHECK(c.snapshot().count() == 8);  // a idle, b drained
  a(50.0);
  CHECK(c.with_snapshot([](const histogram& h) { return h.count(); }) == 9);
  CHECK(c.snapshot(std::chrono::microseconds(100)).count() == 9);
  const histogram t = c.take();
  CHECK(t.count() == 9);
  CHECK(c.snapshot().count() == 0);
  b(2.0);
  a(3.0);
  CHECK(c.snapshot().count() == 2);
  histogram expected = make_histogram();
  for (double x : {1.0, 1.0, 1.0, 1.0, 1.0, 20.0, 20.0, 20.0, 50.0}) expected(x);
  CHECK(t == expected);
}

TEST_CASE("a destroyed wrapper's registration does not leak into a new one") {
  for (int round = 0; round < 20; ++round) {
    concurrent<histogram> c(make_histogram(), 1);
    c(1.0);
    CHECK(c.snapshot().count() == 1);
  }
}
