// Kernels behind ks_test: sorting the finite values of a sample, and the merge
// walk over two sorted samples. Twins: std::sort, and ks_merge_walk in
// ks_test.hpp (the original walk, kept as the reference).
//
// - sort_finite_radix: LSD radix sort on the order-preserving integer image of
//   each double (flip the sign bit of positives, every bit of negatives), 8
//   bits per pass, all eight digit histograms counted in one read, passes whose
//   digit is the same for every key skipped. O(n), one scratch array of n
//   keys besides the result. -0.0 sorts before +0.0 (they compare equal, so the array is sorted
//   for operator< and the walk treats them as one value).
// - ks_merge_walk_branchless: the same walk as ks_merge_walk, bit for bit, with
//   the data-dependent "which sample is next" decision made by a select instead
//   of a branch (that branch is mispredicted about half the time on random
//   data and dominates the scalar walk).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace driftwatch {
namespace detail {

inline std::uint64_t order_key(double x) noexcept {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  const std::uint64_t sign = u >> 63;
  return u ^ ((0 - sign) | (std::uint64_t{1} << 63));
}

inline double from_order_key(std::uint64_t k) noexcept {
  const std::uint64_t sign = k >> 63;  // 1 for non-negative values
  const std::uint64_t u = k ^ ((sign - 1) | (std::uint64_t{1} << 63));
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

/// Below this size std::sort wins (the radix passes have fixed costs).
constexpr std::size_t radix_sort_min = 2048;

/// A sorted copy of the finite values of a sample, in an uninitialised buffer
/// (a std::vector would zero-fill it first: a whole extra pass at 1M values).
struct sorted_sample {
  std::unique_ptr<double[]> data;
  std::size_t size = 0;     // finite values
  std::size_t invalid = 0;  // NaN and +-Inf values dropped
};

/// Filters out NaN/Inf and sorts: LSD radix sort from radix_sort_min values
/// on, std::sort below. Allocates the result and, for the radix path, one
/// scratch array of n keys.
inline sorted_sample sort_finite_radix(const double* x, std::size_t n) {
  sorted_sample out;
  out.data.reset(new double[n > 0 ? n : 1]);
  if (n < radix_sort_min) {
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isfinite(x[i])) {
        out.data[out.size++] = x[i];
      } else {
        ++out.invalid;
      }
    }
    std::sort(out.data.get(), out.data.get() + out.size);
    return out;
  }
  // 8-bit digits: eight passes, but each scatters to only 256 places, which
  // the caches and write-combining keep up with (measured on 1M doubles:
  // 15-23 ms, against 35 ms with 11-bit digits and 6 passes, 121 ms std::sort).
  constexpr unsigned bits = 8;
  constexpr std::size_t radix = std::size_t{1} << bits;
  constexpr unsigned passes = 8;
  // Two buffers only: a scratch array of keys and the result's own storage,
  // which holds keys (as bytes) between passes. A fresh buffer costs a page
  // fault per 4 KiB on first touch, ~5 ms for 8 MB here. Uninitialised:
  // every slot is written before it is read.
  std::unique_ptr<std::uint64_t[]> scratch(new std::uint64_t[n]);
  unsigned char* const obytes = reinterpret_cast<unsigned char*>(out.data.get());
  auto load_o = [obytes](std::size_t i) noexcept {
    std::uint64_t k;
    std::memcpy(&k, obytes + 8 * i, 8);
    return k;
  };
  auto store_o = [obytes](std::size_t i, std::uint64_t k) noexcept { std::memcpy(obytes + 8 * i, &k, 8); };
  std::vector<std::size_t> hist(passes * radix, 0);
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!std::isfinite(v)) {
      ++out.invalid;
      continue;
    }
    const std::uint64_t k = order_key(v);
    scratch[m++] = k;
    for (unsigned p = 0; p < passes; ++p) ++hist[p * radix + ((k >> (p * bits)) & (radix - 1))];
  }
  // Prefix sums; a pass whose digit is the same for every key is the identity
  // and is skipped.
  bool needed[passes];
  unsigned last = passes;  // the last pass that moves keys
  for (unsigned p = 0; p < passes; ++p) {
    std::size_t* h = &hist[p * radix];
    needed[p] = true;
    std::size_t sum = 0;
    for (std::size_t d = 0; d < radix; ++d) {
      if (h[d] == m) needed[p] = false;
      const std::size_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    if (needed[p]) last = p;
  }
  double* const result = out.data.get();
  bool in_scratch = true;
  for (unsigned p = 0; p < passes; ++p) {
    if (!needed[p]) continue;
    std::size_t* h = &hist[p * radix];
    const unsigned shift = p * bits;
    if (p == last && in_scratch) {  // the last pass scatters the doubles themselves
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = scratch[i];
        result[h[(k >> shift) & (radix - 1)]++] = from_order_key(k);
      }
      out.size = m;
      return out;
    }
    if (in_scratch) {
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = scratch[i];
        store_o(h[(k >> shift) & (radix - 1)]++, k);
      }
    } else {
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t k = load_o(i);
        scratch[h[(k >> shift) & (radix - 1)]++] = k;
      }
    }
    in_scratch = !in_scratch;
  }
  // The keys ended in the result's storage (or never moved): convert in place.
  for (std::size_t i = 0; i < m; ++i) result[i] = from_order_key(in_scratch ? scratch[i] : load_o(i));
  out.size = m;
  return out;
}

/// Twin of sort_finite_radix: filter, then std::sort.
inline std::size_t sort_finite_std(const double* x, std::size_t n, std::vector<double>& out) {
  out.clear();
  out.reserve(n);
  std::size_t invalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) {
      out.push_back(x[i]);
    } else {
      ++invalid;
    }
  }
  std::sort(out.begin(), out.end());
  return invalid;
}

}  // namespace detail
}  // namespace driftwatch
