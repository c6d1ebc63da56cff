// The numeric cells of `driftwatch drift` as 32-bit order keys.
//
// Most numeric CSV columns hold short decimals ("%.6g", prices, rates): at
// most 7 significant digits and a decimal exponent in a small range. Such a
// numeral is read into a 32-bit key whose unsigned order is the order of the
// doubles (docs/cli-drift.md, "Speed"):
//
//   value = +-M * 10^(E-6), M in [10^6, 10^7) (the digits, normalised), E in [-16, 28]
//   key   = 2^31 +- (1 + (E+16) * 9e6 + (M - 10^6)),  zero (+0 only) = 2^31
//
// The key gives back exactly the double parse_numeral gives: both are one
// correctly rounded IEEE operation (M times or divided by an exact power of
// ten up to 1e22) on the same real number. Two numerals of at most 15
// significant digits are the same double only if they are the same decimal,
// so key equality is double equality. A column keeps keys while every value
// has one (half the memory of doubles) and is sorted by a radix sort that
// crosses main memory once (sort_keys), against 8 passes over the 64 bits of
// a double; the first numeral without a key ("-0", more digits, a far
// exponent, nan) turns the column into doubles for good.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <driftwatch/detail/kernels_ks.hpp>

#include "numeral.hpp"

namespace driftwatch_cli {

namespace numkey {

constexpr std::uint32_t zero = std::uint32_t{1} << 31;
constexpr std::uint32_t mantissa_span = 9000000;  // M - 10^6 in [0, 9e6)
constexpr int min_exp = -16, max_exp = 28;         // E; E - 6 in [-22, 22]

inline constexpr double pow10_table[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// The double of a key (exactly the one parse_numeral gives for its numeral).
inline double decode(std::uint32_t k) noexcept {
  if (k == zero) return 0.0;
  const bool negative = k < zero;
  const std::uint32_t p = (negative ? zero - k : k - zero) - 1;
  const int e = static_cast<int>(p / mantissa_span) + min_exp - 6;
  const double m = static_cast<double>(p % mantissa_span + 1000000);
  const double v = e >= 0 ? m * pow10_table[e] : m / pow10_table[-e];
  return negative ? -v : v;
}

}  // namespace numkey

/// What a cell is: text, a numeral with a key, or a numeral without one.
enum class cell_number { text, keyed, plain };

/// The key of +-m * 10^scale, m < 10^7 (false: it has none).
inline bool make_key(std::uint64_t m, int scale, bool negative, std::uint32_t& key) noexcept {
  if (m == 0) {
    if (negative) return false;  // -0.0: a double of its own
    key = numkey::zero;
    return true;
  }
  if (m >= 10000000) return false;
  // Normalise: M = m * 10^(7 - digits), E = scale + digits - 1.
  const auto small = static_cast<std::uint32_t>(m);
  const int digits = small >= 1000000 ? 7 : small >= 100000 ? 6 : small >= 10000 ? 5 : small >= 1000 ? 4
                   : small >= 100   ? 3 : small >= 10     ? 2 : 1;
  const int exp10 = scale + digits - 1;
  if (exp10 < numkey::min_exp || exp10 > numkey::max_exp || scale < -22 || scale > 22) return false;
  static constexpr std::uint32_t up[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  const std::uint32_t M = small * up[7 - digits];
  const std::uint32_t pos = 1 + static_cast<std::uint32_t>(exp10 - numkey::min_exp) * numkey::mantissa_span + (M - 1000000);
  key = negative ? numkey::zero - pos : numkey::zero + pos;
  return true;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool numkey_little_endian = true;
#else
constexpr bool numkey_little_endian = false;
#endif

/// Reads `s` like parse_numeral. For a numeral, `out` is its double and, when
/// it has one, `key` its key (then `out` is not set: decode(key) is it).
/// over_read: `s` may be read 8 bytes past its start even when shorter (a
/// csv_stream field: its buffers keep slack), so 1 to 8 bytes of digits with
/// at most one '.' are read as one word, with no branch per character.
template <bool over_read = false>
inline cell_number read_number(std::string_view s, double& out, std::uint32_t& key) noexcept {
  const char* p = s.data();
  const char* const e = p + s.size();
  if (p == e) return cell_number::text;
  {
    // Text at a glance: a numeral starts with a sign, a digit, '.', space,
    // or the i/n of inf/infinity/nan (parse_numeral's rules).
    const char c = *p;
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || numeral_space(c) || c == 'i' || c == 'I' ||
          c == 'n' || c == 'N'))
      return cell_number::text;
  }
  bool negative = false;
  if (*p == '-' || *p == '+') {
    negative = *p == '-';
    ++p;
  }
  if (over_read && numkey_little_endian && e - p >= 1 && e - p <= 8) {
    const auto len = static_cast<unsigned>(e - p);
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t keep = len == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * len)) - 1;
    // Per byte: x = byte ^ '0' is 0..9 for a digit; the high bit of x + 0x76,
    // or of x itself, marks every other byte (a byte >= 0x80 marks itself, so
    // a carry it causes cannot hide it).
    const std::uint64_t x = (w ^ 0x3030303030303030ull) & keep;
    const std::uint64_t other = ((x + 0x7676767676767676ull) | x) & 0x8080808080808080ull & keep;
    std::uint64_t digits = x;
    unsigned count = len;
    int scale = 0;
    bool plain_word = other == 0;
    if (!plain_word && (other & (other - 1)) == 0) {  // exactly one other byte: the '.'?
      const unsigned dot = static_cast<unsigned>(__builtin_ctzll(other)) / 8;
      if (p[dot] == '.') {
        const std::uint64_t below = (std::uint64_t{1} << (8 * dot)) - 1;
        digits = (x & below) | ((x >> 8) & ~below);  // drop the '.' byte
        count = len - 1;
        scale = -static_cast<int>(len - 1 - dot);
        plain_word = count > 0;
      }
    }
    if (plain_word) {
      // `count` digit values, the first in the lowest byte: shift them to the
      // top (zeros lead) and combine pairs, quads, then the two halves.
      std::uint64_t v = digits << (8 * (8 - count));
      v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
      v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
      v = (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
      return make_key(v, scale, negative, key) ? cell_number::keyed
                                               : (parse_numeral(s, out) ? cell_number::plain : cell_number::text);
    }
  }
  {
    // [digits][.digits][e[+-]digits], at most 7 significant digits.
    std::uint32_t m = 0;
    int digits = 0, scale = 0;
    bool any = false;
    while (p < e && static_cast<unsigned>(*p - '0') < 10) {
      const unsigned d = static_cast<unsigned>(*p - '0');
      digits += (m | d) != 0;
      m = m * 10 + d;
      any = true;
      ++p;
      if (digits > 7) goto general;
    }
    if (p < e && *p == '.') {
      ++p;
      while (p < e && static_cast<unsigned>(*p - '0') < 10) {
        const unsigned d = static_cast<unsigned>(*p - '0');
        digits += (m | d) != 0;
        m = m * 10 + d;
        --scale;
        any = true;
        ++p;
        if (digits > 7) goto general;
      }
    }
    if (!any) goto general;
    if (p < e) {
      if (*p != 'e' && *p != 'E') goto general;
      ++p;
      bool neg = false;
      if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
      if (p == e) goto general;
      int k = 0;
      while (p < e && static_cast<unsigned>(*p - '0') < 10 && k < 1000) k = k * 10 + (*p++ - '0');
      if (p != e) goto general;
      scale += neg ? -k : k;
    }
    if (make_key(m, scale, negative, key)) return cell_number::keyed;
  }
general:
  return parse_numeral(s, out) ? cell_number::plain : cell_number::text;
}

/// Keys, or doubles once a value had no key.
struct number_column {
  std::vector<std::uint32_t> keys, keys2;  // keys2: a merged-in worker's keys (not copied)
  std::vector<double> values;
  bool keyed = true;

  std::size_t size() const noexcept { return keyed ? keys.size() + keys2.size() : values.size(); }
  bool empty() const noexcept { return size() == 0; }
  /// Turns the keys into doubles (for good).
  void unkey() {
    if (!keyed) return;
    values.reserve(values.size() + keys.size() + keys2.size());
    for (const std::uint32_t k : keys) values.push_back(numkey::decode(k));
    for (const std::uint32_t k : keys2) values.push_back(numkey::decode(k));
    std::vector<std::uint32_t>().swap(keys);
    std::vector<std::uint32_t>().swap(keys2);
    keyed = false;
  }
  void add_key(std::uint32_t k) {
    if (keyed) keys.push_back(k);
    else values.push_back(numkey::decode(k));
  }
  void add_value(double v) {
    unkey();
    values.push_back(v);
  }
  void append(number_column& o) {
    if (keyed && o.keyed) {
      if (keys2.empty() && o.keys2.empty()) {
        keys2.swap(o.keys);
      } else {
        keys.insert(keys.end(), o.keys.begin(), o.keys.end());
        keys.insert(keys.end(), o.keys2.begin(), o.keys2.end());
      }
    } else {
      unkey();
      o.unkey();
      values.insert(values.end(), o.values.begin(), o.values.end());
    }
    o.release();
  }
  void release() {
    std::vector<std::uint32_t>().swap(keys);
    std::vector<std::uint32_t>().swap(keys2);
    std::vector<double>().swap(values);
  }
};

/// Sorted doubles of keys. Radix sort of key - min: one scatter on the top
/// (up to 12) bits into buckets, then each bucket -- small enough for the
/// cache -- sorted by at most two LSD passes over the remaining bits (or
/// std::sort when tiny) and decoded in order. One
/// pass over main memory instead of three (or eight for doubles).
/// The keys are two arrays (the two workers' halves), read in place.
inline driftwatch::detail::sorted_sample sort_keys(const std::uint32_t* keys, std::size_t n1,
                                                   const std::uint32_t* keys2 = nullptr, std::size_t n2 = 0) {
  driftwatch::detail::sorted_sample out;
  const std::size_t n = n1 + n2;
  out.data.reset(new double[n > 0 ? n : 1]);
  out.size = n;
  if (n == 0) return out;
  auto each = [&](auto&& fn) {
    for (std::size_t i = 0; i < n1; ++i) fn(keys[i]);
    for (std::size_t i = 0; i < n2; ++i) fn(keys2[i]);
  };
  std::uint32_t lo = n1 ? keys[0] : keys2[0], hi = lo;
  each([&](std::uint32_t k) {
    lo = k < lo ? k : lo;
    hi = k > hi ? k : hi;
  });
  const std::uint32_t span = hi - lo;
  unsigned bits = 0;
  while (bits < 32 && (span >> bits) != 0) ++bits;
  const unsigned top = bits > 12 ? 12 : bits;
  const unsigned low = bits - top;                   // at most 20
  const unsigned d1 = (low + 1) / 2, d2 = low - d1;  // the two low digits
  const std::size_t buckets = std::size_t{1} << top;
  std::vector<std::size_t> start(buckets + 1, 0);
  std::unique_ptr<std::uint32_t[]> a(new std::uint32_t[n]), b(new std::uint32_t[n]);
  each([&](std::uint32_t k) { ++start[((k - lo) >> low) + 1]; });
  for (std::size_t d = 0; d < buckets; ++d) start[d + 1] += start[d];
  {
    std::vector<std::size_t> pos(start.begin(), start.end() - 1);
    each([&](std::uint32_t key) {
      const std::uint32_t k = key - lo;
      a[pos[k >> low]++] = k;
    });
  }
  double* const result = out.data.get();
  std::vector<std::size_t> h1(std::size_t{1} << d1), h2(std::size_t{1} << d2);
  const std::uint32_t m1 = (1u << d1) - 1, m2 = (1u << d2) - 1;
  for (std::size_t d = 0; d < buckets; ++d) {
    const std::size_t s = start[d], c = start[d + 1] - s;
    if (c == 0) continue;
    std::uint32_t* x = a.get() + s;
    std::uint32_t* y = b.get() + s;
    if (low > 0 && c > 1) {
      if (c <= 64) {
        std::sort(x, x + c);
      } else {
        std::fill(h1.begin(), h1.end(), 0);
        std::fill(h2.begin(), h2.end(), 0);
        for (std::size_t i = 0; i < c; ++i) {
          ++h1[x[i] & m1];
          ++h2[(x[i] >> d1) & m2];
        }
        std::size_t t1 = 0, t2 = 0;
        for (auto& v : h1) {
          const std::size_t q = v;
          v = t1;
          t1 += q;
        }
        for (auto& v : h2) {
          const std::size_t q = v;
          v = t2;
          t2 += q;
        }
        for (std::size_t i = 0; i < c; ++i) y[h1[x[i] & m1]++] = x[i];
        if (d2 > 0) {
          for (std::size_t i = 0; i < c; ++i) x[h2[(y[i] >> d1) & m2]++] = y[i];
        } else {
          std::memcpy(x, y, c * sizeof(std::uint32_t));
        }
      }
    }
    // Every key decoded: skipping repeats costs a mispredicted branch more
    // often than the division it saves.
    for (std::size_t i = 0; i < c; ++i) result[s + i] = numkey::decode(x[i] + lo);
  }
  return out;
}

/// The sorted finite values of a column.
inline driftwatch::detail::sorted_sample sort_column(const number_column& c) {
  return c.keyed ? sort_keys(c.keys.data(), c.keys.size(), c.keys2.data(), c.keys2.size())
                 : driftwatch::detail::sort_finite_radix(c.values.data(), c.values.size());
}

}  // namespace driftwatch_cli
