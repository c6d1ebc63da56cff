// Tests of include/driftwatch/monitors/window.hpp, driven by manual_clock (no sleeping).
#include <driftwatch/monitors/window.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include "counting_allocator.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using namespace std::chrono_literals;

namespace {
histogram make_histogram() { return histogram(bin_edges::from_edges({0.0, 1.0})); }
}  // namespace

TEST_CASE("manual_clock copies share one time") {
  manual_clock a;
  manual_clock b = a;
  a.advance(5s);
  CHECK(b.now().time_since_epoch() == 5s);
  b.set(manual_clock::time_point(1s));
  CHECK(a.now().time_since_epoch() == 1s);
}

TEST_CASE("tumbling_count_window closes every `size` observations") {
  tumbling_count_window<histogram> w(make_histogram(), 3);
  CHECK_FALSE(w(0.5));
  CHECK_FALSE(w(0.5));
  CHECK(w(2.0));
  CHECK(w.windows_closed() == 1);
  CHECK(w.last_closed().count() == 3);
  CHECK(w.current().count() == 0);
  CHECK_FALSE(w(-1.0));
  CHECK(w.current_count() == 1);
  CHECK(w.last_closed().counts() == std::vector<std::uint64_t>{0, 2, 1});
  CHECK_THROWS_AS(tumbling_count_window<histogram>(make_histogram(), 0), driftwatch::error);
  // Accumulators without reset() are reset from the prototype.
  tumbling_count_window<mean_accumulator> m(mean_accumulator{}, 2);
  m(1.0);
  CHECK(m(3.0));
  CHECK(m.last_closed().mean().value == 2.0);
  CHECK(m.current().count() == 0);
}

TEST_CASE("tumbling_time_window rotates on time, including gaps") {
  manual_clock clock;
  tumbling_time_window<histogram, manual_clock> w(make_histogram(), 10s, clock);
  w(0.5);
  clock.advance(9s);
  w(0.5);
  CHECK(w.current().count() == 2);
  CHECK(w.windows_closed() == 0);
  clock.advance(1s);  // t = 10 s: the first window [0, 10) is over
  w(2.0);
  CHECK(w.windows_closed() == 1);
  CHECK(w.last_closed().count() == 2);
  CHECK(w.current().count() == 1);
  CHECK(w.current_start().time_since_epoch() == 10s);
  clock.advance(35s);  // t = 45 s: windows [10,20), [20,30), [30,40) closed; the last complete one is empty
  CHECK(w.advance());
  CHECK(w.windows_closed() == 4);
  CHECK(w.windows_skipped() == 2);
  CHECK(w.last_closed().count() == 0);
  CHECK(w.current_start().time_since_epoch() == 40s);
  CHECK_FALSE(w.advance());
  histogram delta = make_histogram();
  delta(0.1);
  delta(0.2);
  w.add(delta);
  CHECK(w.current().count() == 2);
  CHECK_THROWS_AS((tumbling_time_window<histogram, manual_clock>(make_histogram(), 0s, clock)), driftwatch::error);
}

TEST_CASE("sliding_window merges the live buckets and expires old ones") {
  manual_clock clock;
  sliding_window<histogram, manual_clock> w(make_histogram(), 3, 10s, clock);
  w(0.5);  // bucket [0,10)
  clock.advance(10s);
  w(0.5);  // [10,20)
  w(0.5);
  clock.advance(10s);
  w(5.0);  // [20,30)
  CHECK(w.merged().count() == 4);
  CHECK(w.bucket(0).count() == 1);
  CHECK(w.bucket(2).count() == 1);
  clock.advance(10s);  // t = 30: [0,10) falls out
  CHECK(w.merged().count() == 3);
  clock.advance(15s);  // t = 45: the ring is [20,30), [30,40), [40,50); [10,20) fell out
  CHECK(w.merged().count() == 1);
  clock.advance(10s);  // t = 55: [20,30) falls out
  CHECK(w.merged().count() == 0);
  w(-1.0);
  CHECK(w.merged().counts() == std::vector<std::uint64_t>{1, 0, 0});
  clock.advance(1000s);  // far beyond the ring: everything expires, no loop over 100 buckets
  CHECK(w.advance() == 3);
  CHECK(w.merged().count() == 0);
  CHECK(w.newest_bucket_start().time_since_epoch() == 1050s);
  CHECK_THROWS_AS((sliding_window<histogram, manual_clock>(make_histogram(), 0, 1s, clock)), driftwatch::error);
}

TEST_CASE("sliding_window of means (no reset(): reset from the prototype)") {
  manual_clock clock;
  sliding_window<mean_accumulator, manual_clock> w(mean_accumulator{}, 2, 1min, clock);
  w(10.0);
  clock.advance(1min);
  w(20.0);
  CHECK(w.merged().mean().value == 15.0);
  clock.advance(1min);
  CHECK(w.merged().mean().value == 20.0);
}

TEST_CASE("sliding_count_window covers the last observations") {
  sliding_count_window<histogram> w(make_histogram(), 3, 2);
  for (int i = 0; i < 6; ++i) w(static_cast<double>(i));
  CHECK(w.merged().count() == 6);
  CHECK(w.count() == 6);
  w(-5.0);  // starts a new bucket: the oldest (values 0, 1) drops out
  CHECK(w.merged().count() == 5);
  CHECK(w.count() == 5);
  CHECK(w.merged().counts() == std::vector<std::uint64_t>{1, 0, 4});
  CHECK_THROWS_AS(sliding_count_window<histogram>(make_histogram(), 3, 0), driftwatch::error);
}

TEST_CASE("windows observe without allocating") {
  manual_clock clock;
  sliding_window<histogram, manual_clock> s(make_histogram(), 4, 1s, clock);
  tumbling_time_window<histogram, manual_clock> t(make_histogram(), 1s, clock);
  tumbling_count_window<histogram> c(make_histogram(), 7);
  sliding_count_window<histogram> sc(make_histogram(), 3, 5);
  decaying_histogram<manual_clock> d(bin_edges::from_edges({0.0}), 10s, clock);
  monitor_config cfg;
  cfg.max_current_samples = 256;
  drift_monitor m(cfg);
  const std::vector<double> ref = {1, 2, 3};
  m.add_numeric("x", ref);
  tumbling_count_window<drift_monitor> mw(m, 50);
  const long before = driftwatch_test::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    clock.advance(300ms);
    s(0.5 * i);
    t(0.5 * i);
    c(0.5 * i);
    sc(0.5 * i);
    d(0.5 * i);
    mw.observe(0, 0.5 * i);
  }
  CHECK(driftwatch_test::allocation_count() == before);
  CHECK(mw.windows_closed() == 20);
}

TEST_CASE("decaying_histogram halves weights every half-life") {
  manual_clock clock;
  decaying_histogram<manual_clock> d(bin_edges::from_edges({0.0}), 10s, clock);
  d(-1.0);
  d(-1.0);
  clock.advance(10s);
  d(1.0);
  const auto w = d.weights();
  CHECK(w[0] == Approx(1.0));
  CHECK(w[1] == Approx(1.0));
  clock.advance(20s);
  CHECK(d.weights()[0] == Approx(0.25));
  CHECK(d.total_weight_at(clock.now()) == Approx(0.5));
  d(std::nan(""));
  CHECK(d.invalid_weight_at(clock.now()) == Approx(1.0));
  // Far in the future the landmark moves; weights stay finite and correct.
  clock.advance(10s * 200);
  d(1.0);
  CHECK(d.weights()[1] == Approx(1.0));
  CHECK(std::isfinite(d.weights()[0]));
  CHECK(d.weights()[0] < 1e-50);
  // Weights feed the span-based drift metrics.
  histogram ref(bin_edges::from_edges({0.0}));
  ref(-1.0);
  ref(1.0);
  std::vector<double> p = {1.0, 1.0};
  const auto current = d.weights();
  CHECK(psi(p, current).valid());
}

TEST_CASE("reference_window stays frozen until refreshed on command") {
  histogram initial = make_histogram();
  initial(0.5);
  reference_window<histogram> ref(initial);
  tumbling_count_window<histogram> w(make_histogram(), 2);
  w(5.0);
  w(5.0);
  CHECK(ref.get().count() == 1);  // the window moving does not touch the reference
  ref.refresh(w.last_closed());
  CHECK(ref.generation() == 1);
  CHECK(ref.get().counts() == std::vector<std::uint64_t>{0, 0, 2});
  ref.lock();
  CHECK_THROWS_WITH(ref.refresh(initial), driftwatch_test::contains("locked"));
  ref.unlock();
  ref.refresh(initial);
  CHECK(ref.get() == initial);
}

TEST_CASE("concurrent observation windowed through take(): each observation in exactly one window") {
  manual_clock clock;
  concurrent<histogram> live(make_histogram());
  sliding_window<histogram, manual_clock> window(make_histogram(), 6, 10s, clock);
  std::thread t([&live] {
    for (int i = 0; i < 5000; ++i) live(0.5);
  });
  std::uint64_t seen = 0;
  for (int tick = 0; tick < 5; ++tick) {
    const histogram delta = live.take();
    seen += delta.count();
    window.add(delta);
    clock.advance(10s);
  }
  t.join();
  const histogram rest = live.take();
  seen += rest.count();
  window.add(rest);
  CHECK(seen == 5000);
  CHECK(window.merged().count() == 5000);
}

TEST_CASE("windows survive a restart through serialization and restore()") {
  manual_clock clock;
  sliding_window<histogram, manual_clock> before(make_histogram(), 3, 10s, clock);
  before(0.5);
  clock.advance(10s);
  before(5.0);
  before(-2.0);
  // Save: every bucket, oldest first, plus the newest bucket's start.
  std::vector<std::vector<std::uint8_t>> saved;
  for (std::size_t i = 0; i < before.buckets(); ++i) saved.push_back(serialize(before.bucket(i)));
  const auto start = before.newest_bucket_start();
  // "Restart": a new window, restored from the bytes.
  sliding_window<histogram, manual_clock> after(make_histogram(), 3, 10s, clock);
  std::vector<histogram> buckets;
  for (const auto& b : saved) buckets.push_back(deserialize<histogram>(b));
  after.restore(std::move(buckets), start);
  CHECK(after.merged() == before.merged());
  after(0.5);
  before(0.5);
  CHECK(after.merged() == before.merged());
  clock.advance(20s);  // time moves on: the restored buckets expire like the originals
  CHECK(after.merged() == before.merged());
  CHECK(after.merged().count() == 3);  // [0,10) fell out; [10,20) is still live
  CHECK_THROWS_AS(after.restore(std::vector<histogram>(2, make_histogram()), start), driftwatch::error);

  tumbling_count_window<histogram> t(make_histogram(), 4);
  t(1.0);
  t(2.0);
  tumbling_count_window<histogram> t2(make_histogram(), 4);
  t2.restore(deserialize<histogram>(serialize(t.current())), t.current_count(),
             deserialize<histogram>(serialize(t.last_closed())));
  t2(3.0);
  CHECK(t2(3.0));  // the 4th observation closes the restored window
  CHECK(t2.last_closed().count() == 4);
  CHECK_THROWS_AS(t2.restore(make_histogram(), 4, make_histogram()), driftwatch::error);

  tumbling_time_window<histogram, manual_clock> tt(make_histogram(), 10s, clock);
  tt(1.0);
  tumbling_time_window<histogram, manual_clock> tt2(make_histogram(), 10s, clock);
  tt2.restore(deserialize<histogram>(serialize(tt.current())), tt.last_closed(), tt.current_start());
  clock.advance(10s);
  tt2(0.5);
  CHECK(tt2.last_closed().count() == 1);
}
