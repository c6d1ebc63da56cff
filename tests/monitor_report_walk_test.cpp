// Tests of the scrape path of a concurrent<drift_monitor> (issue 17, docs/prometheus.md
// "What a scrape costs"): the fused report walk (detail::walk_slots, its AVX2 /
// AVX-512 gap kernels) equals the two walks it replaced bit for bit; the drain's
// batched merge (add_counts_and_clear, slot_counts::add_and_clear,
// drift_monitor::absorb) equals += and reset() part by part; scrapes after no
// writes, or after writes to one feature, report what they should. ~1 s.
#include <driftwatch/monitors/monitor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/monitors/concurrent.hpp>

#include "test_support.hpp"

using namespace driftwatch;

namespace {

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// The KS walk drift_monitor::compare_numeric ran before walk_slots (kept here
// as the reference twin; wasserstein_from_slots is the other one).
detail::ks_extremes ks_walk_reference(const detail::numeric_reference_data& ref, const std::vector<std::uint64_t>& c,
                                      std::uint64_t placed) {
  detail::ks_extreme_tracker t(static_cast<double>(ref.n), static_cast<double>(placed));
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t j = 0;
  const std::size_t d = ref.distinct.size();
  for (std::size_t k = 0; k <= d; ++k) {
    const std::size_t i = k == 0 ? 0 : static_cast<std::size_t>(ref.at(k - 1));
    if (c[2 * k] != 0) {
      j += c[2 * k];
      t.at(unknown, i, j, false, true);
    }
    if (k == d) break;
    j += c[2 * k + 1];
    t.at(ref.distinct[k], static_cast<std::size_t>(ref.at(k)), j, true, c[2 * k + 1] != 0);
  }
  return t.extremes();
}

bool same(const detail::ks_extremes& a, const detail::ks_extremes& b) {
  return bits(a.max_diff) == bits(b.max_diff) && bits(a.min_diff) == bits(b.min_diff) &&
         bits(a.max_location) == bits(b.max_location) && bits(a.min_location) == bits(b.min_location);
}

std::vector<simd_level> levels() {
  std::vector<simd_level> out;
  for (simd_level l : {simd_level::scalar, simd_level::sse2, simd_level::avx2, simd_level::avx512})
    if (set_simd_target(l) == l) out.push_back(l);
  set_simd_target(simd_level::avx512);
  return out;
}

struct window_case {
  std::shared_ptr<const detail::numeric_reference_data> ref;
  std::vector<std::uint64_t> c;
  std::uint64_t placed = 0;
};

// A reference of d distinct values (some repeated) and a window of the given
// shape: `fill` the chance a slot has a count, counts up to `top`.
window_case make_case(std::mt19937_64& rng, std::size_t d, double fill, std::uint64_t top, bool huge_span, bool ties) {
  std::vector<double> ref;
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t k = 0; k < d; ++k) ref.push_back(normal(rng));
  if (huge_span && d >= 2) {
    ref[0] = -1.5e308;
    ref[1] = 1.6e308;
  }
  std::sort(ref.begin(), ref.end());
  ref.erase(std::unique(ref.begin(), ref.end()), ref.end());
  const std::size_t distinct = ref.size();
  if (ties)
    for (std::size_t k = 0; k < distinct; k += 7) ref.push_back(ref[k]);
  std::sort(ref.begin(), ref.end());
  window_case w;
  w.ref = detail::numeric_reference_data::from_sorted(span<const double>(ref.data(), ref.size()));
  w.c.assign(w.ref->slots(), 0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<std::uint64_t> count(1, top);
  for (auto& x : w.c)
    if (unit(rng) < fill) {
      x = count(rng);
      w.placed += x;
    }
  if (w.placed == 0) {
    w.c[w.c.size() / 2] = 1;
    w.placed = 1;
  }
  return w;
}

}  // namespace

TEST_CASE("walk_slots equals the KS walk and wasserstein_from_slots bit for bit, at every SIMD level",
          "[monitor][walk]") {
  std::mt19937_64 rng(17);
  int cases = 0;
  for (std::size_t d : {1, 2, 3, 8, 9, 17, 64, 257, 2001})
    for (double fill : {0.02, 0.5, 1.0})
      for (std::uint64_t top : {std::uint64_t{3}, std::uint64_t{1000}, std::uint64_t{1} << 40})  // 2^40: n m > 2^49
        for (int shape = 0; shape < 4; ++shape) {
          const bool huge = shape & 1, ties = shape & 2;  // no ties: at_or_below[k] = k + 1, made by the kernels
          const window_case w = make_case(rng, d, fill, top, huge, ties);
          const double below = 0.25 * static_cast<double>(w.c[0]), above = 0.5 * static_cast<double>(w.c.back());
          const detail::ks_extremes ks = ks_walk_reference(*w.ref, w.c, w.placed);
          const detail::wasserstein_estimate w1 = detail::wasserstein_from_slots(*w.ref, w.c, w.placed, below, above);
          for (simd_level l : levels()) {
            set_simd_target(l);
            const detail::slot_walk_result got = detail::walk_slots(*w.ref, w.c.data(), w.placed, below, above);
            INFO("d " << d << " fill " << fill << " top " << top << " huge " << huge << " ties " << ties << " level "
                      << simd_level_name(l));
            CHECK(same(got.ks, ks));
            CHECK(bits(got.w1.value) == bits(w1.value));
            CHECK(bits(got.w1.bound) == bits(w1.bound));
            ++cases;
          }
        }
  set_simd_target(simd_level::avx512);
  CHECK(cases >= 324);
}

TEST_CASE("add_counts_and_clear equals its scalar twin and empties the parts", "[monitor][walk]") {
  std::mt19937_64 rng(5);
  for (std::size_t parts : {1, 2, 8, 255, 256, 300})
    for (std::size_t slots : {1, 7, 8, 15, 16, 17, 33, 1001}) {
      std::vector<std::vector<std::uint16_t>> a(parts, std::vector<std::uint16_t>(slots));
      for (auto& v : a)
        for (auto& x : v) x = rng() % 3 == 0 ? static_cast<std::uint16_t>(rng()) : 0;
      std::vector<std::uint64_t> want(slots, 7);
      for (std::size_t s = 0; s < slots; ++s)
        for (const auto& v : a) want[s] += v[s];
      for (simd_level l : levels()) {
        set_simd_target(l);
        auto b = a;
        std::vector<std::uint16_t*> p;
        for (auto& v : b) p.push_back(v.data());
        std::vector<std::uint64_t> got(slots, 7);
        detail::add_counts_and_clear(got.data(), p.data(), p.size(), slots);
        INFO("parts " << parts << " slots " << slots << " level " << simd_level_name(l));
        CHECK(got == want);
        bool empty = true;
        for (const auto& v : b)
          for (auto x : v) empty = empty && x == 0;
        CHECK(empty);
      }
    }
  set_simd_target(simd_level::avx512);
}

namespace {
drift_monitor make_monitor(const monitor_config& cfg = {}) {
  drift_monitor m(cfg);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> ref(500);
  for (int f = 0; f < 3; ++f) {
    for (auto& x : ref) x = std::round(normal(rng) * 20) / 20;  // ties: values on the reference's own
    m.add_numeric("x" + std::to_string(f), ref);
  }
  m.add_categorical("c", std::vector<std::string>{"a", "b", "b"});
  return m;
}
void feed(drift_monitor& m, std::mt19937_64& rng, int n, double shift) {
  std::normal_distribution<double> normal(shift, 1.0);
  for (int i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < 3; ++f) m.observe(f, std::round(normal(rng) * 40) / 40);
    m.observe(3, i % 3 == 0 ? "a" : "c");
  }
}
bool same_reports(const std::vector<feature_report>& a, const std::vector<feature_report>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.n_current != y.n_current || bits(x.ks.statistic) != bits(y.ks.statistic) ||
        bits(x.ks.pvalue) != bits(y.ks.pvalue) || bits(x.wasserstein.value) != bits(y.wasserstein.value) ||
        bits(x.wasserstein_error_bound) != bits(y.wasserstein_error_bound) || bits(x.psi.value) != bits(y.psi.value) ||
        bits(x.chi2.pvalue) != bits(y.chi2.pvalue) || x.drift != y.drift || x.ks_exact != y.ks_exact)
      return false;
  }
  return true;
}
}  // namespace

TEST_CASE("drift_monitor::absorb equals += and reset() part by part, bit for bit", "[monitor][walk]") {
  for (std::size_t cap : {monitor_config::unlimited, std::size_t{1500}}) {
    monitor_config cfg;
    cfg.max_current_samples = cap;
    cfg.exact_wasserstein_samples = 0;
    const drift_monitor proto = make_monitor(cfg);
    std::mt19937_64 rng(11);
    drift_monitor a = proto, b = proto;
    feed(a, rng, 100, 0.0);
    b = a;
    std::vector<drift_monitor> parts_a, parts_b;
    for (int p = 0; p < 5; ++p) {
      drift_monitor part = proto.compact_copy();
      feed(part, rng, p == 3 ? 0 : 300 + 50 * p, 0.2);  // one empty part
      if (p == 1)
        for (int i = 0; i < 70000; ++i) part.observe(0, 0.5);  // a 16-bit carry in the compact layout
      parts_a.push_back(part);
      parts_b.push_back(part);
    }
    for (auto& p : parts_a) {
      a += p;
      p.reset();
    }
    std::vector<drift_monitor*> pb;
    for (auto& p : parts_b) pb.push_back(&p);
    b.absorb(pb.data(), pb.size());
    INFO("max_current_samples " << cap);
    CHECK(serialize(a) == serialize(b));
    CHECK(same_reports(a.report(), b.report()));
    for (std::size_t p = 0; p < parts_a.size(); ++p) CHECK(serialize(parts_a[p]) == serialize(parts_b[p]));
    // An emptied part counts again after its reset, as any other.
    feed(parts_a[0], rng, 10, 0.0);
    CHECK(parts_a[0].report()[0].n_current == 10);
  }
  // A part of another construction: absorb throws as += does, before merging anything.
  drift_monitor m = make_monitor();
  drift_monitor other(monitor_config{});
  other.add_numeric("y", std::vector<double>{1, 2, 3});
  const auto before = serialize(m);
  drift_monitor* parts[] = {&other};
  CHECK_THROWS(m.absorb(parts, 1));
  CHECK(serialize(m) == before);
}

TEST_CASE("concurrent<drift_monitor>: a scrape after no write equals the previous one; writes to one feature "
          "change only that feature's report",
          "[monitor][concurrent][walk]") {
  monitor_config cfg;
  cfg.exact_wasserstein_samples = 0;
  concurrent<drift_monitor> live(make_monitor(cfg));
  drift_monitor sequential = make_monitor(cfg);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&live, t] {
      std::mt19937_64 rng(100 + t);
      std::normal_distribution<double> normal(0.1, 1.0);
      for (int i = 0; i < 20000; ++i) live.observe(static_cast<std::size_t>(i % 3), std::round(normal(rng) * 40) / 40);
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) {
    std::mt19937_64 rng(100 + t);
    std::normal_distribution<double> normal(0.1, 1.0);
    for (int i = 0; i < 20000; ++i) sequential.observe(static_cast<std::size_t>(i % 3), std::round(normal(rng) * 40) / 40);
  }
  const auto first = live.with_snapshot(std::chrono::microseconds(100), [](const drift_monitor& m) { return m.report(); });
  const auto second = live.with_snapshot(std::chrono::microseconds(100), [](const drift_monitor& m) { return m.report(); });
  CHECK(same_reports(first, second));
  // The counts (and so KS) are those of one monitor that saw every value.
  const auto want = sequential.report();
  for (std::size_t f = 0; f < 3; ++f) {
    CHECK(first[f].n_current == want[f].n_current);
    CHECK(bits(first[f].ks.statistic) == bits(want[f].ks.statistic));
    CHECK(bits(first[f].ks.pvalue) == bits(want[f].ks.pvalue));
  }
  std::thread([&live] {
    for (int i = 0; i < 500; ++i) live.observe(std::size_t{1}, 2.5);
  }).join();
  const auto third = live.with_snapshot(std::chrono::microseconds(100), [](const drift_monitor& m) { return m.report(); });
  CHECK(third[1].n_current == first[1].n_current + 500);
  CHECK(bits(third[1].ks.statistic) != bits(first[1].ks.statistic));
  for (std::size_t f : {std::size_t{0}, std::size_t{2}, std::size_t{3}})
    CHECK(same_reports({first[f]}, {third[f]}));
}

TEST_CASE("concurrent<drift_monitor>: a shard deferred by a bounded drain arrives exactly once, with what its "
          "writer observed after the flip (the drain's second round)",
          "[monitor][concurrent][walk]") {
  monitor_config cfg;
  cfg.exact_wasserstein_samples = 0;
  concurrent<drift_monitor> live(make_monitor(cfg));
  drift_monitor sequential = make_monitor(cfg);
  std::atomic<bool> entered{false}, release{false};
  std::thread stalled([&] {
    for (int i = 0; i < 1000; ++i) live.observe(std::size_t{0}, 0.01 * (i % 97));
    live.apply([&](drift_monitor& m) {  // an observation held open, as by a descheduled writer
      m.observe(0, 1.0);
      entered = true;
      while (!release) std::this_thread::yield();
      m.observe(0, 2.0);
    });
  });
  while (!entered) std::this_thread::yield();
  std::thread([&] {
    for (int i = 0; i < 500; ++i) live.observe(std::size_t{0}, -0.02 * (i % 89));
  }).join();
  std::size_t deferred = 0;
  const drift_monitor first = live.snapshot(std::chrono::microseconds(100), &deferred);
  CHECK(deferred == 1);
  CHECK(first.report()[0].n_current == 500);  // the stalled shard waits, whole
  release = true;
  stalled.join();
  // The stalled thread's shard holds 1000 + 2 values in the buffer the first
  // drain flipped (pending); the next thread to register reuses the first
  // free shard, that one, and observes into its other buffer, which only the
  // second round of the next drain flips.
  std::thread([&] {
    for (int i = 0; i < 300; ++i) live.observe(std::size_t{0}, 0.03 * (i % 53));
  }).join();
  const drift_monitor second = live.snapshot(std::chrono::microseconds(100), &deferred);
  CHECK(deferred == 0);
  for (int i = 0; i < 1000; ++i) sequential.observe(0, 0.01 * (i % 97));
  sequential.observe(0, 1.0);
  sequential.observe(0, 2.0);
  for (int i = 0; i < 500; ++i) sequential.observe(0, -0.02 * (i % 89));
  for (int i = 0; i < 300; ++i) sequential.observe(0, 0.03 * (i % 53));
  const auto got = second.report(), want = sequential.report();
  CHECK(got[0].n_current == 1802);
  CHECK(bits(got[0].ks.statistic) == bits(want[0].ks.statistic));
  CHECK(bits(got[0].ks.pvalue) == bits(want[0].ks.pvalue));
}
