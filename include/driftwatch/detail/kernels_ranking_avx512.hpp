// The served-list unit path's matching kernel for AVX-512 (F/CD/BW/VL), in raw
// intrinsics: conflict detection (vpconflictd) over the judged records and the
// served ids of one list, its planner (conflicts or the scalar twin's pairwise
// compares, timed once: planner.hpp) and the planned entry point that
// ranking_evaluator::served inlines. Scalar twin and dispatcher:
// match_served_unit_scalar / detail::match_served_unit in kernels_ranking.hpp, which
// includes this body once, between isa_begin.hpp and isa_end.hpp with
// DRIFTWATCH_ISA = 3 (namespace detail::avx512, AVX-512 target region,
// whatever the build's flags; used when the level in use is avx512:
// dispatch.hpp). No include guard: included once, for that ISA only.
#if DRIFTWATCH_ISA != 3
#error "kernels_ranking_avx512.hpp: an AVX-512 body (DRIFTWATCH_ISA must be 3)"
#endif
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

/// The judged records and served ids of avx512::match_served_unit in
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

/// The all-pairs equalities of avx512::match_served_unit from AVX-512 conflict
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
DRIFTWATCH_SERVED_INLINE served_unit_match match_served_unit(const std::uint64_t* served, std::size_t n,
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

/// The unit path for 32-bit ids: n <= 10 served ids and J <= 24 judged
/// records of 8 bytes (u32 id, i32 grade: basic_judgment<std::uint32_t>)
/// widened into 64-bit ids and 16-byte records (u64 id, i32 grade, 4 zero
/// bytes: judgment) by zero-extending every dword (vpmovzxdq), for
/// match_served_unit. Masked loads read only the n ids and the J records;
/// full vector stores (served_out: 16 ids, records_out: 24 records, both
/// 64-byte aligned) that the kernel's loads then read back whole.
DRIFTWATCH_SERVED_INLINE void widen_unit_lists(const std::uint32_t* served, std::size_t n, const unsigned char* records,
                                               std::size_t J, std::uint64_t* served_out,
                                               unsigned char* records_out) noexcept {
  const __m512i s = _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << n) - 1), served);  // n <= 10
  _mm512_store_si512(served_out, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(s)));
  _mm512_store_si512(served_out + 8, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(s, 1)));
  const std::uint64_t dwords = (std::uint64_t(1) << (2 * J)) - 1;  // J <= 24: 48 dwords, 3 loads
  // Addresses past the records are integers, never pointers (their lanes
  // are masked off, never read).
  const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(records);
  for (unsigned u = 0; u < 3; ++u) {
    const __m512i r = _mm512_maskz_loadu_epi32(static_cast<__mmask16>(dwords >> (16 * u)),
                                               reinterpret_cast<const void*>(base + 64 * u));
    _mm512_store_si512(records_out + 128 * u, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(r)));
    _mm512_store_si512(records_out + 128 * u + 64, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(r, 1)));
  }
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
        const served_unit_match m = c == 0 ? match_served_unit(served + l * n, n, records + l * J * 16, J)
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
  return match_served_unit(served, n, records, J);
}

/// match_served_unit behind a call, for callers outside the region.
inline served_unit_match match_served_unit_call(const std::uint64_t* served, std::size_t n,
                                                       const unsigned char* records, std::size_t J) noexcept {
  return match_served_unit(served, n, records, J);
}

