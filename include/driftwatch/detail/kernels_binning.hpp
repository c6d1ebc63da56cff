// Binning kernels behind histogram::observe: count values into right-closed
// bins over frozen interior edges e[0] < ... < e[ne-1] (bin = number of edges
// strictly below x), with NaN and +-Inf counted apart. Each SIMD kernel has a
// scalar twin; tests/simd_binning_test.cpp proves they give identical counts
// and bench/binning_bench.cpp measures one against the other.
//
// Kernels (all add into counts[0 .. ne] and return the number of non-finite
// values; none allocates, locks or throws):
//   - bin_count_compare_simd: compare-and-count, for ne <= 16. For every edge
//     a per-lane counter of "x > e[j]"; bin counts are differences of these
//     cumulative counts. No scatter, no search, no conflicts.
//   - bin_count_uniform_simd: direct index for (near-)uniform edges, 17 to 512
//     bins: the index is computed in SIMD and provably right unless the value
//     is within rounding of an edge (then the scalar search decides); the
//     increments go to four interleaved sub-histograms so that consecutive
//     values never conflict.
//   - bin_count_uniform_pairs_simd: the same exact indices for up to 78 bins,
//     counted as pairs of values in a 16-bit table (one increment per two
//     values); histogram::observe uses it for batches of at least 8 values
//     per table cell.
//   - bin_count_search_scalar: branch-free binary search (any ne), the path for
//     many non-uniform bins.
// Scalar twins: bin_count_scalar (std::lower_bound per value, exactly what
// bin_edges::index does) and bin_count_uniform_scalar (direct index per value).
// Float values: every kernel and twin is a template over the value type T
// (double or float), and bin_count has an overload taking `const float*`; in
// float lanes the kernels compare against the edges' float thresholds and count
// exactly what the double path counts for double(v) (see "float values" below;
// docs/simd.md). The AVX2 and AVX-512 bodies (kernels_binning_isa.hpp) are the
// same templates on raw intrinsics.
#pragma once

#include <algorithm>
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

namespace driftwatch {
namespace detail {

/// The bin of a finite x: the number of edges strictly below it.
inline std::size_t bin_of(const double* edges, std::size_t ne, double x) noexcept {
  return static_cast<std::size_t>(std::lower_bound(edges, edges + ne, x) - edges);
}

/// The loop of the scalar twins: ++counts[bin(v)] for each finite value
/// (T: double, or float widened: a float falls in the bin of double(v));
/// returns how many were not finite.
template <class T, class BinOf>
inline std::uint64_t count_each(const T* x, std::size_t n, std::uint64_t* counts, BinOf bin) noexcept {
  std::uint64_t invalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]);
    if (!std::isfinite(v)) {
      ++invalid;
      continue;
    }
    ++counts[bin(v)];
  }
  return invalid;
}

/// Scalar twin and reference: one std::lower_bound per finite value.
template <class T>
inline std::uint64_t bin_count_scalar(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
  return count_each(x, n, counts, [&](double v) { return bin_of(edges, ne, v); });
}

/// Branch-free binary search: the same answer as bin_of without a
/// data-dependent branch (the step is a conditional move).
inline std::size_t bin_of_branchless(const double* edges, std::size_t ne, double x) noexcept {
  const double* base = edges;
  std::size_t len = ne;
  while (len > 1) {
    const std::size_t half = len / 2;
    base = (base[half - 1] < x) ? base + half : base;
    len -= half;
  }
  return static_cast<std::size_t>(base - edges) + (len == 1 && base[0] < x ? 1 : 0);
}

/// Branch-free search for any number of edges (T: double, or float widened:
/// one conversion beside ~log2(ne) compare-and-move steps).
template <class T>
inline std::uint64_t bin_count_search_scalar(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                             std::uint64_t* counts) noexcept {
  if (ne == 0) {
    std::uint64_t invalid = 0;
    for (std::size_t i = 0; i < n; ++i) invalid += std::isfinite(x[i]) ? 0 : 1;
    counts[0] += n - invalid;
    return invalid;
  }
  return count_each(x, n, counts, [&](double v) { return bin_of_branchless(edges, ne, v); });
}

/// Geometry of near-uniform edges for the direct-index paths: the estimate
/// ceil((x - origin) / width) - 1 is checked against the edges, so it only has
/// to be right almost always, never exactly.
struct uniform_geometry {
  double origin = 0, inv_width = 0;
  bool usable = false;
};

inline uniform_geometry uniform_geometry_of(const double* edges, std::size_t ne) noexcept {
  uniform_geometry g;
  if (ne < 2) return g;
  const double width = (edges[ne - 1] - edges[0]) / static_cast<double>(ne - 1);
  if (!(width > 0) || !std::isfinite(width)) return g;
  g.origin = edges[0] - width;
  g.inv_width = 1.0 / width;
  g.usable = std::isfinite(g.inv_width) && std::isfinite(g.origin);
  return g;
}

/// Scalar twin of the uniform kernel: direct index per value, corrected by the
/// neighbouring edges (so the result is exactly bin_of's; T as bin_count_scalar).
template <class T>
inline std::uint64_t bin_count_uniform_scalar(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                              std::uint64_t* counts) noexcept {
  const uniform_geometry g = uniform_geometry_of(edges, ne);
  if (!g.usable) return bin_count_scalar(edges, ne, x, n, counts);
  const double top = static_cast<double>(ne);
  return count_each(x, n, counts, [&](double v) {
    double t = std::ceil((v - g.origin) * g.inv_width) - 1.0;
    t = t < 0 ? 0 : (t > top ? top : t);
    auto b = static_cast<std::size_t>(t);
    while (b > 0 && v <= edges[b - 1]) --b;
    while (b < ne && v > edges[b]) ++b;
    return b;
  });
}

// ---- float values -----------------------------------------------------------
//
// A float value v falls in the bin the double path gives for double(v) (exact:
// every float is a double). The scalar twins above widen each value; the SIMD
// kernels compare in float lanes against float thresholds of the double edges:
//
//   t(e) = the largest float <= e (-inf below -FLT_MAX, FLT_MAX above it).
//
// Then for every float v: v > t(e) exactly when double(v) > e. (If double(v) > e,
// then v > e >= t(e). If v > t(e), v is a float above the largest float <= e, so
// v > e.) So "edges strictly below v" are counted exactly by the thresholds,
// for finite, infinite and NaN v alike; t is non-decreasing (distinct edges may
// share a threshold, which counting never minds). Subnormal floats, signed
// zeros and edges outside the float range are covered by the same argument
// (tests/simd_binning_test.cpp checks each, and nextafter neighbours in float
// and in double of every edge).

/// The float threshold of a double edge (see above). Never given NaN.
inline float float_threshold(double e) noexcept {
  const float inf = std::numeric_limits<float>::infinity();
  if (!(e < std::numeric_limits<double>::infinity())) return inf;  // only padding edges
  if (e >= static_cast<double>(std::numeric_limits<float>::max())) return std::numeric_limits<float>::max();
  if (e < -static_cast<double>(std::numeric_limits<float>::max())) return -inf;
  float f = static_cast<float>(e);  // in range: rounded to nearest
  if (static_cast<double>(f) > e) f = std::nextafter(f, -inf);
  return f;
}

/// Geometry of near-uniform edges for the direct-index kernels in T lanes:
/// position(v) = (v - origin) * inv_width in T arithmetic (a subtraction and a
/// product, each rounded: monotonic in v), and the largest distance `slack` of
/// an edge's position from its integer (j + 1 for edge j); `exact` when every
/// position is exactly its integer. Usable only if slack < 0.25 (else edges
/// too close for T positions: the caller takes the scalar twin).
/// uniform_geometry_f32: of the float thresholds t[0 .. ne) (float lanes).
template <class T>
struct lane_geometry {
  T origin = 0, inv_width = 0, slack = 1;
  bool usable = false, exact = false;
};
using uniform_geometry_f32 = lane_geometry<float>;

inline uniform_geometry_f32 uniform_geometry_of(const float* t, std::size_t ne) noexcept {
  uniform_geometry_f32 g;
  if (ne < 2) return g;
  const double width = (static_cast<double>(t[ne - 1]) - static_cast<double>(t[0])) / static_cast<double>(ne - 1);
  const double origin = static_cast<double>(t[0]) - width;
  const double flt_max = static_cast<double>(std::numeric_limits<float>::max());
  if (!(width > 0) || !(std::fabs(origin) < flt_max) || !(1.0 / width < flt_max)) return g;
  g.origin = static_cast<float>(origin);
  g.inv_width = static_cast<float>(1.0 / width);
  if (!(g.inv_width > 0)) return g;
  double slack = 0;
  bool exact = true;
  for (std::size_t j = 0; j < ne; ++j) {
    const float p = (t[j] - g.origin) * g.inv_width;  // float ops, as the kernels' lanes
    if (!std::isfinite(p)) return g;
    // Exact in double (p and j + 1 are floats of at most 24 bits): no rounding
    // that an FMA could change.
    const double d = std::fabs(static_cast<double>(p) - static_cast<double>(j + 1));
    slack = d > slack ? d : slack;
    exact = exact && d == 0;
  }
  g.slack = static_cast<float>(slack + 1e-4);  // margin: well above one float rounding at 512
  g.exact = exact;
  g.usable = slack + 1e-4 < 0.25;
  return g;
}

/// The float thresholds of ne <= max edges into t; their geometry.
inline uniform_geometry_f32 float_thresholds(const double* edges, std::size_t ne, float* t) noexcept {
  for (std::size_t j = 0; j < ne; ++j) t[j] = float_threshold(edges[j]);
  return uniform_geometry_of(t, ne);
}

/// The threshold a kernel in T lanes compares with edge e: e itself in double
/// lanes, float_threshold(e) in float lanes (the same counts as double(v)).
template <class T>
inline T edge_threshold(double e) noexcept {
  return e;
}
template <>
inline float edge_threshold<float>(double e) noexcept {
  return float_threshold(e);
}

/// The scalar recount of a chunk whose finite probe failed: its non-finite
/// values into `invalid`, its +Inf ones also into `pos_inf` (the SIMD pass took
/// a +Inf lane as above every edge; the caller takes those back out).
template <class T>
inline void count_non_finite(const T* x, std::size_t n, std::uint64_t& invalid, std::uint64_t& pos_inf) noexcept {
  const T inf = std::numeric_limits<T>::infinity();
  for (std::size_t j = 0; j < n; ++j) {
    invalid += std::isfinite(x[j]) ? 0 : 1;
    pos_inf += x[j] == inf ? 1 : 0;
  }
}

/// Adds to counts the bins of a compare-and-count pass over `valid` finite
/// values, from cum[j] = how many of them are above edge j (non-increasing),
/// for ne <= NE real edges. (The bound is restated so that GCC's -O3 sees
/// every read inside cum: without it, -Wmaybe-uninitialized fired in every
/// consumer's Release build.)
template <std::size_t NE>
inline void add_compare_counts(const std::uint64_t (&cum)[NE], std::size_t ne, std::uint64_t valid,
                               std::uint64_t* counts) noexcept {
  ne = ne < NE ? ne : NE;
  if (ne == 0) {
    counts[0] += valid;
    return;
  }
  counts[0] += valid - cum[0];
  for (std::size_t j = 1; j < ne; ++j) counts[j] += cum[j - 1] - cum[j];
  counts[ne] += cum[ne - 1];
}

/// Calls f(std::integral_constant<std::size_t, NE>{}) with the edge capacity of
/// the compare-and-count instantiation for ne <= 16 edges: exactly ne up to 12
/// (a padded edge would cost as much as a real one), else 16.
template <class F>
inline std::uint64_t with_edge_capacity(std::size_t ne, F&& f) noexcept {
  using std::integral_constant;
  switch (ne) {
    case 0:
    case 1: return f(integral_constant<std::size_t, 1>{});
    case 2: return f(integral_constant<std::size_t, 2>{});
    case 3: return f(integral_constant<std::size_t, 3>{});
    case 4: return f(integral_constant<std::size_t, 4>{});
    case 5: return f(integral_constant<std::size_t, 5>{});
    case 6: return f(integral_constant<std::size_t, 6>{});
    case 7: return f(integral_constant<std::size_t, 7>{});
    case 8: return f(integral_constant<std::size_t, 8>{});
    case 9: return f(integral_constant<std::size_t, 9>{});
    case 10: return f(integral_constant<std::size_t, 10>{});
    case 11: return f(integral_constant<std::size_t, 11>{});
    case 12: return f(integral_constant<std::size_t, 12>{});
    default: return f(integral_constant<std::size_t, 16>{});
  }
}

#if !defined(DRIFTWATCH_NO_SIMD)

/// Whether a run of batches held only finite values, for kernels that first
/// treat every lane as finite and check once per chunk: add() accumulates
/// v * 0, which is NaN exactly for a NaN or +-Inf lane and stays NaN.
template <class B>
struct finite_probe {
  B sum = B(0.0);
  void add(const B& v) noexcept { sum = xsimd::fma(v, B(0.0), sum); }
  /// (x == x, not x != x: xsimd's != on floating batches is ordered, false for NaN.)
  bool all_finite() const noexcept { return xsimd::all(sum == sum); }
};

/// One batch against NE edges, unrolled by a fold expression so the counters
/// stay in registers at -O2 (a loop over the edges is not unrolled there).
template <class B, std::size_t... J>
inline void compare_count_step(const B& v, B* above, const B* e, const B& one, std::index_sequence<J...>) noexcept {
  ((above[J] = xsimd::select(v > e[J], above[J] + one, above[J])), ...);
}

/// Compare-and-count with NE >= ne edges held in registers; the edges beyond
/// ne are +inf, which no finite value exceeds.
/// Values are first taken as finite: a NaN or -Inf lane then exceeds no edge
/// and a +Inf lane every one. Each chunk accumulates v * 0 (NaN exactly when
/// a lane was not finite); only such a chunk is scanned again, in scalar, to
/// count its non-finite values apart and to take the +Inf ones back out of
/// every cumulative count.
/// Lanes of T count in T: exact to 2^53 in double lanes (never folded), to
/// 2^24 in float lanes, which are folded into 64-bit totals every 64 chunks
/// (16384 values, at most that many per lane).
/// Runs in the hot loop: measure before changing.
template <class T, std::size_t NE>
std::uint64_t bin_count_compare_fixed(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  constexpr std::size_t chunk = 256;  // multiple of every L
  constexpr std::size_t chunks_per_fold = std::is_same<T, float>::value ? 64 : 0;
  const T inf = std::numeric_limits<T>::infinity();
  B e[NE];
  B above[NE];  // per lane: values > e[j]
  std::uint64_t cum[NE];
  for (std::size_t j = 0; j < NE; ++j) {
    e[j] = B(j < ne ? edge_threshold<T>(edges[j]) : inf);
    above[j] = B(T(0));
    cum[j] = 0;
  }
  const B one(T(1));
  auto fold = [&]() {
    for (std::size_t j = 0; j < NE; ++j) {
      cum[j] += static_cast<std::uint64_t>(simd::reduce_add(above[j]));
      above[j] = B(T(0));
    }
  };
  std::uint64_t invalid = 0, pos_inf = 0;
  std::size_t i = 0, since_fold = 0;
  for (; i + chunk <= n; i += chunk) {
    finite_probe<B> probe;
    for (std::size_t j = i; j < i + chunk; j += L) {
      const B v = simd::load(x + j);
      probe.add(v);
      compare_count_step(v, above, e, one, std::make_index_sequence<NE>{});
    }
    if (!probe.all_finite()) count_non_finite(x + i, chunk, invalid, pos_inf);  // rare: NaN or +-Inf
    if constexpr (chunks_per_fold != 0) {
      if (++since_fold == chunks_per_fold) {
        fold();
        since_fold = 0;
      }
    }
  }
  fold();
  for (std::size_t j = 0; j < NE; ++j) cum[j] -= pos_inf;
  add_compare_counts(cum, ne, static_cast<std::uint64_t>(i) - invalid, counts);
  return invalid + bin_count_scalar(edges, ne, x + i, n - i, counts);
}

/// Compare-and-count for ne <= 16 edges (B <= 17 bins), double or float values.
template <class T>
inline std::uint64_t bin_count_compare_simd(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                            std::uint64_t* counts) noexcept {
  return with_edge_capacity(
      ne, [&](auto cap) { return bin_count_compare_fixed<T, decltype(cap)::value>(edges, ne, x, n, counts); });
}

/// Largest bin count the uniform kernel keeps sub-histograms for (on the
/// stack: 4 x (bins + 1) 32-bit counters, 8 KiB at most).
constexpr std::size_t uniform_simd_max_bins = 512;

/// A bound, in units of bins, on how far the kernel's position t(e) =
/// (e - origin) * inv_width of each edge e[i] is from i + 1. The margin covers
/// the one rounding by which this scalar loop may differ from the kernel's
/// batches (the compiler may fuse `t - (i + 1)` into an FMA here; measured:
/// without the margin a value one ulp above an edge was misplaced).
inline double uniform_edge_slack(const double* edges, std::size_t ne, const uniform_geometry& g) noexcept {
  double slack = 0;
  for (std::size_t i = 0; i < ne; ++i) {
    const double t = (edges[i] - g.origin) * g.inv_width;
    const double d = std::fabs(t - static_cast<double>(i + 1));
    slack = d > slack ? d : slack;
  }
  return slack + 1e-6;
}

/// True when the kernel's position of every edge is exactly its integer,
/// t(e[i]) == i + 1 (dyadic ranges and widths, e.g. 64 bins over [-2, 2]).
/// Then, by monotonicity, a value whose t is not an integer is in bin floor(t)
/// without any margin, and "near an edge" is the one test t == floor(t).
/// (A comparison, not a difference: nothing here can be contracted into an FMA.)
inline bool uniform_edges_exact(const double* edges, std::size_t ne, const uniform_geometry& g) noexcept {
  for (std::size_t i = 0; i < ne; ++i)
    if ((edges[i] - g.origin) * g.inv_width != static_cast<double>(i + 1)) return false;
  return true;
}

/// Largest slot count (bins + 1, the extra slot for non-finite values) for
/// which bin_count_uniform_pairs_simd keeps a table of pairs: 80 x 80 16-bit
/// counters, 12.5 KiB of stack, so the table stays in the L1 cache.
constexpr std::size_t uniform_pairs_max_stride = 80;
/// Below this many values per slot of the pair table, zeroing and folding the
/// table costs more than the halved increments save.
constexpr std::size_t uniform_pairs_min_values_per_cell = 8;

/// The lane geometry of the direct-index kernels for values of type T: the
/// position t(v) = (v - origin) * inv_width in T arithmetic. double lanes take
/// the edges as they are (uniform_geometry_of, slack from uniform_edge_slack,
/// exact from uniform_edges_exact); float lanes the edges' float thresholds
/// (float_thresholds). Not usable (the scalar twin serves) for ne < 2, more
/// than uniform_simd_max_bins edges, degenerate edges or slack >= 0.25.
inline lane_geometry<double> lane_geometry_of(const double* edges, std::size_t ne, double) noexcept {
  lane_geometry<double> lg;
  const uniform_geometry g = uniform_geometry_of(edges, ne);
  if (ne < 2 || ne + 1 > uniform_simd_max_bins || !g.usable) return lg;
  lg.origin = g.origin;
  lg.inv_width = g.inv_width;
  lg.slack = uniform_edge_slack(edges, ne, g);
  lg.usable = lg.slack < 0.25;  // false for NaN
  lg.exact = lg.usable && uniform_edges_exact(edges, ne, g);
  return lg;
}
inline lane_geometry<float> lane_geometry_of(const double* edges, std::size_t ne, float) noexcept {
  if (ne < 2 || ne + 1 > uniform_simd_max_bins) return lane_geometry<float>{};
  float thresholds[uniform_simd_max_bins];
  return float_thresholds(edges, ne, thresholds);
}

/// The direct-index kernels write the bin b of each lane as the T value
/// b + slot_magic (2^52 in a double, b < 2^32; 2^23 in a float, b < 2^23),
/// which leaves b in the low bits of the representation: slot_bin reads it
/// back with no float-to-int conversion per value.
constexpr double slot_magic(double) noexcept { return 4503599627370496.0; }
constexpr float slot_magic(float) noexcept { return 8388608.0f; }
inline std::uint32_t slot_bin(const double* slot) noexcept {
  std::uint64_t u;
  std::memcpy(&u, slot, 8);
  return static_cast<std::uint32_t>(u);
}
inline std::uint32_t slot_bin(const float* slot) noexcept {
  std::uint32_t u;
  std::memcpy(&u, slot, 4);
  return u & 0x7FFFFFu;
}

/// bin_of for the kernels' slow lanes: the trash slot ne + 1 if x is not finite.
inline double exact_lane_bin(const double* edges, std::size_t ne, double x) noexcept {
  return static_cast<double>(std::isfinite(x) ? bin_of(edges, ne, x) : ne + 1);
}
/// A slow lane's slot (bin_of on double(x)).
template <class T>
inline T exact_lane_slot(const double* edges, std::size_t ne, T x) noexcept {
  return static_cast<T>(exact_lane_bin(edges, ne, static_cast<double>(x))) + slot_magic(T());
}
/// The slot of a slow pair of lanes in the pair table: a * stride + b.
template <class T>
inline T exact_pair_slot(const double* edges, std::size_t ne, std::size_t stride, T a, T b) noexcept {
  return static_cast<T>(exact_lane_bin(edges, ne, static_cast<double>(a)) * static_cast<double>(stride) +
                        exact_lane_bin(edges, ne, static_cast<double>(b))) +
         slot_magic(T());
}

/// Adds the four interleaved sub-histograms of the direct-index kernels
/// (`stride` = bins + 1 counters each, the last for non-finite values) to
/// counts and `invalid`, and zeroes them.
inline void flush_sub_histograms(std::uint32_t* sub, std::size_t ways, std::size_t stride, std::uint64_t* counts,
                                 std::uint64_t& invalid) noexcept {
  const std::size_t bins = stride - 1;
  for (std::size_t w = 0; w < ways; ++w) {
    for (std::size_t b = 0; b < bins; ++b) counts[b] += sub[w * stride + b];
    invalid += sub[w * stride + bins];
  }
  std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
}

/// Folds the pair table of the pair kernels (stride x stride 16-bit counters;
/// slot stride - 1 for non-finite values) into counts and `invalid`: bin a
/// gains row a's sum plus column a's sum. Zeroes the table.
inline void fold_pair_table(std::uint16_t* table, std::size_t stride, std::uint64_t* counts,
                            std::uint64_t& invalid) noexcept {
  constexpr std::size_t max_stride = uniform_pairs_max_stride;
  const std::size_t bins = stride - 1;
  std::uint64_t col[max_stride] = {};
  for (std::size_t a = 0; a < stride; ++a) {
    std::uint64_t row = 0;
    for (std::size_t b = 0; b < stride; ++b) {
      row += table[a * stride + b];
      col[b] += table[a * stride + b];
    }
    if (a < bins)
      counts[a] += row;
    else
      invalid += row;
  }
  for (std::size_t b = 0; b < bins; ++b) counts[b] += col[b];
  invalid += col[bins];
  std::memset(table, 0, stride * stride * sizeof(std::uint16_t));
}

/// The SIMD half of the direct-index kernels: the bin of each lane (in T),
/// clamp(floor(t), 0, ne) with t = (x - origin) * inv_width, or the trash slot
/// ne + 1 for a non-finite lane; and the lanes whose t is within `slack` of an
/// integer (within rounding of an edge), which must take bin_of instead.
/// t is clamped to [0.5, ne + 0.5] before the floor: any t below 1 is bin 0 and
/// any t above ne is bin ne, and 0.5 and ne + 0.5 are never "near".
template <class B>
struct uniform_lane_bins {
  using T = typename B::value_type;
  B origin, inv, lo, hi, trash, pos_inf, near_limit;
  uniform_lane_bins(const lane_geometry<T>& g, std::size_t ne) noexcept
      : origin(g.origin),
        inv(g.inv_width),
        lo(T(0.5)),
        hi(static_cast<T>(ne) + T(0.5)),
        trash(static_cast<T>(ne + 1)),
        pos_inf(std::numeric_limits<T>::infinity()),
        near_limit(g.slack) {}
  auto operator()(const B& v, B& bin) const noexcept {
    const auto finite = xsimd::abs(v) < pos_inf;  // false for NaN and +-Inf
    // Non-finite lanes compute garbage in t; they get the trash slot and are never near.
    const B t = xsimd::min(xsimd::max((v - origin) * inv, lo), hi);
    bin = xsimd::select(finite, xsimd::floor(t), trash);
    return finite & (xsimd::abs(t - xsimd::nearbyint(t)) <= near_limit);
  }
  /// The same for lanes assumed finite, which the caller verifies afterwards
  /// for the whole chunk with `probe` (a non-finite lane's bin is garbage and
  /// the chunk must be redone by operator()).
  /// Exact: the edges are uniform_edges_exact, so near means t == floor(t).
  template <bool Exact>
  auto unchecked(const B& v, B& bin, finite_probe<B>& probe) const noexcept {
    const B t = xsimd::min(xsimd::max((v - origin) * inv, lo), hi);
    bin = xsimd::floor(t);
    probe.add(v);
    if (Exact) return t == bin;
    return xsimd::abs(t - xsimd::nearbyint(t)) <= near_limit;
  }
};

/// Direct-index kernel for near-uniform edges, 2 <= ne < uniform_simd_max_bins,
/// double or float values (float: positions over the float thresholds, in
/// float lanes, twice as many; thresholds too close for float positions, e.g.
/// a narrow range far from 0, take the scalar twin).
///
/// Why it is exact without looking at the edges: t(x) = (x - origin) * inv_width
/// is monotonic in x (a subtraction and a multiplication by a positive number,
/// each correctly rounded), so e[i] < x whenever t(e[i]) < t(x) and x <= e[i]
/// whenever t(x) < t(e[i]). Every t(e[i]) lies within `slack` of i + 1 (measured
/// above), so a value whose t is farther than `slack` from every integer is in
/// bin clamp(floor(t), 0, ne). The few values closer than that (within rounding
/// of an edge) are binned by the scalar search. Two phases per chunk: the SIMD
/// pass writes bin indices to a small buffer, a scalar pass increments four
/// interleaved sub-histograms (consecutive values never wait on each other's
/// increment). Non-finite values go to an extra slot and are counted apart.
/// Runs in the hot loop: measure before changing.
template <class T>
std::uint64_t bin_count_uniform_simd(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                     std::uint64_t* counts) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  constexpr std::size_t chunk = 512;  // multiple of every L
  constexpr std::size_t ways = 4;
  const lane_geometry<T> g = lane_geometry_of(edges, ne, T());
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  const std::size_t stride = ne + 2;  // bins + the slot for non-finite values
  std::uint32_t sub[ways * (uniform_simd_max_bins + 1)];
  std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  alignas(64) T slot[chunk];
  const uniform_lane_bins<B> lanes_bins(g, ne);
  const B magic(slot_magic(T()));
  std::uint64_t invalid = 0;
  std::size_t since_flush = 0;
  std::size_t i = 0;
  for (; i + chunk <= n; i += chunk) {
    const T* xc = x + i;
    for (std::size_t j = 0; j < chunk; j += L) {
      B bin;
      const auto near = lanes_bins(simd::load(xc + j), bin);
      simd::store(slot + j, bin + magic);
      if (simd::any(near)) {  // rare: within rounding of an edge
        for (std::size_t l = 0; l < L; ++l) slot[j + l] = exact_lane_slot(edges, ne, xc[j + l]);
      }
    }
    for (std::size_t j = 0; j < chunk; j += ways) {
      ++sub[0 * stride + slot_bin(slot + j)];
      ++sub[1 * stride + slot_bin(slot + j + 1)];
      ++sub[2 * stride + slot_bin(slot + j + 2)];
      ++sub[3 * stride + slot_bin(slot + j + 3)];
    }
    since_flush += chunk / ways;
    if (since_flush >= (std::size_t{1} << 31)) {  // keep every 32-bit counter below 2^32
      flush_sub_histograms(sub, ways, stride, counts, invalid);
      since_flush = 0;
    }
  }
  flush_sub_histograms(sub, ways, stride, counts, invalid);
  return invalid + bin_count_uniform_scalar(edges, ne, x + i, n - i, counts);
}

/// Direct-index kernel with one increment per two values: the same exact bin
/// indices as bin_count_uniform_simd (same geometry, same near-an-edge
/// fallback), but lane l of each batch is paired with lane l of the next one,
/// and the pair of bins (a, b) increments one 16-bit counter
/// table[a * stride + b] (stride = bins + 1: the extra slot holds non-finite
/// values; at most 80 x 80 counters, 12.5 KiB of stack). The scalar
/// increments, which bound bin_count_uniform_simd (one read-modify-write per
/// value), are halved; the pair index is computed in the SIMD lanes (exact:
/// < 80 * 80). Every 65535 pairs (the most any counter can have gained) the
/// table is folded into counts (fold_pair_table). The SIMD phase of a chunk
/// first assumes finite values and checks that once per chunk (finite_probe;
/// a chunk holding NaN or +-Inf is redone lane by lane), and for
/// edges that are uniform_edges_exact its near-an-edge test is t == floor(t).
/// With more than uniform_pairs_max_stride - 2 edges it is
/// bin_count_uniform_simd. Runs in the hot loop: measure before changing.
template <class T>
std::uint64_t bin_count_uniform_pairs_simd(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                           std::uint64_t* counts) noexcept {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  constexpr std::size_t half = 256;  // pairs per chunk; multiple of every L
  constexpr std::size_t max_stride = uniform_pairs_max_stride;
  const std::size_t stride = ne + 2;  // bins + the slot for non-finite values
  if (ne < 2 || stride > max_stride) return bin_count_uniform_simd(edges, ne, x, n, counts);
  const lane_geometry<T> g = lane_geometry_of(edges, ne, T());
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  alignas(64) std::uint16_t table[max_stride * max_stride];
  std::memset(table, 0, stride * stride * sizeof(std::uint16_t));
  alignas(64) T slot[half];
  const uniform_lane_bins<B> lanes_bins(g, ne);
  const B magic(slot_magic(T())), wide(static_cast<T>(stride));
  std::uint64_t invalid = 0;
  // The SIMD phase of one chunk: the pair index of lane l of the batch at 2jL
  // and lane l of the batch after it (one sequential stream, no shuffles),
  // into slot[j + l]. With a std::bool_constant tag it assumes finite values
  // and returns false if the chunk had any other (slots then garbage); with
  // nullptr it checks every lane.
  auto pair_phase = [&](const T* xc, auto mode) {
    constexpr bool checked = std::is_same<decltype(mode), std::nullptr_t>::value;
    finite_probe<B> probe;
    for (std::size_t j = 0; j < half; j += L) {
      const T* xa = xc + 2 * j;
      const T* xb = xa + L;
      B ba, bb;
      bool near;
      if constexpr (checked) {
        near = simd::any(lanes_bins(simd::load(xa), ba) | lanes_bins(simd::load(xb), bb));
      } else {
        constexpr bool exact_edges = decltype(mode)::value;
        near = simd::any(lanes_bins.template unchecked<exact_edges>(simd::load(xa), ba, probe) |
                         lanes_bins.template unchecked<exact_edges>(simd::load(xb), bb, probe));
      }
      simd::store(slot + j, ba * wide + bb + magic);
      if (near) {  // rare: within rounding of an edge
        for (std::size_t l = 0; l < L; ++l) slot[j + l] = exact_pair_slot(edges, ne, stride, xa[l], xb[l]);
      }
    }
    return checked || probe.all_finite();
  };
  std::size_t since_fold = 0;
  std::size_t i = 0;
  for (; i + 2 * half <= n; i += 2 * half) {
    const T* xc = x + i;
    const bool finite = g.exact ? pair_phase(xc, std::true_type{}) : pair_phase(xc, std::false_type{});
    if (!finite) pair_phase(xc, nullptr);  // the chunk holds NaN or +-Inf: redo it lane-checked
    for (std::size_t j = 0; j < half; j += 4) {
      ++table[slot_bin(slot + j)];
      ++table[slot_bin(slot + j + 1)];
      ++table[slot_bin(slot + j + 2)];
      ++table[slot_bin(slot + j + 3)];
    }
    since_fold += half;
    if (since_fold + half > 65535) {  // no 16-bit counter can overflow
      fold_pair_table(table, stride, counts, invalid);
      since_fold = 0;
    }
  }
  fold_pair_table(table, stride, counts, invalid);
  return invalid + bin_count_uniform_simd(edges, ne, x + i, n - i, counts);
}

#endif  // !DRIFTWATCH_NO_SIMD

// The same kernels for AVX2 and AVX-512 (detail::avx2, detail::avx512),
// compiled in target regions: what bin_count runs on CPUs that have them,
// whatever the build's flags (dispatch.hpp).
#define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_binning_isa.hpp>
#include <driftwatch/detail/isa_bodies.hpp>

/// Below this many values the set-up of a SIMD kernel costs more than it saves.
constexpr std::size_t bin_count_simd_min = 64;

#if defined(DRIFTWATCH_ISA_AVX2) || defined(DRIFTWATCH_ISA_AVX512)
/// One uniform-binning variant (planner.hpp) over x[0 .. n) (T: double or
/// float); a 512-bit variant at the avx2 level runs as its 256-bit twin.
template <class T>
inline std::uint64_t bin_count_uniform_variant(int v, simd_level level, const double* edges, std::size_t ne, const T* x,
                                        std::size_t n, std::uint64_t* counts) noexcept {
  (void)level;
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) {
    if (v == static_cast<int>(uniform_variant::pairs512)) return avx512::bin_count_uniform_pairs(edges, ne, x, n, counts);
    if (v == static_cast<int>(uniform_variant::index512)) return avx512::bin_count_uniform(edges, ne, x, n, counts);
  }
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
  if (v == static_cast<int>(uniform_variant::index256) || v == static_cast<int>(uniform_variant::index512))
    return avx2::bin_count_uniform(edges, ne, x, n, counts);
  return avx2::bin_count_uniform_pairs(edges, ne, x, n, counts);
#else
  (void)v;
  return avx512::bin_count_uniform_pairs(edges, ne, x, n, counts);
#endif
}

/// Times the variants the level can run on the first batch (65536 values per
/// timing, into scratch counts) and caches the fastest (planner.hpp; one plan
/// per value type T).
template <class T>
inline int plan_uniform(simd_level level, const double* edges, std::size_t ne, const T* x, std::size_t n) noexcept {
  int candidates[4], count = 0;  // 256-bit first (fastest_candidate)
#if defined(DRIFTWATCH_ISA_AVX2)
  candidates[count++] = static_cast<int>(uniform_variant::pairs256);
  candidates[count++] = static_cast<int>(uniform_variant::index256);
#endif
#if defined(DRIFTWATCH_ISA_AVX512)
  if (level == simd_level::avx512) {
    candidates[count++] = static_cast<int>(uniform_variant::pairs512);
    candidates[count++] = static_cast<int>(uniform_variant::index512);
  }
#endif
  // Each timing on its own slice of the batch when it is large enough (the
  // regime of the real call: values read once, from memory), else all on its
  // first 65536 values.
  constexpr std::size_t chunk = 65536;  // the pair table's folds amortised as in a long batch
  constexpr int reps = 5;
  const std::size_t m = n < chunk ? n : chunk;
  const bool slices = n >= chunk * static_cast<std::size_t>(count * reps);
  std::uint64_t scratch[uniform_simd_max_bins + 1];
  int run = 0;
  const int pick = fastest_candidate(count, reps, [&](int c) {
    for (std::size_t b = 0; b <= ne; ++b) scratch[b] = 0;
    const T* xs = slices ? x + chunk * static_cast<std::size_t>(run++) : x;  // slice 5c + r
    bin_count_uniform_variant(candidates[c], level, edges, ne, xs, m, scratch);
  });
  uniform_plan_slot_of(x).store(candidates[pick], std::memory_order_relaxed);
  return candidates[pick];
}
#endif

/// bin_count's choice among the kernels of one ISA namespace (avx2, avx512);
/// for uniform edges that fit the pair table, the planned variant.
#define DRIFTWATCH_BIN_COUNT_ISA(ns)                                                                     \
  do {                                                                                                   \
    if (ne <= 16) return ns::bin_count_compare(edges, ne, x, n, counts);                                 \
    if (uniform && ne + 2 <= uniform_pairs_max_stride &&                                                 \
        n >= uniform_pairs_min_values_per_cell * (ne + 2) * (ne + 2)) {                                  \
      int plan = uniform_plan_slot_of(x).load(std::memory_order_relaxed);                                \
      if (plan < 0) plan = plan_uniform(level, edges, ne, x, n);                                         \
      return bin_count_uniform_variant(plan, level, edges, ne, x, n, counts);                            \
    }                                                                                                    \
    if (uniform && ne + 1 <= uniform_simd_max_bins) return ns::bin_count_uniform(edges, ne, x, n, counts); \
  } while (0)

/// bin_count for double or float values: picks the kernel for the edges and
/// the ISA (the level of dispatch.hpp: fixed by the build's flags, or chosen
/// once at run time). `uniform` says the edges were made equal-width
/// (bin_edges::uniform). Float values go in float lanes (twice the lanes of
/// double) and count exactly what double(v) would (float_threshold); many
/// non-uniform bins (> 16 edges): the branch-free search on double(v).
template <class T>
inline std::uint64_t bin_count_values(const double* edges, std::size_t ne, bool uniform, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= bin_count_simd_min) {
    const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
    if (level == simd_level::avx512) DRIFTWATCH_BIN_COUNT_ISA(avx512);
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
    if (level == simd_level::avx2) DRIFTWATCH_BIN_COUNT_ISA(avx2);
#endif
    if (level == simd_level::sse2) {
      if (ne <= 16) return bin_count_compare_simd(edges, ne, x, n, counts);
      if (uniform && ne + 2 <= uniform_pairs_max_stride &&
          n >= uniform_pairs_min_values_per_cell * (ne + 2) * (ne + 2))
        return bin_count_uniform_pairs_simd(edges, ne, x, n, counts);
      if (uniform && ne + 1 <= uniform_simd_max_bins) return bin_count_uniform_simd(edges, ne, x, n, counts);
    }
  }
#endif
  if (uniform && ne >= 2) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  if (ne > 16) return bin_count_search_scalar(edges, ne, x, n, counts);
  return bin_count_scalar(edges, ne, x, n, counts);
}

/// The dispatcher histogram::observe calls, for double or float values
/// (basic_histogram<float>). A template, not two overloads: an inline
/// non-template function would instantiate bin_count_values and every ISA's
/// kernels for its value type in each translation unit that includes the
/// header, used or not (about 0.1 s of compile time for float alone).
template <class T>
inline std::uint64_t bin_count(const double* edges, std::size_t ne, bool uniform, const T* x, std::size_t n,
                               std::uint64_t* counts) noexcept {
  return bin_count_values(edges, ne, uniform, x, n, counts);
}
#undef DRIFTWATCH_BIN_COUNT_ISA

}  // namespace detail
}  // namespace driftwatch
