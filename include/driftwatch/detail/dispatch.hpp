// Which SIMD kernels run: chosen at compile time when the build targets an
// ISA, else once at run time from the CPU (docs/simd.md).
//
// Levels, lowest first: scalar (the scalar twins), sse2 (the portable xsimd
// kernels of the build's own ISA: SSE2 on x86-64, NEON on aarch64), avx2
// (AVX2 + FMA), avx512 (AVX-512 F, CD, BW, DQ, VL).
//
// - A build whose flags already enable AVX-512 (F/CD/BW/DQ/VL) or AVX2 + FMA
//   (-march=native, -mavx2 -mfma) uses that level, fixed at compile time:
//   detail::active_level() is a constant and every dispatch folds away.
// - Any other x86-64 build with GCC or Clang (the compilers' default target,
//   no -m flag) also compiles the AVX2 and AVX-512 kernels, inside
//   target-attribute regions (DRIFTWATCH_TARGET_*_BEGIN/END below), and picks
//   the level once, on the first kernel call, from CPUID and XGETBV (the OS
//   must save the wider registers). The environment variable
//   DRIFTWATCH_SIMD=scalar|sse2|avx2|avx512 caps it (it never raises it above
//   what the CPU supports); set_simd_target() does the same from code.
// - Other compilers and ISAs, and DRIFTWATCH_NO_SIMD builds: the build's
//   level, fixed.
// Header-only: the choice is a function-local static, no source file to add,
// no flag.
#pragma once

#include <atomic>
#include <cstdlib>
#include <cstring>

#include <driftwatch/detail/simd_compat.hpp>

#if !defined(DRIFTWATCH_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DRIFTWATCH_X86_KERNELS 1
#include <cpuid.h>
// GCC 12's AVX-512 intrinsics warn "'__Y' is used uninitialized" once inlined
// (GCC PR 105593; see simd_compat.hpp): silenced at their include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace driftwatch {

/// A kernel level (see detail/dispatch.hpp); ordered, lowest first.
enum class simd_level : int { scalar = 0, sse2 = 1, avx2 = 2, avx512 = 3 };

namespace detail {

#if defined(DRIFTWATCH_NO_SIMD)
#define DRIFTWATCH_STATIC_LEVEL 0
#elif defined(__AVX512F__) && defined(__AVX512CD__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__) && defined(DRIFTWATCH_X86_KERNELS)
#define DRIFTWATCH_STATIC_LEVEL 3
#elif defined(__AVX2__) && defined(__FMA__) && defined(DRIFTWATCH_X86_KERNELS)
#define DRIFTWATCH_STATIC_LEVEL 2
#elif !defined(DRIFTWATCH_X86_KERNELS)
#define DRIFTWATCH_STATIC_LEVEL 1
#else
#define DRIFTWATCH_DISPATCH 1  // run-time choice among sse2, avx2, avx512
#endif

// Which ISA bodies are compiled: both when choosing at run time, else the
// build's own; an AVX-512 build also has the AVX2 ones, which the planner
// (planner.hpp) may find faster on its CPU.
#if defined(DRIFTWATCH_X86_KERNELS) && (defined(DRIFTWATCH_DISPATCH) || DRIFTWATCH_STATIC_LEVEL >= 2)
#define DRIFTWATCH_ISA_AVX2 1
#endif
#if defined(DRIFTWATCH_X86_KERNELS) && (defined(DRIFTWATCH_DISPATCH) || DRIFTWATCH_STATIC_LEVEL == 3)
#define DRIFTWATCH_ISA_AVX512 1
#endif

// Target regions: every function defined between BEGIN and END (templates
// and lambdas included) is compiled for that ISA, whatever the build's flags.
#if defined(DRIFTWATCH_X86_KERNELS)
#define DRIFTWATCH_AVX2_TARGETS "avx2,fma,bmi,bmi2,popcnt"
#define DRIFTWATCH_AVX512_TARGETS "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt"
#if defined(__clang__)
#define DRIFTWATCH_PRAGMA(x) _Pragma(#x)
#define DRIFTWATCH_TARGET_BEGIN(t) DRIFTWATCH_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define DRIFTWATCH_TARGET_END DRIFTWATCH_PRAGMA(clang attribute pop)
#else
#define DRIFTWATCH_PRAGMA(x) _Pragma(#x)
#define DRIFTWATCH_TARGET_BEGIN(t) DRIFTWATCH_PRAGMA(GCC push_options) DRIFTWATCH_PRAGMA(GCC target(t))
#define DRIFTWATCH_TARGET_END DRIFTWATCH_PRAGMA(GCC pop_options)
#endif
#define DRIFTWATCH_TARGET_AVX2_BEGIN DRIFTWATCH_TARGET_BEGIN(DRIFTWATCH_AVX2_TARGETS)
#define DRIFTWATCH_TARGET_AVX512_BEGIN DRIFTWATCH_TARGET_BEGIN(DRIFTWATCH_AVX512_TARGETS)
/// One function compiled for AVX-512 (for members, where a region cannot go).
#define DRIFTWATCH_TARGET_AVX512 __attribute__((target(DRIFTWATCH_AVX512_TARGETS)))
#endif

/// The highest level this CPU and OS support, and this build can run.
inline simd_level cpu_level() noexcept {
#if defined(DRIFTWATCH_DISPATCH)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return simd_level::sse2;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, popcnt = (c >> 23) & 1;
  if (!osxsave || !avx || !popcnt) return simd_level::sse2;
  unsigned xlo = 0, xhi = 0;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  if ((xlo & 0x6) != 0x6) return simd_level::sse2;  // XMM and YMM state saved by the OS
  if (__get_cpuid_max(0, nullptr) < 7) return simd_level::sse2;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1, bmi1 = (b >> 3) & 1, bmi2 = (b >> 8) & 1;
  if (!(avx2 && fma && bmi1 && bmi2)) return simd_level::sse2;
  const bool f = (b >> 16) & 1, dq = (b >> 17) & 1, cd = (b >> 28) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
  if (f && dq && cd && bw && vl && (xlo & 0xE6) == 0xE6) return simd_level::avx512;  // + opmask, ZMM state
  return simd_level::avx2;
#else
  return static_cast<simd_level>(DRIFTWATCH_STATIC_LEVEL);
#endif
}

/// The level DRIFTWATCH_SIMD names (-1: unset or not a level).
inline int env_level() noexcept {
  const char* v = std::getenv("DRIFTWATCH_SIMD");
  if (v == nullptr || *v == '\0') return -1;
  if (!std::strcmp(v, "scalar")) return 0;
  if (!std::strcmp(v, "sse2") || !std::strcmp(v, "neon")) return 1;
  if (!std::strcmp(v, "avx2")) return 2;
  if (!std::strcmp(v, "avx512")) return 3;
  return -1;
}

#if defined(DRIFTWATCH_DISPATCH)
/// The chosen level; -1 until the first kernel call chooses it.
inline std::atomic<int>& level_slot() noexcept {
  static std::atomic<int> slot{-1};
  return slot;
}

inline int choose_level() noexcept {
  int l = static_cast<int>(cpu_level());
  const int e = env_level();
  if (e >= 0 && e < l) l = e;
  level_slot().store(l, std::memory_order_relaxed);
  return l;
}

/// What the kernels' dispatchers switch on: one relaxed load of a cached int.
inline simd_level active_level() noexcept {
  const int l = level_slot().load(std::memory_order_relaxed);
  return static_cast<simd_level>(l >= 0 ? l : choose_level());
}
#else
/// Fixed at compile time: the dispatchers' switches fold away.
constexpr simd_level active_level() noexcept { return static_cast<simd_level>(DRIFTWATCH_STATIC_LEVEL); }
#endif

}  // namespace detail

/// The kernel level in use (for a run-time choice: the CPU's best, capped by
/// DRIFTWATCH_SIMD or set_simd_target()).
inline simd_level simd_target() noexcept { return detail::active_level(); }

/// The name of a level: "scalar", "sse2" ("neon" on aarch64, "simd" on other
/// ISAs with xsimd), "avx2", "avx512".
inline const char* simd_level_name(simd_level l) noexcept {
  switch (l) {
    case simd_level::scalar: return "scalar";
#if defined(__aarch64__)
    case simd_level::sse2: return "neon";
#elif defined(__x86_64__) || defined(__i386__)
    case simd_level::sse2: return "sse2";
#else
    case simd_level::sse2: return "simd";
#endif
    case simd_level::avx2: return "avx2";
    case simd_level::avx512: return "avx512";
  }
  return "?";
}

/// Whether the level is chosen at run time (a build with no ISA flags on
/// x86-64) rather than fixed by the build's flags.
constexpr bool simd_dispatching() noexcept {
#if defined(DRIFTWATCH_DISPATCH)
  return true;
#else
  return false;
#endif
}

/// Caps the level at `want` (never above what the CPU supports) and returns
/// the level now in use. A build with a fixed level returns it unchanged.
/// For tests and benchmarks; set it before threads run kernels.
inline simd_level set_simd_target(simd_level want) noexcept {
#if defined(DRIFTWATCH_DISPATCH)
  const simd_level cpu = detail::cpu_level();
  const simd_level l = static_cast<int>(want) < static_cast<int>(cpu) ? want : cpu;
  detail::level_slot().store(static_cast<int>(l), std::memory_order_relaxed);
  return l;
#else
  (void)want;
  return detail::active_level();
#endif
}

/// The highest level the CPU and this build support (what simd_target()
/// returns when nothing caps it).
inline simd_level simd_supported() noexcept { return detail::cpu_level(); }

}  // namespace driftwatch
