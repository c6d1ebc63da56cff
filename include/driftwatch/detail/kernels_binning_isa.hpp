// The binning kernels of kernels_binning.hpp for one ISA (AVX2 or AVX-512),
// written on isa_vec.hpp: the same algorithms as the xsimd kernels there
// (compare-and-count, direct index with four sub-histograms, direct index
// with a pair table), the same exact counts. Included by kernels_binning.hpp
// once per ISA between isa_begin.hpp and isa_end.hpp; no include guard.

template <class V, std::size_t... J>
inline void compare_count_step(V v, vi* above, const V* e, std::index_sequence<J...>) noexcept {
  ((above[J] = count_gt(above[J], v, e[J])), ...);
}

/// The lanes of the compare kernels: double values in vd with 64-bit counters
/// (never folded); float values in vf (twice the lanes) with 32-bit counters,
/// folded into 64-bit totals every 4096 chunks (2^20 values, at most 2^17 per
/// lane).
template <class T>
struct compare_lanes;
template <>
struct compare_lanes<double> {
  using vec = vd;
  using probe = finite_probe;
  static constexpr std::size_t chunks_per_fold = 0;
  static std::uint64_t sum(vi v) noexcept { return sum64(v); }
};
template <>
struct compare_lanes<float> {
  using vec = vf;
  using probe = finite_probe_f32;
  static constexpr std::size_t chunks_per_fold = 4096;
  static std::uint64_t sum(vi v) noexcept { return sum32(v); }
};

/// detail::bin_count_compare_fixed for this ISA: NE >= ne edges in registers,
/// an integer counter per lane and edge of "x > e[j]", finiteness per chunk.
template <class T, std::size_t NE>
std::uint64_t bin_count_compare_fixed(const double* edges, std::size_t ne, const T* x, std::size_t n,
                                      std::uint64_t* counts) noexcept {
  using lanes_t = compare_lanes<T>;
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

/// detail::uniform_lane_bins for this ISA (same operations, same order).
struct lane_bins {
  vd origin, inv, lo, hi, trash, pos_inf, near_limit;
  lane_bins(const uniform_geometry& g, std::size_t ne, double slack) noexcept
      : origin(set1(g.origin)),
        inv(set1(g.inv_width)),
        lo(set1(0.5)),
        hi(set1(static_cast<double>(ne) + 0.5)),
        trash(set1(static_cast<double>(ne + 1))),
        pos_inf(set1(std::numeric_limits<double>::infinity())),
        near_limit(set1(slack)) {}
  md checked(vd v, vd& bin) const noexcept {
    const md finite = lt(abs(v), pos_inf);
    const vd t = min(max((v - origin) * inv, lo), hi);
    bin = select(finite, floor(t), trash);
    return and_m(finite, le(abs(t - nearbyint(t)), near_limit));
  }
  template <bool Exact>
  md unchecked(vd v, vd& bin, finite_probe& probe) const noexcept {
    const vd t = min(max((v - origin) * inv, lo), hi);
    bin = floor(t);
    probe.add(v);
    if (Exact) return eq(t, bin);
    return le(abs(t - nearbyint(t)), near_limit);
  }
};

/// detail::bin_count_uniform_simd for this ISA.
inline std::uint64_t bin_count_uniform(const double* edges, std::size_t ne, const double* x, std::size_t n,
                                       std::uint64_t* counts) noexcept {
  constexpr std::size_t L = lanes<double>;
  constexpr std::size_t chunk = 512;
  constexpr std::size_t ways = 4;
  const uniform_geometry g = uniform_geometry_of(edges, ne);
  if (!g.usable || ne + 1 > uniform_simd_max_bins) return bin_count_scalar(edges, ne, x, n, counts);
  const double slack = uniform_edge_slack(edges, ne, g);
  if (!(slack < 0.25)) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  const std::size_t bins = ne + 1;
  const std::size_t stride = bins + 1;
  std::uint32_t sub[ways * (uniform_simd_max_bins + 1)];
  std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  alignas(64) double slot[chunk];
  const std::size_t low_word = low_word_offset();
  const lane_bins lb(g, ne, slack);
  const vd magic = set1(two_pow_52);
  std::uint64_t invalid = 0;
  std::size_t since_flush = 0;
  auto flush = [&]() {
    for (std::size_t w = 0; w < ways; ++w) {
      for (std::size_t b = 0; b < bins; ++b) counts[b] += sub[w * stride + b];
      invalid += sub[w * stride + bins];
    }
    std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  };
  std::size_t i = 0;
  for (; i + chunk <= n; i += chunk) {
    const double* xc = x + i;
    for (std::size_t j = 0; j < chunk; j += L) {
      vd bin;
      const md near = lb.checked(load(xc + j), bin);
      store(slot + j, bin + magic);
      if (any(near)) {
        for (std::size_t l = 0; l < L; ++l) slot[j + l] = exact_lane_bin(edges, ne, xc[j + l]) + two_pow_52;
      }
    }
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(slot) + low_word;
    for (std::size_t j = 0; j < chunk; j += ways) {
      std::uint32_t b0, b1, b2, b3;
      std::memcpy(&b0, bytes + 8 * j, 4);
      std::memcpy(&b1, bytes + 8 * (j + 1), 4);
      std::memcpy(&b2, bytes + 8 * (j + 2), 4);
      std::memcpy(&b3, bytes + 8 * (j + 3), 4);
      ++sub[0 * stride + b0];
      ++sub[1 * stride + b1];
      ++sub[2 * stride + b2];
      ++sub[3 * stride + b3];
    }
    since_flush += chunk / ways;
    if (since_flush >= (std::size_t{1} << 31)) {
      flush();
      since_flush = 0;
    }
  }
  flush();
  return invalid + bin_count_uniform_scalar(edges, ne, x + i, n - i, counts);
}

/// detail::bin_count_uniform_pairs_simd for this ISA (pairs of values counted
/// in a 16-bit table; see there).
inline std::uint64_t bin_count_uniform_pairs(const double* edges, std::size_t ne, const double* x, std::size_t n,
                                             std::uint64_t* counts) noexcept {
  constexpr std::size_t L = lanes<double>;
  constexpr std::size_t half = 256;
  constexpr std::size_t max_stride = uniform_pairs_max_stride;
  const uniform_geometry g = uniform_geometry_of(edges, ne);
  const std::size_t bins = ne + 1;
  const std::size_t stride = bins + 1;
  if (!g.usable || stride > max_stride) return bin_count_uniform(edges, ne, x, n, counts);
  const double slack = uniform_edge_slack(edges, ne, g);
  if (!(slack < 0.25)) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  alignas(64) std::uint16_t table[max_stride * max_stride];
  const std::size_t cells = stride * stride;
  std::memset(table, 0, cells * sizeof(std::uint16_t));
  alignas(64) double slot[half];
  const std::size_t low_word = low_word_offset();
  const lane_bins lb(g, ne, slack);
  const vd magic = set1(two_pow_52), wide = set1(static_cast<double>(stride));
  std::uint64_t invalid = 0;
  auto fold = [&]() {
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
    std::memset(table, 0, cells * sizeof(std::uint16_t));
  };
  const bool exact = uniform_edges_exact(edges, ne, g);
  // mode: 0 lane-checked, 1 assumed finite, 2 assumed finite with exact edges
  // (a compile-time constant: one loop per mode).
  auto pair_phase = [&](const double* xc, auto mode) {
    constexpr int m = decltype(mode)::value;
    finite_probe probe;
    for (std::size_t j = 0; j < half; j += L) {
      const double* xa = xc + 2 * j;
      const double* xb = xa + L;
      vd ba, bb;
      md near;
      if constexpr (m == 0)
        near = or_m(lb.checked(load(xa), ba), lb.checked(load(xb), bb));
      else
        near = or_m(lb.template unchecked<m == 2>(load(xa), ba, probe),
                    lb.template unchecked<m == 2>(load(xb), bb, probe));
      store(slot + j, ba * wide + bb + magic);
      if (any(near)) {
        for (std::size_t l = 0; l < L; ++l)
          slot[j + l] = exact_lane_bin(edges, ne, xa[l]) * static_cast<double>(stride) +
                        exact_lane_bin(edges, ne, xb[l]) + two_pow_52;
      }
    }
    return m == 0 || probe.all_finite();
  };
  std::size_t since_fold = 0;
  std::size_t i = 0;
  for (; i + 2 * half <= n; i += 2 * half) {
    const double* xc = x + i;
    const bool finite = exact ? pair_phase(xc, std::integral_constant<int, 2>{})
                              : pair_phase(xc, std::integral_constant<int, 1>{});
    if (!finite) pair_phase(xc, std::integral_constant<int, 0>{});  // NaN or +-Inf: redo lane-checked
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(slot) + low_word;
    for (std::size_t j = 0; j < half; j += 4) {
      std::uint32_t c0, c1, c2, c3;
      std::memcpy(&c0, bytes + 8 * j, 4);
      std::memcpy(&c1, bytes + 8 * (j + 1), 4);
      std::memcpy(&c2, bytes + 8 * (j + 2), 4);
      std::memcpy(&c3, bytes + 8 * (j + 3), 4);
      ++table[c0];
      ++table[c1];
      ++table[c2];
      ++table[c3];
    }
    since_fold += half;
    if (since_fold + half > 65535) {
      fold();
      since_fold = 0;
    }
  }
  fold();
  return invalid + bin_count_uniform(edges, ne, x + i, n - i, counts);
}

// ---- float values in float lanes --------------------------------------------
// The float kernels of kernels_binning.hpp for this ISA: thresholds
// float_threshold(e) (so that v > t exactly when double(v) > e), twice the
// lanes of the double kernels, the same counts as bin_count_scalar on double(v).

/// detail::uniform_lane_bins_f32 for this ISA (same operations, same order).
struct lane_bins_f32 {
  vf origin, inv, lo, hi, trash, pos_inf, near_limit;
  lane_bins_f32(const uniform_geometry_f32& g, std::size_t ne) noexcept
      : origin(set1(g.origin)),
        inv(set1(g.inv_width)),
        lo(set1(0.5f)),
        hi(set1(static_cast<float>(ne) + 0.5f)),
        trash(set1(static_cast<float>(ne + 1))),
        pos_inf(set1(std::numeric_limits<float>::infinity())),
        near_limit(set1(g.slack)) {}
  mf checked(vf v, vf& bin) const noexcept {
    const mf finite = lt(abs(v), pos_inf);
    const vf t = min(max((v - origin) * inv, lo), hi);
    bin = select(finite, floor(t), trash);
    return and_m(finite, le(abs(t - nearbyint(t)), near_limit));
  }
  template <bool Exact>
  mf unchecked(vf v, vf& bin, finite_probe_f32& probe) const noexcept {
    const vf t = min(max((v - origin) * inv, lo), hi);
    bin = floor(t);
    probe.add(v);
    if (Exact) return eq(t, bin);
    return le(abs(t - nearbyint(t)), near_limit);
  }
};

/// detail::bin_count_uniform_simd for float values, this ISA.
inline std::uint64_t bin_count_uniform(const double* edges, std::size_t ne, const float* x, std::size_t n,
                                       std::uint64_t* counts) noexcept {
  constexpr std::size_t L = lanes<float>;
  constexpr std::size_t chunk = 512;
  constexpr std::size_t ways = 4;
  if (ne < 2 || ne + 1 > uniform_simd_max_bins) return bin_count_scalar(edges, ne, x, n, counts);
  float thr[uniform_simd_max_bins];
  const uniform_geometry_f32 g = float_thresholds(edges, ne, thr);
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  const std::size_t bins = ne + 1;
  const std::size_t stride = bins + 1;
  std::uint32_t sub[ways * (uniform_simd_max_bins + 1)];
  std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  alignas(64) float slot[chunk];
  const lane_bins_f32 lb(g, ne);
  const vf magic = set1(two_pow_23);
  std::uint64_t invalid = 0;
  std::size_t since_flush = 0;
  auto flush = [&]() {
    for (std::size_t w = 0; w < ways; ++w) {
      for (std::size_t b = 0; b < bins; ++b) counts[b] += sub[w * stride + b];
      invalid += sub[w * stride + bins];
    }
    std::memset(sub, 0, ways * stride * sizeof(std::uint32_t));
  };
  std::size_t i = 0;
  for (; i + chunk <= n; i += chunk) {
    const float* xc = x + i;
    for (std::size_t j = 0; j < chunk; j += L) {
      vf bin;
      const mf near = lb.checked(load(xc + j), bin);
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
      flush();
      since_flush = 0;
    }
  }
  flush();
  return invalid + bin_count_uniform_scalar(edges, ne, x + i, n - i, counts);
}

/// detail::bin_count_uniform_pairs_simd for float values, this ISA.
inline std::uint64_t bin_count_uniform_pairs(const double* edges, std::size_t ne, const float* x, std::size_t n,
                                             std::uint64_t* counts) noexcept {
  constexpr std::size_t L = lanes<float>;
  constexpr std::size_t half = 256;
  constexpr std::size_t max_stride = uniform_pairs_max_stride;
  const std::size_t bins = ne + 1;
  const std::size_t stride = bins + 1;
  if (ne < 2 || stride > max_stride) return bin_count_uniform(edges, ne, x, n, counts);
  float thr[uniform_pairs_max_stride];
  const uniform_geometry_f32 g = float_thresholds(edges, ne, thr);
  if (!g.usable) return bin_count_uniform_scalar(edges, ne, x, n, counts);
  alignas(64) std::uint16_t table[max_stride * max_stride];
  const std::size_t cells = stride * stride;
  std::memset(table, 0, cells * sizeof(std::uint16_t));
  alignas(64) float slot[half];
  const lane_bins_f32 lb(g, ne);
  const vf magic = set1(two_pow_23), wide = set1(static_cast<float>(stride));
  std::uint64_t invalid = 0;
  auto fold = [&]() {
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
    std::memset(table, 0, cells * sizeof(std::uint16_t));
  };
  // mode: 0 lane-checked, 1 assumed finite, 2 assumed finite with exact thresholds.
  auto pair_phase = [&](const float* xc, auto mode) {
    constexpr int m = decltype(mode)::value;
    finite_probe_f32 probe;
    for (std::size_t j = 0; j < half; j += L) {
      const float* xa = xc + 2 * j;
      const float* xb = xa + L;
      vf ba, bb;
      mf near;
      if constexpr (m == 0)
        near = or_m(lb.checked(load(xa), ba), lb.checked(load(xb), bb));
      else
        near = or_m(lb.template unchecked<m == 2>(load(xa), ba, probe),
                    lb.template unchecked<m == 2>(load(xb), bb, probe));
      store(slot + j, ba * wide + bb + magic);
      if (any(near)) {
        for (std::size_t l = 0; l < L; ++l)
          slot[j + l] = static_cast<float>(exact_lane_bin(edges, ne, static_cast<double>(xa[l])) *
                                               static_cast<double>(stride) +
                                           exact_lane_bin(edges, ne, static_cast<double>(xb[l]))) +
                        two_pow_23;
      }
    }
    return m == 0 || probe.all_finite();
  };
  std::size_t since_fold = 0;
  std::size_t i = 0;
  for (; i + 2 * half <= n; i += 2 * half) {
    const float* xc = x + i;
    const bool finite = g.exact ? pair_phase(xc, std::integral_constant<int, 2>{})
                                : pair_phase(xc, std::integral_constant<int, 1>{});
    if (!finite) pair_phase(xc, std::integral_constant<int, 0>{});
    for (std::size_t j = 0; j < half; j += 4) {
      ++table[slot_bin(slot + j)];
      ++table[slot_bin(slot + j + 1)];
      ++table[slot_bin(slot + j + 2)];
      ++table[slot_bin(slot + j + 3)];
    }
    since_fold += half;
    if (since_fold + half > 65535) {
      fold();
      since_fold = 0;
    }
  }
  fold();
  return invalid + bin_count_uniform(edges, ne, x + i, n - i, counts);
}
