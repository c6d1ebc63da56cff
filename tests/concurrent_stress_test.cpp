// Stress test of concurrent<A> (include/driftwatch/monitors/concurrent.hpp), meant to
// run under ThreadSanitizer too: several threads observe while one scrapes
// snapshots and another takes deltas, merges them and round-trips them through
// serialization. Every observation must be counted exactly once, and a
// snapshot must never contain half of one.
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace driftwatch;

namespace {

// One "observation" updates three means at once; a torn snapshot would show
// them with different counts.
constexpr int observers = 4;
#if defined(__SANITIZE_THREAD__)
constexpr int per_observer = 100000;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr int per_observer = 100000;
#else
constexpr int per_observer = 200000;
#endif
#else
constexpr int per_observer = 200000;
#endif

}  // namespace

TEST_CASE("observers, a scraper and a merger-serializer: totals are exact, snapshots never torn") {
  concurrent<paired_comparison> pairs(paired_comparison{});
  concurrent<histogram> hist(histogram(bin_edges::from_edges({0.0, 1.0, 2.0})));
  std::atomic<int> running{observers};
  std::atomic<bool> torn{false};
  std::atomic<std::uint64_t> scrapes{0}, merges{0};
  // The observers start once the scraper and the merger run (and have each
  // read the wrappers once), so the readers always overlap the writes: on a
  // busy machine the observers could otherwise finish before a reader thread
  // is even scheduled, and the test would prove nothing (or, scrapes == 0,
  // fail).
  std::atomic<int> readers_up{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < observers; ++t)
    threads.emplace_back([&, t] {
      while (readers_up.load() < 2) std::this_thread::yield();
      for (int i = 0; i < per_observer; ++i) {
        pairs(0.25 * (i % 8), 0.5 * ((i + t) % 4));
        hist(static_cast<double>(i % 4) - 0.5);
      }
      running.fetch_sub(1);
    });

  // Scraper: snapshots must be internally consistent.
  threads.emplace_back([&] {
    bool first = true;
    do {
      const paired_comparison s = pairs.snapshot();
      const auto n = s.count();
      if (s.differences().count() != n || s.invalid_count() != 0) torn = true;
      (void)hist.snapshot();
      scrapes.fetch_add(1);
      if (first) readers_up.fetch_add(1);
      first = false;
    } while (running.load() > 0);
  });

  // Merger: takes deltas, ships them through bytes, merges them.
  paired_comparison merged_pairs;
  histogram merged_hist(bin_edges::from_edges({0.0, 1.0, 2.0}));
  threads.emplace_back([&] {
    auto ship = [&] {
      merged_pairs += deserialize<paired_comparison>(serialize(pairs.take()));
      merged_hist += deserialize<histogram>(serialize(hist.take()));
      merges.fetch_add(1);
    };
    ship();
    readers_up.fetch_add(1);
    while (running.load() > 0) ship();
    ship();
  });

  for (auto& th : threads) th.join();
  // Whatever the merger did not take is still in the wrappers.
  merged_pairs += pairs.take();
  merged_hist += hist.take();

  const std::uint64_t total = std::uint64_t{observers} * per_observer;
  CHECK_FALSE(torn.load());
  CHECK(merged_pairs.count() == total);
  CHECK(merged_hist.count() == total);
  CHECK(merged_hist.counts()[0] == total / 4);
  CHECK(merged_hist.counts()[1] == total / 4);
  CHECK(merged_hist.counts()[2] == total / 4);
  CHECK(merged_hist.counts()[3] == total / 4);
  CHECK(scrapes.load() > 0);
  CHECK(merges.load() > 0);
}

TEST_CASE("threads come and go while a reader drains: nothing lost") {
  concurrent<histogram> c(histogram(bin_edges::from_edges({0.5})), 3);
  std::atomic<bool> done{false};
  std::uint64_t taken = 0;
  std::thread reader([&] {
    while (!done.load()) taken += c.take().count();
  });
  constexpr int generations = 30, per = 1000;
  for (int g = 0; g < generations; ++g) {
    std::thread a([&] {
      for (int i = 0; i < per; ++i) c(1.0);
    });
    std::thread b([&] {
      auto w = c.writer();
      for (int i = 0; i < per; ++i) w(0.0);
    });
    a.join();
    b.join();
  }
  done = true;
  reader.join();
  taken += c.take().count();
  CHECK(taken == std::uint64_t{generations} * 2 * per);
  CHECK(c.shard_count() <= 3);
}
