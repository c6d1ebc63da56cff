// libFuzzer target: Prometheus label-value and HELP escaping
// (include/driftwatch/adapters/detail/exposition_text.hpp) and a whole scrape
// carrying the input as a label value and as HELP text.
//
// Properties: the escaped text is valid UTF-8 with no raw newline (and, for
// label values, no unescaped quote); unescaping it gives back the input when
// the input is valid UTF-8; the rendered exposition has exactly the expected
// number of lines in both formats.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <driftwatch/adapters/prometheus.hpp>

namespace {

namespace pm = driftwatch::prometheus;

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = pm::detail::utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Undoes append_escaped; traps on an escape it never produces.
std::string unescape(std::string_view s, bool quotes) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n') __builtin_trap();
    if (c == '"' && quotes) __builtin_trap();
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == s.size()) __builtin_trap();
    switch (s[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case '"':
        if (!quotes) __builtin_trap();
        out += '"';
        break;
      default: __builtin_trap();
    }
  }
  return out;
}

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool input_valid = valid_utf8(input);
  for (bool quotes : {true, false}) {
    std::string escaped;
    pm::detail::append_escaped(escaped, input, quotes);
    if (!valid_utf8(escaped)) __builtin_trap();
    const std::string back = unescape(escaped, quotes);
    if (input_valid && back != input) __builtin_trap();
    if (!input_valid && !valid_utf8(back)) __builtin_trap();
  }
  pm::registry r;
  const std::string value(input);
  r.add({"fuzz_gauge", std::string(input), pm::metric_type::gauge, {"value"}, {{"const", value}}},
        [&value](pm::sample_writer& w) { w.gauge({std::string_view(value)}, 1.0); });
  // HELP, TYPE, one sample; OpenMetrics adds "# EOF".
  if (lines(r.render(pm::exposition_format::text_0_0_4)) != 3) __builtin_trap();
  if (lines(r.render(pm::exposition_format::openmetrics_1_0_0)) != 4) __builtin_trap();
  return 0;
}
