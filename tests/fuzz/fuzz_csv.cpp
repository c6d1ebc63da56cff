// libFuzzer target: the `driftwatch drift` tool's CSV readers (src/cli/csv.hpp
// and the streaming src/cli/csv_stream.hpp). Any input must either parse into
// a rectangular table or be rejected with csv_error -- never crash, hang, read
// out of bounds or throw anything else -- and the streaming reader, fed in
// pieces of 1 to 16 bytes (the first input byte picks the size) so that every
// record crosses buffer boundaries, must give exactly the same table, or also
// reject the input with a message naming the file. (The messages may differ:
// parse_csv tokenizes the whole text before it checks the header and the
// field counts, the stream reports the first error in file order.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/csv.hpp"
#include "cli/csv_stream.hpp"

namespace {

// The streaming reader's verdict as parse_csv's: a table or a message.
bool stream_parse(std::string_view text, std::size_t piece, driftwatch_cli::csv_table& t, std::string& error) {
  driftwatch_cli::memory_reader in(text, "fuzz.csv", piece);
  driftwatch_cli::csv_stream s(in);
  try {
    t.header = s.header();
    t.columns.assign(t.header.size(), {});
    std::vector<std::string_view> f;
    while (s.next(f))
      for (std::size_t c = 0; c < f.size(); ++c) t.columns[c].emplace_back(f[c]);
    return true;
  } catch (const driftwatch_cli::csv_error& e) {
    error = e.what();
  } catch (const driftwatch_cli::csv_position_error& e) {
    error = s.where(e);
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::size_t piece = size > 0 ? 1 + data[0] % 16 : 1;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  driftwatch_cli::csv_table whole;
  std::string whole_error;
  bool ok = true;
  try {
    whole = driftwatch_cli::parse_csv(text, "fuzz.csv");
    if (whole.header.empty() || whole.header.size() != whole.columns.size()) __builtin_trap();
    for (const auto& column : whole.columns)
      if (column.size() != whole.rows()) __builtin_trap();
    for (const auto& name : whole.header)
      if (name.empty()) __builtin_trap();
  } catch (const driftwatch_cli::csv_error& e) {
    ok = false;
    whole_error = e.what();
  }
  driftwatch_cli::csv_table streamed;
  std::string stream_error;
  const bool stream_ok = stream_parse(text, piece, streamed, stream_error);
  if (ok != stream_ok) __builtin_trap();
  if (ok && (streamed.header != whole.header || streamed.columns != whole.columns)) __builtin_trap();
  if (!ok && stream_error.rfind("fuzz.csv", 0) != 0) __builtin_trap();
  return 0;
}
