// drift_monitor::observe_row's block drain for one ISA (AVX-512 first, then
// the AVX2 twins): tile transpose, column range, guided slot search.
// Included by kernels_row.hpp once per ISA between isa_begin.hpp and
// isa_end.hpp.

#if DRIFTWATCH_ISA == 3
// AVX-512 (compress, masked gathers and scatters; AVX2 twins below): the kernels of
// drift_monitor::observe_row's block drain (detail/kernels_row.hpp).

/// s[i] = the slot of the finite x[i] among a reference's distinct values
/// u[0 .. d) (2 #{u_k < x}, plus 1 if x is some u_k: what
/// numeric_reference_data::slot returns, bit for bit), through its search
/// guide g (numeric_reference_data::guide_block, read as two 64-bit words:
/// the 4-bit bucket counts, then base | dense << 32), 8 values per step: the
/// bucket computed as numeric_reference_data::bucket does (a subtraction and
/// a multiplication, not fused), the guide blocks gathered, a value in an
/// empty bucket done (slot 2 start), the others listed (compressed) and
/// searched among their bucket's at most 4 values in a second pass, 8 listed
/// values per step (masked gathers). Buckets of more than 4 values and dense
/// blocks: one value at a time, as slots_search does. work: 3 n u32.
inline void slots_guided(const double* x, std::size_t n, const double* u, std::size_t d, const std::uint64_t* g,
                         std::size_t buckets, double origin, double scale, std::uint32_t* s,
                         std::uint32_t* work) noexcept {
  std::uint32_t* todo = work;
  std::uint32_t* lo = work + n;
  std::uint32_t* len = work + 2 * n;
  std::size_t n_todo = 0;
  const __m512d vu0 = _mm512_set1_pd(u[0]), vtop = _mm512_set1_pd(u[d - 1]), vor = _mm512_set1_pd(origin),
                vsc = _mm512_set1_pd(scale), vlast = _mm512_set1_pd(static_cast<double>(buckets - 1));
  const __m512i one = _mm512_set1_epi64(1), zero = _mm512_setzero_si512(), f15 = _mm512_set1_epi64(15),
                m0f = _mm512_set1_epi64(0x0F0F0F0F0F0F0F0FLL), lo32 = _mm512_set1_epi64(0xFFFFFFFFLL),
                four = _mm512_set1_epi64(4), two_d = _mm512_set1_epi64(static_cast<long long>(2 * d));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  auto scalar_slot = [&](std::size_t i) {
    const double v = x[i];
    if (!(v > u[0])) return static_cast<std::uint32_t>(v == u[0]);
    if (v > u[d - 1]) return static_cast<std::uint32_t>(2 * d);
    const double bd = (v - origin) * scale;
    const std::size_t bk = bd >= static_cast<double>(buckets - 1) ? buckets - 1 : static_cast<std::size_t>(bd);
    const std::uint64_t* blk = g + 2 * (bk / 16);
    const unsigned shift = 4 * static_cast<unsigned>(bk % 16);
    const std::uint64_t counts = blk[0];
    const std::uint64_t low = counts & ((std::uint64_t{1} << shift) - 1);
    const std::uint64_t bytes = (low & 0x0F0F0F0F0F0F0F0Fu) + ((low >> 4) & 0x0F0F0F0F0F0F0F0Fu);
    const std::size_t base = static_cast<std::uint32_t>(blk[1]);
    std::size_t a = base + static_cast<std::size_t>((bytes * 0x0101010101010101u) >> 56);
    std::size_t e = a + static_cast<std::size_t>((counts >> shift) & 15);
    if ((blk[1] >> 32) != 0) {
      a = base;
      e = static_cast<std::uint32_t>(blk[3]);
    }
    if (e == a) return static_cast<std::uint32_t>(2 * a);
    const std::size_t k = a + bin_of_branchless(u + a, e - a, v);
    return static_cast<std::uint32_t>(2 * k + static_cast<std::size_t>(k < e && u[k] == v));
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    const __mmask8 gt0 = _mm512_cmp_pd_mask(v, vu0, _CMP_GT_OQ);
    const __mmask8 gt_top = _mm512_cmp_pd_mask(v, vtop, _CMP_GT_OQ);
    const __mmask8 eq0 = _mm512_cmp_pd_mask(v, vu0, _CMP_EQ_OQ);
    const __mmask8 in = static_cast<__mmask8>(gt0 & ~gt_top);
    const __m512d b = _mm512_min_pd(_mm512_mul_pd(_mm512_sub_pd(v, vor), vsc), vlast);
    const __m512i bk = _mm512_maskz_cvttpd_epi64(in, b);
    const __m512i idx = _mm512_slli_epi64(_mm512_srli_epi64(bk, 4), 1);
    const __m512i sh = _mm512_slli_epi64(_mm512_and_si512(bk, f15), 2);
    const __m512i counts = _mm512_mask_i64gather_epi64(zero, in, idx, g, 8);
    const __m512i meta = _mm512_mask_i64gather_epi64(zero, in, _mm512_add_epi64(idx, one), g, 8);
    const __m512i low = _mm512_and_si512(counts, _mm512_sub_epi64(_mm512_sllv_epi64(one, sh), one));
    const __m512i bytes =
        _mm512_add_epi64(_mm512_and_si512(low, m0f), _mm512_and_si512(_mm512_srli_epi64(low, 4), m0f));
    const __m512i a = _mm512_add_epi64(_mm512_and_si512(meta, lo32), _mm512_sad_epu8(bytes, zero));
    const __m512i m = _mm512_and_si512(_mm512_srlv_epi64(counts, sh), f15);
    const __mmask8 dense = _mm512_mask_test_epi64_mask(in, meta, _mm512_set1_epi64(~0xFFFFFFFFLL));
    const __mmask8 has = _mm512_mask_cmpneq_epi64_mask(in, m, zero);
    const __mmask8 big = _mm512_mask_cmpgt_epi64_mask(in, m, four);
    const __mmask8 rare = static_cast<__mmask8>(dense | (big & ~dense));
    const __mmask8 search = static_cast<__mmask8>(has & ~rare);
    __m512i slot = _mm512_maskz_slli_epi64(in, a, 1);
    slot = _mm512_mask_mov_epi64(slot, eq0, one);
    slot = _mm512_mask_mov_epi64(slot, gt_top, two_d);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i), _mm512_cvtepi64_epi32(slot));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lo + i), _mm512_cvtepi64_epi32(a));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(len + i), _mm512_cvtepi64_epi32(m));
    _mm256_mask_compressstoreu_epi32(todo + n_todo, search,
                                     _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(i))));
    n_todo += static_cast<std::size_t>(__builtin_popcount(search));
    for (unsigned r = rare; r != 0; r &= r - 1) {
      const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(r));
      s[j] = scalar_slot(j);
    }
  }
  for (; i < n; ++i) s[i] = scalar_slot(i);
  const __m256i one32 = _mm256_set1_epi32(1);
  for (std::size_t t = 0; t < n_todo; t += 8) {
    const __mmask8 live = static_cast<__mmask8>(n_todo - t >= 8 ? 0xFF : (1u << (n_todo - t)) - 1);
    const __m256i id = _mm256_maskz_loadu_epi32(live, todo + t);
    const __m512d v = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), live, id, x, 8);
    const __m256i a = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), live, id, lo, 4);
    const __m256i m = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), live, id, len, 4);
    __m256i below = _mm256_setzero_si256(), equal = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      const __mmask8 inj = _mm256_mask_cmpgt_epi32_mask(live, m, _mm256_set1_epi32(j));
      const __m512d w = _mm512_mask_i32gather_pd(v, inj, _mm256_add_epi32(a, _mm256_set1_epi32(j)), u, 8);
      below = _mm256_mask_add_epi32(below, _mm512_mask_cmp_pd_mask(inj, w, v, _CMP_LT_OQ), below, one32);
      equal = _mm256_mask_add_epi32(equal, _mm512_mask_cmp_pd_mask(inj, w, v, _CMP_EQ_OQ), equal, one32);
    }
    const __m256i slot = _mm256_add_epi32(_mm256_slli_epi32(_mm256_add_epi32(a, below), 1), equal);
    _mm256_mask_i32scatter_epi32(s, live, id, slot, 4);
  }
}

/// 8 features of `rows` rows of a row-major block (row r at
/// b + r * f) into 8 columns (column t at cols + t * cs), 8 x 8 at a time.
inline void transpose_tile8(const double* b, std::size_t f, std::size_t rows, double* cols, std::size_t cs) noexcept {
  std::size_t r = 0;
  for (; r + 8 <= rows; r += 8) {
    const double* p = b + r * f;
    const __m512d r0 = _mm512_loadu_pd(p), r1 = _mm512_loadu_pd(p + f), r2 = _mm512_loadu_pd(p + 2 * f),
                  r3 = _mm512_loadu_pd(p + 3 * f), r4 = _mm512_loadu_pd(p + 4 * f), r5 = _mm512_loadu_pd(p + 5 * f),
                  r6 = _mm512_loadu_pd(p + 6 * f), r7 = _mm512_loadu_pd(p + 7 * f);
    const __m512d t0 = _mm512_unpacklo_pd(r0, r1), t1 = _mm512_unpackhi_pd(r0, r1), t2 = _mm512_unpacklo_pd(r2, r3),
                  t3 = _mm512_unpackhi_pd(r2, r3), t4 = _mm512_unpacklo_pd(r4, r5), t5 = _mm512_unpackhi_pd(r4, r5),
                  t6 = _mm512_unpacklo_pd(r6, r7), t7 = _mm512_unpackhi_pd(r6, r7);
    const __m512d u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t0, t2, 0xDD),
                  u2 = _mm512_shuffle_f64x2(t1, t3, 0x88), u3 = _mm512_shuffle_f64x2(t1, t3, 0xDD),
                  u4 = _mm512_shuffle_f64x2(t4, t6, 0x88), u5 = _mm512_shuffle_f64x2(t4, t6, 0xDD),
                  u6 = _mm512_shuffle_f64x2(t5, t7, 0x88), u7 = _mm512_shuffle_f64x2(t5, t7, 0xDD);
    _mm512_storeu_pd(cols + r, _mm512_shuffle_f64x2(u0, u4, 0x88));
    _mm512_storeu_pd(cols + 4 * cs + r, _mm512_shuffle_f64x2(u0, u4, 0xDD));
    _mm512_storeu_pd(cols + 2 * cs + r, _mm512_shuffle_f64x2(u1, u5, 0x88));
    _mm512_storeu_pd(cols + 6 * cs + r, _mm512_shuffle_f64x2(u1, u5, 0xDD));
    _mm512_storeu_pd(cols + cs + r, _mm512_shuffle_f64x2(u2, u6, 0x88));
    _mm512_storeu_pd(cols + 5 * cs + r, _mm512_shuffle_f64x2(u2, u6, 0xDD));
    _mm512_storeu_pd(cols + 3 * cs + r, _mm512_shuffle_f64x2(u3, u7, 0x88));
    _mm512_storeu_pd(cols + 7 * cs + r, _mm512_shuffle_f64x2(u3, u7, 0xDD));
  }
  for (; r < rows; ++r)
    for (std::size_t t = 0; t < 8; ++t) cols[t * cs + r] = b[r * f + t];
}

/// Whether x[0 .. n) are all finite; if so, lo / hi lowered / raised to their
/// min and max exactly as `if (x < lo) lo = x; if (x > hi) hi = x;` in order
/// gives (a window whose extreme is a zero of either sign is redone in order:
/// -0 and +0 tie, and the first one seen wins).
inline bool column_range(const double* x, std::size_t n, double& lo, double& hi) noexcept {
  __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi), probe = _mm512_setzero_pd();
  const __m512d z = _mm512_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    probe = _mm512_fmadd_pd(v, z, probe);
    vlo = _mm512_min_pd(v, vlo);
    vhi = _mm512_max_pd(v, vhi);
  }
  if (_mm512_cmp_pd_mask(probe, probe, _CMP_ORD_Q) != 0xFF) return false;
  for (std::size_t j = i; j < n; ++j)
    if (!std::isfinite(x[j])) return false;
  double l = _mm512_reduce_min_pd(vlo), h = _mm512_reduce_max_pd(vhi);
  if (l == 0.0 || h == 0.0) {  // +0 and -0 tie: the first in order wins, as one value at a time
    l = lo;
    h = hi;
    i = 0;
  }
  for (; i < n; ++i) {
    l = x[i] < l ? x[i] : l;
    h = x[i] > h ? x[i] : h;
  }
  lo = l;
  hi = h;
  return true;
}
#endif

#if DRIFTWATCH_ISA == 2
// The AVX2 twins of the AVX-512 drain kernels above (4 lanes; no compress or
// scatter: the list of values to search is built branch-free one lane at a
// time, and the searched slots are stored one lane at a time).

/// As the AVX-512 slots_guided (the same slots); buckets must fit 31 bits.
inline void slots_guided(const double* x, std::size_t n, const double* u, std::size_t d, const std::uint64_t* g,
                         std::size_t buckets, double origin, double scale, std::uint32_t* s,
                         std::uint32_t* work) noexcept {
  std::uint32_t* todo = work;
  std::uint32_t* lo = work + n;
  std::uint32_t* len = work + 2 * n;
  std::size_t n_todo = 0;
  const __m256d vu0 = _mm256_set1_pd(u[0]), vtop = _mm256_set1_pd(u[d - 1]), vor = _mm256_set1_pd(origin),
                vsc = _mm256_set1_pd(scale), vlast = _mm256_set1_pd(static_cast<double>(buckets - 1)),
                zero_d = _mm256_setzero_pd();
  const __m256i one = _mm256_set1_epi64x(1), zero = _mm256_setzero_si256(), f15 = _mm256_set1_epi64x(15),
                m0f = _mm256_set1_epi64x(0x0F0F0F0F0F0F0F0FLL), lo32 = _mm256_set1_epi64x(0xFFFFFFFFLL),
                four = _mm256_set1_epi64x(4), two_d = _mm256_set1_epi64x(static_cast<long long>(2 * d)),
                pack = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  auto scalar_slot = [&](std::size_t i) {
    const double v = x[i];
    if (!(v > u[0])) return static_cast<std::uint32_t>(v == u[0]);
    if (v > u[d - 1]) return static_cast<std::uint32_t>(2 * d);
    const double bd = (v - origin) * scale;
    const std::size_t bk = bd >= static_cast<double>(buckets - 1) ? buckets - 1 : static_cast<std::size_t>(bd);
    const std::uint64_t* blk = g + 2 * (bk / 16);
    const unsigned shift = 4 * static_cast<unsigned>(bk % 16);
    const std::uint64_t counts = blk[0];
    const std::uint64_t low = counts & ((std::uint64_t{1} << shift) - 1);
    const std::uint64_t bytes = (low & 0x0F0F0F0F0F0F0F0Fu) + ((low >> 4) & 0x0F0F0F0F0F0F0F0Fu);
    const std::size_t base = static_cast<std::uint32_t>(blk[1]);
    std::size_t a = base + static_cast<std::size_t>((bytes * 0x0101010101010101u) >> 56);
    std::size_t e = a + static_cast<std::size_t>((counts >> shift) & 15);
    if ((blk[1] >> 32) != 0) {
      a = base;
      e = static_cast<std::uint32_t>(blk[3]);
    }
    if (e == a) return static_cast<std::uint32_t>(2 * a);
    const std::size_t k = a + bin_of_branchless(u + a, e - a, v);
    return static_cast<std::uint32_t>(2 * k + static_cast<std::size_t>(k < e && u[k] == v));
  };
  auto store4 = [&](std::uint32_t* p, __m256i v64) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(v64, pack)));
  };
  const long long* gl = reinterpret_cast<const long long*>(g);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_loadu_pd(x + i);
    const __m256d gt0 = _mm256_cmp_pd(v, vu0, _CMP_GT_OQ);
    const __m256d gt_top = _mm256_cmp_pd(v, vtop, _CMP_GT_OQ);
    const __m256d eq0 = _mm256_cmp_pd(v, vu0, _CMP_EQ_OQ);
    const __m256d in = _mm256_andnot_pd(gt_top, gt0);
    const __m256i in_i = _mm256_castpd_si256(in);
    const __m256d b = _mm256_blendv_pd(zero_d, _mm256_min_pd(_mm256_mul_pd(_mm256_sub_pd(v, vor), vsc), vlast), in);
    const __m128i bk = _mm256_cvttpd_epi32(b);
    const __m128i idx = _mm_slli_epi32(_mm_srli_epi32(bk, 4), 1);
    const __m256i sh = _mm256_cvtepi32_epi64(_mm_slli_epi32(_mm_and_si128(bk, _mm_set1_epi32(15)), 2));
    const __m256i counts = _mm256_mask_i32gather_epi64(zero, gl, idx, in_i, 8);
    const __m256i meta = _mm256_mask_i32gather_epi64(zero, gl, _mm_add_epi32(idx, _mm_set1_epi32(1)), in_i, 8);
    const __m256i low = _mm256_and_si256(counts, _mm256_sub_epi64(_mm256_sllv_epi64(one, sh), one));
    const __m256i bytes =
        _mm256_add_epi64(_mm256_and_si256(low, m0f), _mm256_and_si256(_mm256_srli_epi64(low, 4), m0f));
    const __m256i a = _mm256_add_epi64(_mm256_and_si256(meta, lo32), _mm256_sad_epu8(bytes, zero));
    const __m256i m = _mm256_and_si256(_mm256_srlv_epi64(counts, sh), f15);
    const unsigned in_bits = static_cast<unsigned>(_mm256_movemask_pd(in));
    const unsigned dense = in_bits & ~static_cast<unsigned>(_mm256_movemask_pd(
                                         _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_srli_epi64(meta, 32), zero))));
    const unsigned has = in_bits & ~static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(m, zero))));
    const unsigned big = in_bits & static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(m, four))));
    const unsigned rare = dense | big;
    const unsigned search = has & ~rare;
    __m256i slot = _mm256_and_si256(_mm256_slli_epi64(a, 1), in_i);
    slot = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(slot), _mm256_castsi256_pd(one), eq0));
    slot = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(slot), _mm256_castsi256_pd(two_d), gt_top));
    store4(s + i, slot);
    store4(lo + i, a);
    store4(len + i, m);
    for (unsigned l = 0; l < 4; ++l) {  // the list, branch-free
      todo[n_todo] = static_cast<std::uint32_t>(i + l);
      n_todo += (search >> l) & 1u;
    }
    for (unsigned r = rare; r != 0; r &= r - 1) {
      const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(r));
      s[j] = scalar_slot(j);
    }
  }
  for (; i < n; ++i) s[i] = scalar_slot(i);
  for (std::size_t t = 0; t < n_todo; t += 4) {
    const std::size_t live_n = n_todo - t >= 4 ? 4 : n_todo - t;
    const __m128i live = _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(live_n)), _mm_setr_epi32(0, 1, 2, 3));
    const __m128i id = _mm_maskload_epi32(reinterpret_cast<const int*>(todo + t), live);  // off lanes: 0
    const __m256d v = _mm256_i32gather_pd(x, id, 8);
    const __m128i a = _mm_i32gather_epi32(reinterpret_cast<const int*>(lo), id, 4);
    const __m128i m = _mm_and_si128(_mm_i32gather_epi32(reinterpret_cast<const int*>(len), id, 4), live);
    __m256i below = _mm256_setzero_si256(), equal = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      const __m256d inj = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpgt_epi32(m, _mm_set1_epi32(j))));
      const __m256d w = _mm256_mask_i32gather_pd(v, u, _mm_add_epi32(a, _mm_set1_epi32(j)), inj, 8);
      below = _mm256_sub_epi64(below, _mm256_castpd_si256(_mm256_and_pd(inj, _mm256_cmp_pd(w, v, _CMP_LT_OQ))));
      equal = _mm256_sub_epi64(equal, _mm256_castpd_si256(_mm256_and_pd(inj, _mm256_cmp_pd(w, v, _CMP_EQ_OQ))));
    }
    const __m256i slot = _mm256_add_epi64(_mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepu32_epi64(a), below), 1), equal);
    alignas(32) std::uint64_t out[4];
    alignas(16) std::uint32_t ids[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), slot);
    _mm_store_si128(reinterpret_cast<__m128i*>(ids), id);
    for (std::size_t l = 0; l < live_n; ++l) s[ids[l]] = static_cast<std::uint32_t>(out[l]);
  }
}

/// As the AVX-512 transpose_tile8, 4 x 4 doubles at a time.
inline void transpose_tile8(const double* b, std::size_t f, std::size_t rows, double* cols, std::size_t cs) noexcept {
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    for (std::size_t h = 0; h < 8; h += 4) {
      const double* p = b + r * f + h;
      const __m256d r0 = _mm256_loadu_pd(p), r1 = _mm256_loadu_pd(p + f), r2 = _mm256_loadu_pd(p + 2 * f),
                    r3 = _mm256_loadu_pd(p + 3 * f);
      const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1),
                    t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
      double* c = cols + h * cs + r;
      _mm256_storeu_pd(c, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_storeu_pd(c + cs, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_storeu_pd(c + 2 * cs, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_storeu_pd(c + 3 * cs, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
  }
  for (; r < rows; ++r)
    for (std::size_t t = 0; t < 8; ++t) cols[t * cs + r] = b[r * f + t];
}

/// As the AVX-512 column_range.
inline bool column_range(const double* x, std::size_t n, double& lo, double& hi) noexcept {
  __m256d vlo = _mm256_set1_pd(lo), vhi = _mm256_set1_pd(hi), probe = _mm256_setzero_pd();
  const __m256d z = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_loadu_pd(x + i);
    probe = _mm256_fmadd_pd(v, z, probe);
    vlo = _mm256_min_pd(v, vlo);
    vhi = _mm256_max_pd(v, vhi);
  }
  if (_mm256_movemask_pd(_mm256_cmp_pd(probe, probe, _CMP_ORD_Q)) != 0xF) return false;
  for (std::size_t j = i; j < n; ++j)
    if (!std::isfinite(x[j])) return false;
  alignas(32) double a[4], b4[4];
  _mm256_store_pd(a, vlo);
  _mm256_store_pd(b4, vhi);
  double l = a[0], h = b4[0];
  for (int k = 1; k < 4; ++k) {
    l = a[k] < l ? a[k] : l;
    h = b4[k] > h ? b4[k] : h;
  }
  if (l == 0.0 || h == 0.0) {  // +0 and -0 tie: the first in order wins, as one value at a time
    l = lo;
    h = hi;
    i = 0;
  }
  for (; i < n; ++i) {
    l = x[i] < l ? x[i] : l;
    h = x[i] > h ? x[i] : h;
  }
  lo = l;
  hi = h;
  return true;
}
#endif
