// The few vector operations the AVX2 and AVX-512 kernels share, in raw
// intrinsics (xsimd 8.1 gives no AVX type without -mavx). Included inside a
// target region and a namespace (detail::avx2 or detail::avx512) by
// isa_begin.hpp, once per ISA; no include guard of its own, no #include.
//
// vd / vf: a vector of doubles / floats; vi: the integer vector of the same
// width; md / mf: a comparison mask (__mmask8/16 on AVX-512, an all-ones
// lane vector on AVX2). Comparisons are ordered: false on NaN.

#if DRIFTWATCH_ISA == 3

constexpr std::size_t vbytes = 64;
using vd = __m512d;
using vf = __m512;
using vi = __m512i;
using md = __mmask8;
using mf = __mmask16;

inline vd load(const double* p) noexcept { return _mm512_loadu_pd(p); }
inline vf load(const float* p) noexcept { return _mm512_loadu_ps(p); }
inline void store(double* p, vd v) noexcept { _mm512_storeu_pd(p, v); }
inline vd set1(double x) noexcept { return _mm512_set1_pd(x); }
inline vf set1(float x) noexcept { return _mm512_set1_ps(x); }
inline vi zero_i() noexcept { return _mm512_setzero_si512(); }
inline md gt(vd a, vd b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
inline mf gt(vf a, vf b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline md lt(vd a, vd b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
inline md le(vd a, vd b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
inline md eq(vd a, vd b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
inline bool any(md m) noexcept { return m != 0; }
inline md and_m(md a, md b) noexcept { return static_cast<md>(a & b); }
inline md or_m(md a, md b) noexcept { return static_cast<md>(a | b); }
inline vd select(md m, vd a, vd b) noexcept { return _mm512_mask_blend_pd(m, b, a); }
inline vd min(vd a, vd b) noexcept { return _mm512_min_pd(a, b); }
inline vd max(vd a, vd b) noexcept { return _mm512_max_pd(a, b); }
inline vd abs(vd a) noexcept { return _mm512_abs_pd(a); }
inline vd floor(vd a) noexcept { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline vd nearbyint(vd a) noexcept { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline vd fma(vd a, vd b, vd c) noexcept { return _mm512_fmadd_pd(a, b, c); }
/// All lanes ordered (no NaN).
inline bool all_ordered(vd a) noexcept { return _mm512_cmp_pd_mask(a, a, _CMP_ORD_Q) == 0xFF; }
/// acc + 1 in the lanes where a > b (64-bit counters for doubles, 32-bit for floats).
inline vi count_gt(vi acc, vd a, vd b) noexcept {
  return _mm512_mask_sub_epi64(acc, _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ), acc, _mm512_set1_epi64(-1));
}
inline vi count_gt(vi acc, vf a, vf b) noexcept {
  return _mm512_mask_sub_epi32(acc, _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), acc, _mm512_set1_epi32(-1));
}
inline vi add64(vi a, vi b) noexcept { return _mm512_add_epi64(a, b); }
inline void store(std::uint64_t* p, vi v) noexcept { _mm512_storeu_si512(p, v); }
inline vi add32(vi a, vi b) noexcept { return _mm512_add_epi32(a, b); }
// Float lanes (the float binning kernels).
inline void store(float* p, vf v) noexcept { _mm512_storeu_ps(p, v); }
inline mf lt(vf a, vf b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline mf le(vf a, vf b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
inline mf eq(vf a, vf b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
inline bool any(mf m) noexcept { return m != 0; }
inline mf and_m(mf a, mf b) noexcept { return static_cast<mf>(a & b); }
inline mf or_m(mf a, mf b) noexcept { return static_cast<mf>(a | b); }
inline vf select(mf m, vf a, vf b) noexcept { return _mm512_mask_blend_ps(m, b, a); }
inline vf min(vf a, vf b) noexcept { return _mm512_min_ps(a, b); }
inline vf max(vf a, vf b) noexcept { return _mm512_max_ps(a, b); }
inline vf abs(vf a) noexcept { return _mm512_abs_ps(a); }
inline vf floor(vf a) noexcept { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline vf nearbyint(vf a) noexcept { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline vf fma(vf a, vf b, vf c) noexcept { return _mm512_fmadd_ps(a, b, c); }
inline bool all_ordered(vf a) noexcept { return _mm512_cmp_ps_mask(a, a, _CMP_ORD_Q) == 0xFFFF; }

#else  // AVX2 + FMA

constexpr std::size_t vbytes = 32;
using vd = __m256d;
using vf = __m256;
using vi = __m256i;
using md = __m256d;
using mf = __m256;

inline vd load(const double* p) noexcept { return _mm256_loadu_pd(p); }
inline vf load(const float* p) noexcept { return _mm256_loadu_ps(p); }
inline void store(double* p, vd v) noexcept { _mm256_storeu_pd(p, v); }
inline vd set1(double x) noexcept { return _mm256_set1_pd(x); }
inline vf set1(float x) noexcept { return _mm256_set1_ps(x); }
inline vi zero_i() noexcept { return _mm256_setzero_si256(); }
inline md gt(vd a, vd b) noexcept { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
inline mf gt(vf a, vf b) noexcept { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline md lt(vd a, vd b) noexcept { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
inline md le(vd a, vd b) noexcept { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
inline md eq(vd a, vd b) noexcept { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
inline bool any(md m) noexcept { return _mm256_movemask_pd(m) != 0; }
inline md and_m(md a, md b) noexcept { return _mm256_and_pd(a, b); }
inline md or_m(md a, md b) noexcept { return _mm256_or_pd(a, b); }
inline vd select(md m, vd a, vd b) noexcept { return _mm256_blendv_pd(b, a, m); }
inline vd min(vd a, vd b) noexcept { return _mm256_min_pd(a, b); }
inline vd max(vd a, vd b) noexcept { return _mm256_max_pd(a, b); }
inline vd abs(vd a) noexcept { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
inline vd floor(vd a) noexcept { return _mm256_round_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline vd nearbyint(vd a) noexcept { return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline vd fma(vd a, vd b, vd c) noexcept { return _mm256_fmadd_pd(a, b, c); }
inline bool all_ordered(vd a) noexcept { return _mm256_movemask_pd(_mm256_cmp_pd(a, a, _CMP_ORD_Q)) == 0xF; }
inline vi count_gt(vi acc, vd a, vd b) noexcept {
  return _mm256_sub_epi64(acc, _mm256_castpd_si256(_mm256_cmp_pd(a, b, _CMP_GT_OQ)));
}
inline vi count_gt(vi acc, vf a, vf b) noexcept {
  return _mm256_sub_epi32(acc, _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ)));
}
inline vi add64(vi a, vi b) noexcept { return _mm256_add_epi64(a, b); }
inline void store(std::uint64_t* p, vi v) noexcept { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline vi add32(vi a, vi b) noexcept { return _mm256_add_epi32(a, b); }
// Float lanes (the float binning kernels).
inline void store(float* p, vf v) noexcept { _mm256_storeu_ps(p, v); }
inline mf lt(vf a, vf b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline mf le(vf a, vf b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
inline mf eq(vf a, vf b) noexcept { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline bool any(mf m) noexcept { return _mm256_movemask_ps(m) != 0; }
inline mf and_m(mf a, mf b) noexcept { return _mm256_and_ps(a, b); }
inline mf or_m(mf a, mf b) noexcept { return _mm256_or_ps(a, b); }
inline vf select(mf m, vf a, vf b) noexcept { return _mm256_blendv_ps(b, a, m); }
inline vf min(vf a, vf b) noexcept { return _mm256_min_ps(a, b); }
inline vf max(vf a, vf b) noexcept { return _mm256_max_ps(a, b); }
inline vf abs(vf a) noexcept { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline vf floor(vf a) noexcept { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline vf nearbyint(vf a) noexcept { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline vf fma(vf a, vf b, vf c) noexcept { return _mm256_fmadd_ps(a, b, c); }
inline bool all_ordered(vf a) noexcept { return _mm256_movemask_ps(_mm256_cmp_ps(a, a, _CMP_ORD_Q)) == 0xFF; }

#endif

template <class T>
constexpr std::size_t lanes = vbytes / sizeof(T);

/// Sum of the 64-bit lanes of a counter vector.
inline std::uint64_t sum64(vi v) noexcept {
  alignas(64) std::uint64_t a[vbytes / 8];
  std::memcpy(a, &v, vbytes);
  std::uint64_t s = 0;
  for (std::size_t l = 0; l < vbytes / 8; ++l) s += a[l];
  return s;
}
/// Sum of the 32-bit lanes of a counter vector.
inline std::uint64_t sum32(vi v) noexcept {
  alignas(64) std::uint32_t a[vbytes / 4];
  std::memcpy(a, &v, vbytes);
  std::uint64_t s = 0;
  for (std::size_t l = 0; l < vbytes / 4; ++l) s += a[l];
  return s;
}

/// Whether a run of vectors held only finite values: v * 0 + sum is NaN
/// exactly when a lane of v was NaN or +-Inf, and stays NaN.
struct finite_probe {
  vd sum;
  finite_probe() noexcept : sum(set1(0.0)) {}  // user-provided: compiled for the region's ISA
  void add(vd v) noexcept { sum = fma(v, set1(0.0), sum); }
  bool all_finite() const noexcept { return all_ordered(sum); }
};
/// finite_probe for float lanes.
struct finite_probe_f32 {
  vf sum;
  finite_probe_f32() noexcept : sum(set1(0.0f)) {}
  void add(vf v) noexcept { sum = fma(v, set1(0.0f), sum); }
  bool all_finite() const noexcept { return all_ordered(sum); }
};
