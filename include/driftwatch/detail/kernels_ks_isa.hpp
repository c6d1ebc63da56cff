// walk_gaps of kernels_ks.hpp for one ISA (AVX2 or AVX-512): the gaps of a
// drift_monitor window's report walk (detail::walk_slots in monitor.hpp), a
// vector of gaps per step. Included by kernels_ks.hpp once per ISA between
// isa_begin.hpp and isa_end.hpp. Scalar twin: walk_slots_impl's own loop;
// bit-identical results (tests/monitor_report_walk_test.cpp).
//
// Per vector of L gaps k (L = 4 or 8), from the window's slot counts c:
//   - e_k = c[2k+1] (on u_k), g_k = c[2k+2] (the gap (u_k, u_{k+1})); the
//     running counts J1_k = j after e_k and J2_k = J1_k + g_k by an in-vector
//     prefix sum, converted to doubles (exact: < 2^52);
//   - KS: K = at_k placed - J n, exact in doubles (|K| <= n placed <= 2^49),
//     at the point u_k and, where g_k != 0, at the gap; only a vector with a
//     K at or beyond a running extreme goes to the tracker (`point`), in order;
//   - W1: r = at_k / n, c1 = J2 / placed, and c0 = J1 / placed taken from the
//     previous gap's c1 where e_k = 0 (the same quotient); the terms of
//     wasserstein_from_slots computed with selects for its branches;
//   - the two compensated sums (estimate, bound) as the two lanes of one
//     Neumaier step per gap, in gap order. Every term is >= 0 (or +inf), so
//     `|sum| >= |x|` is `sum >= x` and the two orders of its branches are
//     max(sum, x) and min(sum, x); a gap with g_k = 0 adds nothing to the
//     bound in the scalar walk and +0.0 here, which leaves a finite sum and its
//     compensation unchanged (an infinite one becomes NaN either way, reported
//     as +inf).

#if DRIFTWATCH_ISA == 3
inline vd u64_to_double(vi x) noexcept { return _mm512_cvtepu64_pd(x); }
inline vi load_u64(const std::uint64_t* p) noexcept { return _mm512_loadu_si512(p); }
inline void store_u64(std::uint64_t* p, vi v) noexcept { _mm512_storeu_si512(p, v); }
inline vi add_u64(vi a, vi b) noexcept { return _mm512_add_epi64(a, b); }
inline vi sub_u64(vi a, vi b) noexcept { return _mm512_sub_epi64(a, b); }
inline vi broadcast_u64(std::uint64_t x) noexcept { return _mm512_set1_epi64(static_cast<long long>(x)); }
// e = lanes 0, 2, 4, ... of (a, b); g = lanes 1, 3, 5, ...
inline void deinterleave(vi a, vi b, vi& e, vi& g) noexcept {
  e = _mm512_permutex2var_epi64(a, _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0), b);
  g = _mm512_permutex2var_epi64(a, _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1), b);
}
inline vi prefix_u64(vi x) noexcept {  // inclusive prefix sum over the lanes
  const vi z = _mm512_setzero_si512();
  x = _mm512_add_epi64(x, _mm512_alignr_epi64(x, z, 7));
  x = _mm512_add_epi64(x, _mm512_alignr_epi64(x, z, 6));
  return _mm512_add_epi64(x, _mm512_alignr_epi64(x, z, 4));
}
inline vi last_u64(vi x) noexcept { return _mm512_permutexvar_epi64(_mm512_set1_epi64(7), x); }
// (p[L-1], x[0], ..., x[L-2]): x shifted up a lane, p's last lane in front.
inline vd shift_in(vd p, vd x) noexcept { return _mm512_permutex2var_pd(x, _mm512_set_epi64(6, 5, 4, 3, 2, 1, 0, 15), p); }
inline md ne_u64(vi a, vi b) noexcept { return _mm512_cmpneq_epu64_mask(a, b); }
inline md not_m(md m) noexcept { return static_cast<md>(~m); }
inline md ge(vd a, vd b) noexcept { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
inline md no_lanes() noexcept { return 0; }
#else
inline vd u64_to_double(vi x) noexcept {  // exact for x < 2^52
  const __m256i magic = _mm256_set1_epi64x(0x4330000000000000);
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(x, magic)), _mm256_set1_pd(4503599627370496.0));
}
inline vi load_u64(const std::uint64_t* p) noexcept { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void store_u64(std::uint64_t* p, vi v) noexcept { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline vi add_u64(vi a, vi b) noexcept { return _mm256_add_epi64(a, b); }
inline vi sub_u64(vi a, vi b) noexcept { return _mm256_sub_epi64(a, b); }
inline vi broadcast_u64(std::uint64_t x) noexcept { return _mm256_set1_epi64x(static_cast<long long>(x)); }
inline void deinterleave(vi a, vi b, vi& e, vi& g) noexcept {
  // a = (e0 g0 e1 g1), b = (e2 g2 e3 g3)
  e = _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(a, b), 0xD8);  // (e0 e2 e1 e3) -> (e0 e1 e2 e3)
  g = _mm256_permute4x64_epi64(_mm256_unpackhi_epi64(a, b), 0xD8);
}
inline vi prefix_u64(vi x) noexcept {
  const __m256i z = _mm256_setzero_si256();
  x = _mm256_add_epi64(x, _mm256_blend_epi32(_mm256_permute4x64_epi64(x, 0x90), z, 0x03));  // (0 x0 x1 x2)
  return _mm256_add_epi64(x, _mm256_permute2x128_si256(x, x, 0x08));                          // (0 0 x0 x1)
}
inline vi last_u64(vi x) noexcept { return _mm256_permute4x64_epi64(x, 0xFF); }
inline vd shift_in(vd p, vd x) noexcept {
  const __m256d r = _mm256_permute4x64_pd(x, 0x90);           // (x0 x0 x1 x2)
  return _mm256_blend_pd(r, _mm256_permute4x64_pd(p, 0xFF), 0x1);  // (p3 x0 x1 x2)
}
inline md ne_u64(vi a, vi b) noexcept {
  return _mm256_xor_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(a, b)), _mm256_castsi256_pd(_mm256_set1_epi64x(-1)));
}
inline md not_m(md m) noexcept { return _mm256_xor_pd(m, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))); }
inline md ge(vd a, vd b) noexcept { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
inline md no_lanes() noexcept { return _mm256_setzero_pd(); }
#endif

/// w * f with 0 * inf = 0 (width_times).
inline vd width_times(vd w, vd f) noexcept { return select(eq(f, set1(0.0)), set1(0.0), w * f); }
inline md is_inf(vd x) noexcept { return eq(abs(x), set1(std::numeric_limits<double>::infinity())); }

/// One Neumaier step of two sums at once (lane 0: the estimate, lane 1: the
/// bound), for sums and terms >= 0: see the file comment.
inline void neumaier2(__m128d& sum, __m128d& compensation, __m128d x) noexcept {
  const __m128d t = _mm_add_pd(sum, x);
  compensation = _mm_add_pd(compensation, _mm_add_pd(_mm_sub_pd(_mm_max_pd(sum, x), t), _mm_min_pd(sum, x)));
  sum = t;
}

/// neumaier2 over the L gaps of a vector, in order: lane l of v (estimate
/// terms) and of b (bound terms) paired in one 128-bit lane by unpack and
/// extract, no round trip through memory.
inline void neumaier2_vector(__m128d& sum, __m128d& compensation, vd v, vd b) noexcept {
#if DRIFTWATCH_ISA == 3
  const __m512d lo = _mm512_unpacklo_pd(v, b), hi = _mm512_unpackhi_pd(v, b);  // (v0 b0 v2 b2 ..), (v1 b1 v3 b3 ..)
  neumaier2(sum, compensation, _mm512_castpd512_pd128(lo));
  neumaier2(sum, compensation, _mm512_castpd512_pd128(hi));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(lo, 1));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(hi, 1));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(lo, 2));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(hi, 2));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(lo, 3));
  neumaier2(sum, compensation, _mm512_extractf64x2_pd(hi, 3));
#else
  const __m256d lo = _mm256_unpacklo_pd(v, b), hi = _mm256_unpackhi_pd(v, b);  // (v0 b0 v2 b2), (v1 b1 v3 b3)
  neumaier2(sum, compensation, _mm256_castpd256_pd128(lo));
  neumaier2(sum, compensation, _mm256_castpd256_pd128(hi));
  neumaier2(sum, compensation, _mm256_extractf128_pd(lo, 1));
  neumaier2(sum, compensation, _mm256_extractf128_pd(hi, 1));
#endif
}

/// The gaps 0 .. gaps-1 (k < d - 1) of the walk, vectors of L gaps at a time;
/// returns the first gap not walked (the caller's scalar loop walks the
/// rest). `j` is the running count before e_0 on entry, after the last gap
/// walked on return; `quotient_of` / `quotient`: j / placed for the last gap's
/// J2. `point(v, i, j, in1, in2)` takes a KS evaluation point (updating
/// k_max / k_min, which it owns). Requires n placed <= 2^49. FiniteWidths:
/// u_{gaps} - u_0 is finite, so every gap width and term is.
template <bool FiniteWidths, class Point>
inline std::size_t walk_gaps(const double* u, const std::uint64_t* at, const std::uint64_t* c, std::size_t gaps,
                             std::uint64_t n, std::uint64_t placed, std::uint64_t& j, Point& point,
                             const std::int64_t& k_max, const std::int64_t& k_min, gap_sums& sums) noexcept {
  constexpr std::size_t L = lanes<double>;
  if (gaps < L) return 0;
  const double nd = static_cast<double>(n), md_ = static_cast<double>(placed);
  const vd vn = set1(nd), vm = set1(md_), half = set1(0.5), zero = set1(0.0);
  // A reference without ties (n = d, continuous data) has at_k = k + 1: made,
  // not read (a quarter of the walk's memory traffic); `at` is then nullptr
  // (numeric_reference_data does not store it).
  const bool no_ties = n == gaps + 1;
  alignas(64) double first_lanes[L];
  for (std::size_t l = 0; l < L; ++l) first_lanes[l] = static_cast<double>(l + 1);
  const vd iota = load(first_lanes);
  const vi z = broadcast_u64(0);
  vi carry = broadcast_u64(j);
  vd last_q = set1(static_cast<double>(j) / md_);  // j / placed: c0 of gap 0 when e_0 = 0
  md uncertain = no_lanes();                        // lanes where hi is inf and lo is not
  __m128d s = _mm_set_pd(sums.bound_sum, sums.value_sum), comp = _mm_set_pd(sums.bound_comp, sums.value_comp);
  alignas(64) std::uint64_t j1s[L], j2s[L], es[L], gs[L];
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  std::size_t k = 0;
  for (; k + L <= gaps; k += L) {
    // Streams read once per scrape, mostly from the last-level cache: ask
    // for them a few lines ahead.
    _mm_prefetch(reinterpret_cast<const char*>(c + 2 * k + 256), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + 2 * k + 264), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(u + k + 128), _MM_HINT_T0);
    if (!no_ties) _mm_prefetch(reinterpret_cast<const char*>(at + k + 128), _MM_HINT_T0);
    vi e, g;
    deinterleave(load_u64(c + 2 * k + 1), load_u64(c + 2 * k + 1 + L), e, g);
    const vi j2 = add_u64(prefix_u64(add_u64(e, g)), carry);
    const vi j1 = sub_u64(j2, g);
    carry = last_u64(j2);
    const vd a = no_ties ? set1(static_cast<double>(k)) + iota : u64_to_double(load_u64(at + k));
    const vd d1 = u64_to_double(j1), d2 = u64_to_double(j2);
    const md has_g = ne_u64(g, z), has_e = ne_u64(e, z);
    // KS: the vector's K at the points and (where g != 0) the gaps.
    const vd ka = a * vm;
    const vd kv = ka - d1 * vn, kg = select(has_g, ka - d2 * vn, kv);
    const md reach = or_m(ge(max(kv, kg), set1(static_cast<double>(k_max))),
                          le(min(kv, kg), set1(static_cast<double>(k_min))));
    if (any(reach)) {
      store_u64(j1s, j1);
      store_u64(j2s, j2);
      store_u64(es, e);
      store_u64(gs, g);
      for (std::size_t l = 0; l < L; ++l) {
        const std::uint64_t at_l = no_ties ? k + l + 1 : at[k + l];
        point(u[k + l], at_l, j1s[l], true, es[l] != 0);
        if (gs[l] != 0) point(unknown, at_l, j2s[l], false, true);
      }
    }
    // W1.
    const vd r = a / vn;
    const vd q2 = d2 / vm;
    vd c0 = shift_in(last_q, q2);
    if (any(has_e)) c0 = select(has_e, d1 / vm, c0);
    last_q = q2;
    const vd w = load(u + k + 1) - load(u + k);
    const vd r0 = r - c0, r1 = r - q2;  // c1 = q2
    // lo's factor: c0 - r where r < c0, r - c1 where r > c1, else 0: the
    // largest of the three (c0 <= c1; +0 where r is in [c0, c1]).
    const vd lo_f = max(max(c0 - r, r1), zero), hi_f = max(abs(r0), abs(r1));
    const md no_g = not_m(has_g);
    if (FiniteWidths) {  // width_times(w, f) = w * f; no infinite term
      const vd lo = w * lo_f, hi = w * hi_f;
      vd v = lo * half + hi * half, b = hi * half - lo * half;  // hi = lo: +0, as the twin's 0.0
      if (any(no_g)) {  // a gap with no current value
        v = select(no_g, w * abs(r0), v);
        b = select(no_g, zero, b);
      }
      neumaier2_vector(s, comp, v, b);
    } else {
      const vd lo = width_times(w, lo_f), hi = width_times(w, hi_f);
      uncertain = or_m(uncertain, and_m(is_inf(hi), not_m(is_inf(lo))));
      neumaier2_vector(s, comp, select(no_g, width_times(w, abs(r0)), lo * half + hi * half),
                       select(no_g, zero, select(eq(hi, lo), zero, hi * half - lo * half)));
    }
  }
  alignas(64) std::uint64_t last[L];
  store_u64(last, carry);
  j = last[0];
  sums.value_sum = _mm_cvtsd_f64(s);
  sums.bound_sum = _mm_cvtsd_f64(_mm_unpackhi_pd(s, s));
  sums.value_comp = _mm_cvtsd_f64(comp);
  sums.bound_comp = _mm_cvtsd_f64(_mm_unpackhi_pd(comp, comp));
  sums.uncertain = sums.uncertain || any(uncertain);
  return k;
}
