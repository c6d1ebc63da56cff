// libFuzzer target: the strict JSON reading the Alertmanager bridge parses
// network input with (include/driftwatch/adapters/detail/json_reader.hpp:
// nlohmann-json's parser plus our depth, size, duplicate-key and number-range
// limits).
//
// Properties: parse_json either returns or throws driftwatch::error (any other
// exception, a crash, a hang or a stack overflow is a finding); an accepted
// document stays within the depth bound, holds no non-finite number, its
// strings and keys are valid UTF-8, and writing it back as JSON and parsing
// that again gives an equal document.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

// Depth as json_limits counts it; traps on a property violation.
std::size_t check(const json_value& v) {
  switch (v.type()) {
    case json_value::value_t::string:
      if (!valid_utf8(v.get_ref<const std::string&>())) __builtin_trap();
      return 0;
    case json_value::value_t::number_float:
      if (!std::isfinite(v.get<double>())) __builtin_trap();
      return 0;
    case json_value::value_t::array: {
      std::size_t d = 0;
      for (const auto& e : v) d = std::max(d, check(e));
      return d + 1;
    }
    case json_value::value_t::object: {
      std::size_t d = 0;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!valid_utf8(it.key())) __builtin_trap();
        d = std::max(d, check(it.value()));
      }
      return d + 1;
    }
    default: return 0;
  }
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
  if (check(parsed) > limits.max_depth) __builtin_trap();
  const std::string again = parsed.dump();
  json_value reparsed;
  try {
    reparsed = driftwatch::detail::parse_json(again, limits);
  } catch (const driftwatch::error&) {
    __builtin_trap();  // what we accepted, written back, must be accepted
  }
  if (parsed != reparsed) __builtin_trap();
  return 0;
}
