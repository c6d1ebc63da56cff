// count_above of kernels_ranking.hpp for one ISA (AVX2 or AVX-512), written on
// isa_vec.hpp: the same blocks, groups of queries and cut points as
// count_above_simd, with integer counters per lane (a compare and a masked
// subtract per query and batch). Exact, like its twin. Included by
// kernels_ranking.hpp once per ISA between isa_begin.hpp and isa_end.hpp.

template <class V, std::size_t... K>
inline void count_above_step(V v, V w, vi* acc, vi* acc2, const V* thr, std::index_sequence<K...>) noexcept {
  ((acc[K] = count_gt(acc[K], v, thr[K]), acc2[K] = count_gt(acc2[K], w, thr[K])), ...);
}

template <class T, std::size_t G>
void count_group(const T* row, std::size_t b0, std::size_t b1, const above_query<T>* queries,
                       std::size_t g0, std::size_t m, std::size_t* counts) noexcept {
  using V = decltype(set1(T(0)));
  constexpr std::size_t L = lanes<T>;
  std::size_t cut[G + 2];
  const std::size_t ncut = cut_at_splits<T, G>(b0, b1, queries, g0, m, cut);
  vi acc[G], acc2[G];
  for (std::size_t k = 0; k < G; ++k) acc[k] = acc2[k] = zero_i();
  for (std::size_t c = 0; c + 1 < ncut; ++c) {
    const std::size_t s0 = cut[c], s1 = cut[c + 1];
    if (s0 == s1) continue;
    T t[G];
    V thr[G];
    for (std::size_t k = 0; k < G; ++k) {
      t[k] = piece_threshold(queries, g0 + k, m, s1);
      thr[k] = set1(t[k]);
    }
    const std::size_t vec_end = s0 + (s1 - s0) / L * L;
    std::size_t i = s0;
    for (; i + 2 * L <= vec_end; i += 2 * L)
      count_above_step(load(row + i), load(row + i + L), acc, acc2, thr, std::make_index_sequence<G>{});
    if (i < vec_end)
      count_above_step(load(row + i), set1(-std::numeric_limits<T>::infinity()), acc, acc2, thr, std::make_index_sequence<G>{});
    count_piece_tail<T, G>(row, vec_end, s1, t, g0, m, counts);
  }
  for (std::size_t k = 0; k < G && g0 + k < m; ++k) {
    if (sizeof(T) == 8)
      counts[g0 + k] += static_cast<std::size_t>(sum64(add64(acc[k], acc2[k])));
    else
      counts[g0 + k] += static_cast<std::size_t>(sum32(add32(acc[k], acc2[k])));
  }
}

/// count_above_simd for this ISA (32-bit lane counters for floats: a block
/// holds 4096 values, far below 2^31).
template <class T>
void count_above(const T* row, std::size_t n, const above_query<T>* queries, std::size_t m,
                 std::size_t* counts) noexcept {
  constexpr std::size_t block = 4096;
  for (std::size_t q = 0; q < m; ++q) counts[q] = 0;
  for (std::size_t b0 = 0; b0 < n; b0 += block) {
    const std::size_t b1 = b0 + block < n ? b0 + block : n;
    for (std::size_t g0 = 0; g0 < m; g0 += 8) {
      switch (m - g0 < 8 ? m - g0 : 8) {
        case 1: count_group<T, 1>(row, b0, b1, queries, g0, m, counts); break;
        case 2: count_group<T, 2>(row, b0, b1, queries, g0, m, counts); break;
        case 3: count_group<T, 3>(row, b0, b1, queries, g0, m, counts); break;
        case 4: count_group<T, 4>(row, b0, b1, queries, g0, m, counts); break;
        case 5: count_group<T, 5>(row, b0, b1, queries, g0, m, counts); break;
        case 6: count_group<T, 6>(row, b0, b1, queries, g0, m, counts); break;
        case 7: count_group<T, 7>(row, b0, b1, queries, g0, m, counts); break;
        default: count_group<T, 8>(row, b0, b1, queries, g0, m, counts); break;
      }
    }
  }
}
