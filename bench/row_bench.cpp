// row_f100 / row_f1000: one request's numeric feature vector into a
// drift_monitor (10 quantile bins per feature, 2,000-value references):
// observe_row (the row block, drained feature by feature: docs/simd.md, "The
// row observe") against the per-value loop it replaces (observe(id, x) per
// feature), directly and through concurrent<drift_monitor>. Items are
// features observed: 1e9 / items_per_second = ns per feature. Both paths
// count every value for the exact KS (per-reference-value slot counts: the
// per-value loop 256 values per feature at a time, observe_row 1,024 per
// drain) and keep the first 2048 raw values of a window; each benchmark
// resets the window every 4096 rows (a multiple of the row block's 1,024, so
// no row is dropped undrained), a service's steady state between reports.
#include <benchmark/benchmark.h>

#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <vector>

#include "bench_data.hpp"
#include "bench_util.hpp"

namespace {

constexpr std::size_t rows_per_window = 4096;

struct setup {
  driftwatch::drift_monitor monitor;
  std::vector<double> rows;  // 64 rows of F values
  std::size_t f;
  explicit setup(std::size_t features) : monitor(config()), f(features) {
    std::vector<double> ref(2000);
    for (std::size_t j = 0; j < f; ++j) {
      for (std::size_t i = 0; i < ref.size(); ++i) ref[i] = bench::u01(100 + j, i) * (1.0 + static_cast<double>(j % 7));
      monitor.add_numeric("f" + std::to_string(j), ref);
    }
    rows.resize(64 * f);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = bench::u01(7, i) * (1.0 + static_cast<double>((i % f) % 7));
  }
  static driftwatch::monitor_config config() {
    driftwatch::monitor_config c;
    c.max_current_samples = rows_per_window;
    return c;
  }
  const double* row(std::size_t r) const { return rows.data() + (r % 64) * f; }
};

void run_row(benchmark::State& s, std::size_t f) {
  setup st(f);
  std::size_t r = 0;
  for (auto _ : s) {
    st.monitor.observe_row(driftwatch::span<const double>(st.row(r), f));
    if (++r % rows_per_window == 0) st.monitor.reset_current();
  }
  bench::items(s, f);
}

void run_per_value(benchmark::State& s, std::size_t f) {
  setup st(f);
  std::size_t r = 0;
  for (auto _ : s) {
    const double* x = st.row(r);
    for (std::size_t j = 0; j < f; ++j) st.monitor.observe(j, x[j]);
    if (++r % rows_per_window == 0) st.monitor.reset_current();
  }
  bench::items(s, f);
}

void run_concurrent_row(benchmark::State& s, std::size_t f) {
  setup st(f);
  driftwatch::concurrent<driftwatch::drift_monitor> c(st.monitor, 4);
  auto w = c.writer();
  std::size_t r = 0;
  for (auto _ : s) {
    w.observe_row(driftwatch::span<const double>(st.row(r), f));
    if (++r % rows_per_window == 0) w.apply([](driftwatch::drift_monitor& m) { m.reset_current(); });
  }
  bench::items(s, f);
}

void run_concurrent_per_value(benchmark::State& s, std::size_t f) {
  setup st(f);
  driftwatch::concurrent<driftwatch::drift_monitor> c(st.monitor, 4);
  auto w = c.writer();
  std::size_t r = 0;
  for (auto _ : s) {
    const double* x = st.row(r);
    w.apply([&](driftwatch::drift_monitor& m) {
      for (std::size_t j = 0; j < f; ++j) m.observe(j, x[j]);
    });
    if (++r % rows_per_window == 0) w.apply([](driftwatch::drift_monitor& m) { m.reset_current(); });
  }
  bench::items(s, f);
}

void row_f100_driftwatch(benchmark::State& s) { run_row(s, 100); }
void row_f100_per_value(benchmark::State& s) { run_per_value(s, 100); }
void row_f100_concurrent_driftwatch(benchmark::State& s) { run_concurrent_row(s, 100); }
void row_f100_concurrent_per_value(benchmark::State& s) { run_concurrent_per_value(s, 100); }
void row_f1000_driftwatch(benchmark::State& s) { run_row(s, 1000); }
void row_f1000_per_value(benchmark::State& s) { run_per_value(s, 1000); }
void row_f1000_concurrent_driftwatch(benchmark::State& s) { run_concurrent_row(s, 1000); }
void row_f1000_concurrent_per_value(benchmark::State& s) { run_concurrent_per_value(s, 1000); }

}  // namespace

BENCHMARK(row_f100_driftwatch);
BENCHMARK(row_f100_per_value);
BENCHMARK(row_f100_concurrent_driftwatch);
BENCHMARK(row_f100_concurrent_per_value);
BENCHMARK(row_f1000_driftwatch);
BENCHMARK(row_f1000_per_value);
BENCHMARK(row_f1000_concurrent_driftwatch);
BENCHMARK(row_f1000_concurrent_per_value);

BENCHMARK_MAIN();
