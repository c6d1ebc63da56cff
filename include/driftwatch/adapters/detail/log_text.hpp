// Text that goes into the adapters' log lines and error answers: values that
// come from the network or from configuration (label values, header values,
// URLs) are escaped, and URLs lose their secrets, before they are written.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace driftwatch {
namespace detail {

/// `s` made safe for a one-line log: backslash as `\\`, the quote `q` (when
/// not '\0') as `\q`, and every byte below 0x20, 0x7F and any byte that does
/// not start or continue well-formed UTF-8 as `\xNN`. At most `max_bytes` of
/// `s` are kept (then "..."). The result never contains a control character.
inline std::string escape_for_log(std::string_view s, char q = '\0', std::size_t max_bytes = 256) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  const bool cut = s.size() > max_bytes;
  if (cut) s = s.substr(0, max_bytes);
  auto byte_escape = [&out](unsigned char c) {
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || (q != '\0' && c == static_cast<unsigned char>(q))) {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      byte_escape(c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // Well-formed UTF-8 (RFC 3629) is kept; C1 controls (U+0080..U+009F)
      // are escaped like C0 ones.
      std::size_t n = 0;
      auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return i + k < s.size() && static_cast<unsigned char>(s[i + k]) >= lo &&
               static_cast<unsigned char>(s[i + k]) <= hi;
      };
      if (c >= 0xC2 && c <= 0xDF && cont(1)) n = 2;
      else if (c == 0xE0 && cont(1, 0xA0) && cont(2)) n = 3;
      else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && cont(1) && cont(2)) n = 3;
      else if (c == 0xED && cont(1, 0x80, 0x9F) && cont(2)) n = 3;
      else if (c == 0xF0 && cont(1, 0x90) && cont(2) && cont(3)) n = 4;
      else if (c >= 0xF1 && c <= 0xF3 && cont(1) && cont(2) && cont(3)) n = 4;
      else if (c == 0xF4 && cont(1, 0x80, 0x8F) && cont(2) && cont(3)) n = 4;
      const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
      if (n == 0 || c1) {
        byte_escape(c);
        if (c1) byte_escape(static_cast<unsigned char>(s[i + 1]));
        i += c1 ? 2 : 1;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
    }
  }
  if (cut) out += "...";
  return out;
}

/// A URL as it may be logged: "scheme://host[:port]/path" without user
/// information ("user:password@") and without the query string and fragment,
/// escaped with escape_for_log. Works on any string (a malformed URL gives
/// its best prefix).
inline std::string redact_url(std::string_view url) {
  std::string_view scheme;
  const auto sep = url.find("://");
  if (sep != std::string_view::npos) {
    scheme = url.substr(0, sep + 3);
    url.remove_prefix(sep + 3);
  }
  const auto authority_end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, authority_end);
  std::string_view rest = authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
  const auto at = authority.rfind('@');
  const bool had_userinfo = at != std::string_view::npos;
  if (had_userinfo) authority.remove_prefix(at + 1);
  const auto query = rest.find_first_of("?#");
  const bool had_query = query != std::string_view::npos;
  if (had_query) rest = rest.substr(0, query);
  std::string out(scheme);
  if (had_userinfo) out += "[userinfo redacted]@";
  out += authority;
  out += rest;
  if (had_query) out += "?[query redacted]";
  return escape_for_log(out);
}

/// The last line of defence before a line reaches a log callback: any control
/// character left in `line` (there should be none) becomes `\xNN`.
inline std::string one_log_line(std::string line) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(line.size());
  for (char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace detail
}  // namespace driftwatch
