// Binning one row: the values of F numeric features of one request, each
// against its own frozen edges, at once (drift_monitor::observe_row). The
// edges are laid out transposed, edge k of feature j at edges_t[k * stride + j]
// (row_layout), so a vector of features compares against one vector load per
// edge: compare-and-count across features instead of one binary search per
// value. Features with fewer edges are padded with +inf, which no finite value
// exceeds, so bin = the number of edges strictly below x: exactly
// bin_edges::index(x) (std::lower_bound) for finite x. Non-finite values get
// a meaningless bin; the caller counts them as invalid instead.
//
// Kernels: row_bins_scalar (the twin: the same count per feature, scalar),
// row_bins_sse2 (xsimd at the build's width), avx2::row_bins and
// avx512::row_bins (target regions, dispatch.hpp). All exact: identical bins
// (tests/simd_row_test.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/detail/simd_compat.hpp>

namespace driftwatch {
namespace detail {

/// A hint that *p will be written soon (no-op where the compiler has no builtin).
inline void prefetch_write(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1, 3);
#else
  (void)p;
#endif
}

/// A hint that *p will be read soon.
inline void prefetch_read(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}

/// Most edges per feature the row kernels take (17 bins, the compare-and-count
/// limit of kernels_binning.hpp); features with more are binned per value.
constexpr std::size_t row_max_edges = 16;

/// The number of edges (column j of edges_t, ne rows) strictly below x.
inline std::uint64_t row_bin_scalar(const double* edges_col, std::size_t ne, std::size_t stride, double x) noexcept {
  std::uint64_t b = 0;
  for (std::size_t k = 0; k < ne; ++k) b += x > edges_col[k * stride] ? 1 : 0;
  return b;
}

/// Scalar twin: bins[j] for every feature j < f.
inline void row_bins_scalar(const double* x, std::size_t f, const double* edges_t, std::size_t ne, std::size_t stride,
                            std::uint64_t* bins) noexcept {
  for (std::size_t j = 0; j < f; ++j) bins[j] = row_bin_scalar(edges_t + j, ne, stride, x[j]);
}

#if !defined(DRIFTWATCH_NO_SIMD)
/// The xsimd kernel at the build's width (SSE2 in a default build, NEON on
/// aarch64): per-lane double counters (exact: at most 16).
inline void row_bins_sse2(const double* x, std::size_t f, const double* edges_t, std::size_t ne, std::size_t stride,
                          std::uint64_t* bins) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B one(1.0), zero(0.0);
  std::size_t j = 0;
  for (; j + L <= f; j += L) {
    const B v = simd::load(x + j);
    B acc = zero;
    for (std::size_t k = 0; k < ne; ++k) acc += xsimd::select(v > simd::load(edges_t + k * stride + j), one, zero);
    alignas(64) double tmp[L];
    simd::store(tmp, acc);
    for (std::size_t l = 0; l < L; ++l) bins[j + l] = static_cast<std::uint64_t>(tmp[l]);
  }
  for (; j < f; ++j) bins[j] = row_bin_scalar(edges_t + j, ne, stride, x[j]);
}
#endif

#define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_row_isa.hpp>
#include <driftwatch/detail/isa_bodies.hpp>

/// Dispatcher: the kernel of the level in use (dispatch.hpp).
inline void row_bins(const double* x, std::size_t f, const double* edges_t, std::size_t ne, std::size_t stride,
                     std::uint64_t* bins) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) return avx512::row_bins(x, f, edges_t, ne, stride, bins);
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
  if (level == simd_level::avx2) return avx2::row_bins(x, f, edges_t, ne, stride, bins);
#endif
  if (level == simd_level::sse2) return row_bins_sse2(x, f, edges_t, ne, stride, bins);
#endif
  row_bins_scalar(x, f, edges_t, ne, stride, bins);
}

// drift_monitor::observe_row's block drain (kernels_row_isa.hpp, AVX-512 and
// AVX2): each returns false where the level in use has no kernel, and the
// caller then takes its scalar path (the same results).

/// 8 features of `rows` rows of a row-major block (row r at b + r * f) into 8
/// columns (column t at cols + t * cs).
inline bool block_transpose8(const double* b, std::size_t f, std::size_t rows, double* cols, std::size_t cs) noexcept {
#if defined(DRIFTWATCH_ISA_AVX2)
  const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) return avx512::transpose_tile8(b, f, rows, cols, cs), true;
#endif
  if (level == simd_level::avx2) return avx2::transpose_tile8(b, f, rows, cols, cs), true;
#endif
  (void)b, (void)f, (void)rows, (void)cols, (void)cs;
  return false;
}

/// Sets *all_finite to whether x[0 .. n) are all finite and, if they are,
/// lowers / raises lo / hi to their min / max as in-order compares would.
inline bool block_column_range(const double* x, std::size_t n, double& lo, double& hi, bool* all_finite) noexcept {
#if defined(DRIFTWATCH_ISA_AVX2)
  const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) return *all_finite = avx512::column_range(x, n, lo, hi), true;
#endif
  if (level == simd_level::avx2) return *all_finite = avx2::column_range(x, n, lo, hi), true;
#endif
  (void)x, (void)n, (void)lo, (void)hi, (void)all_finite;
  return false;
}

/// s[i] = the slot of the finite x[i] through a reference's search guide
/// (see avx512::slots_guided); work: 3 n u32.
inline bool block_slots(const double* x, std::size_t n, const double* u, std::size_t d, const std::uint64_t* g,
                        std::size_t buckets, double origin, double scale, std::uint32_t* s, std::uint32_t* work) noexcept {
#if defined(DRIFTWATCH_ISA_AVX2)
  const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) return avx512::slots_guided(x, n, u, d, g, buckets, origin, scale, s, work), true;
#endif
  if (level == simd_level::avx2 && buckets < (std::size_t{1} << 31))  // 32-bit gather indices
    return avx2::slots_guided(x, n, u, d, g, buckets, origin, scale, s, work), true;
#endif
  (void)x, (void)n, (void)u, (void)d, (void)g, (void)buckets, (void)origin, (void)scale, (void)s, (void)work;
  return false;
}

/// The edges of F features laid out for row_bins, and the scratch for one
/// row's bins (allocated here, never per row).
struct row_layout {
  std::size_t features = 0;  // F
  std::size_t edges = 0;     // ne: the most edges of a feature taken by the kernel (<= row_max_edges)
  std::size_t stride = 0;    // F rounded up to 8
  std::vector<double> edges_t;          // edges x stride, +inf padded
  std::vector<unsigned char> per_value;  // 1: more than row_max_edges edges, binned per value
  std::vector<std::uint64_t> bins;       // stride: one row's bins

  /// Lays out `f` features; edges_of(j) gives feature j's interior edges
  /// (a std::vector<double>).
  template <class EdgesOf>
  void build(std::size_t f, const EdgesOf& edges_of) {
    features = f;
    stride = (f + 7) / 8 * 8;
    edges = 0;
    per_value.assign(f, 0);
    for (std::size_t j = 0; j < f; ++j) {
      const auto& e = edges_of(j);
      if (e.size() > row_max_edges)
        per_value[j] = 1;
      else if (e.size() > edges)
        edges = e.size();
    }
    edges_t.assign(edges * stride, std::numeric_limits<double>::infinity());
    for (std::size_t j = 0; j < f; ++j) {
      if (per_value[j]) continue;
      const auto& e = edges_of(j);
      for (std::size_t k = 0; k < e.size(); ++k) edges_t[k * stride + j] = e[k];
    }
    bins.assign(stride, 0);
  }

  /// bins[j] for every feature of the row x[0 .. features).
  void bin(const double* x) noexcept { row_bins(x, features, edges_t.data(), edges, stride, bins.data()); }
};

}  // namespace detail
}  // namespace driftwatch
