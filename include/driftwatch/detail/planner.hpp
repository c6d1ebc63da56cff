// Choosing among variants of one kernel that share an ISA, by timing them
// once on first use and caching the choice (as FFTW's planner does): the
// fastest variant depends on the CPU generation, not only on its ISA
// (vpconflictd is fast on some AVX-512 CPUs and slow on others; 512-bit
// vectors are split in two on some). Every variant gives the same results;
// only the speed differs, so a choice made by timing never changes a number.
//
// Plans (docs/simd.md):
//   - uniform_plan: the direct-index binning kernel for uniform edges that
//     fit the pair table (<= 78 bins): pair table or four-way sub-histograms,
//     at 512 or 256 bits. Timed on the first batch that takes this path
//     (slices of 65536 values, best of 5, into scratch counts: nothing
//     counted twice; a different slice per timing when the batch has
//     20 x 65536 values, so that each reads from memory as the real call
//     does). ~2-3 ms, once.
//   - uniform_plan_f32: the same choice for float values (float lanes),
//     timed the same way on the first float batch that takes this path.
//   - served_plan: the served-list unit path's matching step: AVX-512
//     conflict detection or pairwise scalar compares. Timed on synthetic
//     lists (10 served ids, 16 judged records) on the first served list.
// Cost: once per process, ~0.1-1 ms. set_*_plan() fixes a plan (benchmarks,
// tests); the choice is visible through *_plan().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <driftwatch/detail/dispatch.hpp>

namespace driftwatch {
namespace detail {

enum class uniform_variant : int { pairs512 = 0, index512 = 1, pairs256 = 2, index256 = 3 };
enum class served_variant : int { conflict512 = 0, pairwise = 1 };

inline const char* variant_name(uniform_variant v) noexcept {
  switch (v) {
    case uniform_variant::pairs512: return "pairs512";
    case uniform_variant::index512: return "index512";
    case uniform_variant::pairs256: return "pairs256";
    case uniform_variant::index256: return "index256";
  }
  return "?";
}
inline const char* variant_name(served_variant v) noexcept {
  return v == served_variant::conflict512 ? "conflict512" : "pairwise";
}

/// -1 until planned.
inline std::atomic<int>& uniform_plan_slot() noexcept {
  static std::atomic<int> slot{-1};
  return slot;
}
inline std::atomic<int>& served_plan_slot() noexcept {
  static std::atomic<int> slot{-1};
  return slot;
}

/// The uniform plan for float values (float lanes: its own timing, since
/// the SIMD half weighs less against the increments than with doubles).
inline std::atomic<int>& uniform_plan_slot_f32() noexcept {
  static std::atomic<int> slot{-1};
  return slot;
}
/// The uniform plan slot for a value type (the binning dispatchers).
inline std::atomic<int>& uniform_plan_slot_of(const double*) noexcept { return uniform_plan_slot(); }
inline std::atomic<int>& uniform_plan_slot_of(const float*) noexcept { return uniform_plan_slot_f32(); }

/// Fixes a plan (benchmarks, tests); -1 re-plans on the next use.
inline void set_uniform_plan(int v) noexcept { uniform_plan_slot().store(v, std::memory_order_relaxed); }
inline void set_uniform_plan_f32(int v) noexcept { uniform_plan_slot_f32().store(v, std::memory_order_relaxed); }
inline void set_served_plan(int v) noexcept { served_plan_slot().store(v, std::memory_order_relaxed); }

#if defined(DRIFTWATCH_X86_KERNELS)
/// A cycle count for comparing candidates (TSC: constant rate on every CPU
/// with AVX2).
inline std::uint64_t plan_clock() noexcept { return __builtin_ia32_rdtsc(); }

/// The fastest of `count` candidates: run(c) runs candidate c once; best of
/// `reps` timings each (the least disturbed). Candidates are timed one after
/// the other, in the order given: list 256-bit candidates before 512-bit ones,
/// so that they run at the clock they get in a program that never issues a
/// 512-bit instruction (on some CPUs 512-bit work lowers the clock for ~1 ms).
template <class Run>
int fastest_candidate(int count, int reps, const Run& run) noexcept {
  std::uint64_t best[4] = {~std::uint64_t(0), ~std::uint64_t(0), ~std::uint64_t(0), ~std::uint64_t(0)};
  for (int c = 0; c < count; ++c)
    for (int r = 0; r < reps; ++r) {
      const std::uint64_t t0 = plan_clock();
      run(c);
      const std::uint64_t t = plan_clock() - t0;
      if (t < best[c]) best[c] = t;
    }
  int pick = 0;
  for (int c = 1; c < count; ++c)
    if (best[c] < best[pick]) pick = c;
  return pick;
}
#endif

}  // namespace detail
}  // namespace driftwatch
