// A small, strict JSON reader (RFC 8259) for the adapters that receive JSON
// from the network (the Alertmanager bridge). Not a public API: it reads what
// those adapters need, into a plain tree, and refuses everything else.
//
// Strictness, so hostile or broken input is an error, never a surprise:
// - exactly one value, surrounded only by JSON whitespace (space, tab, LF, CR);
// - no comments, trailing commas, single quotes, NaN/Infinity, leading zeros,
//   leading '+', bare '.5' or '5.';
// - strings: valid UTF-8 only (no overlong forms, surrogates or code points
//   above U+10FFFF), no raw control characters below U+0020, only the escapes
//   \" \\ \/ \b \f \n \r \t \uXXXX, where a high surrogate must be followed by
//   a \u low surrogate and a lone low surrogate is an error; escapes decode to
//   UTF-8;
// - numbers must be within the range of a double (1e999 and 1e-999, which
//   would round to infinity or zero, are errors);
// - duplicate keys in one object are an error (RFC 8259 leaves them
//   unspecified; a receiver that picks one silently can be tricked);
// - bounded input: at most `max_bytes` bytes and `max_depth` nested
//   arrays/objects (the parser recurses once per level, so the depth bound
//   is also its stack bound).
// Errors throw driftwatch::error naming the byte offset and what was expected.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace detail {

/// A parsed JSON value: a tagged tree. Objects keep their members in input
/// order; keys are unique (the parser rejects duplicates).
struct json_value {
  enum class kind { null, boolean, number, string, array, object };

  kind type = kind::null;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<json_value> array;
  std::vector<std::pair<std::string, json_value>> object;

  bool is_null() const noexcept { return type == kind::null; }
  bool is_bool() const noexcept { return type == kind::boolean; }
  bool is_number() const noexcept { return type == kind::number; }
  bool is_string() const noexcept { return type == kind::string; }
  bool is_array() const noexcept { return type == kind::array; }
  bool is_object() const noexcept { return type == kind::object; }

  /// The member `key` of an object, or nullptr (also when not an object).
  /// O(members).
  const json_value* find(std::string_view key) const noexcept {
    if (type != kind::object) return nullptr;
    for (const auto& m : object)
      if (m.first == key) return &m.second;
    return nullptr;
  }
};

/// Bounds of parse_json.
struct json_limits {
  /// Largest accepted input, in bytes.
  std::size_t max_bytes = std::size_t{1} << 20;
  /// Deepest accepted nesting of arrays and objects (a scalar at top level is
  /// depth 0, `[]` depth 1).
  std::size_t max_depth = 32;
};

namespace json_impl {

class parser {
 public:
  parser(std::string_view text, const json_limits& limits) : s_(text), limits_(limits) {}

  json_value document() {
    if (s_.size() > limits_.max_bytes)
      fail_at(0, "input is " + std::to_string(s_.size()) + " bytes, more than the limit of " +
                     std::to_string(limits_.max_bytes));
    skip_ws();
    json_value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected content after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    driftwatch::detail::fail("json: at byte " + std::to_string(at) + ": " + what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  bool at_end() const noexcept { return pos_ >= s_.size(); }
  char peek() const noexcept { return s_[pos_]; }

  void skip_ws() noexcept {
    while (!at_end()) {
      const char c = peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  void expect_literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("invalid literal (expected '" + std::string(word) + "')");
    pos_ += word.size();
  }

  json_value value(std::size_t depth) {
    if (at_end()) fail("unexpected end of input (expected a value)");
    json_value v;
    switch (peek()) {
      case '{': object(v, depth + 1); break;
      case '[': array(v, depth + 1); break;
      case '"':
        v.type = json_value::kind::string;
        v.string = string();
        break;
      case 't':
        expect_literal("true");
        v.type = json_value::kind::boolean;
        v.boolean = true;
        break;
      case 'f':
        expect_literal("false");
        v.type = json_value::kind::boolean;
        break;
      case 'n': expect_literal("null"); break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
          v.type = json_value::kind::number;
          v.number = number();
        } else {
          fail("unexpected character (expected a value)");
        }
    }
    return v;
  }

  void check_depth(std::size_t depth) const {
    if (depth > limits_.max_depth)
      fail("nesting deeper than the limit of " + std::to_string(limits_.max_depth));
  }

  void object(json_value& v, std::size_t depth) {
    check_depth(depth);
    v.type = json_value::kind::object;
    const std::size_t start = pos_;
    ++pos_;  // '{'
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return;
    }
    while (true) {
      skip_ws();
      if (at_end() || peek() != '"') fail("expected a string key");
      std::string key = string();
      skip_ws();
      if (at_end() || peek() != ':') fail("expected ':' after an object key");
      ++pos_;
      skip_ws();
      json_value member = value(depth);
      v.object.emplace_back(std::move(key), std::move(member));
      skip_ws();
      if (at_end()) fail("unexpected end of input (expected ',' or '}')");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        check_unique_keys(v, start);
        return;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  // O(n log n) in the number of members, so a hostile object with many keys
  // costs no more than sorting them.
  void check_unique_keys(const json_value& v, std::size_t object_at) const {
    std::vector<const std::string*> keys;
    keys.reserve(v.object.size());
    for (const auto& m : v.object) keys.push_back(&m.first);
    std::sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    for (std::size_t i = 1; i < keys.size(); ++i)
      if (*keys[i] == *keys[i - 1]) fail_at(object_at, "duplicate key \"" + keys[i]->substr(0, 64) + "\" in the object starting here");
  }

  void array(json_value& v, std::size_t depth) {
    check_depth(depth);
    v.type = json_value::kind::array;
    ++pos_;  // '['
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return;
    }
    while (true) {
      skip_ws();
      v.array.push_back(value(depth));
      skip_ws();
      if (at_end()) fail("unexpected end of input (expected ',' or ']')");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

  double number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (at_end() || !is_digit(peek())) fail("expected a digit in a number");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && is_digit(peek())) fail_at(pos_ - 1, "leading zero in a number");
    } else {
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (at_end() || !is_digit(peek())) fail("expected a digit after the decimal point");
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (at_end() || !is_digit(peek())) fail("expected a digit in the exponent");
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    double out = 0.0;
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    const auto r = std::from_chars(first, last, out);
    if (r.ec == std::errc::result_out_of_range) fail_at(start, "number out of the range of a double");
    if (r.ec != std::errc() || r.ptr != last || !std::isfinite(out)) fail_at(start, "invalid number");
    return out;
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) fail("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail_at(pos_ - 1, "expected a hex digit after \\u");
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Length of the well-formed UTF-8 sequence at pos_ (Unicode table 3-7), or 0.
  std::size_t utf8_length() const noexcept {
    const auto b = [this](std::size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    const std::size_t left = s_.size() - pos_;
    const unsigned char c = b(0);
    auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
      return i < left && b(i) >= lo && b(i) <= hi;
    };
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no surrogates
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string (must be escaped)");
      if (c != '\\') {
        const std::size_t n = utf8_length();
        if (n == 0) fail("invalid UTF-8 in a string");
        out.append(s_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      const std::size_t escape_at = pos_;
      ++pos_;
      if (at_end()) fail("unterminated escape");
      switch (s_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(escape_at, "lone low surrogate \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") fail_at(escape_at, "high surrogate not followed by a \\u low surrogate");
            pos_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF)
              fail_at(escape_at, "high surrogate not followed by a \\u low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail_at(escape_at, "invalid escape in a string");
      }
    }
  }

  std::string_view s_;
  json_limits limits_;
  std::size_t pos_ = 0;
};

}  // namespace json_impl

/// Parses `text` as one strict JSON document (see the top of this header).
/// Throws driftwatch::error("driftwatch: json: at byte N: ...") on any
/// violation or when a limit is exceeded. Time O(n log n) in the input size
/// (the duplicate-key check sorts each object's keys), stack O(max_depth).
inline json_value parse_json(std::string_view text, const json_limits& limits = {}) {
  return json_impl::parser(text, limits).document();
}

}  // namespace detail
}  // namespace driftwatch
