// drift_monitor::observe_row's block drain: the tile transpose, the column
// range and the guided slot search of a block of rows (kernels_row_isa.hpp,
// AVX-512 and AVX2), and the prefetch hints of the monitor's hot paths.
// Each kernel returns false where the level in use has none, and the caller
// then takes its scalar path (the same results, bit for bit:
// tests/monitor_row_block_test.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include <driftwatch/detail/dispatch.hpp>

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

#define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_row_isa.hpp>
#include <driftwatch/detail/isa_bodies.hpp>

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

}  // namespace detail
}  // namespace driftwatch
