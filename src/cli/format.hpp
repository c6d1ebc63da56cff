// Number and JSON formatting shared by the tool's subcommands.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include <driftwatch/adapters/detail/json_writer.hpp>

namespace driftwatch_cli {

/// Shortest text that reads back to the same double (std::to_chars), locale
/// independent. NaN/Inf are spelled `nan`, `inf`, `-inf`.
inline std::string shortest(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

/// A JSON number (shortest round-trip form), or null for NaN/Inf which JSON
/// cannot represent.
inline std::string json_number(double x) { return std::isfinite(x) ? shortest(x) : "null"; }

inline std::string json_string(std::string_view s) {
  std::string out;
  driftwatch::detail::append_json_string(out, s);
  return out;
}

/// A number for people: 4 significant digits, or "-" when there is none.
inline std::string human(double x) {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

}  // namespace driftwatch_cli
