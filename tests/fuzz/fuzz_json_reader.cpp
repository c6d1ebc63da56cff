// libFuzzer target: the strict JSON reader the Alertmanager bridge parses
// network input with (include/driftwatch/adapters/detail/json_reader.hpp).
//
// Properties: parse_json either returns or throws driftwatch::error (any other
// exception, a crash, a hang or a stack overflow is a finding); an accepted
// document stays within the depth bound, its strings are valid UTF-8, and
// writing it back as JSON and parsing that again gives the same tree.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <driftwatch/adapters/detail/json_reader.hpp>
#include <driftwatch/adapters/prometheus.hpp>

namespace {

using driftwatch::detail::json_value;

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = driftwatch::prometheus::detail::utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void write(std::string& out, const json_value& v) {
  switch (v.type) {
    case json_value::kind::null: out += "null"; break;
    case json_value::kind::boolean: out += v.boolean ? "true" : "false"; break;
    case json_value::kind::number: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v.number);
      out += buf;
      break;
    }
    case json_value::kind::string:
      if (!valid_utf8(v.string)) __builtin_trap();
      write_string(out, v.string);
      break;
    case json_value::kind::array:
      out += '[';
      for (std::size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += ',';
        write(out, v.array[i]);
      }
      out += ']';
      break;
    case json_value::kind::object:
      out += '{';
      for (std::size_t i = 0; i < v.object.size(); ++i) {
        if (i) out += ',';
        if (!valid_utf8(v.object[i].first)) __builtin_trap();
        write_string(out, v.object[i].first);
        out += ':';
        write(out, v.object[i].second);
      }
      out += '}';
      break;
  }
}

std::size_t depth(const json_value& v) {
  std::size_t d = 0;
  for (const auto& e : v.array) d = std::max(d, depth(e));
  for (const auto& m : v.object) d = std::max(d, depth(m.second));
  return (v.is_array() || v.is_object()) ? d + 1 : 0;
}

bool same(const json_value& a, const json_value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case json_value::kind::null: return true;
    case json_value::kind::boolean: return a.boolean == b.boolean;
    case json_value::kind::number: return a.number == b.number;
    case json_value::kind::string: return a.string == b.string;
    case json_value::kind::array:
      if (a.array.size() != b.array.size()) return false;
      for (std::size_t i = 0; i < a.array.size(); ++i)
        if (!same(a.array[i], b.array[i])) return false;
      return true;
    case json_value::kind::object:
      if (a.object.size() != b.object.size()) return false;
      for (std::size_t i = 0; i < a.object.size(); ++i)
        if (a.object[i].first != b.object[i].first || !same(a.object[i].second, b.object[i].second)) return false;
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  driftwatch::detail::json_limits limits;
  limits.max_depth = 16;
  json_value parsed;
  try {
    parsed = driftwatch::detail::parse_json(input, limits);
  } catch (const driftwatch::error&) {
    return 0;  // rejected: the expected outcome for most inputs
  }
  if (depth(parsed) > limits.max_depth) __builtin_trap();
  std::string again;
  write(again, parsed);
  json_value reparsed;
  try {
    reparsed = driftwatch::detail::parse_json(again, limits);
  } catch (const driftwatch::error&) {
    __builtin_trap();  // what we accepted, written back, must be accepted
  }
  if (!same(parsed, reparsed)) __builtin_trap();
  return 0;
}
