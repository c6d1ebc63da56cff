// Kernels behind ranking_evaluator: counting, in one streaming pass over a
// score row, the items above each relevant item (score-row path), and finding
// the served positions of the judged items (served-list path). Each SIMD
// kernel has a scalar twin; tests/simd_ranking_test.cpp proves they agree
// exactly and bench/ranking_bench.cpp measures one against the other.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/detail/planner.hpp>
#include <driftwatch/detail/simd_compat.hpp>

#if !defined(DRIFTWATCH_NO_SIMD) && defined(__AVX__)
#include <immintrin.h>
#endif

namespace driftwatch {
namespace detail {

/// One counting query of count_above: the number of row positions i with
///     row[i] > below  (for i <  split)   and   row[i] > above  (for i >= split).
/// With below = s, above = the next value down from s and split = id + 1 this
/// is "items scoring higher than s, plus items tied with s at a larger index":
/// trec_eval's rank - 1 of item `id`, in one comparison per item and position.
template <class T>
struct above_query {
  T below;
  T above;
  std::size_t split;
};

/// The largest T strictly below s (s finite or +inf); -inf stays -inf.
template <class T>
inline T next_below(T s) noexcept {
  return std::nextafter(s, -std::numeric_limits<T>::infinity());
}

/// Scalar twin: counts[q] for every query. O(n * m), no allocation.
template <class T>
void count_above_scalar(const T* row, std::size_t n, const above_query<T>* queries, std::size_t m,
                        std::size_t* counts) noexcept {
  for (std::size_t q = 0; q < m; ++q) counts[q] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T v = row[i];
    for (std::size_t q = 0; q < m; ++q) counts[q] += (v > (i < queries[q].split ? queries[q].below : queries[q].above)) ? 1 : 0;
  }
}

#if !defined(DRIFTWATCH_NO_SIMD)

/// One step of G queries on two batches, unrolled by a fold expression so the
/// accumulators live in registers at -O2 too (a loop over k is not unrolled
/// at -O2 and keeps them in memory: 2.6x slower, measured).
template <class B, std::size_t... K>
inline void count_above_step(const B& v, const B& w, B* acc, B* acc2, const B* thr, const B& one,
                             std::index_sequence<K...>) noexcept {
  // select(mask, acc + 1, acc) is one masked add on AVX-512.
  ((acc[K] = xsimd::select(v > thr[K], acc[K] + one, acc[K]),
    acc2[K] = xsimd::select(w > thr[K], acc2[K] + one, acc2[K])),
   ...);
}

/// Counts for queries [g0, g0 + G) over one block [b0, b1) of the row. The
/// block is cut at every split inside it, so each piece compares against one
/// fixed threshold per query, held in a register.
template <class T, std::size_t G>
void count_above_group(const T* row, std::size_t b0, std::size_t b1, const above_query<T>* queries,
                       std::size_t g0, std::size_t m, std::size_t* counts) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  const T inf = std::numeric_limits<T>::infinity();
  std::size_t cut[G + 2];
  std::size_t ncut = 0;
  cut[ncut++] = b0;
  for (std::size_t k = 0; k < G && g0 + k < m; ++k) {
    const std::size_t sp = queries[g0 + k].split;
    if (sp > b0 && sp < b1) cut[ncut++] = sp;
  }
  cut[ncut++] = b1;
  for (std::size_t a = 1; a < ncut; ++a)  // insertion sort of <= G + 2 cut points
    for (std::size_t b = a; b > 0 && cut[b] < cut[b - 1]; --b) {
      const std::size_t t = cut[b];
      cut[b] = cut[b - 1];
      cut[b - 1] = t;
    }
  // Two accumulator sets (even and odd batches) so the adds of one query do
  // not wait on each other's latency.
  B acc[G], acc2[G];
  const B one(T(1));
  for (std::size_t k = 0; k < G; ++k) acc[k] = acc2[k] = B(T(0));
  for (std::size_t c = 0; c + 1 < ncut; ++c) {
    const std::size_t s0 = cut[c], s1 = cut[c + 1];
    if (s0 == s1) continue;
    T t[G];
    B thr[G];
    for (std::size_t k = 0; k < G; ++k) {
      const std::size_t q = g0 + k;
      t[k] = q >= m ? inf : (s1 <= queries[q].split ? queries[q].below : queries[q].above);
      thr[k] = B(t[k]);  // padding queries compare against +inf: never above
    }
    const std::size_t vec_end = s0 + (s1 - s0) / L * L;
    std::size_t i = s0;
    for (; i + 2 * L <= vec_end; i += 2 * L)
      count_above_step(simd::load(row + i), simd::load(row + i + L), acc, acc2, thr, one,
                       std::make_index_sequence<G>{});
    if (i < vec_end) {  // one batch left: the second operand counts nothing
      count_above_step(simd::load(row + i), B(-std::numeric_limits<T>::infinity()), acc, acc2, thr, one,
                       std::make_index_sequence<G>{});
    }
    for (std::size_t r = vec_end; r < s1; ++r)
      for (std::size_t k = 0; k < G && g0 + k < m; ++k) counts[g0 + k] += (row[r] > t[k]) ? 1 : 0;
  }
  for (std::size_t k = 0; k < G && g0 + k < m; ++k)
    counts[g0 + k] += static_cast<std::size_t>(simd::reduce_add(acc[k] + acc2[k]));
}

/// The SIMD kernel: the row is read once from memory, in blocks that stay in
/// L1 while up to eight queries at a time are counted against them (per-lane
/// counters in T, exact because a block holds far fewer than 2^24 values).
/// Runs in the hot loop: measure before changing.
template <class T>
void count_above_simd(const T* row, std::size_t n, const above_query<T>* queries, std::size_t m,
                      std::size_t* counts) noexcept {
  constexpr std::size_t block = 4096;  // 16-32 KiB of row
  for (std::size_t q = 0; q < m; ++q) counts[q] = 0;
  for (std::size_t b0 = 0; b0 < n; b0 += block) {
    const std::size_t b1 = b0 + block < n ? b0 + block : n;
    // Exactly as many registers as queries: a padded query costs as much as
    // a real one.
    for (std::size_t g0 = 0; g0 < m; g0 += 8) {
      switch (m - g0 < 8 ? m - g0 : 8) {
        case 1: count_above_group<T, 1>(row, b0, b1, queries, g0, m, counts); break;
        case 2: count_above_group<T, 2>(row, b0, b1, queries, g0, m, counts); break;
        case 3: count_above_group<T, 3>(row, b0, b1, queries, g0, m, counts); break;
        case 4: count_above_group<T, 4>(row, b0, b1, queries, g0, m, counts); break;
        case 5: count_above_group<T, 5>(row, b0, b1, queries, g0, m, counts); break;
        case 6: count_above_group<T, 6>(row, b0, b1, queries, g0, m, counts); break;
        case 7: count_above_group<T, 7>(row, b0, b1, queries, g0, m, counts); break;
        default: count_above_group<T, 8>(row, b0, b1, queries, g0, m, counts); break;
      }
    }
  }
}

#endif  // !DRIFTWATCH_NO_SIMD

// count_above for AVX2 and AVX-512 in target regions (dispatch.hpp).
#if defined(DRIFTWATCH_ISA_AVX2)
#define DRIFTWATCH_ISA 2
#include <driftwatch/detail/isa_begin.hpp>
#include <driftwatch/detail/kernels_ranking_isa.hpp>
#include <driftwatch/detail/isa_end.hpp>
#undef DRIFTWATCH_ISA
#endif
#if defined(DRIFTWATCH_ISA_AVX512)
#define DRIFTWATCH_ISA 3
#include <driftwatch/detail/isa_begin.hpp>
#include <driftwatch/detail/kernels_ranking_isa.hpp>
#include <driftwatch/detail/isa_end.hpp>
#undef DRIFTWATCH_ISA
#endif

/// Dispatcher: the kernel of the level in use (dispatch.hpp) when the row is
/// long enough, else the scalar twin.
template <class T>
void count_above(const T* row, std::size_t n, const above_query<T>* queries, std::size_t m,
                 std::size_t* counts) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= 64) {
    const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
    if (level == simd_level::avx512) return avx512::count_above(row, n, queries, m, counts);
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
    if (level == simd_level::avx2) return avx2::count_above(row, n, queries, m, counts);
#endif
    if (level == simd_level::sse2) return count_above_simd(row, n, queries, m, counts);
  }
#endif
  count_above_scalar(row, n, queries, m, counts);
}

// ---- served lists -------------------------------------------------------------

/// Scalar twin: position[j] = 1-based position of item(j) in served (0 when
/// absent), by a linear scan of served per judged item. Served ids are
/// distinct (checked by the caller), so there is at most one position.
/// `item` is any callable j -> std::uint64_t (an array, the judgments' ids).
template <class Items>
void served_positions_scalar(const std::uint64_t* served, std::size_t n, const Items& item, std::size_t m,
                             std::size_t* position) noexcept {
  for (std::size_t j = 0; j < m; ++j) {
    position[j] = 0;
    const std::uint64_t id = item(j);
    for (std::size_t i = 0; i < n; ++i) {
      if (served[i] == id) {
        position[j] = i + 1;
        break;
      }
    }
  }
}

#if !defined(DRIFTWATCH_NO_SIMD)

/// NV batches of judged ids against every served id, unrolled (fold
/// expressions) so the batches stay in registers.
template <std::size_t NV, std::size_t... V>
void served_positions_fixed(const std::uint64_t* served, std::size_t n, const std::uint64_t* ids,
                            std::uint64_t* pos, std::index_sequence<V...>) noexcept {
  using B = simd::batch<std::uint64_t>;
  constexpr std::size_t L = simd::lanes<std::uint64_t>;
  const B idv[NV] = {simd::load(ids + V * L)...};
  B posv[NV] = {(static_cast<void>(V), B(std::uint64_t(0)))...};
  for (std::size_t i = 0; i < n; ++i) {
    const B x(served[i]);
    const B here(static_cast<std::uint64_t>(i + 1));
    ((posv[V] = xsimd::select(idv[V] == x, here, posv[V])), ...);
  }
  (simd::store(pos + V * L, posv[V]), ...);
}

/// SIMD kernel, branch-free: the judged ids sit in registers (up to 64, in
/// batches), and each served id is broadcast and compared with all of them,
/// a matching lane taking the served position by a select. n x ceil(m / L)
/// compares and selects, no data-dependent branch (whether an id is relevant
/// is a coin flip the branch predictor loses), no hashing.
template <class Items>
void served_positions_simd(const std::uint64_t* served, std::size_t n, const Items& item, std::size_t m,
                           std::size_t* position) noexcept {
  constexpr std::size_t L = simd::lanes<std::uint64_t>;
  constexpr std::size_t max_items = 64;
  if (m == 0) return;
  if (m > max_items) return served_positions_scalar(served, n, item, m, position);
  alignas(64) std::uint64_t ids[max_items + L];
  alignas(64) std::uint64_t pos[max_items + L];
  const std::size_t nv = (m + L - 1) / L;
  for (std::size_t j = 0; j < m; ++j) ids[j] = item(j);
  for (std::size_t j = m; j < nv * L; ++j) ids[j] = ids[0];  // padding lanes: results ignored
  switch (nv) {
    case 1: served_positions_fixed<1>(served, n, ids, pos, std::make_index_sequence<1>{}); break;
    case 2: served_positions_fixed<2>(served, n, ids, pos, std::make_index_sequence<2>{}); break;
    case 3: served_positions_fixed<3>(served, n, ids, pos, std::make_index_sequence<3>{}); break;
    case 4: served_positions_fixed<4>(served, n, ids, pos, std::make_index_sequence<4>{}); break;
    default:
      for (std::size_t v = 0; v < nv; v += 4)
        served_positions_fixed<4>(served, n, ids + v * L, pos + v * L, std::make_index_sequence<4>{});
      break;
  }
  for (std::size_t j = 0; j < m; ++j) position[j] = static_cast<std::size_t>(pos[j]);
}

#endif  // !DRIFTWATCH_NO_SIMD

/// Dispatcher: the SIMD kernel for up to 64 judged items and 64 served ids on
/// ISAs with at least 4 64-bit lanes (SSE2 has no 64-bit compare: the scalar
/// twin is used there).
template <class Items>
void served_positions(const std::uint64_t* served, std::size_t n, const Items& item, std::size_t m,
                      std::size_t* position) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<std::uint64_t> >= 4 && m <= 64 && n <= 64)
    return served_positions_simd(served, n, item, m, position);
#endif
  served_positions_scalar(served, n, item, m, position);
}

// ---- duplicate ids -----------------------------------------------------------

/// Scalar twin: true when two of ids[0..m) are equal. O(m^2) compares, no
/// branch per pair; no allocation.
inline bool has_duplicate_scalar(const std::uint64_t* ids, std::size_t m) noexcept {
  bool repeated = false;
  for (std::size_t i = 1; i < m; ++i) {
    bool r = false;
    for (std::size_t j = 0; j < i; ++j) r = r || ids[j] == ids[i];
    repeated = repeated || r;
  }
  return repeated;
}

#if !defined(DRIFTWATCH_NO_SIMD)

/// SIMD kernel, for L <= m <= 64: the ids in ceil(m / L) batches loaded in
/// place (the last one ending at ids[m - 1], overlapping the one before: no
/// copy, whose scalar stores would stall the vector loads), each id broadcast
/// and compared with every batch, the equal ids counted per lane without a
/// branch. Without a repeat every lane counts exactly one id (its own); a
/// repeat makes some lane count two. Fewer than L ids take the scalar twin.
inline bool has_duplicate_simd(const std::uint64_t* ids, std::size_t m) noexcept {
  using B = simd::batch<std::uint64_t>;
  constexpr std::size_t L = simd::lanes<std::uint64_t>;
  constexpr std::size_t max_items = 64;
  if (m < L || m > max_items) return has_duplicate_scalar(ids, m);
  const B one(std::uint64_t(1));
  bool repeated = false;
  for (std::size_t v = 0; v < m; v += L) {
    const B y = simd::load(ids + (v + L <= m ? v : m - L));
    B count(std::uint64_t(0));
    for (std::size_t i = 0; i < m; ++i) count = xsimd::select(y == B(ids[i]), count + one, count);
    repeated = repeated || simd::any(count != one);
  }
  return repeated;
}

#endif  // !DRIFTWATCH_NO_SIMD

/// Dispatcher: the SIMD kernel on ISAs with at least 4 64-bit lanes (SSE2 has
/// no 64-bit compare), else the scalar twin.
inline bool has_duplicate(const std::uint64_t* ids, std::size_t m) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<std::uint64_t> >= 4) return has_duplicate_simd(ids, m);
#endif
  return has_duplicate_scalar(ids, m);
}

// ---- small served lists, fused ------------------------------------------------

/// What match_served finds for one served list: bit p (1 <= p <= n) of `hits`
/// is set when served[p - 1] equals a judged id whose flag is set;
/// `judged_repeat` when two judged ids are equal, `served_repeat` when two
/// served ids are.
struct served_match {
  std::uint64_t hits = 0;
  bool judged_repeat = false;
  bool served_repeat = false;
};

/// Scalar twin, for n < 64 served ids and m judged ids (flags[j] != 0: judged
/// id j counts as a hit). O(n * m + m^2), no allocation.
inline served_match match_served_scalar(const std::uint64_t* served, std::size_t n, const std::uint64_t* ids,
                                        const std::uint64_t* flags, std::size_t m) noexcept {
  served_match r;
  for (std::size_t i = 0; i < n; ++i) {
    bool hit = false;
    for (std::size_t j = 0; j < m; ++j) hit = hit || (flags[j] != 0 && ids[j] == served[i]);
    r.hits |= static_cast<std::uint64_t>(hit) << (i + 1);
  }
  r.judged_repeat = has_duplicate_scalar(ids, m);
  r.served_repeat = has_duplicate_scalar(served, n);
  return r;
}

#if !defined(DRIFTWATCH_NO_SIMD)

template <std::size_t... V>
served_match match_served_fixed(const std::uint64_t* served, std::size_t n, const std::uint64_t* ids,
                                const std::uint64_t* flags, std::size_t m, std::index_sequence<V...>) noexcept {
  using B = simd::batch<std::uint64_t>;
  using BB = simd::batch_bool<std::uint64_t>;
  constexpr std::size_t L = simd::lanes<std::uint64_t>;
  const B zero(std::uint64_t(0)), one(std::uint64_t(1));
  const B idv[] = {simd::load(ids + V * L)...};
  const BB flagged[] = {(simd::load(flags + V * L) != zero)...};
  served_match r;
  // L <= n <= 2 L served ids (a list of 10 on AVX-512) also sit in two
  // batches loaded in place, overlapping, for has_duplicate_simd's count.
  const bool served_in_registers = n >= L && n <= 2 * L;
  const B s0 = served_in_registers ? simd::load(served) : zero;
  const B s1 = served_in_registers ? simd::load(served + n - L) : zero;
  B c0 = zero, c1 = zero;
  for (std::size_t i = 0; i < n; ++i) {
    const B x(served[i]);
    const BB hit = (... | ((idv[V] == x) & flagged[V]));
    r.hits |= static_cast<std::uint64_t>(simd::any(hit)) << (i + 1);
    c0 = xsimd::select(s0 == x, c0 + one, c0);
    c1 = xsimd::select(s1 == x, c1 + one, c1);
  }
  r.served_repeat = served_in_registers ? simd::any(c0 != one) || simd::any(c1 != one) : has_duplicate(served, n);
  B count[] = {(static_cast<void>(V), zero)...};
  for (std::size_t j = 0; j < m; ++j) {
    const B x(ids[j]);
    ((count[V] = xsimd::select(idv[V] == x, count[V] + one, count[V])), ...);
  }
  r.judged_repeat = (... || simd::any(count[V] != one));
  return r;
}

/// SIMD kernel, for n < 64 and m <= 8 L: the judged ids and their flags in
/// registers; each served id broadcast and compared with all of them (hit =
/// any flagged lane equal), each judged id likewise, counting equal ids per
/// lane (has_duplicate_simd's rule: exactly one per lane unless a repeat);
/// the served ids' own repeat check rides along in the served loop.
/// No branch per pair. `ids` and `flags` must have room for ceil(m / L) L
/// entries: entries m and beyond are overwritten with copies of entry 0
/// (a padding lane repeats lane 0's answer, which changes neither result).
inline served_match match_served_simd(const std::uint64_t* served, std::size_t n, std::uint64_t* ids,
                                      std::uint64_t* flags, std::size_t m) noexcept {
  constexpr std::size_t L = simd::lanes<std::uint64_t>;
  if (m == 0) {
    served_match r;
    r.served_repeat = has_duplicate(served, n);
    return r;
  }
  const std::size_t nv = (m + L - 1) / L;
  for (std::size_t j = m; j < nv * L; ++j) {
    ids[j] = ids[0];
    flags[j] = flags[0];
  }
  switch (nv) {
    case 1: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<1>{});
    case 2: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<2>{});
    case 3: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<3>{});
    case 4: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<4>{});
    case 5: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<5>{});
    case 6: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<6>{});
    case 7: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<7>{});
    default: return match_served_fixed(served, n, ids, flags, m, std::make_index_sequence<8>{});
  }
}

#endif  // !DRIFTWATCH_NO_SIMD

/// Dispatcher: the SIMD kernel for n < 64 served ids and up to 8 batches of
/// judged ids on ISAs with at least 4 64-bit lanes, else the scalar twin
/// (n < 64 either way: a hit is a bit of a 64-bit mask). `ids` and `flags`
/// as for match_served_simd.
inline served_match match_served(const std::uint64_t* served, std::size_t n, std::uint64_t* ids,
                                 std::uint64_t* flags, std::size_t m) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<std::uint64_t> >= 4 && m <= 8 * simd::lanes<std::uint64_t>)
    return match_served_simd(served, n, ids, flags, m);
#endif
  return match_served_scalar(served, n, ids, flags, m);
}

// ---- top-k served lists with unit-gain judgments, fused --------------------------

/// What match_served_unit finds for n <= served_unit_max_served served ids
/// and J <= served_unit_max_judged judged records. A judged record is 16
/// bytes: the 64-bit item id, then the 32-bit grade (the layout of
/// driftwatch::judgment; its last 4 bytes are never read as data).
/// `unusual`: some record has a grade above 1, or two judged ids are equal,
/// or two served ids are: the caller takes its general path, which tells
/// them apart (hits and positive are then unspecified). Otherwise `hits`:
/// bit p (1 <= p <= n) set when served[p - 1] equals the id of a judged
/// record with grade > 0; `positive`: bit j set when record j has grade > 0.
struct served_unit_match {
  std::uint64_t hits = 0;
  std::uint32_t positive = 0;
  bool unusual = false;
};

constexpr std::size_t served_unit_max_served = 10;
constexpr std::size_t served_unit_max_judged = 24;

/// The item id and the grade of judged record j (16-byte records as above).
inline std::uint64_t judged_record_item(const unsigned char* records, std::size_t j) noexcept {
  std::uint64_t v;
  std::memcpy(&v, records + 16 * j, sizeof v);
  return v;
}
inline std::int32_t judged_record_grade(const unsigned char* records, std::size_t j) noexcept {
  std::int32_t g;
  std::memcpy(&g, records + 16 * j + 8, sizeof g);
  return g;
}

/// Scalar twin: pairwise compares, O(n J + J^2 + n^2); any n < 64, J <= 32.
inline served_unit_match match_served_unit_scalar(const std::uint64_t* served, std::size_t n,
                                                  const unsigned char* records, std::size_t J) noexcept {
  served_unit_match r;
  bool graded = false, judged_repeat = false;
  for (std::size_t j = 0; j < J; ++j) {
    const std::int32_t g = judged_record_grade(records, j);
    r.positive |= static_cast<std::uint32_t>(g > 0) << j;
    graded = graded || g > 1;
  }
  for (std::size_t i = 0; i < n; ++i) {
    bool hit = false;
    for (std::size_t j = 0; j < J; ++j)
      hit = hit || (((r.positive >> j) & 1) != 0 && judged_record_item(records, j) == served[i]);
    r.hits |= static_cast<std::uint64_t>(hit) << (i + 1);
  }
  for (std::size_t a = 1; a < J; ++a)
    for (std::size_t b = 0; b < a; ++b)
      judged_repeat = judged_repeat || judged_record_item(records, a) == judged_record_item(records, b);
  r.unusual = graded || judged_repeat || has_duplicate_scalar(served, n);
  return r;
}

// Compiled for AVX-512 (F/CD/BW/VL) in a target region whatever the build's
// flags; used when the level in use is avx512 (dispatch.hpp).
#if defined(DRIFTWATCH_ISA_AVX512)
#define DRIFTWATCH_SERVED_UNIT_AVX512 1
DRIFTWATCH_TARGET_AVX512_BEGIN

// The served-list kernel is inlined into its caller's loop, where its index
// vectors and constants are loaded once for all the lists (a call reloads
// them for every list).
#if defined(__GNUC__) || defined(__clang__)
#define DRIFTWATCH_SERVED_INLINE inline __attribute__((always_inline))
#else
#define DRIFTWATCH_SERVED_INLINE inline
#endif

/// The bits of a mask as a 32-bit value in a general register. (Left to
/// itself GCC 12 may keep a 16-bit mask in a mask register, spill it with a
/// 16-bit store and reload 32 bits for a broadcast: a failed store
/// forwarding, ~20 cycles on the critical path of every list.)
DRIFTWATCH_SERVED_INLINE std::uint32_t mask_bits(__mmask32 k) noexcept {
  std::uint32_t v = _cvtmask32_u32(k);
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(v));
#endif
  return v;
}

/// The judged records and served ids of match_served_unit_avx512 in
/// registers: L0..L5 hold records 4u .. 4u+3 (16 dwords: low half, high
/// half, grade, padding per record), S0/S1 the served ids 0-7 / 8-9.
/// Lanes past J or n hold id 0 and grade 0.
struct served_unit_regs {
  __m512i L0, L1, L2, L3, L4, L5, S0, S1;
};

template <bool Wide>
DRIFTWATCH_SERVED_INLINE __m512i served_unit_block6(const __m512i& J, const __m512i& JH, const __m512i& idx, const __m512i& SL,
                                  const __m512i& SH) noexcept {
  const __m512i c = _mm512_conflict_epi32(_mm512_permutex2var_epi32(J, idx, SL));
  if (!Wide) return c;
  return _mm512_and_si512(c, _mm512_conflict_epi32(_mm512_permutex2var_epi32(JH, idx, SH)));
}

/// The all-pairs equalities of match_served_unit from AVX-512 conflict
/// detection (vpconflictd: for each of 16 lanes, which earlier lanes hold the
/// same 32-bit value; 120 pairs per instruction, about one instruction per
/// cycle on Zen 4, where a 64-bit compare gives 8 pairs per cycle). The ids
/// are compared on their low 32 bits, exact when every id is below 2^32
/// (Wide = false: checked by the caller), else on both halves with the two
/// conflict masks ANDed (Wide = true). Vectors of 16 lanes:
///   - judged ids [0..16) (JA); with Long also [8..24) (JB) and [0..8) +
///     [16..24): every judged pair (judged repeats);
///   - membership blocks [6 judged ids | the 10 served ids], cut from JA and
///     JB (3 blocks for up to 16 judged records, 4 for 24): a served lane's
///     bits 0-5 are the equal judged ids, bits 6.. the equal earlier served
///     ids (served repeats).
/// No branch on the data. Lanes past J or n (id 0, grade 0) are excluded by
/// the masks of the tests and, being later than every valid lane of their
/// vector, never appear in a valid lane's conflict bits. Written without
/// arrays or loops so that the vectors stay in registers at -O2.
/// Long: up to 24 judged records (6 loads), else up to 16 (4 loads; L4 and
/// L5 unused).
template <bool Wide, bool Long>
DRIFTWATCH_SERVED_INLINE served_unit_match match_served_unit_conflicts(const served_unit_regs& v, std::size_t n,
                                                     std::size_t J) noexcept {
  // Dword indices into a pair of record loads (a, b): record r at dwords
  // 4r .. 4r+3 of a (r < 4), 16 + 4(r - 4) .. of b.
  const __m512i grade_low = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 0, 4, 8, 12, 16, 20, 24, 28);
  const __m512i high = _mm512_setr_epi32(3, 7, 11, 15, 19, 23, 27, 31, 1, 5, 9, 13, 17, 21, 25, 29);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i one = _mm512_set1_epi32(1);
  served_unit_match r;
  const std::uint32_t valid = static_cast<std::uint32_t>((std::uint64_t(1) << J) - 1);
  __mmask16 unusual;  // lanes with a grade above 1, a repeated judged id, a repeated served id
  // X_t: lanes 0-7 the grades, lanes 8-15 the low halves of records 8t .. 8t+7.
  const __m512i X0 = _mm512_permutex2var_epi32(v.L0, grade_low, v.L1);
  const __m512i X1 = _mm512_permutex2var_epi32(v.L2, grade_low, v.L3);
  const __m512i X2 = Long ? _mm512_permutex2var_epi32(v.L4, grade_low, v.L5) : zero;
  // Y_t: the high halves (lanes 8-15), compared only for ids above 2^32.
  const __m512i Y0 = Wide ? _mm512_permutex2var_epi32(v.L0, high, v.L1) : zero;
  const __m512i Y1 = Wide ? _mm512_permutex2var_epi32(v.L2, high, v.L3) : zero;
  const __m512i Y2 = Wide && Long ? _mm512_permutex2var_epi32(v.L4, high, v.L5) : zero;
  // Grades: records past J read 0, so no mask of valid lanes.
  const __m512i GA = _mm512_shuffle_i64x2(X0, X1, 0x44);  // grades 0-15
  // Judged repeats: ids 0-15 (JA); with Long also 8-23 (JB), 0-7 + 16-23 (JC).
  const __m512i JA = _mm512_shuffle_i64x2(X0, X1, 0xEE), JAH = _mm512_shuffle_i64x2(Y0, Y1, 0xEE);
  const __m512i JB = _mm512_shuffle_i64x2(X1, X2, 0xEE), JBH = _mm512_shuffle_i64x2(Y1, Y2, 0xEE);
  __m512i cA = _mm512_conflict_epi32(JA);
  if (Wide) cA = _mm512_and_si512(cA, _mm512_conflict_epi32(JAH));
  __mmask16 repeat = _mm512_mask_test_epi32_mask(static_cast<__mmask16>(valid), cA, cA);
  if (Long) {
    const __mmask32 pos =
        _mm512_kunpackw(_mm512_mask_cmpgt_epi32_mask(0xFF, X2, zero), _mm512_cmpgt_epi32_mask(GA, zero));
    r.positive = mask_bits(pos);
    unusual = _mm512_cmpgt_epi32_mask(_mm512_mask_max_epi32(GA, 0xFF, GA, X2), one);  // a grade above 1
    __m512i cB = _mm512_conflict_epi32(JB);
    __m512i cC = _mm512_conflict_epi32(_mm512_shuffle_i64x2(X0, X2, 0xEE));
    if (Wide) {
      cB = _mm512_and_si512(cB, _mm512_conflict_epi32(JBH));
      cC = _mm512_and_si512(cC, _mm512_conflict_epi32(_mm512_shuffle_i64x2(Y0, Y2, 0xEE)));
    }
    repeat = static_cast<__mmask16>(
        repeat | _mm512_mask_test_epi32_mask(static_cast<__mmask16>(valid >> 8), cB, cB) |
        _mm512_mask_test_epi32_mask(static_cast<__mmask16>((valid & 0xFF) | ((valid >> 8) & 0xFF00)), cC, cC));
  } else {
    r.positive = mask_bits(_mm512_cmpgt_epi32_mask(GA, zero));
    unusual = _mm512_cmpgt_epi32_mask(GA, one);
  }
  unusual = static_cast<__mmask16>(unusual | repeat);
  // Membership: M collects, per served lane, the judged records (bit j for
  // record j) holding the same id: block b's judged bits shifted to 6b.
  constexpr unsigned first_served = 6;  // the lane of served[0]
  // Served: lanes 6 + i hold served[i]'s half (S0: ids 0-7, S1: ids 8-9).
  const __m512i served_low = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
  const __m512i served_high = _mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19);
  const __m512i SL = _mm512_permutex2var_epi32(v.S0, served_low, v.S1);
  const __m512i SH = Wide ? _mm512_permutex2var_epi32(v.S0, served_high, v.S1) : zero;
  const __m512i b0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  const __m512i b1 = _mm512_setr_epi32(6, 7, 8, 9, 10, 11, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  // Short: records 12-15 of JA (lanes 4 and 5 repeat record 12: bits 16
  // and 17 are never positive). Long: records 12-17 and 18-23 of JB.
  const __m512i b2 = Long ? _mm512_setr_epi32(4, 5, 6, 7, 8, 9, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31)
                          : _mm512_setr_epi32(12, 13, 14, 15, 12, 12, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  const __m512i b3 = _mm512_setr_epi32(10, 11, 12, 13, 14, 15, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  // A served lane's bits 6.. are its repeats among the served ids: all zero
  // unless the list is unusual (then the hits are not used), so the blocks'
  // conflicts are ORed in shifted, unmasked. (Bits 16 and 17 that block 2's
  // repeated lanes may add to a short list are never positive.)
  const __m512i C0 = served_unit_block6<Wide>(JA, JAH, b0, SL, SH);
  const __m512i C1 = served_unit_block6<Wide>(JA, JAH, b1, SL, SH);
  const __m512i C2 = Long ? served_unit_block6<Wide>(JB, JBH, b2, SL, SH) : served_unit_block6<Wide>(JA, JAH, b2, SL, SH);
  __m512i M = _mm512_ternarylogic_epi32(C0, _mm512_slli_epi32(C1, 6), _mm512_slli_epi32(C2, 12), 0xFE);
  if (Long) M = _mm512_or_si512(M, _mm512_slli_epi32(served_unit_block6<Wide>(JB, JBH, b3, SL, SH), 18));
  const __mmask16 served_lanes = static_cast<__mmask16>(((1u << n) - 1) << first_served);
  const std::uint32_t hit_lanes =
      _mm512_mask_test_epi32_mask(served_lanes, M, _mm512_set1_epi32(static_cast<int>(r.positive)));
  r.hits = hit_lanes >> (first_served - 1);  // lane first_served + i -> bit i + 1
  // Served repeats: a served lane of block 0 with a bit above 5.
  unusual = static_cast<__mmask16>(unusual | _mm512_mask_cmpgt_epu32_mask(served_lanes, C0, _mm512_set1_epi32(63)));
  r.unusual = !_kortestz_mask16_u8(unusual, unusual);
  return r;
}

/// SIMD kernel (AVX-512 F/CD/BW/VL), for 1 <= n <= 10 served ids and J <= 24
/// judged records: zero-masked loads of the records and the served ids (a
/// lane past J or n reads id 0 and grade 0), one check that every id is
/// below 2^32, then match_served_unit_conflicts on the low halves alone
/// (exact for such ids) or on both.
DRIFTWATCH_SERVED_INLINE served_unit_match match_served_unit_avx512(const std::uint64_t* served, std::size_t n,
                                                  const unsigned char* records, std::size_t J) noexcept {
  const __mmask64 qwords = _cvtu64_mask64((std::uint64_t(1) << (2 * J)) - 1);  // J <= 24
  // Addresses past the records are integers, never pointers (their lanes
  // are masked off, never read).
  const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(records);
  // u is a compile-time constant (kshift takes an immediate: Clang insists).
  const auto load = [&](auto uc) {
    constexpr unsigned u = decltype(uc)::value;
    return _mm512_maskz_loadu_epi64(static_cast<__mmask8>(_cvtmask64_u64(_kshiftri_mask64(qwords, 8 * u))),
                                    reinterpret_cast<const void*>(base + 64 * u));
  };
  using u0 = std::integral_constant<unsigned, 0>;
  using u1 = std::integral_constant<unsigned, 1>;
  using u2 = std::integral_constant<unsigned, 2>;
  using u3 = std::integral_constant<unsigned, 3>;
  using u4 = std::integral_constant<unsigned, 4>;
  using u5 = std::integral_constant<unsigned, 5>;
  const std::uint32_t sq = (1u << n) - 1;
  const __m512i S0 = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(sq), served);
  const __m512i S1 = _mm512_maskz_loadu_epi64(
      static_cast<__mmask8>(sq >> 8), reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(served) + 64));
  // High halves: item ids at qwords 0, 2, 4, 6 of a record load (high
  // dwords 1, 5, 9, 13; dwords 2 and 3 are the grade and padding), every
  // qword of a served load (odd dwords).
  const __m512i L0 = load(u0{}), L1 = load(u1{}), L2 = load(u2{}), L3 = load(u3{});
  const __m512i s = _mm512_or_si512(S0, S1);
  // d: the OR of the record loads, s: of the served loads. One test of the
  // odd dwords of (d & item high dwords) | s.
  const auto above_2_32 = [&](const __m512i& records_or, const __m512i& served_or) {
    const __m512i item_high = _mm512_setr_epi32(0, -1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0);
    const __m512i t = _mm512_ternarylogic_epi32(records_or, served_or, item_high, 0xEC);  // (r & item_high) | s
    return !_kortestz_mask16_u8(_mm512_mask_test_epi32_mask(0xAAAA, t, t), _mm512_mask_test_epi32_mask(0xAAAA, t, t));
  };
  __m512i d = _mm512_ternarylogic_epi64(L0, L1, L2, 0xFE);  // L0 | L1 | L2
  if (J <= 16) {  // 4 of every 5 lists in the benchmark: 4 loads, 3 blocks, one judged vector
    d = _mm512_or_si512(d, L3);
    const bool wide = above_2_32(d, s);
    const served_unit_regs v{L0, L1, L2, L3, L3, L3, S0, S1};
    return wide ? match_served_unit_conflicts<true, false>(v, n, J) : match_served_unit_conflicts<false, false>(v, n, J);
  }
  const __m512i L4 = load(u4{}), L5 = load(u5{});
  d = _mm512_ternarylogic_epi64(d, L3, _mm512_or_si512(L4, L5), 0xFE);
  const bool wide = above_2_32(d, s);
  const served_unit_regs v{L0, L1, L2, L3, L4, L5, S0, S1};
  return wide ? match_served_unit_conflicts<true, true>(v, n, J) : match_served_unit_conflicts<false, true>(v, n, J);
}

/// Times both matching variants of the unit path on synthetic lists (10
/// served ids, 16 judged records, half of them hits) and caches the faster
/// (planner.hpp). Cold: once per process.
inline int plan_served() noexcept {
  constexpr std::size_t lists = 32, n = 10, J = 16;
  std::uint64_t served[lists * n];
  alignas(16) unsigned char records[lists * J * 16] = {};
  for (std::size_t l = 0; l < lists; ++l) {
    for (std::size_t i = 0; i < n; ++i) served[l * n + i] = 1000 + 37 * l + 3 * i;
    for (std::size_t j = 0; j < J; ++j) {
      const std::uint64_t id = j % 2 ? 1000 + 37 * l + 3 * (j / 2) : 900000 + j;
      const std::int32_t grade = j % 3 ? 1 : 0;
      std::memcpy(records + (l * J + j) * 16, &id, 8);
      std::memcpy(records + (l * J + j) * 16 + 8, &grade, 4);
    }
  }
  volatile std::uint64_t sink = 0;
  const int pick = fastest_candidate(2, 5, [&](int c) {
    std::uint64_t acc = 0;
    for (int pass = 0; pass < 8; ++pass)
      for (std::size_t l = 0; l < lists; ++l) {
        const served_unit_match m = c == 0 ? match_served_unit_avx512(served + l * n, n, records + l * J * 16, J)
                                           : match_served_unit_scalar(served + l * n, n, records + l * J * 16, J);
        acc += m.hits + m.positive + (m.unusual ? 1 : 0);
      }
    sink = sink + acc;
  });
  set_served_plan(pick);
  return pick;
}

/// The unit path's matching step by the served plan: conflict detection or
/// pairwise compares (the scalar twin), the same findings either way.
DRIFTWATCH_SERVED_INLINE served_unit_match match_served_unit_planned(const std::uint64_t* served, std::size_t n,
                                                                     const unsigned char* records,
                                                                     std::size_t J) noexcept {
  int plan = served_plan_slot().load(std::memory_order_relaxed);
  if (plan < 0) plan = plan_served();
  if (plan == static_cast<int>(served_variant::pairwise)) return match_served_unit_scalar(served, n, records, J);
  return match_served_unit_avx512(served, n, records, J);
}

/// match_served_unit_avx512 behind a call, for callers outside the region.
inline served_unit_match match_served_unit_avx512_call(const std::uint64_t* served, std::size_t n,
                                                       const unsigned char* records, std::size_t J) noexcept {
  return match_served_unit_avx512(served, n, records, J);
}

DRIFTWATCH_TARGET_END
#endif  // AVX-512

/// Dispatcher: the AVX-512 kernel for 1 <= n <= served_unit_max_served and
/// J <= served_unit_max_judged when the level in use is avx512, else the
/// scalar twin (any n < 64, J <= 32).
inline served_unit_match match_served_unit(const std::uint64_t* served, std::size_t n, const unsigned char* records,
                                           std::size_t J) noexcept {
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
  if (active_level() == simd_level::avx512 && n - 1 < served_unit_max_served && J <= served_unit_max_judged)
    return match_served_unit_avx512_call(served, n, records, J);
#endif
  return match_served_unit_scalar(served, n, records, J);
}

/// Adapts an array of ids to the `item` callable of served_positions.
struct id_array {
  const std::uint64_t* ids;
  std::uint64_t operator()(std::size_t j) const noexcept { return ids[j]; }
};

}  // namespace detail
}  // namespace driftwatch
