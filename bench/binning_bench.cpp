// bin_quantile_b10 and bin_uniform_b64: histogram::observe (the SIMD kernels)
// vs its scalar twins, Boost.Histogram and the memory-read limit, on the same
// array of doubles (and bin_*_f32 / _f64: the same values as floats and as
// doubles through bin_count). Python peers (numpy_histogram) run in bench/peers/peers.py.
#include <benchmark/benchmark.h>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/accumulators/histogram.hpp>

#include <boost/histogram.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "bench_data.hpp"
#include "bench_util.hpp"

namespace {

const std::vector<double>& data() {
  static const std::vector<double> x = bench::uniform(1, bench::bin_n(), -2.0, 4.0);
  return x;
}

const driftwatch::bin_edges& quantile_edges() {
  static const driftwatch::bin_edges e = [] {
    const auto& x = data();
    return driftwatch::bin_edges::from_quantiles(
        driftwatch::span<const double>(x.data(), std::min<std::size_t>(x.size(), 100000)), 10);
  }();
  return e;
}

const driftwatch::bin_edges& uniform_edges() {
  static const driftwatch::bin_edges e = driftwatch::bin_edges::uniform(-2.0, 2.0, 64);
  return e;
}

void run_observe(benchmark::State& state, const driftwatch::bin_edges& edges) {
  const auto& x = data();
  driftwatch::histogram h(edges);
  for (auto _ : state) {
    h.observe(x);
    benchmark::DoNotOptimize(h.counts().data());
  }
  bench::items(state, x.size());
}

// (A function pointer type: the kernels are overloaded for float values.)
using double_kernel = std::uint64_t (*)(const double*, std::size_t, const double*, std::size_t,
                                        std::uint64_t*) noexcept;
void run_kernel(benchmark::State& state, const driftwatch::bin_edges& edges, double_kernel kernel) {
  const auto& x = data();
  const auto& e = edges.interior();
  std::vector<std::uint64_t> counts(e.size() + 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernel(e.data(), e.size(), x.data(), x.size(), counts.data()));
    benchmark::ClobberMemory();
  }
  bench::items(state, x.size());
}

void bin_quantile_b10_driftwatch(benchmark::State& s) { run_observe(s, quantile_edges()); }
void bin_quantile_b10_scalar_upper_bound(benchmark::State& s) {
  run_kernel(s, quantile_edges(), &driftwatch::detail::bin_count_scalar);
}
void bin_quantile_b10_boost_histogram_variable(benchmark::State& s) {
  const auto& x = data();
  const auto& e = quantile_edges().interior();
  std::vector<double> all;
  all.push_back(-2.0);
  all.insert(all.end(), e.begin(), e.end());
  all.push_back(2.0);
  auto h = boost::histogram::make_histogram(boost::histogram::axis::variable<>(all));
  for (auto _ : s) {
    h.fill(x);
    benchmark::DoNotOptimize(h.at(0));
  }
  bench::items(s, x.size());
}
void bin_quantile_b10_memory_read(benchmark::State& s) { bench::memory_read(s, data()); }

void bin_uniform_b64_driftwatch(benchmark::State& s) {
  run_observe(s, uniform_edges());
#if defined(DRIFTWATCH_ISA_AVX2) || defined(DRIFTWATCH_ISA_AVX512)
  const int plan = driftwatch::detail::uniform_plan_slot().load();
  if (plan >= 0) s.SetLabel(std::string("plan ") + driftwatch::detail::variant_name(driftwatch::detail::uniform_variant(plan)));
#endif
}
// The uniform-binning variants the planner chooses among (planner.hpp), each
// forced, on this machine; the plan is restored afterwards. A 512-bit variant
// on a CPU without AVX-512 runs as its 256-bit twin.
void bin_uniform_b64_variant(benchmark::State& s, int v) {
  const int planned = driftwatch::detail::uniform_plan_slot().load();
  driftwatch::detail::set_uniform_plan(v);
  run_observe(s, uniform_edges());
  driftwatch::detail::set_uniform_plan(planned);
}
void bin_uniform_b64_variant_pairs512(benchmark::State& s) { bin_uniform_b64_variant(s, 0); }
void bin_uniform_b64_variant_index512(benchmark::State& s) { bin_uniform_b64_variant(s, 1); }
void bin_uniform_b64_variant_pairs256(benchmark::State& s) { bin_uniform_b64_variant(s, 2); }
void bin_uniform_b64_variant_index256(benchmark::State& s) { bin_uniform_b64_variant(s, 3); }
void bin_uniform_b64_scalar_index(benchmark::State& s) {
  run_kernel(s, uniform_edges(), &driftwatch::detail::bin_count_uniform_scalar);
}
void bin_uniform_b64_boost_histogram_regular(benchmark::State& s) {
  const auto& x = data();
  auto h = boost::histogram::make_histogram(boost::histogram::axis::regular<>(64, -2.0, 2.0));
  for (auto _ : s) {
    h.fill(x);
    benchmark::DoNotOptimize(h.at(0));
  }
  bench::items(s, x.size());
}
void bin_uniform_b64_memory_read(benchmark::State& s) { bench::memory_read(s, data()); }
// Guard pair for the pair kernel on edges whose positions are not exact
// integers (bin_uniform_b64's 64 bins over [-2, 2] are, and there its
// near-an-edge test is one compare): the general near test.
const driftwatch::bin_edges& inexact_uniform_edges() {
  static const driftwatch::bin_edges e = driftwatch::bin_edges::uniform(-2.0, 2.1, 64);
  return e;
}
void guard_uniform_b64_inexact_kernel(benchmark::State& s) { run_observe(s, inexact_uniform_edges()); }
void guard_uniform_b64_inexact_twin(benchmark::State& s) {
  run_kernel(s, inexact_uniform_edges(), &driftwatch::detail::bin_count_uniform_scalar);
}

// Guard pair for the four-way uniform kernel, which histogram::observe uses
// above the pair kernel's 78 bins.
const driftwatch::bin_edges& wide_uniform_edges() {
  static const driftwatch::bin_edges e = driftwatch::bin_edges::uniform(-2.0, 2.0, 200);
  return e;
}
void guard_uniform_b200_kernel(benchmark::State& s) { run_observe(s, wide_uniform_edges()); }
void guard_uniform_b200_twin(benchmark::State& s) {
  run_kernel(s, wide_uniform_edges(), &driftwatch::detail::bin_count_uniform_scalar);
}

// The dispatch must cost nothing on small inputs (issue 12): one observe()
// of 10 values into 10 bins (below the kernels' 64-value threshold: the
// scalar path, before any level check), in the default and -march builds.
void small_observe_n10_b10_driftwatch(benchmark::State& s) {
  const auto& x = data();
  driftwatch::histogram h(quantile_edges());
  std::size_t off = 0;
  for (auto _ : s) {
    h.observe(driftwatch::span<const double>(x.data() + off, 10));
    off = off + 10 < 4096 ? off + 10 : 0;
    benchmark::DoNotOptimize(h.counts().data());
  }
  bench::items(s, 10);
}

// Float values against double values (issue 16): bin_count on the same
// values, once as doubles and once as floats (float lanes: twice the lanes,
// half the bytes read), for the compare-and-count kernel (10 quantile bins),
// the pair-table kernel (64 uniform bins) and the four-way kernel (200
// uniform bins); *_memory_read is one SIMD pass over the float array.
const std::vector<float>& data_f32() {
  static const std::vector<float> x(data().begin(), data().end());
  return x;
}
template <class T>
void run_bin_count(benchmark::State& state, const driftwatch::bin_edges& edges, const std::vector<T>& x) {
  const auto& e = edges.interior();
  const bool uniform = edges.kind() == driftwatch::binning::uniform;
  std::vector<std::uint64_t> counts(e.size() + 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(driftwatch::detail::bin_count(e.data(), e.size(), uniform, x.data(), x.size(), counts.data()));
    benchmark::ClobberMemory();
  }
  bench::items(state, x.size());
}
void bin_quantile_b10_f64(benchmark::State& s) { run_bin_count(s, quantile_edges(), data()); }
void bin_quantile_b10_f32(benchmark::State& s) { run_bin_count(s, quantile_edges(), data_f32()); }
void bin_uniform_b64_f64(benchmark::State& s) { run_bin_count(s, uniform_edges(), data()); }
void bin_uniform_b64_f32(benchmark::State& s) {
  run_bin_count(s, uniform_edges(), data_f32());
#if defined(DRIFTWATCH_ISA_AVX2) || defined(DRIFTWATCH_ISA_AVX512)
  const int plan = driftwatch::detail::uniform_plan_slot_f32().load();
  if (plan >= 0) s.SetLabel(std::string("plan ") + driftwatch::detail::variant_name(driftwatch::detail::uniform_variant(plan)));
#endif
}
void bin_uniform_b200_f64(benchmark::State& s) { run_bin_count(s, wide_uniform_edges(), data()); }
void bin_uniform_b200_f32(benchmark::State& s) { run_bin_count(s, wide_uniform_edges(), data_f32()); }
void bin_f32_memory_read(benchmark::State& s) { bench::memory_read(s, data_f32()); }

}  // namespace

BENCHMARK(small_observe_n10_b10_driftwatch);
DW_BENCH(bin_quantile_b10_driftwatch);
DW_BENCH(bin_quantile_b10_scalar_upper_bound);
DW_BENCH(bin_quantile_b10_boost_histogram_variable);
DW_BENCH(bin_quantile_b10_memory_read);
DW_BENCH(bin_uniform_b64_driftwatch);
DW_BENCH(bin_uniform_b64_scalar_index);
DW_BENCH(bin_uniform_b64_boost_histogram_regular);
DW_BENCH(bin_uniform_b64_memory_read);
#if defined(DRIFTWATCH_ISA_AVX512)
DW_BENCH(bin_uniform_b64_variant_pairs512);
DW_BENCH(bin_uniform_b64_variant_index512);
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
DW_BENCH(bin_uniform_b64_variant_pairs256);
DW_BENCH(bin_uniform_b64_variant_index256);
#endif
DW_BENCH(guard_uniform_b64_inexact_kernel);
DW_BENCH(guard_uniform_b64_inexact_twin);
DW_BENCH(guard_uniform_b200_kernel);
DW_BENCH(guard_uniform_b200_twin);
DW_BENCH(bin_quantile_b10_f64);
DW_BENCH(bin_quantile_b10_f32);
DW_BENCH(bin_uniform_b64_f64);
DW_BENCH(bin_uniform_b64_f32);
DW_BENCH(bin_uniform_b200_f64);
DW_BENCH(bin_uniform_b200_f32);
DW_BENCH(bin_f32_memory_read);

BENCHMARK_MAIN();
