// Reduction kernels behind psi, jensen_shannon and hellinger: the per-bin sums
// over two weight vectors, with a vectorized logarithm. Each SIMD kernel has a
// scalar twin (the loop the metric was first written with); both use
// Neumaier-compensated sums (per lane for the SIMD kernels), so they agree to
// about one rounding of the result (tests/simd_divergence_test.cpp).
//
// Two traps of vectorized logs, handled here:
//   - 0 * log 0 must be 0: the term is selected away for a zero weight, never
//     multiplied by a 0/1 mask (0 * -inf is NaN);
//   - xsimd's log is wrong on subnormal arguments: arguments below the normal
//     range are scaled by 2^54 and the log corrected by 54 ln 2.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/detail/simd_compat.hpp>
#include <driftwatch/detail/summation.hpp>

namespace driftwatch {
namespace detail {

/// Sums of two weight vectors, if every weight is finite and >= 0, and the
/// smallest non-zero weight of each (+inf if none): what the metrics need to
/// tell inputs whose proportions leave the normal range (divergence.hpp) without
/// another pass over the weights.
struct weight_sums {
  double reference = 0, current = 0;
  double min_reference = HUGE_VAL, min_current = HUGE_VAL;
  bool ok = true;
};

// ---- scalar twins -----------------------------------------------------------

// Each kernel takes double or float weights (T); float weights are widened
// exactly (per value in the twins, in the lanes in the SIMD kernels), so a float
// vector gives what the double kernels give for its widened copy.

template <class T>
inline weight_sums weight_sums_scalar(const T* p, const T* q, std::size_t n) noexcept {
  weight_sums w;
  compensated_sum sp, sq;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(p[i] >= 0) || !std::isfinite(p[i]) || !(q[i] >= 0) || !std::isfinite(q[i])) {
      w.ok = false;
      return w;
    }
    sp.add(p[i]);
    sq.add(q[i]);
    if (p[i] > 0 && p[i] < w.min_reference) w.min_reference = p[i];
    if (q[i] > 0 && q[i] < w.min_current) w.min_current = q[i];
  }
  w.reference = sp.value();
  w.current = sq.value();
  return w;
}

/// sum (q - p) ln(q / p) over proportions p = ref/tp, q = cur/tq, zeros -> eps.
template <class T>
inline double psi_sum_scalar(const T* ref, const T* cur, std::size_t n, double tp, double tq,
                             double epsilon) noexcept {
  compensated_sum sum;
  for (std::size_t i = 0; i < n; ++i) {
    double p = static_cast<double>(ref[i]) / tp;
    double q = static_cast<double>(cur[i]) / tq;
    if (p == 0) p = epsilon;
    if (q == 0) q = epsilon;
    sum.add((q - p) * std::log(q / p));
  }
  return sum.value();
}

// ---- Jensen-Shannon: one sum of non-negative terms --------------------------
//
// With p = ref/tp, q = cur/tq, m = (p + q)/2, s = p + q and d = (p - q)/s
// (so p/m = 1 + d and q/m = 1 - d exactly, in exact arithmetic),
//
//   p ln(p/m) + q ln(q/m) = m f(d),   f(d) = (1 + d) ln(1 + d) + (1 - d) ln(1 - d) >= 0,
//
// and js_sum = sum m f(d) = 2 ln(base) JS. Unlike the two sums sum p ln(p/m) and
// sum q ln(q/m), whose first-order parts (~ sum m |d|) cancel to the O(sum m d^2)
// result, every term here is >= 0, so the sum has the relative accuracy of its
// terms whatever the inputs; the per-bin cost is one division (1/s; p and q use
// the reciprocals of the totals) and, for |d| > 0.1, two logs.
// Error of a term: p, q carry 2 roundings each (reciprocal, product), so d and
// r = 2 min(p, q)/s = 1 - |d|, R = 2 max(p, q)/s = 1 + |d| carry a few ulps. For
// |d| <= 0.1, f(d) = sum_{k>=1} d^(2k) / (k (2k - 1)) (cut after d^18: remainder
// < 1e-20 f), all terms > 0: relative error a few ulps. For |d| > 0.1,
// f = r ln r + R ln R (0 ln 0 = 0) cancels by at most a factor ~10 (at |d| = 0.1:
// 0.1048 - 0.0948), so < 1e-14 relative with logs good to a few ulps. What no
// formula removes is the conditioning of JS itself: a relative rounding e of p or
// q moves d by ~e/2 and f by ~|d| e, against f ~ d^2 (SciPy's rounded p/m has the
// same); it matters only when p and q agree to ~1e-4 or better in the bins that
// carry the divergence. The scalar twin and the SIMD kernels evaluate the same
// sum of m f(d) with the same series/log switch (the generic kernel's logs:
// log_small_big, < 1e-15 relative; the AVX-512 kernel's: a register table, kernels_divergence_avx512.hpp),
// so they agree to ~1e-14 relative on any input (tests/simd_divergence_test.cpp,
// incl. nearly identical inputs); against SciPy's two-sum form,
// tests/divergence_test.cpp (1e-12).

/// f(d) for |d| <= 0.1 by its series d^2 (1 + d^2/6 + d^4/15 + ...), 1/(k(2k-1)).
template <class T>
inline T js_f_series(const T& d) noexcept {
  // Estrin's scheme over t = d^2 (coefficients 1, 1/6, 1/15, ..., 1/153).
  const T t = d * d, t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
  const T c01 = T(1.0 / 6.0) * t + T(1.0);
  const T c23 = T(1.0 / 28.0) * t + T(1.0 / 15.0);
  const T c45 = T(1.0 / 66.0) * t + T(1.0 / 45.0);
  const T c67 = T(1.0 / 120.0) * t + T(1.0 / 91.0);
  const T p = (c01 + t2 * c23) + t4 * (c45 + t2 * c67) + t8 * T(1.0 / 153.0);
  return t * p;
}

/// Threshold on |d| between the series and the logarithms.
constexpr double js_series_max = 0.1;
/// Below js_tiny_sum = 2^-900, s's ratios are taken after scaling by js_tiny_scale = 2^600.
constexpr double js_tiny_sum = 0x1p-900;
constexpr double js_tiny_scale = 0x1p600;

/// js_sum = sum m f(d) = sum p ln(p/m) + sum q ln(q/m) (nats), m = (p + q)/2,
/// 0 ln 0 = 0; see the derivation above.
template <class T>
inline double js_sum_scalar(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
  const double ia = 1.0 / tp, ib = 1.0 / tq;
  compensated_sum sum;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = static_cast<double>(ref[i]) * ia;
    const double q = static_cast<double>(cur[i]) * ib;
    const double s = p + q;
    if (!(s > 0)) continue;
    // d, r1, r2 are ratios: for s below 2^-900 take them from p, q scaled by 2^600
    // (exact), or 1/s would overflow.
    const double k = s < js_tiny_sum ? js_tiny_scale : 1.0;
    const double ps = p * k, qs = q * k;
    const double rs = 1.0 / (ps + qs);
    const double d = (ps - qs) * rs;
    double f;
    if (std::fabs(d) <= js_series_max) {
      f = js_f_series(d);
    } else {
      const double r = 2.0 * std::min(ps, qs) * rs, big = 2.0 * std::max(ps, qs) * rs;  // r + big = 2
      f = (r > 0 ? r * std::log(r) : 0.0) + big * std::log(big);
    }
    sum.add(s * f);
  }
  return 0.5 * sum.value();
}

/// sum (sqrt p - sqrt q)^2.
template <class T>
inline double hellinger_sum_scalar(const T* ref, const T* cur, std::size_t n, double tp,
                                   double tq) noexcept {
  compensated_sum sum;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::sqrt(static_cast<double>(ref[i]) / tp) - std::sqrt(static_cast<double>(cur[i]) / tq);
    sum.add(d * d);
  }
  return sum.value();
}

// ---- SIMD kernels -----------------------------------------------------------

#if !defined(DRIFTWATCH_NO_SIMD)

/// Neumaier summation in every lane; value() folds the lanes and their
/// compensations with a scalar compensated sum.
struct lane_sum {
  using B = simd::batch<double>;
  B s = B(0.0), c = B(0.0);
  void add(const B& x) noexcept {
    const B t = s + x;
    c += xsimd::select(xsimd::abs(s) >= xsimd::abs(x), (s - t) + x, (x - t) + s);
    s = t;
  }
  double value() const noexcept {
    alignas(64) double a[simd::lanes<double>];
    alignas(64) double b[simd::lanes<double>];
    s.store_unaligned(a);
    c.store_unaligned(b);
    compensated_sum total;
    for (std::size_t l = 0; l < simd::lanes<double>; ++l) total.add(a[l]);
    for (std::size_t l = 0; l < simd::lanes<double>; ++l) total.add(b[l]);
    return total.value();
  }
};

/// A batch of doubles from doubles, or from floats widened in the lanes (exact):
/// one converting load where the build's xsimd width is known (xsimd 8's own
/// converting load goes through memory and measured at half the rate).
inline simd::batch<double> load_wide(const double* p) noexcept { return simd::load(p); }
inline simd::batch<double> load_wide(const float* p) noexcept {
  using B = simd::batch<double>;
  // The arch xsimd picks for the build's flags, best first (one branch compiled).
#if defined(__AVX512F__)
  return B(_mm512_cvtps_pd(_mm256_loadu_ps(p)));
#elif defined(__AVX__)
  return B(_mm256_cvtps_pd(_mm_loadu_ps(p)));
#elif defined(__SSE2__) && (defined(__x86_64__) || defined(_M_X64))
  return B(_mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))));
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return B(vcvt_f64_f32(vld1_f32(p)));
#else
  return B::load_unaligned(p);
#endif
}

/// ln(x) for x >= 0 that stays exact-to-an-ulp below DBL_MIN (subnormals).
inline simd::batch<double> log_nonneg(const simd::batch<double>& x) noexcept {
  using B = simd::batch<double>;
  const auto tiny = x < B(DBL_MIN);
  const B scaled = xsimd::select(tiny, x * B(18014398509481984.0), x);  // 2^54
  return xsimd::log(scaled) - xsimd::select(tiny, B(37.429947750237046), B(0.0));  // 54 ln 2
}

/// One pass over both vectors: validity, sums, smallest non-zero weights. The
/// pass runs before every metric's kernel (the totals come first), so it is
/// kept to a few operations per batch: plain per-lane sums over blocks of 32
/// batches per accumulator (weights are >= 0: relative error <= 32 eps per
/// block) folded per block into compensated lane totals; validity from the sums
/// (a NaN or an infinity makes them non-finite) and the minima (a negative
/// weight makes min < 0) instead of per-element tests. A non-finite sum (also
/// an overflowing one of valid weights) falls back to the scalar twin, which
/// then decides.

template <class T>
weight_sums weight_sums_simd(const T* p, const T* q, std::size_t n) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  constexpr std::size_t block = 64 * L;  // 2 accumulators x 32 batches
  const B zero(0.0), inf(HUGE_VAL);
  lane_sum sp, sq;
  B lowp(0.0), lowq(0.0), minp(inf), minq(inf);  // smallest weight, smallest non-zero weight
  std::size_t i = 0;
  while (i + 2 * L <= n) {
    const std::size_t end = std::min(n, i + block);
    B ap0(0.0), ap1(0.0), aq0(0.0), aq1(0.0);
    for (; i + 2 * L <= end; i += 2 * L) {
      const B a0 = load_wide(p + i), a1 = load_wide(p + i + L);
      const B b0 = load_wide(q + i), b1 = load_wide(q + i + L);
      ap0 += a0;
      ap1 += a1;
      aq0 += b0;
      aq1 += b1;
      lowp = xsimd::min(lowp, xsimd::min(a0, a1));
      lowq = xsimd::min(lowq, xsimd::min(b0, b1));
      minp = xsimd::min(minp, xsimd::min(xsimd::select(a0 > zero, a0, inf), xsimd::select(a1 > zero, a1, inf)));
      minq = xsimd::min(minq, xsimd::min(xsimd::select(b0 > zero, b0, inf), xsimd::select(b1 > zero, b1, inf)));
    }
    sp.add(ap0 + ap1);
    sq.add(aq0 + aq1);
  }
  const weight_sums tail = weight_sums_scalar(p + i, q + i, n - i);
  weight_sums w;
  w.reference = sp.value();
  w.current = sq.value();
  if (!tail.ok || !std::isfinite(w.reference) || !std::isfinite(w.current) || !xsimd::all(lowp >= zero) ||
      !xsimd::all(lowq >= zero))
    return weight_sums_scalar(p, q, n);  // a bad weight (or an overflowing sum): the twin decides
  compensated_sum r, c;
  r.add(w.reference);
  r.add(tail.reference);
  c.add(w.current);
  c.add(tail.current);
  w.reference = r.value();
  w.current = c.value();
  alignas(64) double mp[L], mq[L];
  minp.store_unaligned(mp);
  minq.store_unaligned(mq);
  w.min_reference = tail.min_reference;
  w.min_current = tail.min_current;
  for (std::size_t l = 0; l < L; ++l) {
    w.min_reference = std::min(w.min_reference, mp[l]);
    w.min_current = std::min(w.min_current, mq[l]);
  }
  return w;

}

/// Runs in the hot loop of a metric read: measure before changing.
template <class T>
double psi_sum_simd(const T* ref, const T* cur, std::size_t n, double tp, double tq,
                    double epsilon) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B vtp(tp), vtq(tq), eps(epsilon), zero(0.0);
  lane_sum sum;
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    B p = load_wide(ref + i) / vtp;
    B q = load_wide(cur + i) / vtq;
    p = xsimd::select(p == zero, eps, p);
    q = xsimd::select(q == zero, eps, q);
    sum.add((q - p) * log_nonneg(q / p));
  }
  compensated_sum total;
  total.add(sum.value());
  total.add(psi_sum_scalar(ref + i, cur + i, n - i, tp, tq, epsilon));
  return total.value();
}

/// ln(small) for normal small > 0 and ln(big) for big in [1, 2], sharing one
/// division: x = 2^e m, m in [sqrt(1/2), sqrt(2)) (frexp for small; for big, m =
/// big or big/2, exact), ln m = 2 atanh(u), u = (m - 1)/(m + 1), |u| <= 0.1716, by
/// the atanh series to u^23 (remainder < 1e-17 relative); the two u share
/// 1/((m1 + 1)(m2 + 1)) (two more roundings in u). Relative error of each log
/// below 1e-15 (measured: 5.6e-16 at most, tests/simd_divergence_test.cpp; the
/// worst case is e ln 2 and ln m of opposite signs, e.g. big just above sqrt 2).
/// e ln 2 uses a 32-bit ln 2 head (exact for |e| < 2^21) plus its tail.
inline void log_small_big(const simd::batch<double>& small, const simd::batch<double>& big, simd::batch<double>& l1,
                          simd::batch<double>& l2) noexcept {
  using B = simd::batch<double>;
  using I = simd::batch<std::int64_t>;
  const B root_half(0.70710678118654752440), root_two(1.41421356237309504880), one(1.0), half(0.5);
  I e1i;
  B m1 = xsimd::frexp(small, e1i);  // [0.5, 1)
  B e1 = xsimd::to_float(e1i);
  const auto lo1 = m1 < root_half;
  m1 = xsimd::select(lo1, m1 + m1, m1);
  e1 = xsimd::select(lo1, e1 - one, e1);
  const auto hi2 = big >= root_two;
  const B m2 = xsimd::select(hi2, big * half, big);
  const B a1 = m1 + one, a2 = m2 + one;
  const B inv = one / (a1 * a2);
  const B u1 = (m1 - one) * a2 * inv;
  const B u2 = (m2 - one) * a1 * inv;
  auto atanh2 = [](const B& u) {  // 2 atanh(u) = 2u + 2u^3 (1/3 + u^2/5 + ... + u^20/23)
    const B t = u * u;
    B p(1.0 / 23.0);
    p = xsimd::fma(p, t, B(1.0 / 21.0));
    p = xsimd::fma(p, t, B(1.0 / 19.0));
    p = xsimd::fma(p, t, B(1.0 / 17.0));
    p = xsimd::fma(p, t, B(1.0 / 15.0));
    p = xsimd::fma(p, t, B(1.0 / 13.0));
    p = xsimd::fma(p, t, B(1.0 / 11.0));
    p = xsimd::fma(p, t, B(1.0 / 9.0));
    p = xsimd::fma(p, t, B(1.0 / 7.0));
    p = xsimd::fma(p, t, B(1.0 / 5.0));
    p = xsimd::fma(p, t, B(1.0 / 3.0));
    const B u2x = u + u;
    return xsimd::fma(u2x * t, p, u2x);
  };
  const B ln2_hi(0.693147180327922), ln2_lo(0.693147180559945309417232121458 - 0.693147180327922);
  l1 = xsimd::fma(e1, ln2_hi, xsimd::fma(e1, ln2_lo, atanh2(u1)));
  l2 = atanh2(u2) + xsimd::select(hi2, B(0.693147180559945309417232121458), B(0.0));  // e2 = 0 or 1
}

/// SIMD twin of js_sum_scalar: same formula, same series/log switch per lane.
/// On the log path f = r ln r + R ln R with r = min(r1, r2) in [0, 1] and
/// R = max(r1, r2) = 2 - r in [1, 2] (f is symmetric), so only r needs an exponent;
/// both logs share one division (log_small_big). r below DBL_MIN is clamped to
/// DBL_MIN (its term r ln r is < 2e-305 in size, against f >= 0.0099 on that
/// path) and r = 0 is selected away (0 ln 0 = 0). Per-lane Kahan sums (the
/// terms are >= 0).
template <class T>
double js_sum_generic(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B ia(1.0 / tp), ib(1.0 / tq), zero(0.0), one(1.0), two(2.0), tiny(DBL_MIN), cut(js_series_max);
  B sum(0.0), comp(0.0);
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    const B p = load_wide(ref + i) * ia;
    const B q = load_wide(cur + i) * ib;
    const B s = p + q;
    const auto pos = s > zero;
    B ps = p, qs = q;
    if (xsimd::any(s < B(js_tiny_sum))) {  // rare: scale so that 1/s stays finite
      const B k = xsimd::select(s < B(js_tiny_sum), B(js_tiny_scale), one);
      ps = p * k;
      qs = q * k;
    }
    // s = 0 (both weights 0) gives NaN below; its term is selected away at the end.
    const B rs = one / (ps + qs);
    const B d = (ps - qs) * rs;
    const auto small = xsimd::abs(d) <= cut;
    B f;
    if (xsimd::all(small)) {
      f = js_f_series(d);
    } else {
      const B r = two * xsimd::min(ps, qs) * rs, big = two * xsimd::max(ps, qs) * rs;
      B lr, lb;
      log_small_big(xsimd::max(r, tiny), big, lr, lb);
      f = xsimd::select(r > zero, r * lr, zero) + big * lb;
      if (xsimd::any(small)) f = xsimd::select(small, js_f_series(d), f);
    }
    const B y = xsimd::select(pos, s * f, zero) - comp;
    const B t = sum + y;
    comp = (t - sum) - y;
    sum = t;
  }
  alignas(64) double a[L];
  sum.store_unaligned(a);
  alignas(64) double c[L];
  comp.store_unaligned(c);
  compensated_sum total;
  for (std::size_t l = 0; l < L; ++l) total.add(0.5 * a[l]);
  for (std::size_t l = 0; l < L; ++l) total.add(-0.5 * c[l]);
  total.add(js_sum_scalar(ref + i, cur + i, n - i, tp, tq));
  return total.value();
}

/// The generic JS kernel at the xsimd width of the build (SSE2 in a default
/// build, AVX2 or AVX-512 under -mavx2 / -march=native).
template <class T>
double js_sum_simd(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
  return js_sum_generic(ref, cur, n, tp, tq);
}

template <class T>
double hellinger_sum_simd(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B vtp(tp), vtq(tq);
  lane_sum sum;
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    const B d = xsimd::sqrt(load_wide(ref + i) / vtp) - xsimd::sqrt(load_wide(cur + i) / vtq);
    sum.add(d * d);
  }
  compensated_sum total;
  total.add(sum.value());
  total.add(hellinger_sum_scalar(ref + i, cur + i, n - i, tp, tq));
  return total.value();
}

#endif  // !DRIFTWATCH_NO_SIMD

// The AVX-512 kernels of weight_sums and JS (raw intrinsics, in target regions).
#include <driftwatch/detail/kernels_divergence_avx512.hpp>

// ---- dispatchers (what divergence.hpp calls) --------------------------------

/// Below this many bins the scalar twin is used (no set-up to amortise).
constexpr std::size_t divergence_simd_min = 16;

// The level in use (dispatch.hpp) picks: avx512 the AVX-512 kernels of
// weight_sums and JS; avx2 and sse2 the xsimd kernels (at the build's xsimd
// width); scalar the twins.

inline weight_sums weight_sums_of(const double* p, const double* q, std::size_t n) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) {
    const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
    if (level == simd_level::avx512) return weight_sums_avx512(p, q, n);
#endif
    if (level != simd_level::scalar) return weight_sums_simd(p, q, n);
  }
#endif
  return weight_sums_scalar(p, q, n);
}

// weight_sums_of for float weights (each value widened exactly, in the lanes:
// results as for the widened copy, within the kernels' bounds). At avx512 it
// is the xsimd pass: the AVX-512 pass reads the bit patterns of doubles.

inline weight_sums weight_sums_of(const float* p, const float* q, std::size_t n) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min && active_level() != simd_level::scalar) return weight_sums_simd(p, q, n);
#endif
  return weight_sums_scalar(p, q, n);
}

// PSI, JS and Hellinger for double or float weights (T; floats widened exactly
// in the lanes, as above).

template <class T>
inline double psi_sum(const T* ref, const T* cur, std::size_t n, double tp, double tq,
                      double epsilon) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min && active_level() != simd_level::scalar)
    return psi_sum_simd(ref, cur, n, tp, tq, epsilon);
#endif
  return psi_sum_scalar(ref, cur, n, tp, tq, epsilon);
}

template <class T>
inline double js_sum(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) {
    const simd_level level = active_level();
#if defined(DRIFTWATCH_ISA_AVX512)
    if (level == simd_level::avx512) return js_sum_avx512_all(ref, cur, n, tp, tq);
#endif
    if (level != simd_level::scalar) return js_sum_generic(ref, cur, n, tp, tq);
  }
#endif
  return js_sum_scalar(ref, cur, n, tp, tq);
}

template <class T>
inline double hellinger_sum(const T* ref, const T* cur, std::size_t n, double tp, double tq) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min && active_level() != simd_level::scalar)
    return hellinger_sum_simd(ref, cur, n, tp, tq);
#endif
  return hellinger_sum_scalar(ref, cur, n, tp, tq);
}

}  // namespace detail
}  // namespace driftwatch
