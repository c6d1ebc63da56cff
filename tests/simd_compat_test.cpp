// The xsimd shim (detail/simd_compat.hpp) on whichever xsimd the build finds:
// Debian 12's 8.1 or a current release (13, 14). The kernels rely on these
// few functions giving the same answers on every version and ISA, so they
// are checked here against plain loops, for the lane types the kernels use
// (double, std::uint64_t, std::int64_t).
#include <driftwatch/detail/simd_compat.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_support.hpp"

#if !defined(DRIFTWATCH_NO_SIMD)

namespace {
namespace s = driftwatch::detail::simd;

// Lanes follow the compile flags (-O2: SSE2; -mavx2; -march=native).
constexpr std::size_t expected_double_lanes() {
#if defined(__AVX512F__)
  return 8;
#elif defined(__AVX__)
  return 4;
#else
  return 2;
#endif
}

// Every mask over the lanes of T: bit i of `bits` sets lane i.
template <class T>
s::batch_bool<T> mask_from_bits(unsigned bits) {
  alignas(64) T v[s::lanes<T>];
  for (std::size_t i = 0; i < s::lanes<T>; ++i) v[i] = static_cast<T>((bits >> i) & 1u);
  return s::load(v) == s::batch<T>(T(1));
}

template <class T>
void check_type() {
  constexpr std::size_t n = s::lanes<T>;
  STATIC_REQUIRE(n == s::batch<T>::size);
  STATIC_REQUIRE(n * sizeof(T) == expected_double_lanes() * sizeof(double));

  // load / store round trip, unaligned on both sides.
  std::vector<T> in(n + 1), out(n + 1, T(0));
  for (std::size_t i = 0; i <= n; ++i) in[i] = static_cast<T>(3 * i + 1);
  s::store(out.data() + 1, s::load(in.data() + 1));
  for (std::size_t i = 1; i <= n; ++i) CHECK(out[i] == in[i]);

  // reduce_add: the plain sum (exact for these values).
  T sum = T(0);
  for (std::size_t i = 1; i <= n; ++i) sum += in[i];
  CHECK(s::reduce_add(s::load(in.data() + 1)) == sum);

  // ones_where / count_true / any against the bits, for every mask.
  for (unsigned bits = 0; bits < (1u << n); ++bits) {
    const auto m = mask_from_bits<T>(bits);
    alignas(64) T ones[n];
    s::store(ones, s::ones_where(m));
    std::size_t set = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const bool on = ((bits >> i) & 1u) != 0;
      CHECK(ones[i] == (on ? T(1) : T(0)));
      set += on ? 1 : 0;
    }
    CHECK(s::count_true(m) == set);
    CHECK(s::any(m) == (bits != 0));
  }
}

}  // namespace

TEST_CASE("simd shim: lanes, load/store, reduce_add, masks on this xsimd", "[simd][compat]") {
  STATIC_REQUIRE(s::enabled);
  check_type<double>();
  check_type<std::uint64_t>();
  check_type<std::int64_t>();
}

TEST_CASE("simd shim: ones_where never multiplies by the mask", "[simd][compat]") {
  // A lane holding -inf or NaN next to a clear mask lane must still count 0.
  constexpr std::size_t n = s::lanes<double>;
  alignas(64) double v[n];
  for (std::size_t i = 0; i < n; ++i) v[i] = (i % 2 == 0) ? -std::numeric_limits<double>::infinity() : 1.0;
  const auto x = s::load(v);
  const auto m = x > s::batch<double>(0.0);
  CHECK(s::reduce_add(s::ones_where(m)) == static_cast<double>(n / 2));
  CHECK(s::count_true(m) == n / 2);
  CHECK(s::count_true(x != x) == 0);  // no NaN lanes
}

#else

TEST_CASE("simd shim: disabled without xsimd", "[simd][compat]") {
  STATIC_REQUIRE(!driftwatch::detail::simd::enabled);
}

#endif
