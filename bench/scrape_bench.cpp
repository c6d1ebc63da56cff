// What a Prometheus scrape of a concurrent<drift_monitor> costs while its
// writers keep observing (issue 17 point 6; docs/prometheus.md, "What a scrape
// costs"). Plain main(), no Google Benchmark:
//
//   g++ -std=c++17 -O2 -DNDEBUG -Iinclude bench/scrape_bench.cpp -pthread -o scrape_bench
//   ./scrape_bench [features=10] [writers=8] [scrapes=200] [rate=0]
//
// The monitor has `features` numeric features (10 quantile bins, 10,000-value
// standard-normal references); each writer thread observes values shifted by
// 0.1 standard deviations (so every feature drifts and its KS p-value takes
// the expensive kstwo.sf branch) through concurrent<drift_monitor>::observe,
// cycling over the features:
//   rate = 0: without pause (8 spinning writers on a 2-core machine: the
//             scraper gets a fraction of a core);
//   rate = R: R values per second per writer, in bursts every millisecond
//             (sleep_until), a service whose threads mostly wait.
// A monitor_exporter in pull mode (collect_from(live), snapshot(100us)) is
// registered in a registry, and the main thread renders the registry's text
// exposition -- exactly what GET /metrics runs -- every 5 ms. Printed: the
// scraping thread's CPU time per scrape (what the scrape costs) and its wall
// clock (that plus waiting for a core), p50 / p99 / max; then a second pass of
// the same number of scrapes split into snapshot(100us), report() and the
// rest. Load average before and after, from /proc/loadavg.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>

#ifndef NDEBUG
#error "driftwatch benchmarks must be built with NDEBUG (Release): assertions distort every number"
#endif

namespace {

using clock_type = std::chrono::steady_clock;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string load_average() {
  double l[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) l[0] = l[1] = l[2] = -1;
    std::fclose(f);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

driftwatch::drift_monitor make_monitor(std::size_t features) {
  driftwatch::monitor_config cfg;
  cfg.bins = 10;
  cfg.method = driftwatch::binning::quantile;
  driftwatch::drift_monitor m(cfg);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> ref(10000);
  for (std::size_t f = 0; f < features; ++f) {
    for (auto& x : ref) x = normal(rng);
    m.add_numeric("f" + std::to_string(f), ref);
  }
  return m;
}

struct percentiles {
  double p50, p99, max;
};
percentiles summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
  return {at(0.5), at(0.99), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
  const auto features = static_cast<std::size_t>(arg(1, 10));
  const auto writers = static_cast<unsigned>(arg(2, 8));
  const auto scrapes = static_cast<int>(arg(3, 200));
  const long rate = arg(4, 0);
  if (features == 0 || scrapes <= 0 || rate < 0) {
    std::fprintf(stderr, "usage: scrape_bench [features=10] [writers=8] [scrapes=200] [rate=0 (spinning) | values/s per writer]\n");
    return 2;
  }
  const std::string load_before = load_average();

  driftwatch::concurrent<driftwatch::drift_monitor> live(make_monitor(features));
  driftwatch::prometheus::registry metrics;
  driftwatch::prometheus::monitor_exporter exporter(metrics, "bench");
  exporter.collect_from(live);  // snapshot(100us) on every scrape

  std::atomic<bool> stop{false};
  std::atomic<unsigned long long> observed{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < writers; ++t)
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(200 + t);
      std::normal_distribution<double> normal(0.1, 1.0);
      std::vector<double> v(1 << 16);
      for (auto& x : v) x = normal(rng);
      std::size_t i = 0, f = t % features;
      unsigned long long n = 0;
      auto next = clock_type::now();
      const long per_tick = rate / 1000 > 0 ? rate / 1000 : 1;
      while (!stop.load(std::memory_order_relaxed)) {
        const long burst = rate == 0 ? 256 : per_tick;
        for (long k = 0; k < burst; ++k) {
          live.observe(f, v[i++ & 0xFFFF]);
          if (++f == features) f = 0;
        }
        n += static_cast<unsigned long long>(burst);
        if (rate != 0) {
          next += std::chrono::milliseconds(1);
          std::this_thread::sleep_until(next);
        }
      }
      observed.fetch_add(n);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // windows fill up first

  std::vector<double> wall, cpu, snap_wall, snap_cpu, report_cpu, rest_cpu;
  std::size_t bytes = 0;
  for (int s = 0; s < scrapes; ++s) {
    const double c0 = thread_cpu_ms();
    const auto t0 = clock_type::now();
    const std::string text = metrics.render();
    wall.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    cpu.push_back(thread_cpu_ms() - c0);
    bytes = text.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The breakdown: the same steps, timed one by one (the rest = the exporter
  // copying the report into its state and the text exposition).
  exporter.stop_collecting();
  for (int s = 0; s < scrapes; ++s) {
    const double c0 = thread_cpu_ms();
    const auto t0 = clock_type::now();
    const driftwatch::drift_monitor snap = live.snapshot(std::chrono::microseconds(100));
    const auto t1 = clock_type::now();
    const double c1 = thread_cpu_ms();
    const auto report = snap.report();
    const double c2 = thread_cpu_ms();
    exporter.publish(snap);  // reports again: subtract report() below
    const std::string text = metrics.render();
    const double c3 = thread_cpu_ms();
    snap_wall.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    snap_cpu.push_back(c1 - c0);
    report_cpu.push_back(c2 - c1);
    rest_cpu.push_back(std::max(0.0, c3 - c2 - (c2 - c1)));
    if (report.size() != features || text.empty()) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  for (auto& th : pool) th.join();
  const auto final_report = live.snapshot().report();

  const percentiles w = summarize(wall), c = summarize(cpu), sw = summarize(snap_wall), sc = summarize(snap_cpu),
                    rc = summarize(report_cpu), xc = summarize(rest_cpu);
  std::printf("scrape_bench: %zu numeric features x 10,000-value references, %u writers (%s), %d scrapes of "
              "registry::render() with monitor_exporter::collect_from(live) (snapshot(100us))\n",
              features, writers,
              rate == 0 ? "observing without pause" : (std::to_string(rate) + " values/s each, 1 ms bursts").c_str(),
              scrapes);
  std::printf("  load average before: %s  after: %s\n", load_before.c_str(), load_average().c_str());
  std::printf("  scraping thread's CPU time per scrape: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", c.p50, c.p99, c.max);
  std::printf("  wall clock per scrape:                 p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", w.p50, w.p99, w.max);
  std::printf("  breakdown (second pass, CPU): snapshot(100us) p50 %.3f p99 %.3f ms; report() p50 %.3f p99 %.3f ms; "
              "exporter state + text p50 %.3f p99 %.3f ms\n",
              sc.p50, sc.p99, rc.p50, rc.p99, xc.p50, xc.p99);
  std::printf("  snapshot(100us) wall clock: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", sw.p50, sw.p99, sw.max);
  std::printf("  exposition: %zu bytes; window at the end: %llu values per feature; writers observed %.1f M values\n",
              bytes, static_cast<unsigned long long>(final_report[0].n_current), static_cast<double>(observed.load()) / 1e6);
  return 0;
}
