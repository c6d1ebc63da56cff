// JSON output of `driftwatch drift`: a small streaming writer whose strings
// are always valid UTF-8 (utf8_clean), whatever bytes the CSV files hold.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "format.hpp"

namespace driftwatch_cli {

/// `s` as valid UTF-8: well-formed sequences are kept; every byte that is not
/// part of one is read as Latin-1 (0xE9 -> U+00E9 "é"), so a Latin-1 file's
/// names come out readable and distinct bytes stay distinct.
inline std::string utf8_clean(std::string_view s) {
  auto seq_len = [&](std::size_t i) -> std::size_t {  // 0 when not well-formed
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = seq_len(i);
    if (n > 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      const auto c = static_cast<unsigned char>(s[i]);
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
      ++i;
    }
  }
  return out;
}

class json_out {
 public:
  json_out& begin_object() { return open('{'); }
  json_out& end_object() { return close('}'); }
  json_out& begin_array() { return open('['); }
  json_out& end_array() { return close(']'); }
  json_out& key(std::string_view k) {
    comma();
    out_ += json_string(utf8_clean(k));
    out_ += ": ";
    after_key_ = true;
    return *this;
  }
  json_out& str(std::string_view v) { return raw(json_string(utf8_clean(v))); }
  json_out& str_or_null(const std::string& v) { return v.empty() ? null() : str(v); }
  json_out& null() { return raw("null"); }
  json_out& boolean(bool b) { return raw(b ? "true" : "false"); }
  json_out& num(double x) { return raw(json_number(x)); }
  json_out& integer(unsigned long long x) { return raw(std::to_string(x)); }
  /// A metric: a number, null when not computed (NaN), or the strings "inf" /
  /// "-inf" for a value beyond the double range (JSON has no infinity).
  json_out& metric(double x) {
    if (std::isnan(x)) return null();
    if (std::isinf(x)) return raw(x > 0 ? "\"inf\"" : "\"-inf\"");
    return raw(shortest(x));
  }
  json_out& newline() {
    pending_newline_ = true;
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  json_out& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  json_out& close(char c) {
    if (pending_newline_) out_ += '\n';
    pending_newline_ = false;
    out_ += c;
    first_ = false;
    return *this;
  }
  json_out& raw(std::string_view v) {
    comma();
    out_ += v;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ", ";
    if (pending_newline_) {
      out_ += "\n  ";
      pending_newline_ = false;
    }
    first_ = false;
  }
  std::string out_;
  bool first_ = true, after_key_ = false, pending_newline_ = false;
};

}  // namespace driftwatch_cli
