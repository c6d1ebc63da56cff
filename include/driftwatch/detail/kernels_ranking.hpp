// Kernels behind ranking_evaluator: counting, in one streaming pass over a
// score row, the items above each relevant item (score-row path), and finding
// the served positions of the judged items (served-list path). Each SIMD
// kernel has a scalar twin; tests/simd_ranking_test.cpp proves they agree
// exactly and bench/ranking_bench.cpp measures one against the other. The
// per-ISA bodies live in their own files, included below between
// isa_begin.hpp and isa_end.hpp: kernels_ranking_isa.hpp (count_above for
// AVX2 and AVX-512) and kernels_ranking_avx512.hpp (the served-list unit
// path's raw AVX-512 matching kernel).
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

/// The SIMD kernels' pieces (count_above_simd and the per-ISA count_above):
/// block [b0, b1) cut at every split of queries [g0, g0 + G) inside it, in
/// ascending order, so that each piece compares against one fixed threshold
/// per query. Writes the cut points (b0 and b1 included) and returns how many.
template <class T, std::size_t G>
std::size_t cut_at_splits(std::size_t b0, std::size_t b1, const above_query<T>* queries, std::size_t g0,
                          std::size_t m, std::size_t (&cut)[G + 2]) noexcept {
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
  return ncut;
}

/// Query q's threshold over a piece that ends at s1 (no split inside it);
/// padding queries (q >= m) compare against +inf: never above.
template <class T>
T piece_threshold(const above_query<T>* queries, std::size_t q, std::size_t m, std::size_t s1) noexcept {
  if (q >= m) return std::numeric_limits<T>::infinity();
  return s1 <= queries[q].split ? queries[q].below : queries[q].above;
}

/// The values of a piece past its last full batch, [r0, s1), counted one by
/// one against the piece's thresholds t[0 .. G).
template <class T, std::size_t G>
void count_piece_tail(const T* row, std::size_t r0, std::size_t s1, const T (&t)[G], std::size_t g0, std::size_t m,
                      std::size_t* counts) noexcept {
  for (std::size_t r = r0; r < s1; ++r)
    for (std::size_t k = 0; k < G && g0 + k < m; ++k) counts[g0 + k] += (row[r] > t[k]) ? 1 : 0;
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
  std::size_t cut[G + 2];
  const std::size_t ncut = cut_at_splits<T, G>(b0, b1, queries, g0, m, cut);
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
      t[k] = piece_threshold(queries, g0 + k, m, s1);
      thr[k] = B(t[k]);
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
    count_piece_tail<T, G>(row, vec_end, s1, t, g0, m, counts);
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
#define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_ranking_isa.hpp>
#include <driftwatch/detail/isa_bodies.hpp>

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
/// `item` is any callable j -> T (an array, the judgments' ids). T, here and
/// in the kernels below, is the id type: std::uint64_t or std::uint32_t.
template <class T, class Items>
void served_positions_scalar(const T* served, std::size_t n, const Items& item, std::size_t m,
                             std::size_t* position) noexcept {
  for (std::size_t j = 0; j < m; ++j) {
    position[j] = 0;
    const T id = item(j);
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
template <class T, std::size_t NV, std::size_t... V>
void served_positions_fixed(const T* served, std::size_t n, const T* ids,
                            T* pos, std::index_sequence<V...>) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  const B idv[NV] = {simd::load(ids + V * L)...};
  B posv[NV] = {(static_cast<void>(V), B(T(0)))...};
  for (std::size_t i = 0; i < n; ++i) {
    const B x(served[i]);
    const B here(static_cast<T>(i + 1));
    ((posv[V] = xsimd::select(idv[V] == x, here, posv[V])), ...);
  }
  (simd::store(pos + V * L, posv[V]), ...);
}

/// SIMD kernel, branch-free: the judged ids sit in registers (up to 64, in
/// batches), and each served id is broadcast and compared with all of them,
/// a matching lane taking the served position by a select. n x ceil(m / L)
/// compares and selects, no data-dependent branch (whether an id is relevant
/// is a coin flip the branch predictor loses), no hashing.
template <class T, class Items>
void served_positions_simd(const T* served, std::size_t n, const Items& item, std::size_t m,
                           std::size_t* position) noexcept {
  constexpr std::size_t L = simd::lanes<T>;
  constexpr std::size_t max_items = 64;
  if (m == 0) return;
  if (m > max_items) return served_positions_scalar(served, n, item, m, position);
  alignas(64) T ids[max_items + L];
  alignas(64) T pos[max_items + L];
  const std::size_t nv = (m + L - 1) / L;
  for (std::size_t j = 0; j < m; ++j) ids[j] = item(j);
  for (std::size_t j = m; j < nv * L; ++j) ids[j] = ids[0];  // padding lanes: results ignored
  switch (nv) {
    case 1: served_positions_fixed<T, 1>(served, n, ids, pos, std::make_index_sequence<1>{}); break;
    case 2: served_positions_fixed<T, 2>(served, n, ids, pos, std::make_index_sequence<2>{}); break;
    case 3: served_positions_fixed<T, 3>(served, n, ids, pos, std::make_index_sequence<3>{}); break;
    case 4: served_positions_fixed<T, 4>(served, n, ids, pos, std::make_index_sequence<4>{}); break;
    default:
      for (std::size_t v = 0; v < nv; v += 4)
        served_positions_fixed<T, 4>(served, n, ids + v * L, pos + v * L, std::make_index_sequence<4>{});
      break;
  }
  for (std::size_t j = 0; j < m; ++j) position[j] = static_cast<std::size_t>(pos[j]);
}

#endif  // !DRIFTWATCH_NO_SIMD

/// Dispatcher: the SIMD kernel for up to 64 judged items and 64 served ids
/// when a batch holds at least 4 ids of type T (64-bit ids: AVX2 and up, SSE2
/// has no 64-bit compare and takes the scalar twin; 32-bit ids: any level).
template <class T, class Items>
void served_positions(const T* served, std::size_t n, const Items& item, std::size_t m,
                      std::size_t* position) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<T> >= 4 && m <= 64 && n <= 64)
    return served_positions_simd(served, n, item, m, position);
#endif
  served_positions_scalar(served, n, item, m, position);
}

// ---- duplicate ids -----------------------------------------------------------

/// Scalar twin: true when two of ids[0..m) are equal. O(m^2) compares, no
/// branch per pair; no allocation.
template <class T>
inline bool has_duplicate_scalar(const T* ids, std::size_t m) noexcept {
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
template <class T>
inline bool has_duplicate_simd(const T* ids, std::size_t m) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  constexpr std::size_t max_items = 64;
  if (m < L || m > max_items) return has_duplicate_scalar(ids, m);
  const B one(T(1));
  bool repeated = false;
  for (std::size_t v = 0; v < m; v += L) {
    const B y = simd::load(ids + (v + L <= m ? v : m - L));
    B count(T(0));
    for (std::size_t i = 0; i < m; ++i) count = xsimd::select(y == B(ids[i]), count + one, count);
    repeated = repeated || simd::any(count != one);
  }
  return repeated;
}

#endif  // !DRIFTWATCH_NO_SIMD

/// Dispatcher: the SIMD kernel when a batch holds at least 4 ids of type T
/// (64-bit ids: not on SSE2, which has no 64-bit compare), else the scalar twin.
template <class T>
inline bool has_duplicate(const T* ids, std::size_t m) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<T> >= 4) return has_duplicate_simd(ids, m);
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
template <class T>
inline served_match match_served_scalar(const T* served, std::size_t n, const T* ids,
                                        const T* flags, std::size_t m) noexcept {
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

template <class T, std::size_t... V>
served_match match_served_fixed(const T* served, std::size_t n, const T* ids,
                                const T* flags, std::size_t m, std::index_sequence<V...>) noexcept {
  using B = simd::batch<T>;
  using BB = simd::batch_bool<T>;
  constexpr std::size_t L = simd::lanes<T>;
  const B zero(T(0)), one(T(1));
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
template <class T>
inline served_match match_served_simd(const T* served, std::size_t n, T* ids,
                                      T* flags, std::size_t m) noexcept {
  constexpr std::size_t L = simd::lanes<T>;
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
/// judged ids when a batch holds at least 4 ids of type T, else the scalar twin
/// (n < 64 either way: a hit is a bit of a 64-bit mask). `ids` and `flags`
/// as for match_served_simd.
template <class T>
inline served_match match_served(const T* served, std::size_t n, T* ids,
                                 T* flags, std::size_t m) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (simd::lanes<T> >= 4 && m <= 8 * simd::lanes<T>)
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

// The AVX-512 matching kernel of the unit path (raw intrinsics, its own file:
// kernels_ranking_avx512.hpp), in detail::avx512; used when the level in use
// is avx512 (dispatch.hpp).
#if defined(DRIFTWATCH_ISA_AVX512)
#define DRIFTWATCH_SERVED_UNIT_AVX512 1
#define DRIFTWATCH_ISA 3
#include <driftwatch/detail/isa_begin.hpp>
#include <driftwatch/detail/kernels_ranking_avx512.hpp>
#include <driftwatch/detail/isa_end.hpp>
#undef DRIFTWATCH_ISA
#endif

/// Dispatcher: the AVX-512 kernel for 1 <= n <= served_unit_max_served and
/// J <= served_unit_max_judged when the level in use is avx512, else the
/// scalar twin (any n < 64, J <= 32).
inline served_unit_match match_served_unit(const std::uint64_t* served, std::size_t n, const unsigned char* records,
                                           std::size_t J) noexcept {
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
  if (active_level() == simd_level::avx512 && n - 1 < served_unit_max_served && J <= served_unit_max_judged)
    return avx512::match_served_unit_call(served, n, records, J);
#endif
  return match_served_unit_scalar(served, n, records, J);
}

/// Adapts an array of ids of type T to the `item` callable of served_positions.
template <class T>
struct basic_id_array {
  const T* ids;
  T operator()(std::size_t j) const noexcept { return ids[j]; }
};
using id_array = basic_id_array<std::uint64_t>;

}  // namespace detail
}  // namespace driftwatch
