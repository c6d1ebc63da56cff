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

#include <cfloat>
#include <cmath>
#include <cstddef>

#include <driftwatch/detail/simd_compat.hpp>
#include <driftwatch/detail/summation.hpp>

namespace driftwatch {
namespace detail {

/// Sums of two weight vectors, if every weight is finite and >= 0.
struct weight_sums {
  double reference = 0, current = 0;
  bool ok = true;
};

// ---- scalar twins -----------------------------------------------------------

inline weight_sums weight_sums_scalar(const double* p, const double* q, std::size_t n) noexcept {
  weight_sums w;
  compensated_sum sp, sq;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(p[i] >= 0) || !std::isfinite(p[i]) || !(q[i] >= 0) || !std::isfinite(q[i])) {
      w.ok = false;
      return w;
    }
    sp.add(p[i]);
    sq.add(q[i]);
  }
  w.reference = sp.value();
  w.current = sq.value();
  return w;
}

/// sum (q - p) ln(q / p) over proportions p = ref/tp, q = cur/tq, zeros -> eps.
inline double psi_sum_scalar(const double* ref, const double* cur, std::size_t n, double tp, double tq,
                             double epsilon) noexcept {
  compensated_sum sum;
  for (std::size_t i = 0; i < n; ++i) {
    double p = ref[i] / tp;
    double q = cur[i] / tq;
    if (p == 0) p = epsilon;
    if (q == 0) q = epsilon;
    sum.add((q - p) * std::log(q / p));
  }
  return sum.value();
}

/// left = sum p ln(p/m), right = sum q ln(q/m), m = (p + q)/2, 0 ln 0 = 0.
inline void js_sums_scalar(const double* ref, const double* cur, std::size_t n, double tp, double tq, double& left,
                           double& right) noexcept {
  compensated_sum l, r;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = ref[i] / tp;
    const double q = cur[i] / tq;
    const double m = (p + q) / 2.0;
    if (p > 0) l.add(p * std::log(p / m));
    if (q > 0) r.add(q * std::log(q / m));
  }
  left = l.value();
  right = r.value();
}

/// sum (sqrt p - sqrt q)^2.
inline double hellinger_sum_scalar(const double* ref, const double* cur, std::size_t n, double tp,
                                   double tq) noexcept {
  compensated_sum sum;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::sqrt(ref[i] / tp) - std::sqrt(cur[i] / tq);
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

/// ln(x) for x >= 0 that stays exact-to-an-ulp below DBL_MIN (subnormals).
inline simd::batch<double> log_nonneg(const simd::batch<double>& x) noexcept {
  using B = simd::batch<double>;
  const auto tiny = x < B(DBL_MIN);
  const B scaled = xsimd::select(tiny, x * B(18014398509481984.0), x);  // 2^54
  return xsimd::log(scaled) - xsimd::select(tiny, B(37.429947750237046), B(0.0));  // 54 ln 2
}

template <class = void>
weight_sums weight_sums_simd(const double* p, const double* q, std::size_t n) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  lane_sum sp, sq;
  const B zero(0.0), inf(HUGE_VAL);
  auto ok = B(0.0) == B(0.0);  // all true
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    const B a = simd::load(p + i), b = simd::load(q + i);
    ok = ok & (a >= zero) & (a < inf) & (b >= zero) & (b < inf);  // NaN fails every comparison
    sp.add(a);
    sq.add(b);
  }
  weight_sums w;
  if (!xsimd::all(ok)) {
    w.ok = false;
    return w;
  }
  const weight_sums tail = weight_sums_scalar(p + i, q + i, n - i);
  if (!tail.ok) return tail;
  compensated_sum r, c;
  r.add(sp.value());
  r.add(tail.reference);
  c.add(sq.value());
  c.add(tail.current);
  w.reference = r.value();
  w.current = c.value();
  return w;
}

/// Runs in the hot loop of a metric read: measure before changing.
template <class = void>
double psi_sum_simd(const double* ref, const double* cur, std::size_t n, double tp, double tq,
                    double epsilon) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B vtp(tp), vtq(tq), eps(epsilon), zero(0.0);
  lane_sum sum;
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    B p = simd::load(ref + i) / vtp;
    B q = simd::load(cur + i) / vtq;
    p = xsimd::select(p == zero, eps, p);
    q = xsimd::select(q == zero, eps, q);
    sum.add((q - p) * log_nonneg(q / p));
  }
  compensated_sum total;
  total.add(sum.value());
  total.add(psi_sum_scalar(ref + i, cur + i, n - i, tp, tq, epsilon));
  return total.value();
}

template <class = void>
void js_sums_simd(const double* ref, const double* cur, std::size_t n, double tp, double tq, double& left,
                  double& right) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B vtp(tp), vtq(tq), zero(0.0), half(0.5);
  lane_sum l, r;
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    // Divide, as the twin and SciPy do: normalising by a reciprocal is 20%
    // faster but adds a rounding that, for nearly identical inputs, is as large
    // as the terms themselves (measured: tests/simd_divergence_test.cpp fails).
    const B p = simd::load(ref + i) / vtp;
    const B q = simd::load(cur + i) / vtq;
    const B m = (p + q) * half;  // == (p + q) / 2 exactly
    // Select, never multiply by a mask: for p == 0 the log is -inf or NaN.
    l.add(xsimd::select(p > zero, p * log_nonneg(p / m), zero));
    r.add(xsimd::select(q > zero, q * log_nonneg(q / m), zero));
  }
  double lt = 0, rt = 0;
  js_sums_scalar(ref + i, cur + i, n - i, tp, tq, lt, rt);
  compensated_sum a, b;
  a.add(l.value());
  a.add(lt);
  b.add(r.value());
  b.add(rt);
  left = a.value();
  right = b.value();
}

template <class = void>
double hellinger_sum_simd(const double* ref, const double* cur, std::size_t n, double tp, double tq) noexcept {
  using B = simd::batch<double>;
  constexpr std::size_t L = simd::lanes<double>;
  const B vtp(tp), vtq(tq);
  lane_sum sum;
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    const B d = xsimd::sqrt(simd::load(ref + i) / vtp) - xsimd::sqrt(simd::load(cur + i) / vtq);
    sum.add(d * d);
  }
  compensated_sum total;
  total.add(sum.value());
  total.add(hellinger_sum_scalar(ref + i, cur + i, n - i, tp, tq));
  return total.value();
}

#endif  // !DRIFTWATCH_NO_SIMD

// ---- dispatchers (what divergence.hpp calls) --------------------------------

/// Below this many bins the scalar twin is used (no set-up to amortise).
constexpr std::size_t divergence_simd_min = 16;

inline weight_sums weight_sums_of(const double* p, const double* q, std::size_t n) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) return weight_sums_simd(p, q, n);
#endif
  return weight_sums_scalar(p, q, n);
}

inline double psi_sum(const double* ref, const double* cur, std::size_t n, double tp, double tq,
                      double epsilon) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) return psi_sum_simd(ref, cur, n, tp, tq, epsilon);
#endif
  return psi_sum_scalar(ref, cur, n, tp, tq, epsilon);
}

inline void js_sums(const double* ref, const double* cur, std::size_t n, double tp, double tq, double& left,
                    double& right) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) return js_sums_simd(ref, cur, n, tp, tq, left, right);
#endif
  js_sums_scalar(ref, cur, n, tp, tq, left, right);
}

inline double hellinger_sum(const double* ref, const double* cur, std::size_t n, double tp, double tq) noexcept {
#if !defined(DRIFTWATCH_NO_SIMD)
  if (n >= divergence_simd_min) return hellinger_sum_simd(ref, cur, n, tp, tq);
#endif
  return hellinger_sum_scalar(ref, cur, n, tp, tq);
}

}  // namespace detail
}  // namespace driftwatch
