// libFuzzer target: the `driftwatch drift` tool's CSV reader (src/cli/csv.hpp).
// Any input must either parse into a rectangular table or be rejected with
// csv_error -- never crash, hang, read out of bounds or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const driftwatch_cli::csv_table t = driftwatch_cli::parse_csv(text, "fuzz.csv");
    if (t.header.empty() || t.header.size() != t.columns.size()) __builtin_trap();
    for (const auto& column : t.columns)
      if (column.size() != t.rows()) __builtin_trap();
    for (const auto& name : t.header)
      if (name.empty()) __builtin_trap();
  } catch (const driftwatch_cli::csv_error&) {
  }
  return 0;
}
