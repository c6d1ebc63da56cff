// js_1m: jensen_shannon over two probability vectors of 1M bins (one validation
// pass for the totals, then the JS kernel: on AVX-512 a register-table log,
// elsewhere the generic xsimd kernel) vs its scalar twin (std::log per bin).
// scipy_jensenshannon runs in peers.py. The guard_* pairs compare each
// divergence kernel with its own twin for bench/ci_guard.sh.
#include <benchmark/benchmark.h>

#include <driftwatch/detail/kernels_divergence.hpp>
#include <driftwatch/metrics/divergence.hpp>

#include <vector>

#include "bench_data.hpp"
#include "bench_util.hpp"

namespace {
namespace d = driftwatch::detail;

const std::vector<double>& p() {
  static const std::vector<double> x = bench::uniform(21, bench::js_n(), 0.0, 1.0);
  return x;
}
const std::vector<double>& q() {
  static const std::vector<double> x = bench::uniform(22, bench::js_n(), 0.0, 1.0);
  return x;
}

void js_1m_driftwatch(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(driftwatch::jensen_shannon(p(), q()).distance.value);
  bench::items(s, bench::js_n());
}

// The metric as first written: scalar validation + sums, std::log per bin.
void js_1m_scalar_log(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) {
    const auto w = d::weight_sums_scalar(p().data(), q().data(), n);
    const double sum = d::js_sum_scalar(p().data(), q().data(), n, w.reference, w.current);
    benchmark::DoNotOptimize(std::sqrt(sum / std::log(2.0) / 2.0));
  }
  bench::items(s, n);
}

void guard_psi_kernel(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::psi_sum(p().data(), q().data(), n, 1.0, 1.0, 1e-4));
  bench::items(s, n);
}
void guard_psi_twin(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::psi_sum_scalar(p().data(), q().data(), n, 1.0, 1.0, 1e-4));
  bench::items(s, n);
}
void guard_hellinger_kernel(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::hellinger_sum(p().data(), q().data(), n, 1.0, 1.0));
  bench::items(s, n);
}
void guard_hellinger_twin(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::hellinger_sum_scalar(p().data(), q().data(), n, 1.0, 1.0));
  bench::items(s, n);
}
void guard_weights_kernel(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::weight_sums_of(p().data(), q().data(), n).reference);
  bench::items(s, n);
}
void guard_weights_twin(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::weight_sums_scalar(p().data(), q().data(), n).reference);
  bench::items(s, n);
}

// Breakdown of js_1m_driftwatch (not peers): the JS kernel alone with the totals
// known (no validation pass), and a SIMD sum over both vectors (the bandwidth
// limit of one pass; 16 MB, in L3 on the benchmark machine).
void js_1m_kernel_only(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::js_sum(p().data(), q().data(), n, 500000.0, 500000.0));
  bench::items(s, n);
}
void js_1m_memory_read(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) {
    benchmark::DoNotOptimize(bench::simd_sum(p().data(), n));
    benchmark::DoNotOptimize(bench::simd_sum(q().data(), n));
  }
  bench::items(s, n);
}
// Float weights against double weights (issue 16): the same 1M-bin vectors as
// floats (widened exactly in the lanes; the kernels compute in double), the JS
// and Hellinger kernels with the totals known, and one pass over the floats.
const std::vector<float>& p_f32() {
  static const std::vector<float> x(p().begin(), p().end());
  return x;
}
const std::vector<float>& q_f32() {
  static const std::vector<float> x(q().begin(), q().end());
  return x;
}
void js_1m_f32_kernel_only(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::js_sum(p_f32().data(), q_f32().data(), n, 500000.0, 500000.0));
  bench::items(s, n);
}
void hellinger_1m_f64_kernel_only(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::hellinger_sum(p().data(), q().data(), n, 500000.0, 500000.0));
  bench::items(s, n);
}
void hellinger_1m_f32_kernel_only(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) benchmark::DoNotOptimize(d::hellinger_sum(p_f32().data(), q_f32().data(), n, 500000.0, 500000.0));
  bench::items(s, n);
}
void js_1m_f32_memory_read(benchmark::State& s) {
  const std::size_t n = bench::js_n();
  for (auto _ : s) {
    benchmark::DoNotOptimize(bench::simd_sum(p_f32().data(), n));
    benchmark::DoNotOptimize(bench::simd_sum(q_f32().data(), n));
  }
  bench::items(s, n);
}
}  // namespace

DW_BENCH(js_1m_kernel_only);
DW_BENCH(js_1m_f32_kernel_only);
DW_BENCH(js_1m_f32_memory_read);
DW_BENCH(hellinger_1m_f64_kernel_only);
DW_BENCH(hellinger_1m_f32_kernel_only);
DW_BENCH(js_1m_memory_read);
DW_BENCH(js_1m_driftwatch);
DW_BENCH(js_1m_scalar_log);
DW_BENCH(guard_psi_kernel);
DW_BENCH(guard_psi_twin);
DW_BENCH(guard_hellinger_kernel);
DW_BENCH(guard_hellinger_twin);
DW_BENCH(guard_weights_kernel);
DW_BENCH(guard_weights_twin);

BENCHMARK_MAIN();
