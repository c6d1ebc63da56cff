// Strict, bounded JSON reading for the adapters that receive JSON from the
// network (the Alertmanager bridge), on nlohmann-json (Debian
// nlohmann-json3-dev, header-only). Not a public API.
//
// nlohmann-json's parser is RFC 8259 strict (no comments, trailing commas,
// single quotes, NaN/Infinity, leading zeros or '+'; strings must be valid
// UTF-8 without raw control characters, with paired \u surrogates; exactly one
// value, with only JSON whitespace around it; a UTF-8 byte order mark at the
// start is skipped, as RFC 8259 allows). It is not recursive (its stack is a
// vector), so nesting costs heap, not stack. On top of it, parse_json adds
// what it leaves open, through its SAX interface so that nothing past a limit
// is ever built:
// - at most `max_bytes` bytes of input (checked before parsing);
// - at most `max_depth` nested arrays/objects;
// - duplicate keys in one object are an error (RFC 8259 leaves them
//   unspecified; a receiver that picks one silently can be tricked);
// - numbers must be within the range of a double (1e999 and 1e-999, which
//   would round to infinity or zero, are errors).
// Errors throw driftwatch::error ("json: ..."; syntax errors name the byte
// offset).
#pragma once

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace detail {

/// A parsed document: nlohmann::json (objects keyed in sorted order).
using json_value = nlohmann::json;

/// Bounds of parse_json.
struct json_limits {
  /// Largest accepted input, in bytes.
  std::size_t max_bytes = std::size_t{1} << 20;
  /// Deepest accepted nesting of arrays and objects (a scalar at top level is
  /// depth 0, `[]` depth 1).
  std::size_t max_depth = 32;
};

namespace json_impl {

// Builds the document from nlohmann's SAX events, refusing at the first event
// past a limit (returning false stops the parser).
class strict_builder {
 public:
  using json = nlohmann::json;

  strict_builder(json& root, const json_limits& limits) : root_(root), limits_(limits) {}

  const std::string& error() const noexcept { return error_; }

  bool null() { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) { return put(json(v)) != nullptr; }
  bool number_integer(json::number_integer_t v) { return put(json(v)) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)) != nullptr; }
  bool number_float(json::number_float_t v, const std::string& text) {
    double parsed = 0.0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (r.ec == std::errc::result_out_of_range || !std::isfinite(v))
      return refuse("number " + text.substr(0, 32) + " is out of the range of a double");
    return put(json(v)) != nullptr;
  }
  bool string(std::string& v) { return put(json(std::move(v))) != nullptr; }
  bool binary(json::binary_t&) { return refuse("binary values are not JSON"); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    json& object = *open_.back();
    if (object.find(k) != object.end()) return refuse("duplicate key \"" + k.substr(0, 64) + "\" in an object");
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    // nlohmann's what(): "[json.exception.parse_error.101] parse error at
    // line 1, column 5: syntax error while parsing value - invalid literal;
    // last read: 'tru'". Keep the description, name the byte offset instead
    // of line/column, and drop the "last read" echo of the input (it may hold
    // control characters or invalid UTF-8, and the message can be logged or
    // sent back to the client).
    std::string what = e.what();
    if (what.compare(0, 16, "[json.exception.") == 0) {
      const auto bracket = what.find("] ");
      if (bracket != std::string::npos) what.erase(0, bracket + 2);
    }
    if (what.compare(0, 15, "parse error at ") == 0) {
      const auto colon = what.find(": ");
      if (colon != std::string::npos) what.erase(0, colon + 2);
    }
    const auto echo = what.find("; last read: '");
    if (echo != std::string::npos) {
      const auto expected = what.rfind("'; expected ");
      what = what.substr(0, echo) + (expected != std::string::npos && expected > echo ? what.substr(expected + 1) : "");
    }
    if (what.compare(0, 15, "number overflow") == 0) what = "number out of the range of a double";
    error_ = "at byte " + std::to_string(position == 0 ? 0 : position - 1) + ": " + what;
    return false;
  }

 private:
  json* put(json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }
  bool open(json v) {
    if (open_.size() + 1 > limits_.max_depth)
      return refuse("nesting deeper than the limit of " + std::to_string(limits_.max_depth));
    open_.push_back(put(std::move(v)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }
  bool refuse(std::string what) {
    error_ = std::move(what);
    return false;
  }

  json& root_;
  const json_limits& limits_;
  std::vector<json*> open_;  // the arrays/objects being filled, innermost last
  std::string key_;
  std::string error_;
};

}  // namespace json_impl

/// Parses `text` as one strict JSON document (see the top of this header).
/// Throws driftwatch::error("driftwatch: json: ...") on any violation or when
/// a limit is exceeded. Time O(n log n) in the input size (object members are
/// kept sorted), heap O(n).
inline json_value parse_json(std::string_view text, const json_limits& limits = {}) {
  if (text.size() > limits.max_bytes)
    fail("json: input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
         std::to_string(limits.max_bytes));
  json_value root;
  json_impl::strict_builder builder(root, limits);
  const char* first = text.data();
  const bool ok = nlohmann::json::sax_parse(first, first + text.size(), &builder);
  if (!ok) fail("json: " + (builder.error().empty() ? std::string("invalid document") : builder.error()));
  return root;
}

}  // namespace detail
}  // namespace driftwatch
