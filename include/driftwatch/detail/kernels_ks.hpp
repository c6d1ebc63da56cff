// Kernels behind ks_test: sorting the finite values of a sample, and the merge
// walk over two sorted samples. Twins: std::sort, and ks_merge_walk below
// (the original walk, kept as the reference).
//
// - sort_finite_radix: LSD radix sort on the order-preserving integer image of
//   each double (flip the sign bit of positives, every bit of negatives), 8
//   bits per pass, all eight digit histograms counted in one read, passes whose
//   digit is the same for every key skipped. O(n), one scratch array of n
//   keys besides the result. -0.0 sorts before +0.0 (they compare equal, so the array is sorted
//   for operator< and the walk treats them as one value).
// - ks_merge_walk_branchless: the same walk as ks_merge_walk, bit for bit, with
//   the data-dependent "which sample is next" decision made by a select instead
//   of a branch (that branch is mispredicted about half the time on random
//   data and dominates the scalar walk).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include <driftwatch/detail/dispatch.hpp>

#if defined(__SSE2__) && defined(__x86_64__) && !defined(DRIFTWATCH_NO_SIMD)
#define DRIFTWATCH_KS_SSE2 1
#include <emmintrin.h>
#endif

namespace driftwatch {
namespace detail {

inline std::uint64_t order_key(double x) noexcept {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  const std::uint64_t sign = u >> 63;
  return u ^ ((0 - sign) | (std::uint64_t{1} << 63));
}

inline double from_order_key(std::uint64_t k) noexcept {
  const std::uint64_t sign = k >> 63;  // 1 for non-negative values
  const std::uint64_t u = k ^ ((sign - 1) | (std::uint64_t{1} << 63));
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

/// a0 / b0 and a1 / b1, correctly rounded (IEEE division, as `/`): one divpd
/// on x86-64 (SSE2 is its baseline), which issues at the rate of one divsd,
/// so two quotients cost one (drift_monitor's report walk, detail::walk_slots).
inline void divide_pair(double a0, double b0, double a1, double b1, double& q0, double& q1) noexcept {
#if defined(DRIFTWATCH_KS_SSE2)
  const __m128d q = _mm_div_pd(_mm_set_pd(a1, a0), _mm_set_pd(b1, b0));
  q0 = _mm_cvtsd_f64(q);
  q1 = _mm_cvtsd_f64(_mm_unpackhi_pd(q, q));
#else
  q0 = a0 / b0;
  q1 = a1 / b1;
#endif
}

// ---- window counts: many 16-bit count vectors into one 64-bit vector ---------
//
// add_counts_and_clear(wide, parts, count, slots): wide[s] += parts[0][s] +
// ... + parts[count-1][s] and every parts[p][s] = 0, for s < slots. What a
// drain of concurrent<drift_monitor> does with the 16-bit window counts of
// its shards (detail::slot_counts::add_and_clear): all the shards of a
// feature at once, so the 64-bit total is read and written once per drain,
// not once per shard, and a block of slots no shard counted in is only read.
// The SIMD kernels sum up to 256 parts in 32-bit lanes (256 x 65,535 < 2^32)
// before widening; the result is the same integers as the scalar twin's.

/// Scalar twin.
inline void add_counts_and_clear_scalar(std::uint64_t* wide, std::uint16_t* const* parts, std::size_t count,
                                        std::size_t slots) noexcept {
  for (std::size_t s = 0; s < slots; ++s) {
    std::uint64_t sum = 0;
    for (std::size_t p = 0; p < count; ++p) {
      sum += parts[p][s];
      parts[p][s] = 0;
    }
    wide[s] += sum;
  }
}

#if defined(DRIFTWATCH_KS_SSE2)
/// SSE2 (x86-64's baseline): 8 slots at a time.
inline void add_counts_and_clear_sse2(std::uint64_t* wide, std::uint16_t* const* parts, std::size_t count,
                                      std::size_t slots) noexcept {
  const __m128i zero = _mm_setzero_si128();
  std::size_t s = 0;
  for (; s + 8 <= slots; s += 8) {
    __m128i any = zero;
    for (std::size_t p = 0; p < count; ++p)
      any = _mm_or_si128(any, _mm_loadu_si128(reinterpret_cast<const __m128i*>(parts[p] + s)));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(any, zero)) == 0xFFFF) continue;  // no count here: nothing to write
    __m128i lo = zero, hi = zero;
    for (std::size_t p = 0; p < count; ++p) {
      __m128i* at = reinterpret_cast<__m128i*>(parts[p] + s);
      const __m128i v = _mm_loadu_si128(at);
      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(v, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(v, zero));
      _mm_storeu_si128(at, zero);
    }
    __m128i* w = reinterpret_cast<__m128i*>(wide + s);
    _mm_storeu_si128(w, _mm_add_epi64(_mm_loadu_si128(w), _mm_unpacklo_epi32(lo, zero)));
    _mm_storeu_si128(w + 1, _mm_add_epi64(_mm_loadu_si128(w + 1), _mm_unpackhi_epi32(lo, zero)));
    _mm_storeu_si128(w + 2, _mm_add_epi64(_mm_loadu_si128(w + 2), _mm_unpacklo_epi32(hi, zero)));
    _mm_storeu_si128(w + 3, _mm_add_epi64(_mm_loadu_si128(w + 3), _mm_unpackhi_epi32(hi, zero)));
  }
  std::uint16_t* rest[256];
  for (std::size_t p = 0; p < count; ++p) rest[p] = parts[p] + s;
  add_counts_and_clear_scalar(wide + s, rest, count, slots - s);
}
#endif

#if defined(DRIFTWATCH_ISA_AVX2)
DRIFTWATCH_TARGET_AVX2_BEGIN
/// AVX2 (also what the avx512 level runs: the loop is bound by memory, and
/// measured no faster with 512-bit vectors): 16 slots at a time.
inline void add_counts_and_clear_avx2(std::uint64_t* wide, std::uint16_t* const* parts, std::size_t count,
                                      std::size_t slots) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  std::size_t s = 0;
  for (; s + 16 <= slots; s += 16) {
    __m256i any = zero;
    for (std::size_t p = 0; p < count; ++p)
      any = _mm256_or_si256(any, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(parts[p] + s)));
    if (_mm256_testz_si256(any, any)) continue;  // no count here: nothing to write
    __m256i lo = zero, hi = zero;
    for (std::size_t p = 0; p < count; ++p) {
      __m256i* at = reinterpret_cast<__m256i*>(parts[p] + s);
      const __m256i v = _mm256_loadu_si256(at);
      lo = _mm256_add_epi32(lo, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v)));
      hi = _mm256_add_epi32(hi, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1)));
      _mm256_storeu_si256(at, zero);
    }
    __m256i* w = reinterpret_cast<__m256i*>(wide + s);
    _mm256_storeu_si256(w, _mm256_add_epi64(_mm256_loadu_si256(w), _mm256_cvtepu32_epi64(_mm256_castsi256_si128(lo))));
    _mm256_storeu_si256(w + 1, _mm256_add_epi64(_mm256_loadu_si256(w + 1),
                                                _mm256_cvtepu32_epi64(_mm256_extracti128_si256(lo, 1))));
    _mm256_storeu_si256(w + 2, _mm256_add_epi64(_mm256_loadu_si256(w + 2), _mm256_cvtepu32_epi64(_mm256_castsi256_si128(hi))));
    _mm256_storeu_si256(w + 3, _mm256_add_epi64(_mm256_loadu_si256(w + 3),
                                                _mm256_cvtepu32_epi64(_mm256_extracti128_si256(hi, 1))));
  }
  std::uint16_t* rest[256];
  for (std::size_t p = 0; p < count; ++p) rest[p] = parts[p] + s;
  add_counts_and_clear_scalar(wide + s, rest, count, slots - s);
}
DRIFTWATCH_TARGET_END
#endif

/// Dispatcher (dispatch.hpp's level; DRIFTWATCH_SIMD=scalar runs the twin).
/// Any count: the parts are taken 256 at a time.
inline void add_counts_and_clear(std::uint64_t* wide, std::uint16_t* const* parts, std::size_t count,
                                 std::size_t slots) noexcept {
  for (std::size_t first = 0; first < count; first += 256) {
    const std::size_t group = count - first < 256 ? count - first : 256;
#if defined(DRIFTWATCH_ISA_AVX2) || defined(DRIFTWATCH_KS_SSE2)
    const simd_level level = active_level();
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
    if (level >= simd_level::avx2) {
      add_counts_and_clear_avx2(wide, parts + first, group, slots);
      continue;
    }
#endif
#if defined(DRIFTWATCH_KS_SSE2)
    if (level >= simd_level::sse2) {
      add_counts_and_clear_sse2(wide, parts + first, group, slots);
      continue;
    }
#endif
    add_counts_and_clear_scalar(wide, parts + first, group, slots);
  }
}

// ---- drift_monitor's report walk: the gaps, a vector at a time ---------------

/// The two compensated sums of the Wasserstein-1 walk (estimate and bound:
/// compensated_sum's two members each) and whether an infinite bound term
/// may hide a finite contribution; carried into and out of walk_gaps.
struct gap_sums {
  double value_sum = 0.0, value_comp = 0.0, bound_sum = 0.0, bound_comp = 0.0;
  bool uncertain = false;
};

// walk_gaps for AVX2 and AVX-512 in target regions (dispatch.hpp); the
// scalar twin is walk_slots_impl's own loop (monitor.hpp).
#define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_ks_isa.hpp>
#include <driftwatch/detail/isa_bodies.hpp>

/// Below this size std::sort wins (the radix passes have fixed costs).
constexpr std::size_t radix_sort_min = 2048;

/// A sorted copy of the finite values of a sample, in an uninitialised buffer
/// (a std::vector would zero-fill it first: a whole extra pass at 1M values).
struct sorted_sample {
  std::unique_ptr<double[]> data;
  std::size_t size = 0;     // finite values
  std::size_t invalid = 0;  // NaN and +-Inf values dropped
};

/// Filters out NaN/Inf and sorts: LSD radix sort from radix_sort_min values
/// on, std::sort below. Allocates the result and, for the radix path, one
/// scratch array of n keys.
inline sorted_sample sort_finite_radix(const double* x, std::size_t n) {
  sorted_sample out;
  out.data.reset(new double[n > 0 ? n : 1]);
  if (n < radix_sort_min) {
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isfinite(x[i])) {
        out.data[out.size++] = x[i];
      } else {
        ++out.invalid;
      }
    }
    std::sort(out.data.get(), out.data.get() + out.size);
    return out;
  }
  // 8-bit digits: eight passes, but each scatters to only 256 places, which
  // the caches and write-combining keep up with (measured on 1M doubles:
  // 15-23 ms, against 35 ms with 11-bit digits and 6 passes, 121 ms std::sort).
  constexpr unsigned bits = 8;
  constexpr std::size_t radix = std::size_t{1} << bits;
  constexpr unsigned passes = 8;
  // Two buffers only: a scratch array of keys and the result's own storage,
  // which holds keys (as bytes) between passes. A fresh buffer costs a page
  // fault per 4 KiB on first touch, ~5 ms for 8 MB here. Uninitialised:
  // every slot is written before it is read.
  std::unique_ptr<std::uint64_t[]> scratch(new std::uint64_t[n]);
  unsigned char* const obytes = reinterpret_cast<unsigned char*>(out.data.get());
  auto load_o = [obytes](std::size_t i) noexcept {
    std::uint64_t k;
    std::memcpy(&k, obytes + 8 * i, 8);
    return k;
  };
  auto store_o = [obytes](std::size_t i, std::uint64_t k) noexcept { std::memcpy(obytes + 8 * i, &k, 8); };
  std::vector<std::size_t> hist(passes * radix, 0);
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!std::isfinite(v)) {
      ++out.invalid;
      continue;
    }
    const std::uint64_t k = order_key(v);
    scratch[m++] = k;
    for (unsigned p = 0; p < passes; ++p) ++hist[p * radix + ((k >> (p * bits)) & (radix - 1))];
  }
  // Prefix sums; a pass whose digit is the same for every key is the identity
  // and is skipped.
  bool needed[passes];
  unsigned last = passes;  // the last pass that moves keys
  for (unsigned p = 0; p < passes; ++p) {
    std::size_t* h = &hist[p * radix];
    needed[p] = true;
    std::size_t sum = 0;
    for (std::size_t d = 0; d < radix; ++d) {
      if (h[d] == m) needed[p] = false;
      const std::size_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    if (needed[p]) last = p;
  }
  double* const result = out.data.get();
  bool in_scratch = true;
  for (unsigned p = 0; p < passes; ++p) {
    if (!needed[p]) continue;
    std::size_t* h = &hist[p * radix];
    const unsigned shift = p * bits;
    if (p == last && in_scratch) {  // the last pass scatters the doubles themselves
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = scratch[i];
        result[h[(k >> shift) & (radix - 1)]++] = from_order_key(k);
      }
      out.size = m;
      return out;
    }
    if (in_scratch) {
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = scratch[i];
        store_o(h[(k >> shift) & (radix - 1)]++, k);
      }
    } else {
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = load_o(i);
        scratch[h[(k >> shift) & (radix - 1)]++] = k;
      }
    }
    in_scratch = !in_scratch;
  }
  // The keys ended in the result's storage (or never moved): convert in place.
  for (std::size_t i = 0; i < m; ++i) result[i] = from_order_key(in_scratch ? scratch[i] : load_o(i));
  out.size = m;
  return out;
}

/// Twin of sort_finite_radix: filter, then std::sort.
inline std::size_t sort_finite_std(const double* x, std::size_t n, std::vector<double>& out) {
  out.clear();
  out.reserve(n);
  std::size_t invalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) {
      out.push_back(x[i]);
    } else {
      ++invalid;
    }
  }
  std::sort(out.begin(), out.end());
  return invalid;
}

/// Extremes of F_n - G_m over the pooled sample, with the locations scipy 1.10
/// reports (np.argmax / np.argmin over concatenate([sorted ref, sorted cur])).
struct ks_extremes {
  double max_diff = -std::numeric_limits<double>::infinity();
  double max_location = 0.0;
  double min_diff = std::numeric_limits<double>::infinity();
  double min_location = 0.0;
};

/// The extreme bookkeeping shared by every KS walk (ks_merge_walk, its
/// branchless twin, ks_stream): fed one evaluation point (a distinct pooled
/// value v, with i reference and j current values <= v) at a time, in
/// increasing order. It keeps the first location attaining each extreme among
/// reference values (1) and among current values (2); argmax over scipy's
/// concatenation prefers (1).
class ks_extreme_tracker {
 public:
  ks_extreme_tracker(double na, double nb) noexcept : na_(na), nb_(nb) {}
  void at(double v, std::size_t i, std::uint64_t j, bool in1, bool in2) noexcept {
    const double diff = static_cast<double>(i) / na_ - static_cast<double>(j) / nb_;  // scipy's expression
    if (diff > e_.max_diff) {
      e_.max_diff = diff;
      max_has1_ = in1;
      max_has2_ = in2;
      max_loc1_ = max_loc2_ = v;
    } else if (diff == e_.max_diff) {
      if (in1 && !max_has1_) max_has1_ = true, max_loc1_ = v;
      if (in2 && !max_has2_) max_has2_ = true, max_loc2_ = v;
    }
    if (diff < e_.min_diff) {
      e_.min_diff = diff;
      min_has1_ = in1;
      min_has2_ = in2;
      min_loc1_ = min_loc2_ = v;
    } else if (diff == e_.min_diff) {
      if (in1 && !min_has1_) min_has1_ = true, min_loc1_ = v;
      if (in2 && !min_has2_) min_has2_ = true, min_loc2_ = v;
    }
  }
  ks_extremes extremes() const noexcept {
    ks_extremes e = e_;
    e.max_location = max_has1_ ? max_loc1_ : max_loc2_;
    e.min_location = min_has1_ ? min_loc1_ : min_loc2_;
    return e;
  }

 private:
  double na_, nb_;
  ks_extremes e_;
  bool max_has1_ = false, max_has2_ = false, min_has1_ = false, min_has2_ = false;
  double max_loc1_ = 0, max_loc2_ = 0, min_loc1_ = 0, min_loc2_ = 0;
};

/// One merge walk over two ascending, finite, non-empty arrays, evaluating
/// diff(v) = #{a <= v}/na - #{b <= v}/nb (same floating-point expression as
/// scipy) once per distinct value v. O(na + nb), no allocation, noexcept.
/// Runs in the hot loop: measure before changing (a SIMD twin may replace it).
inline ks_extremes ks_merge_walk(const double* a, std::size_t na, const double* b, std::size_t nb) noexcept {
  ks_extreme_tracker t(static_cast<double>(na), static_cast<double>(nb));
  std::size_t i = 0, j = 0;
  while (i < na || j < nb) {
    double v;
    if (i == na) {
      v = b[j];
    } else if (j == nb) {
      v = a[i];
    } else {
      v = a[i] < b[j] ? a[i] : b[j];
    }
    const std::size_t i0 = i, j0 = j;
    while (i < na && a[i] == v) ++i;
    while (j < nb && b[j] == v) ++j;
    const bool in1 = i != i0, in2 = j != j0;
    t.at(v, i, j, in1, in2);
  }
  return t.extremes();
}

/// ks_merge_walk's fast twin, bit-identical to it (tests/simd_ks_test.cpp):
/// - no mispredicted branch: the next value is taken from `a` or `b` by a
///   select, one element per step, and diff is considered once per distinct
///   value (when the next value differs);
/// - no division per step: diff's exact value is K / (na nb) with the integer
///   K = i nb - j na, kept by one add per step. Distinct K are at least
///   1 / (na nb) apart, far more than the rounding of the double diff when
///   na nb <= 2^49, so the double diff is computed (the same expression as the
///   reference walk) only where K reaches a new or equal extreme: elsewhere it
///   can neither set nor tie an extreme. Beyond 2^49 every value is evaluated.
/// O(na + nb), no allocation. Runs in the hot loop: measure before changing
/// (bench/ks_bench.cpp).
inline ks_extremes ks_merge_walk_branchless(const double* a, std::size_t na, const double* b,
                                            std::size_t nb) noexcept {
  ks_extreme_tracker t(static_cast<double>(na), static_cast<double>(nb));
  const bool exact_k = static_cast<double>(na) * static_cast<double>(nb) <= 562949953421312.0;  // 2^49
  const auto step_a = static_cast<std::int64_t>(nb), step_b = -static_cast<std::int64_t>(na);
  std::int64_t k = 0;
  std::int64_t k_max = std::numeric_limits<std::int64_t>::min();
  std::int64_t k_min = std::numeric_limits<std::int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  bool in1 = false, in2 = false;
  std::size_t i = 0, j = 0;
  double x = na ? a[0] : inf, y = nb ? b[0] : inf;
  while (i < na || j < nb) {
    // Arithmetic instead of ?: so the compiler cannot turn it into a branch.
    const std::size_t take_a = x <= y ? 1 : 0;  // finite data: the exhausted side reads +inf
    const double v = y < x ? y : x;              // minsd: the value taken
    i += take_a;
    j += 1 - take_a;
    k += step_b + static_cast<std::int64_t>(take_a) * (step_a - step_b);
    in1 = in1 || take_a != 0;
    in2 = in2 || take_a == 0;
    x = i < na ? a[i] : inf;
    y = j < nb ? b[j] : inf;
    if (x == v || y == v) continue;  // v repeats: evaluate at its last copy
    if (exact_k && k < k_max && k > k_min) {  // strictly inside: no extreme here
      in1 = in2 = false;
      continue;
    }
    k_max = k > k_max ? k : k_max;
    k_min = k < k_min ? k : k_min;
    t.at(v, i, j, in1, in2);
    in1 = in2 = false;
  }
  return t.extremes();
}

}  // namespace detail
}  // namespace driftwatch
