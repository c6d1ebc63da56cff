// The binning kernels of kernels_binning.hpp for one ISA (AVX2 or AVX-512),
// written on isa_vec.hpp: the same algorithms as the xsimd kernels there
// (compare-and-count, direct index with four sub-histograms, direct index
// with a pair table), the same exact counts. Included by kernels_binning.hpp
// once per ISA between isa_begin.hpp and isa_end.hpp; no include guard.

template <class V, std::size_t... J>
inline void compare_count_step(V v, vi* above, const V* e, std::index_sequence<J...>) noexcept {
  ((above[J] = count_gt(above[J], v, e[J])), ...);
}

/// The lanes of T: double values in vd with 64-bit counters
/// (never folded); float values in vf (twice the lanes) with 32-bit counters,
/// folded into 64-bit totals every 4096 chunks (2^20 values, at most 2^17 per
/// lane).
template <class T>
struct value_lanes;
template <>
struct value_lanes<double> {
  using vec = vd;
  using mask = md;
  using probe = finite_probe;
  static constexpr std::size_t chunks_per_fold = 0;
  static std::uint64_t sum(vi v) noexcept { return sum64(v); }
};
template <>
struct value_lanes<float> {
  using vec = vf;
  using mask = mf;
  using probe = finite_probe_f32;
  static constexpr std::size_t chunks_per_fold = 4096;
  static std::uint64_t sum(vi v) noexcept { return sum32(v); }
};

/// detail::bin_count_compare_fixed for this ISA: NE >= ne edges in registers,
/// an integer counter per lane and edge of "x > e[j]", finiteness per chunk.
template <class T, std::size_t NE>
std::uint64_t bin_count_compare_fixed(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
  using lanes_t = value_lanes<T>;
  using V = typename lanes_t::vec;
  constexpr std::size_t L = lanes<T>;
  constexpr std::size_t chunk = 256;
  const T inf = std::numeric_limits<T>::infinity();
  V e[NE];
  vi above[NE];
  std::uint64_t cum[NE];
  for (std::size_t j = 0; j < NE; ++j) {
    e[j] = set1(j < ne ? edge_threshold<T>(edges[j]) : inf);
    above[j] = zero_i();
    cum[j] = 0;
  }
  auto fold = [&]() {
    for (std::size_t j = 0; j < NE; ++j) {
      cum[j] += lanes_t::sum(above[j]);
      above[j] = zero_i();
    }
  };
  std::uint64_t invalid = 0, pos_inf = 0;
  std::size_t i = 0, since_fold = 0;
  for (; i + chunk <= n; i += chunk) {
    typename lanes_t::probe probe;
    for (std::size_t j = i; j < i + chunk; j += L) {
      const V v = load(x + j);
      probe.add(v);
      compare_count_step(v, above, e, std::make_index_sequence<NE>{});
    }
    if (!probe.all_finite()) count_non_finite(x + i, chunk, invalid, pos_inf);  // rare: NaN or +-Inf
    if constexpr (lanes_t::chunks_per_fold != 0) {
      if (++since_fold == lanes_t::chunks_per_fold) {
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

template <class T>
inline std::uint64_t bin_count_compare(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                       std::uint64_t* counts) noexcept {
  return with_edge_capacity(
      ne, [&](auto cap) { return bin_count_compare_fixed<T, decltype(cap)::value>(edges, ne, x, n, counts); });
}

/// detail::uniform_lane_bins for this ISA (same operations, same order), in
/// the lanes of T (value_lanes).
template <class T>
struct lane_bins {
  using V = typename value_lanes<T>::vec;
  using M = typename value_lanes<T>::mask;
  V origin, inv, lo, hi, trash, pos_inf, near_limit;
  lane_bins(const lane_geometry<T>& g, std::size_t ne) noexcept
      : origin(set1(g.origin)),
        inv(set1(g.inv_width)),
        lo(set1(T(0.5))),
        hi(set1(static_cast<T>(ne) + T(0.5))),
        trash(set1(static_cast<T>(ne + 1))),
        pos_inf(set1(std::numeric_limits<T>::infinity())),
        near_limit(set1(g.slack)) {}
  M checked(V v, V& bin) const noexcept {
    const M finite = lt(abs(v), pos_inf);
    const V t = min(max((v - origin) * inv, lo), hi);
    bin = select(finite, floor(t), trash);
    return and_m(finite, le(abs(t - nearbyint(t)), near_limit));
  }
  template <bool Exact>
  M unchecked(V v, V& bin, typename value_lanes<T>::probe& probe) const noexcept {
    const V t = min(max((v - origin) * inv, lo), hi);
    bin = floor(t);
    probe.add(v);
    if (Exact) return eq(t, bin);
    return le(abs(t - nearbyint(t)), near_limit);
  }
};

/// detail::bin_count_uniform_simd for this ISA.
template <class T>
std::uint64_t bin_count_uniform(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                std::uint64_t* counts) noexcept {
  using V = typename value_lanes<T>::vec;
  constexpr std::size_t L = lanes<T>;
  constexpr std::size_t chunk = 512;
  constexpr std::size_t ways = 4;
  const lane_geometry<T> g = lane_geometry_of(edges, ne, T());
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  const std::size_t stride = ne + 2;  // bins + the slot for non-finite values
  std::uint32_t sub[ways * (uniform_simd_max_bins + 1)];
  std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  alignas(64) T slot[chunk];
  const lane_bins<T> lb(g, ne);
  const V magic = set1(slot_magic(T()));
  std::uint64_t invalid = 0;
  std::size_t since_flush = 0;
  std::size_t i = 0;
  for (; i + chunk <= n; i += chunk) {
    const T* xc = x + i;
    for (std::size_t j = 0; j < chunk; j += L) {
      V bin;
      const auto near = lb.checked(load(xc + j), bin);
      store(slot + j, bin + magic);
      if (any(near)) {
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
    if (since_flush >= (std::size_t{1} << 31)) {
      flush_sub_histograms(sub, ways, stride, counts, invalid);
      since_flush = 0;
    }
  }
  flush_sub_histograms(sub, ways, stride, counts, invalid);
  return invalid + bin_count_uniform_scalar(edges, ne, x + i, n - i, counts);
}

/// detail::bin_count_uniform_pairs_simd for this ISA (pairs of values counted
/// in a 16-bit table; see there).
template <class T>
std::uint64_t bin_count_uniform_pairs(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
  using V = typename value_lanes<T>::vec;
  using M = typename value_lanes<T>::mask;
  constexpr std::size_t L = lanes<T>;
  constexpr std::size_t half = 256;
  constexpr std::size_t max_stride = uniform_pairs_max_stride;
  const std::size_t stride = ne + 2;  // bins + the slot for non-finite values
  if (ne < 2 || stride > max_stride) return bin_count_uniform(edges, ne, x, n, counts);
  const lane_geometry<T> g = lane_geometry_of(edges, ne, T());
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  alignas(64) std::uint16_t table[max_stride * max_stride];
  std::memset(table, 0, stride * stride * sizeof(std::uint16_t));
  alignas(64) T slot[half];
  const lane_bins<T> lb(g, ne);
  const V magic = set1(slot_magic(T())), wide = set1(static_cast<T>(stride));
  std::uint64_t invalid = 0;
  // mode: 0 lane-checked, 1 assumed finite, 2 assumed finite with exact edges
  // (a compile-time constant: one loop per mode).
  auto pair_phase = [&](const T* xc, auto mode) {
    constexpr int m = decltype(mode)::value;
    typename value_lanes<T>::probe probe;
    for (std::size_t j = 0; j < half; j += L) {
      const T* xa = xc + 2 * j;
      const T* xb = xa + L;
      V ba, bb;
      M near;
      if constexpr (m == 0)
        near = or_m(lb.checked(load(xa), ba), lb.checked(load(xb), bb));
      else
        near = or_m(lb.template unchecked<m == 2>(load(xa), ba, probe),
                    lb.template unchecked<m == 2>(load(xb), bb, probe));
      store(slot + j, ba * wide + bb + magic);
      if (any(near)) {
        for (std::size_t l = 0; l < L; ++l) slot[j + l] = exact_pair_slot(edges, ne, stride, xa[l], xb[l]);
      }
    }
    return m == 0 || probe.all_finite();
  };
  std::size_t since_fold = 0;
  std::size_t i = 0;
  for (; i + 2 * half <= n; i += 2 * half) {
    const T* xc = x + i;
    const bool finite = g.exact ? pair_phase(xc, std::integral_constant<int, 2>{})
                                : pair_phase(xc, std::integral_constant<int, 1>{});
    if (!finite) pair_phase(xc, std::integral_constant<int, 0>{});  // NaN or +-Inf: redo lane-checked
    for (std::size_t j = 0; j < half; j += 4) {
      ++table[slot_bin(slot + j)];
      ++table[slot_bin(slot + j + 1)];
      ++table[slot_bin(slot + j + 2)];
      ++table[slot_bin(slot + j + 3)];
    }
    since_fold += half;
    if (since_fold + half > 65535) {
      fold_pair_table(table, stride, counts, invalid);
      since_fold = 0;
    }
  }
  fold_pair_table(table, stride, counts, invalid);
  return invalid + bin_count_uniform(edges, ne, x + i, n - i, counts);
}
