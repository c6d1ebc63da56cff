// Helpers shared by the benchmark files.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/detail/simd_compat.hpp>

#ifndef NDEBUG
#error "driftwatch benchmarks must be built with NDEBUG (Release): assertions distort every number"
#endif

// Every case runs a few repetitions; run.sh keeps the best (least disturbed)
// throughput of each, for driftwatch and peers alike. Throughput is per CPU
// second of the (single) benchmark thread, not per wall-clock second: on a
// machine shared with other jobs, wall time also counts the time the thread
// was not running. The Python peers use process CPU time likewise.
#define DW_BENCH(fn) BENCHMARK(fn)->Unit(benchmark::kMillisecond)

namespace bench {

/// The SIMD level the kernels run at (docs/simd.md) and how it was chosen,
/// in the JSON's context (bench/report.py prints it).
inline const bool simd_context_recorded = [] {
  benchmark::AddCustomContext("driftwatch_simd", driftwatch::simd_level_name(driftwatch::simd_target()));
  benchmark::AddCustomContext("driftwatch_simd_choice",
                              driftwatch::simd_dispatching() ? "run time" : "build flags");
  return true;
}();

inline void items(benchmark::State& state, std::size_t per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(per_iteration));
}

/// The bandwidth limit: a SIMD sum over the same array (four accumulators,
/// so the adds never limit it).
template <class T>
T simd_sum(const T* x, std::size_t n) {
#if !defined(DRIFTWATCH_NO_SIMD)
  using B = driftwatch::detail::simd::batch<T>;
  constexpr std::size_t L = driftwatch::detail::simd::lanes<T>;
  B a(T(0)), b(T(0)), c(T(0)), d(T(0));
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a += B::load_unaligned(x + i);
    b += B::load_unaligned(x + i + L);
    c += B::load_unaligned(x + i + 2 * L);
    d += B::load_unaligned(x + i + 3 * L);
  }
  T s = driftwatch::detail::simd::reduce_add((a + b) + (c + d));
#else
  T s = 0;
  std::size_t i = 0;
#endif
  for (; i < n; ++i) s += x[i];
  return s;
}

template <class T>
void memory_read(benchmark::State& state, const std::vector<T>& x) {
  for (auto _ : state) benchmark::DoNotOptimize(simd_sum(x.data(), x.size()));
  items(state, x.size());
}

}  // namespace bench
