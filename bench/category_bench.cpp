// category_counts observe cost (Google Benchmark): the categorical feature's
// hot path, a sorted-index lookup per value. Written against the API every
// version of the library has (category_counts(max), operator()(string_view),
// observe(range)), so bench/compare_commits.sh builds this same source against
// two commits' headers and compares them in one run.
#include <driftwatch/driftwatch.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#ifndef NDEBUG
#error "driftwatch benchmarks must be built with NDEBUG (Release): assertions distort every number"
#endif

namespace {

std::vector<std::string> stream(std::size_t distinct, std::size_t n) {
  std::vector<std::string> names(distinct);
  for (std::size_t i = 0; i < distinct; ++i) names[i] = "category_" + std::to_string(i * 7919 % 100003);
  std::mt19937_64 rng(42);
  std::vector<std::string> out(n);
  for (auto& s : out) s = names[rng() % distinct];
  return out;
}

void category_observe(benchmark::State& state) {
  const auto values = stream(static_cast<std::size_t>(state.range(0)), 1 << 16);
  std::vector<std::string_view> views(values.begin(), values.end());
  for (auto _ : state) {
    driftwatch::category_counts c;
    for (auto v : views) c(v);
    benchmark::DoNotOptimize(c.count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(views.size()));
}

void category_observe_range(benchmark::State& state) {
  const auto values = stream(static_cast<std::size_t>(state.range(0)), 1 << 16);
  for (auto _ : state) {
    driftwatch::category_counts c;
    c.observe(values);
    benchmark::DoNotOptimize(c.count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(values.size()));
}

}  // namespace

BENCHMARK(category_observe)->Arg(8)->Arg(100)->Arg(5000);
BENCHMARK(category_observe_range)->Arg(8)->Arg(100)->Arg(5000);
BENCHMARK_MAIN();
