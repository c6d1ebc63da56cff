// The AVX-512 kernels of kernels_divergence.hpp, in raw intrinsics: the
// weight-sums pass (weight_sums_avx512) and the Jensen-Shannon sum with its
// table logarithm (js512::, js_sum_avx512, js_sum_avx512_all). Each is compiled
// in an AVX-512 target region whatever the build's flags (dispatch.hpp) and
// runs when the level in use is avx512; the xsimd kernels and the scalar twins
// they must agree with stay in kernels_divergence.hpp. Included by
// kernels_divergence.hpp only, after the twins it falls back to and before the
// dispatchers (no include guard, no #include of its own).
#if defined(DRIFTWATCH_ISA_AVX512)

DRIFTWATCH_TARGET_AVX512_BEGIN
/// weight_sums_simd's AVX-512 body: the same block sums; per block, the
/// floating-point minimum of all weights. A block whose minimum is > 0 (no zero
/// and no negative weight: the usual case of dense weights) gives its smallest
/// non-zero weight from that minimum alone; any other block is read again (from
/// L1) with integer operations on the bit patterns: an OR of all of them (a sign
/// bit: a negative weight, or -0.0, both left to the twin) and the unsigned
/// minimum of bits - 1 (0 wraps to the largest value; non-negative doubles are
/// ordered as their bits). A NaN or an infinity makes the sums non-finite.
inline weight_sums weight_sums_avx512(const double* p, const double* q, std::size_t n) noexcept {
  constexpr std::size_t block = 512;  // 2 accumulators x 32 batches of 8
  const __m512i one = _mm512_set1_epi64(1);
  const __m512d inf = _mm512_set1_pd(HUGE_VAL);
  __m512i bits = _mm512_setzero_si512(), minp = _mm512_set1_epi64(-1), minq = _mm512_set1_epi64(-1);
  __m512d lowp = inf, lowq = inf;  // smallest weights of the blocks without zeros
  __m512d sp_s = _mm512_setzero_pd(), sp_c = _mm512_setzero_pd(), sq_s = _mm512_setzero_pd(), sq_c = _mm512_setzero_pd();
  const auto fold = [&](__m512d& s, __m512d& c, const __m512d x) noexcept {  // Neumaier, per lane
    const __m512d t = _mm512_add_pd(s, x);
    const __mmask8 big = _mm512_cmp_pd_mask(_mm512_abs_pd(s), _mm512_abs_pd(x), _CMP_GE_OQ);
    c = _mm512_add_pd(c, _mm512_mask_blend_pd(big, _mm512_add_pd(_mm512_sub_pd(x, t), s),
                                              _mm512_add_pd(_mm512_sub_pd(s, t), x)));
    s = t;
  };
  std::size_t i = 0;
  while (i + 16 <= n) {
    const std::size_t start = i, end = std::min(n, i + block);
    __m512d ap0 = _mm512_setzero_pd(), ap1 = _mm512_setzero_pd(), aq0 = _mm512_setzero_pd(), aq1 = _mm512_setzero_pd();
    __m512d bp = inf, bq = inf;
    for (; i + 16 <= end; i += 16) {
      const __m512d a0 = _mm512_loadu_pd(p + i), a1 = _mm512_loadu_pd(p + i + 8);
      const __m512d b0 = _mm512_loadu_pd(q + i), b1 = _mm512_loadu_pd(q + i + 8);
      ap0 = _mm512_add_pd(ap0, a0);
      ap1 = _mm512_add_pd(ap1, a1);
      aq0 = _mm512_add_pd(aq0, b0);
      aq1 = _mm512_add_pd(aq1, b1);
      bp = _mm512_min_pd(bp, _mm512_min_pd(a0, a1));
      bq = _mm512_min_pd(bq, _mm512_min_pd(b0, b1));
    }
    fold(sp_s, sp_c, _mm512_add_pd(ap0, ap1));
    fold(sq_s, sq_c, _mm512_add_pd(aq0, aq1));
    if (_mm512_cmp_pd_mask(_mm512_min_pd(bp, bq), _mm512_setzero_pd(), _CMP_GT_OQ) == 0xFF) {
      lowp = _mm512_min_pd(lowp, bp);
      lowq = _mm512_min_pd(lowq, bq);
      continue;
    }
    for (std::size_t k = start; k < i; k += 8) {  // zeros (or worse) in this block
      const __m512i ia = _mm512_castpd_si512(_mm512_loadu_pd(p + k));
      const __m512i ib = _mm512_castpd_si512(_mm512_loadu_pd(q + k));
      bits = _mm512_ternarylogic_epi64(bits, ia, ib, 0xFE);  // bits | ia | ib
      minp = _mm512_min_epu64(minp, _mm512_sub_epi64(ia, one));
      minq = _mm512_min_epu64(minq, _mm512_sub_epi64(ib, one));
    }
  }
  const weight_sums tail = weight_sums_scalar(p + i, q + i, n - i);
  alignas(64) double s1[8], c1[8], s2[8], c2[8];
  _mm512_store_pd(s1, sp_s);
  _mm512_store_pd(c1, sp_c);
  _mm512_store_pd(s2, sq_s);
  _mm512_store_pd(c2, sq_c);
  compensated_sum r, c;
  for (int l = 0; l < 8; ++l) r.add(s1[l]), c.add(s2[l]);
  for (int l = 0; l < 8; ++l) r.add(c1[l]), c.add(c2[l]);
  r.add(tail.reference);
  c.add(tail.current);
  const std::uint64_t sign = std::uint64_t(1) << 63;
  if (!tail.ok || !std::isfinite(r.value()) || !std::isfinite(c.value()) ||
      (static_cast<std::uint64_t>(_mm512_reduce_or_epi64(bits)) & sign))
    return weight_sums_scalar(p, q, n);  // a bad weight, -0.0 or an overflowing sum: the twin decides
  weight_sums w;
  w.reference = r.value();
  w.current = c.value();
  const auto min_of = [&](const __m512i m, const __m512d low, double tail_min) noexcept {
    const double x = std::min(tail_min, _mm512_reduce_min_pd(low));
    const std::uint64_t b = static_cast<std::uint64_t>(_mm512_reduce_min_epu64(m));
    if (b == ~std::uint64_t(0)) return x;  // no non-zero weight in the blocks with zeros
    double y;
    const std::uint64_t b1 = b + 1;
    std::memcpy(&y, &b1, sizeof y);
    return std::min(x, y);
  };
  w.min_reference = min_of(minp, lowp, tail.min_reference);
  w.min_current = min_of(minq, lowq, tail.min_current);
  return w;
}
DRIFTWATCH_TARGET_END

DRIFTWATCH_TARGET_AVX512_BEGIN
// ---- AVX-512 Jensen-Shannon kernel ---------------------------------------------
//
// Same sum of terms m f(d) as js_sum_scalar, arranged for AVX-512 (the generic
// kernel js_sum_generic of kernels_divergence.hpp is what the other levels use); per batch of 8 bins:
//   - d = (p - q)/s by one division (exact for subnormal s as well: no scaling,
//     no reciprocal); s = 0 (both weights 0) gives NaN, masked by the last product;
//   - f = u P(u), u = d^2, for |d| <= 0.1: P an economized degree-5 fit of
//     f(d)/d^2 (relative error 1.2e-17);
//   - f = r ln r + R ln R, r = 1 - |d| in [0, 0.9], R = 1 + |d| in [1.1, 2], for
//     |d| > 0.1. The logs come from a 16-entry table held in registers
//     (vpermt2pd): x = 2^e m, m in [1, 2) (vgetexppd/vgetmantpd, exact, also for
//     subnormals; R is its own m), j = the top 4 bits of m's fraction,
//     c_j = 1 + (j + 1/2)/16, ln x = e ln 2 - ln(inv_j) + log1p(m inv_j - 1) with
//     inv_j = fl(1/c_j) and -ln(inv_j) rounded once; |m inv_j - 1| <= 0.0304,
//     where a fitted degree-8 polynomial is within 1.5e-17 of log1p. Absolute
//     error below 1.5e-16 where |ln x| <= 1 (the table's and the final roundings;
//     measured 1.4e-16 in tests/simd_divergence_test.cpp), ~2 ulps beyond;
//   - error of f on the log path: the logs' absolute errors (<= 1.5e-16, times
//     r + R = 2) and the roundings of d and r = 1 - |d| (<= ~2 eps absolute, times
//     |ln r + 1|, whose product stays below ~40 eps as r ln r -> 0) against
//     f >= 0.0099: ~5e-14 relative for the worst term (|d| just above 0.1;
//     measured 4.7e-14 from the twin, whose own roundings are of that size there),
//     ~1e-15 for sums over mixed bins (measured 1.7e-15; same tests);
//   - both paths are evaluated for every lane and blended: a branch on "all 8
//     lanes on the series path" measured ~10% slower on mixed data;
//   - the term is s f = 2 m f; plain per-lane sums over blocks of 16 terms per
//     accumulator (all terms >= 0: relative error <= 16 eps per block), folded per
//     block into a Neumaier-compensated per-lane total, halved at the end.
// What bounds it: floating-point issue (~55 vector operations per 8 bins, of
// which the two log polynomials and table steps are ~30); 16 MB of input are
// read in ~0.3 ns per bin from L3, so memory is not the limit.
namespace js512 {
alignas(64) constexpr double inv_table[16] = {
    0x1.f07c1f07c1f08p-1, 0x1.d41d41d41d41dp-1, 0x1.bacf914c1bad0p-1, 0x1.a41a41a41a41ap-1,
    0x1.8f9c18f9c18fap-1, 0x1.7d05f417d05f4p-1, 0x1.6c16c16c16c17p-1, 0x1.5c9882b931057p-1,
    0x1.4e5e0a72f0539p-1, 0x1.4141414141414p-1, 0x1.3521cfb2b78c1p-1, 0x1.29e4129e4129ep-1,
    0x1.1f7047dc11f70p-1, 0x1.15b1e5f75270dp-1, 0x1.0c9714fbcda3bp-1, 0x1.0410410410410p-1};
// -ln(inv_table[j]), correctly rounded.
alignas(64) constexpr double nlog_table[16] = {
    0x1.f829b0e7832f8p-6, 0x1.6f0d28ae56b4ep-4, 0x1.29552f81ff521p-3, 0x1.9525a9cf456b6p-3,
    0x1.fb9186d5e3e29p-3, 0x1.2e8e2bae11d31p-2, 0x1.5d1bdbf5809cap-2, 0x1.89a3386c1425bp-2,
    0x1.b44f77bcc8f64p-2, 0x1.dd46a04c1c4a1p-2, 0x1.02552a5a5d0ffp-1, 0x1.154c3d2f4d5eap-1,
    0x1.2795e1289b11bp-1, 0x1.393e0d3562a1ap-1, 0x1.4a4f85db03ebbp-1, 0x1.5ad404c359f2dp-1};

/// 8 weights as doubles: loaded, or 8 floats widened in the register (exact).
inline __m512d load8(const double* p) noexcept { return _mm512_loadu_pd(p); }
inline __m512d load8(const float* p) noexcept { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }

/// The table in four registers.
struct log_table {
  __m512d inv_lo, inv_hi, nlog_lo, nlog_hi;
  log_table() noexcept
      : inv_lo(_mm512_load_pd(inv_table)),
        inv_hi(_mm512_load_pd(inv_table + 8)),
        nlog_lo(_mm512_load_pd(nlog_table)),
        nlog_hi(_mm512_load_pd(nlog_table + 8)) {}
};

/// log1p(r) = r + r^2 c(r) for |r| <= 0.0304 (fitted, within 1.5e-17).
inline __m512d log1p_small(const __m512d r) noexcept {
  __m512d c = _mm512_set1_pd(-0.1252427043021466);
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(0.1430667310961628));
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(-0.16666646358284753));
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(0.1999998772037649));
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(-0.2500000000663749));
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(0.3333333333549784));
  c = _mm512_fmadd_pd(c, r, _mm512_set1_pd(-0.49999999999999356));
  return _mm512_fmadd_pd(_mm512_mul_pd(r, r), c, r);
}

/// ln m = -ln(inv_j) + log1p(m inv_j - 1) for m in [1, 2), j from m's fraction.
inline __m512d log_mantissa(const __m512d m, const log_table& t) noexcept {
  const __m512i j = _mm512_srli_epi64(_mm512_castpd_si512(m), 48);  // low 4 bits: top of the fraction
  const __m512d inv = _mm512_permutex2var_pd(t.inv_lo, j, t.inv_hi);
  const __m512d nlog = _mm512_permutex2var_pd(t.nlog_lo, j, t.nlog_hi);
  return _mm512_add_pd(nlog, log1p_small(_mm512_fmsub_pd(m, inv, _mm512_set1_pd(1.0))));
}

/// ln x for x > 0 finite (normal or subnormal); see above.
inline __m512d log(const __m512d x, const log_table& t) noexcept {
  const __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  const __m512d e = _mm512_getexp_pd(x);
  const __m512i j = _mm512_srli_epi64(_mm512_castpd_si512(m), 48);
  const __m512d inv = _mm512_permutex2var_pd(t.inv_lo, j, t.inv_hi);
  const __m512d nlog = _mm512_permutex2var_pd(t.nlog_lo, j, t.nlog_hi);
  const __m512d r = _mm512_fmsub_pd(m, inv, _mm512_set1_pd(1.0));
  // e ln 2 - ln(inv_j) first, in one rounding (no cancellation error for x just below 1).
  return _mm512_add_pd(_mm512_fmadd_pd(e, _mm512_set1_pd(0.693147180559945309417232121458), nlog), log1p_small(r));
}

/// s f(d) = 2 m f(d) of 8 bins (0 where p = q = 0); see above.
inline __m512d js_terms(const __m512d p, const __m512d q, const log_table& t) noexcept {
  const __m512d s = _mm512_add_pd(p, q);
  const __m512d d = _mm512_div_pd(_mm512_sub_pd(p, q), s);
  const __m512d ad = _mm512_abs_pd(d);
  const __mmask8 small = _mm512_cmp_pd_mask(ad, _mm512_set1_pd(js_series_max), _CMP_LE_OQ);
  const __mmask8 pos = _mm512_cmp_pd_mask(s, _mm512_setzero_pd(), _CMP_GT_OQ);
  // Series path.
  const __m512d u = _mm512_mul_pd(d, d);
  __m512d c = _mm512_set1_pd(0.015485982254061299);
  c = _mm512_fmadd_pd(c, u, _mm512_set1_pd(0.022218441372189902));
  c = _mm512_fmadd_pd(c, u, _mm512_set1_pd(0.035714305365773386));
  c = _mm512_fmadd_pd(c, u, _mm512_set1_pd(0.06666666662054213));
  c = _mm512_fmadd_pd(c, u, _mm512_set1_pd(0.16666666666670624));
  c = _mm512_fmadd_pd(c, u, _mm512_set1_pd(1.0));
  const __m512d series = _mm512_mul_pd(u, c);
  // Log path. r = 0 (a zero weight) is clamped to DBL_MIN (finite log; r ln r
  // ~ 0 as it should be); R is kept below 2 so that its table index is that of
  // [1, 2) (ln R then off by <= 1.2e-16, only where a weight is 0).
  const __m512d r = _mm512_max_pd(_mm512_sub_pd(_mm512_set1_pd(1.0), ad), _mm512_set1_pd(DBL_MIN));
  const __m512d big = _mm512_min_pd(_mm512_add_pd(_mm512_set1_pd(1.0), ad), _mm512_set1_pd(0x1.fffffffffffffp0));
  const __m512d logs = _mm512_fmadd_pd(r, log(r, t), _mm512_mul_pd(big, log_mantissa(big, t)));
  return _mm512_maskz_mul_pd(pos, s, _mm512_mask_blend_pd(small, logs, series));
}

/// Neumaier-compensated per-lane total of block sums.
struct lane_total {
  __m512d s, c;
  lane_total() noexcept : s(_mm512_setzero_pd()), c(_mm512_setzero_pd()) {}  // user-provided: compiled for AVX-512
  void add(const __m512d x) noexcept {
    const __m512d t = _mm512_add_pd(s, x);
    const __mmask8 big = _mm512_cmp_pd_mask(_mm512_abs_pd(s), _mm512_abs_pd(x), _CMP_GE_OQ);
    const __m512d e = _mm512_mask_blend_pd(big, _mm512_add_pd(_mm512_sub_pd(x, t), s),
                                           _mm512_add_pd(_mm512_sub_pd(s, t), x));
    c = _mm512_add_pd(c, e);
    s = t;
  }
  void add_to(compensated_sum& total, double scale) const noexcept {
    alignas(64) double a[8], b[8];
    _mm512_store_pd(a, s);
    _mm512_store_pd(b, c);
    for (int l = 0; l < 8; ++l) total.add(a[l] * scale);
    for (int l = 0; l < 8; ++l) total.add(b[l] * scale);
  }
};
}  // namespace js512

/// js_sum over the multiple-of-8 head of n bins with AVX-512; `done` = bins summed.
template <class T>
inline double js_sum_avx512(const T* ref, const T* cur, std::size_t n, double tp, double tq,
                            std::size_t& done) noexcept {
  const js512::log_table t;
  const __m512d va = _mm512_set1_pd(1.0 / tp), vb = _mm512_set1_pd(1.0 / tq);
  // p = ref * (1/tp) rounded as the twin rounds it: an explicitly rounded product,
  // which the compiler cannot contract into the later p - q (an FMA there would
  // turn p's rounding error into the difference of two identical weights).
  // (Lambdas in target regions capture by default: a captureless one would
  // also get a conversion to a function pointer, compiled without the region's ISA.)
  const auto scale = [&](const __m512d x, const __m512d y) noexcept {
    return _mm512_mul_round_pd(x, y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  };
  js512::lane_total total;
  constexpr std::size_t block = 256;  // bins per plain sum: 16 terms per lane and accumulator
  std::size_t i = 0;
  while (i + 16 <= n) {
    const std::size_t end = std::min(n, i + block);
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    for (; i + 16 <= end; i += 16) {
      const __m512d p0 = scale(js512::load8(ref + i), va);
      const __m512d q0 = scale(js512::load8(cur + i), vb);
      const __m512d p1 = scale(js512::load8(ref + i + 8), va);
      const __m512d q1 = scale(js512::load8(cur + i + 8), vb);
      acc0 = _mm512_add_pd(acc0, js512::js_terms(p0, q0, t));
      acc1 = _mm512_add_pd(acc1, js512::js_terms(p1, q1, t));
    }
    total.add(_mm512_add_pd(acc0, acc1));
  }
  if (i + 8 <= n) {
    total.add(js512::js_terms(scale(js512::load8(ref + i), va), scale(js512::load8(cur + i), vb), t));
    i += 8;
  }
  done = i;
  compensated_sum sum;
  total.add_to(sum, 0.5);
  return sum.value();
}
DRIFTWATCH_TARGET_END

/// The AVX-512 JS kernel over all n bins (its head, then the twin's tail).
/// Called out of line from a default build (it is compiled for AVX-512).
template <class T>
inline double js_sum_avx512_all(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
  std::size_t done = 0;
  compensated_sum total;
  total.add(js_sum_avx512(ref, cur, n, tp, tq, done));
  total.add(js_sum_scalar(ref + done, cur + done, n - done, tp, tq));
  return total.value();
}

#endif  // DRIFTWATCH_ISA_AVX512
