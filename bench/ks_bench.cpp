// ks_exact_1m: ks_test on two samples of 1M doubles (exact statistic, p-value
// by SciPy's 'auto' rule) vs the same test built from std::sort and the
// reference merge walk (the scalar twins). scipy_ks_2samp runs in peers.py.
#include <benchmark/benchmark.h>

#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/metrics/ks_test.hpp>

#include <vector>

#include "bench_data.hpp"
#include "bench_util.hpp"

namespace {

const std::vector<double>& sample_a() {
  static const std::vector<double> x = bench::uniform(11, bench::ks_n(), 0.0, 1.0);
  return x;
}
const std::vector<double>& sample_b() {
  static const std::vector<double> x = bench::uniform(12, bench::ks_n(), 0.001, 1.01);
  return x;
}

void ks_exact_1m_driftwatch(benchmark::State& s) {
  for (auto _ : s) {
    const auto r = driftwatch::ks_test(sample_a(), sample_b());
    benchmark::DoNotOptimize(r.pvalue);
  }
  bench::items(s, 2 * bench::ks_n());
}

void ks_exact_1m_std_sort_merge(benchmark::State& s) {
  namespace d = driftwatch::detail;
  for (auto _ : s) {
    std::vector<double> a, b;
    d::sort_finite_std(sample_a().data(), sample_a().size(), a);
    d::sort_finite_std(sample_b().data(), sample_b().size(), b);
    const auto e = d::ks_merge_walk(a.data(), a.size(), b.data(), b.size());
    const double stat = std::max(e.max_diff, -e.min_diff);
    const auto p = d::ks_pvalue_impl(stat, a.size(), b.size(), driftwatch::alternative::two_sided,
                                     driftwatch::ks_method::automatic);
    benchmark::DoNotOptimize(p.pvalue);
  }
  bench::items(s, 2 * bench::ks_n());
}

// Kernel-level pairs for the CI guard: each SIMD/fast kernel vs its twin.
void guard_ks_sort_kernel(benchmark::State& s) {
  for (auto _ : s) {
    const auto sorted = driftwatch::detail::sort_finite_radix(sample_a().data(), sample_a().size());
    benchmark::DoNotOptimize(sorted.data.get());
  }
  bench::items(s, bench::ks_n());
}
void guard_ks_sort_twin(benchmark::State& s) {
  std::vector<double> out;
  for (auto _ : s) benchmark::DoNotOptimize(driftwatch::detail::sort_finite_std(sample_a().data(), sample_a().size(), out));
  bench::items(s, bench::ks_n());
}
struct sorted_pair {
  std::vector<double> a, b;
  sorted_pair() {
    driftwatch::detail::sort_finite_std(sample_a().data(), sample_a().size(), a);
    driftwatch::detail::sort_finite_std(sample_b().data(), sample_b().size(), b);
  }
};
const sorted_pair& sorted() {
  static const sorted_pair p;
  return p;
}
void guard_ks_walk_kernel(benchmark::State& s) {
  const auto& p = sorted();
  for (auto _ : s)
    benchmark::DoNotOptimize(driftwatch::detail::ks_merge_walk_branchless(p.a.data(), p.a.size(), p.b.data(), p.b.size()));
  bench::items(s, 2 * bench::ks_n());
}
void guard_ks_walk_twin(benchmark::State& s) {
  const auto& p = sorted();
  for (auto _ : s)
    benchmark::DoNotOptimize(driftwatch::detail::ks_merge_walk(p.a.data(), p.a.size(), p.b.data(), p.b.size()));
  bench::items(s, 2 * bench::ks_n());
}

}  // namespace

DW_BENCH(ks_exact_1m_driftwatch);
DW_BENCH(ks_exact_1m_std_sort_merge);
DW_BENCH(guard_ks_sort_kernel);
DW_BENCH(guard_ks_sort_twin);
DW_BENCH(guard_ks_walk_kernel);
DW_BENCH(guard_ks_walk_twin);

BENCHMARK_MAIN();
