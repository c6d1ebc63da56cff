// The hot path under concurrency (issue 6): single-value observe latency and
// multi-thread throughput of concurrent<A>, against a plain single-threaded
// accumulator and a mutex-protected one. Thread counts are 1, 2 and the
// machine's hardware concurrency when larger: nothing assumes a core count.
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DDRIFTWATCH_BUILD_BENCHMARKS=ON
//   cmake --build build/bench --target concurrency_bench
//   build/bench/bench/concurrency_bench --benchmark_min_time=0.2
//
// Time per iteration is the latency of one observe as seen by one thread;
// items_per_second summed over threads (UseRealTime) is the throughput.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/monitors/monitor.hpp>

#ifndef NDEBUG
#error "driftwatch benchmarks must be built with NDEBUG (Release): assertions distort every number"
#endif

namespace {

using driftwatch::bin_edges;
using driftwatch::concurrent;
using driftwatch::histogram;

constexpr std::size_t value_count = 4096;  // power of two: index with a mask

const std::vector<double>& values() {
  static const std::vector<double> v = [] {
    std::mt19937_64 rng(42);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> out(value_count);
    for (auto& x : out) x = normal(rng);
    return out;
  }();
  return v;
}

histogram ten_bins() {
  return histogram(bin_edges::from_edges({-1.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5}));
}

void thread_counts(benchmark::internal::Benchmark* b) {
  b->Threads(1)->Threads(2);
  const unsigned hw = std::thread::hardware_concurrency();
  if (hw > 2) b->Threads(static_cast<int>(hw));
  b->UseRealTime();
}

// Baseline: one thread, one plain histogram (not thread-safe).
void BM_histogram_observe_single_thread(benchmark::State& state) {
  histogram h = ten_bins();
  const auto& v = values();
  std::size_t i = 0;
  for (auto _ : state) {
    h(v[i++ & (value_count - 1)]);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_histogram_observe_single_thread);

// What concurrent<> replaces: one histogram behind a mutex.
void BM_mutex_histogram_observe(benchmark::State& state) {
  static std::mutex m;
  static histogram h = ten_bins();
  const auto& v = values();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  for (auto _ : state) {
    std::lock_guard<std::mutex> lock(m);
    h(v[i++ & (value_count - 1)]);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_mutex_histogram_observe)->Apply(thread_counts);

// concurrent<histogram>, through the thread-local lookup (c(x)).
void BM_concurrent_histogram_observe(benchmark::State& state) {
  static concurrent<histogram> c(ten_bins());
  const auto& v = values();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  c(v[0]);  // registers the thread outside the timed loop
  for (auto _ : state) c(v[i++ & (value_count - 1)]);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (state.thread_index() == 0) benchmark::DoNotOptimize(c.take());
}
BENCHMARK(BM_concurrent_histogram_observe)->Apply(thread_counts);

// concurrent<histogram>, through a writer handle (no lookup).
void BM_concurrent_histogram_writer_handle(benchmark::State& state) {
  static concurrent<histogram> c(ten_bins());
  auto w = c.writer();
  const auto& v = values();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  for (auto _ : state) w(v[i++ & (value_count - 1)]);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_concurrent_histogram_writer_handle)->Apply(thread_counts);

// A whole drift monitor (histogram + raw sample for KS) behind concurrent<>.
void BM_concurrent_monitor_observe(benchmark::State& state) {
  static concurrent<driftwatch::drift_monitor> c([] {
    driftwatch::monitor_config cfg;
    cfg.max_current_samples = 1 << 16;
    driftwatch::drift_monitor m(cfg);
    m.add_numeric("x", values());
    return m;
  }());
  const auto& v = values();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  c.observe(0, v[0]);
  for (auto _ : state) c.observe(0, v[i++ & (value_count - 1)]);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (state.thread_index() == 0) benchmark::DoNotOptimize(c.take());
}
BENCHMARK(BM_concurrent_monitor_observe)->Apply(thread_counts);

// The cost a scrape pays: snapshot of a 10-bin histogram with 2 shards.
void BM_concurrent_snapshot(benchmark::State& state) {
  concurrent<histogram> c(ten_bins());
  std::thread t([&c] { c(0.0); });
  t.join();
  c(0.0);
  for (auto _ : state) benchmark::DoNotOptimize(c.snapshot());
}
BENCHMARK(BM_concurrent_snapshot);

}  // namespace

BENCHMARK_MAIN();
