// The small slice of xsimd the kernels use, spelled so that it compiles with
// Debian 12's xsimd 8.1 and with current releases (13, 14).
//
// Why a shim: between 8.x and current xsimd the horizontal sum moved from
// `hadd` to `reduce_add` (hadd is gone in 14), batch_bool gained `mask()` and
// `count()`, and `xsimd::generic` became `xsimd::common`. Everything here uses
// only names that exist in every version (load_unaligned, store_unaligned,
// select, comparisons, abs, sqrt, log, ceil, min, max), plus the two
// reductions below, written portably.
//
// Vector width comes from the consumer's compile flags (like Eigen): with
// plain -O2 on x86-64 that is SSE2; -mavx2 or -march=native widen it. The
// library never adds -march to its exported target.
//
// Define DRIFTWATCH_NO_SIMD to build every kernel from its scalar twin and not
// include xsimd at all (the CMake target does this when xsimd is not found).
#pragma once

#include <cstddef>
#include <cstdint>

#if !defined(DRIFTWATCH_NO_SIMD)
#if defined(__has_include)
#if !__has_include(<xsimd/xsimd.hpp>)
#define DRIFTWATCH_NO_SIMD 1
#endif
#endif
#endif

#if !defined(DRIFTWATCH_NO_SIMD)
// GCC 12's own AVX-512 intrinsics start from _mm512_undefined_*() and warn
// "'__Y' is used uninitialized" once inlined into any kernel (GCC PR 105593,
// fixed in GCC 13). Diagnostic pragmas are positional, so silencing those two
// warnings around the include silences exactly the intrinsics' copies.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace driftwatch {
namespace detail {
namespace simd {

#if !defined(DRIFTWATCH_NO_SIMD)

/// True when the kernels are built with xsimd (the default).
constexpr bool enabled = true;

template <class T>
using batch = xsimd::batch<T>;
template <class T>
using batch_bool = xsimd::batch_bool<T>;

/// Lanes of a batch of T for the consumer's ISA (2 doubles with SSE2, 4 with
/// AVX2, 8 with AVX-512).
template <class T>
constexpr std::size_t lanes = xsimd::batch<T>::size;

template <class T>
inline batch<T> load(const T* p) noexcept {
  return batch<T>::load_unaligned(p);
}

template <class T>
inline void store(T* p, const batch<T>& b) noexcept {
  b.store_unaligned(p);
}

/// Sum of the lanes (xsimd 8: hadd; xsimd >= 9: reduce_add). Written as a
/// store and a scalar loop, which compiles to the same shuffles and adds and
/// keeps one lane order on every version.
template <class T>
inline T reduce_add(const batch<T>& b) noexcept {
  alignas(64) T tmp[lanes<T>];
  b.store_unaligned(tmp);
  T s = tmp[0];
  for (std::size_t i = 1; i < lanes<T>; ++i) s += tmp[i];
  return s;
}

/// 1 where the mask is set, 0 elsewhere, as a batch of T: the way kernels
/// accumulate per-lane counts (never multiply by a mask: 0 * -inf is NaN).
template <class T>
inline batch<T> ones_where(const batch_bool<T>& m) noexcept {
  return xsimd::select(m, batch<T>(T(1)), batch<T>(T(0)));
}

/// Number of set lanes (xsimd >= 11 has count(); 8.1 has not).
template <class T>
inline std::size_t count_true(const batch_bool<T>& m) noexcept {
  return static_cast<std::size_t>(reduce_add(ones_where(m)));
}

template <class T>
inline bool any(const batch_bool<T>& m) noexcept {
  return xsimd::any(m);
}

#else

constexpr bool enabled = false;

#endif

}  // namespace simd
}  // namespace detail
}  // namespace driftwatch
