// JSON string output for the driftwatch tool's --format json (src/cli).
// The adapters write their JSON with nlohmann-json (retrain_webhook's body,
// alertmanager_bridge's answer); this function stays, with its behaviour
// unchanged, for the CLI, which copies bytes that are not valid UTF-8 as they
// are (nlohmann-json would throw or replace them).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace driftwatch {
namespace detail {

/// Appends `s` as a JSON string literal (RFC 8259): quote, backslash and
/// control characters escaped (\n, \r, \t, \b, \f, else \u00XX); other bytes,
/// UTF-8 included, copied as they are.
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace detail
}  // namespace driftwatch
