// Numerals of the `driftwatch drift` CSV cells, read as Python's float() reads
// them, so a column of numbers stays numeric whatever their magnitude.
//
// Accepted (surrounding ASCII whitespace ignored): an optional single sign
// ('+' or '-') followed by a decimal numeral -- digits with an optional '.'
// and an optional exponent (1, -2.5, .5, 5., 1e-3, 6E+23) -- or one of the
// words inf, infinity, nan in any letter case. A numeral beyond double's range
// rounds like float(): 1e-400 -> 0.0 (and 2e-324 -> 0.0), 1e400 -> inf, which
// the report then counts as invalid (non-finite). Everything else is text:
// `+-5`, `1e`, `0x10`, `nan(1)`, `1,5`, and digit groups with '_' (which
// float() alone accepts; pandas and NumPy do not).
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

namespace driftwatch_cli {

inline bool numeral_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// True and `out` set when `s` is a numeral (see above); false for text.
inline bool parse_numeral(std::string_view s, double& out) noexcept {
  while (!s.empty() && numeral_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && numeral_space(s.back())) s.remove_suffix(1);
  if (s.empty()) return false;
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  const char c = s.front();
  if ((c >= '0' && c <= '9') || c == '.') {
    // Clinger's fast path: at most 15 significant digits and a power of ten
    // up to 1e22 are both exact doubles, so one multiplication or division
    // rounds correctly -- the same double from_chars gives, several times
    // faster. Anything else goes to from_chars.
    {
      static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
      const char* p = s.data();
      const char* const e = p + s.size();
      std::uint64_t m = 0;
      int digits = 0, scale = 0;
      bool any = false;
      while (p < e && *p >= '0' && *p <= '9') {
        if (m != 0 || *p != '0') ++digits;
        m = m * 10 + static_cast<unsigned>(*p - '0');
        any = true;
        ++p;
        if (digits > 15) break;
      }
      if (digits <= 15 && p < e && *p == '.') {
        ++p;
        while (p < e && *p >= '0' && *p <= '9') {
          if (m != 0 || *p != '0') ++digits;
          m = m * 10 + static_cast<unsigned>(*p - '0');
          --scale;
          any = true;
          ++p;
          if (digits > 15) break;
        }
      }
      if (any && digits <= 15) {
        int exp = 0;
        bool ok = true;
        if (p < e && (*p == 'e' || *p == 'E')) {
          ++p;
          bool neg = false;
          if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
          if (p == e) ok = false;
          int k = 0;
          while (p < e && *p >= '0' && *p <= '9' && k < 10000) k = k * 10 + (*p++ - '0');
          exp = neg ? -k : k;
        }
        if (ok && p == e) {
          const int total = scale + exp;
          if (total >= -22 && total <= 22) {
            double v = static_cast<double>(m);
            v = total < 0 ? v / pow10[-total] : v * pow10[total];
            out = negative ? -v : v;
            return true;
          }
        } else if (!ok || p != e) {
          // fall through: from_chars gives the verdict
        }
      }
    }
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    if (r.ptr != s.data() + s.size()) return false;
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars leaves v unset beyond double's range; strtod (the "C"
      // locale: the tool never calls setlocale) rounds to 0 or inf like float().
      char buf[128];
      std::string big;
      const char* text = buf;
      if (s.size() < sizeof buf) {
        s.copy(buf, s.size());
        buf[s.size()] = '\0';
      } else {
        big.assign(s);
        text = big.c_str();
      }
      v = std::strtod(text, nullptr);
    } else if (r.ec != std::errc()) {
      return false;
    }
    out = negative ? -v : v;
    return true;
  }
  auto word = [&](std::string_view w) {
    if (s.size() != w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != w[i]) return false;
    return true;
  };
  if (word("inf") || word("infinity")) {
    out = negative ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (word("nan")) {
    out = negative ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  return false;
}

/// Shortest text that reads back to the same double (for messages).
inline std::string shortest_text(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

}  // namespace driftwatch_cli
