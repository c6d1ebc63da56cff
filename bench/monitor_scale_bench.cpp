// drift_monitor at scale (issue 11 point 2, issue 17 point 6): resident memory
// and per-thread observe throughput of a concurrent<drift_monitor>, and the
// latency of a scrape (snapshot + report) under writers. Plain main(), no
// Google Benchmark, and only API the base release also has, so the same
// source measures the old path too (bench/monitor_scale_compare.sh builds it
// against this tree and against another commit's headers and runs both).
//
//   monitor_scale_bench scale [features=1000] [threads=16] [values_per_thread=2048000]
//     1,000 numeric features (10 quantile bins, 10,000-value references),
//     each thread observes values_per_thread values spread over all features
//     through concurrent<drift_monitor>, then one snapshot + report. Prints
//     each thread's observe rate and the peak resident memory (VmHWM).
//     drift_monitor counts a feature's values for the exact KS when its
//     pending buffer (512 values) fills, so values_per_thread / features
//     should be a multiple of 512 (512,000 or 2,048,000 with 1,000 features):
//     otherwise the values still pending when the timing stops are counted
//     later, by the snapshot, and the rate looks higher than it is (500,000
//     leaves each feature's 500 values per thread uncounted).
//   monitor_scale_bench scrape [features=10] [writers=8] [scrapes=200]
//     writers observe continuously; the main thread scrapes (snapshot() then
//     report(), what monitor_exporter does) every 5 ms; prints p50/p99/max.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// The headers moved under monitors/ after the base commit ca1031c.
#if __has_include(<driftwatch/monitors/concurrent.hpp>)
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>
#else
#include <driftwatch/concurrent.hpp>  // old-layout: the base commit's path
#include <driftwatch/monitor.hpp>     // old-layout: the base commit's path
#endif

#ifndef NDEBUG
#error "driftwatch benchmarks must be built with NDEBUG (Release): assertions distort every number"
#endif

namespace {

using clock_type = std::chrono::steady_clock;

// What a scrape calls: monitor_exporter's snapshot(100us) where the library
// has it (this tree), else snapshot() (the base commit).
template <class C, class = void>
struct has_bounded_snapshot : std::false_type {};
template <class C>
struct has_bounded_snapshot<C, std::void_t<decltype(std::declval<const C&>().snapshot(std::chrono::nanoseconds{}))>>
    : std::true_type {};
template <class C>
auto scrape_snapshot(const C& live) {
  if constexpr (has_bounded_snapshot<C>::value)
    return live.snapshot(std::chrono::microseconds(100));
  else
    return live.snapshot();
}

long status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(in, line))
    if (line.compare(0, n, key) == 0) return std::atol(line.c_str() + n + 1);
  return -1;
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

driftwatch::drift_monitor make_monitor(std::size_t features, std::size_t reference_size) {
  driftwatch::monitor_config cfg;
  cfg.bins = 10;
  cfg.method = driftwatch::binning::quantile;
  driftwatch::drift_monitor m(cfg);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> ref(reference_size);
  for (std::size_t f = 0; f < features; ++f) {
    for (auto& x : ref) x = normal(rng);
    m.add_numeric("f" + std::to_string(f), ref);
  }
  return m;
}

// A per-thread table of values to observe (shifted a little so there is drift).
std::vector<double> thread_values(unsigned seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.1, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

int scale(std::size_t features, unsigned threads, std::size_t per_thread) {
  const long rss_start = status_kib("VmRSS:");
  driftwatch::concurrent<driftwatch::drift_monitor> live(make_monitor(features, 10000));
  const long rss_built = status_kib("VmRSS:");
  std::vector<double> rate(threads), cpu_rate(threads);
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const std::vector<double> v = thread_values(100 + t, 1 << 16);
      live.observe(0, v[0]);  // registers the thread (one allocation) before timing
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      const auto start = clock_type::now();
      const double cpu_start = thread_cpu_ms();
      std::size_t f = t % features;
      for (std::size_t i = 0; i < per_thread; ++i) {
        live.observe(f, v[i & 0xFFFF]);
        if (++f == features) f = 0;
      }
      const double s = std::chrono::duration<double>(clock_type::now() - start).count();
      rate[t] = static_cast<double>(per_thread) / s;
      cpu_rate[t] = static_cast<double>(per_thread) / ((thread_cpu_ms() - cpu_start) / 1e3);
    });
  while (ready.load() < threads) std::this_thread::yield();
  go.store(true);
  for (auto& th : pool) th.join();
  const long rss_observed = status_kib("VmRSS:");
  // snapshot() only: report() of 1,000 features with ~8,000-value windows runs
  // SciPy's exact KS p-value (both samples <= 10,000) a thousand times, which
  // measures the p-value, not the monitor's state.
  const auto t0 = clock_type::now();
  const driftwatch::drift_monitor snap = live.snapshot();
  const double scrape_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  const unsigned long long n0 = snap.current_histogram(0).count();
  std::sort(rate.begin(), rate.end());
  std::sort(cpu_rate.begin(), cpu_rate.end());
  double sum = 0;
  for (double r : rate) sum += r;
  std::printf("scale: %zu features x 10,000-value references, %u threads x %zu observes\n", features, threads,
              per_thread);
  std::printf("  per-thread observe rate: min %.2f  median %.2f  mean %.2f  max %.2f M/s\n", rate.front() / 1e6,
              rate[rate.size() / 2] / 1e6, sum / rate.size() / 1e6, rate.back() / 1e6);
  std::printf("  per thread CPU second (the cost without waiting for a core): min %.2f  median %.2f  max %.2f M/s\n",
              cpu_rate.front() / 1e6, cpu_rate[cpu_rate.size() / 2] / 1e6, cpu_rate.back() / 1e6);
  std::printf("  resident: start %.0f MiB, monitor built %.0f MiB, after observing %.0f MiB, peak (VmHWM) %.0f MiB\n",
              rss_start / 1024.0, rss_built / 1024.0, rss_observed / 1024.0, status_kib("VmHWM:") / 1024.0);
  std::printf("  snapshot of all features: %.0f ms (feature 0: %llu values)\n", scrape_ms, n0);
  return 0;
}

int scrape(std::size_t features, unsigned writers, int scrapes) {
  driftwatch::concurrent<driftwatch::drift_monitor> live(make_monitor(features, 10000));
  std::atomic<bool> stop{false};
  std::atomic<unsigned long long> observed{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < writers; ++t)
    pool.emplace_back([&, t] {
      const std::vector<double> v = thread_values(200 + t, 1 << 16);
      std::size_t i = 0, f = t % features;
      unsigned long long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 256; ++k) {
          live.observe(f, v[i++ & 0xFFFF]);
          if (++f == features) f = 0;
        }
        n += 256;
      }
      observed.fetch_add(n);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // windows fill up first
  std::vector<double> ms, snap_ms, cpu_ms;
  for (int s = 0; s < scrapes; ++s) {
    const double c0 = thread_cpu_ms();
    const auto t0 = clock_type::now();
    const driftwatch::drift_monitor snap = scrape_snapshot(live);
    const auto t1 = clock_type::now();
    const auto report = snap.report();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    snap_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    cpu_ms.push_back(thread_cpu_ms() - c0);
    if (report.size() != features) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  for (auto& th : pool) th.join();
  const auto final_report = live.snapshot().report();
  std::sort(ms.begin(), ms.end());
  std::sort(snap_ms.begin(), snap_ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  auto cpct = [&](double p) { return cpu_ms[std::min(cpu_ms.size() - 1, static_cast<std::size_t>(p * cpu_ms.size()))]; };
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))]; };
  auto spct = [&](double p) { return snap_ms[std::min(snap_ms.size() - 1, static_cast<std::size_t>(p * snap_ms.size()))]; };
  std::printf("scrape: %zu features x 10,000-value references, %u writers, %d scrapes (%s + report)\n", features,
              writers, scrapes,
              has_bounded_snapshot<driftwatch::concurrent<driftwatch::drift_monitor>>::value ? "snapshot(100us)"
                                                                                              : "snapshot()");
  std::printf("  latency: p50 %.2f ms  p99 %.2f ms  max %.2f ms; window at the end: %llu values per feature\n",
              pct(0.5), pct(0.99), ms.back(), static_cast<unsigned long long>(final_report[0].n_current));
  std::printf("  of which snapshot(): p50 %.2f ms  p99 %.2f ms\n", spct(0.5), spct(0.99));
  std::printf("  scraping thread's CPU time per scrape: p50 %.2f ms  p99 %.2f ms (the cost without waiting for a core)\n",
              cpct(0.5), cpct(0.99));
  std::printf("  writers observed %.1f M values in all\n", observed.load() / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "scale";
  auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
  if (mode == "scale")
    return scale(static_cast<std::size_t>(arg(2, 1000)), static_cast<unsigned>(arg(3, 16)),
                 static_cast<std::size_t>(arg(4, 2048000)));
  if (mode == "scrape")
    return scrape(static_cast<std::size_t>(arg(2, 10)), static_cast<unsigned>(arg(3, 8)), static_cast<int>(arg(4, 200)));
  std::fprintf(stderr, "usage: monitor_scale_bench scale|scrape [...]\n");
  return 2;
}
