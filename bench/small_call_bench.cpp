// Small calls (issue 12 point 7: the run-time dispatch must not slow a call on
// a small input): one histogram observe of 10 values into 10 bins, and PSI and
// Jensen-Shannon of two 10-bin weight vectors. Written against the API every
// version of the library has had (the umbrella header, histogram, bin_edges,
// psi, jensen_shannon on spans), so bench/compare_commits.sh can build this
// one source against an older commit's headers and compare the library alone:
//
//   SAME_SOURCE=bench/small_call_bench.cpp FILTER=small REPS=5 bash bench/compare_commits.sh ca1031c
//
// (ca1031c: the last commit before the dispatch, d697dd2.)
#include <driftwatch/driftwatch.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <vector>

namespace {

const std::vector<double>& values() {
  static const std::vector<double> v = [] {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> out(4096);
    for (auto& x : out) x = normal(rng);
    return out;
  }();
  return v;
}

void small_call_observe_n10_b10(benchmark::State& s) {
  const auto& x = values();
  driftwatch::histogram h(driftwatch::bin_edges::from_quantiles(driftwatch::span<const double>(x.data(), x.size()), 10));
  std::size_t off = 0;
  for (auto _ : s) {
    h.observe(driftwatch::span<const double>(x.data() + off, 10));
    off = off + 10 < x.size() ? off + 10 : 0;
    benchmark::DoNotOptimize(h.counts().data());
  }
  s.SetItemsProcessed(static_cast<std::int64_t>(s.iterations()) * 10);
}

// A metric of two 10-bin weight vectors; the second one shifts with every
// call so the compiler cannot fold the metric.
template <class Metric>
void run_metric_b10(benchmark::State& s, Metric metric) {
  std::vector<double> p(10), q(10);
  for (std::size_t i = 0; i < 10; ++i) {
    p[i] = 1.0 + static_cast<double>(i);
    q[i] = 10.0 - static_cast<double>(i) * 0.5;
  }
  for (auto _ : s) {
    q[0] += 1e-9;
    benchmark::DoNotOptimize(
        metric(driftwatch::span<const double>(p.data(), 10), driftwatch::span<const double>(q.data(), 10)));
  }
  s.SetItemsProcessed(static_cast<std::int64_t>(s.iterations()) * 10);
}

void small_call_psi_b10(benchmark::State& s) {
  run_metric_b10(s, [](driftwatch::span<const double> p, driftwatch::span<const double> q) {
    return driftwatch::psi(p, q).value;
  });
}

void small_call_js_b10(benchmark::State& s) {
  run_metric_b10(s, [](driftwatch::span<const double> p, driftwatch::span<const double> q) {
    return driftwatch::jensen_shannon(p, q).distance.value;
  });
}

}  // namespace

BENCHMARK(small_call_observe_n10_b10);
BENCHMARK(small_call_psi_b10);
BENCHMARK(small_call_js_b10);
BENCHMARK_MAIN();
