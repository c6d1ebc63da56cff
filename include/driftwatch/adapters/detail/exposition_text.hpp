// driftwatch::prometheus::detail: the character-level rules of the Prometheus
// text format 0.0.4 and OpenMetrics 1.0: name grammar, escaping, numbers.
// Not part of the public API: use driftwatch/adapters/prometheus.hpp.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace driftwatch {
namespace prometheus {
namespace detail {

inline bool is_ascii_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]* (the Prometheus data model).
inline bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = is_ascii_letter(c) || c == '_' || c == ':' || (i > 0 && is_ascii_digit(c));
    if (!ok) return false;
  }
  return true;
}

/// Label names: [a-zA-Z_][a-zA-Z0-9_]* (no colon, unlike metric names).
inline bool valid_label_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = is_ascii_letter(c) || c == '_' || (i > 0 && is_ascii_digit(c));
    if (!ok) return false;
  }
  return true;
}

/// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is
/// ill-formed (overlong, surrogate, beyond U+10FFFF, truncated).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

/// Appends `text` escaped: backslash -> \\, newline -> \n, and, when
/// `escape_quote`, double quote -> \". Ill-formed UTF-8 bytes become U+FFFD,
/// because Prometheus rejects a scrape containing invalid UTF-8 and a bad byte
/// in a user-supplied label value must not break the whole scrape.
inline void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
      ++i;
    } else {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.data() + i, n);
        i += n;
      }
    }
  }
}

/// Appends a float the way Prometheus parses it: the shortest decimal string
/// that reads back to exactly `v` (std::to_chars, locale-independent), and
/// NaN, +Inf, -Inf spelled as the formats require.
inline void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  // 32 bytes always suffice for the shortest form of a double (at most 24).
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

/// Appends an unsigned integer exactly (counts above 2^53 stay exact).
inline void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

inline bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace detail
}  // namespace prometheus
}  // namespace driftwatch
