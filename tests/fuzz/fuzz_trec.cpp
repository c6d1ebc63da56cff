// libFuzzer target: the TREC qrels and run readers (src/cli/trec_io.hpp). The
// readers take a path, so each input is written to a per-process temporary
// file and read as both formats (plain, or gzip when the input starts with
// gzip's magic bytes). Either a well-formed result (queries in strcmp order,
// rows sorted by document id, none twice; run: finite scores) or
// trec::input_error, nothing else.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "cli/trec_io.hpp"

namespace {
const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/driftwatch_fuzz_trec_" +
           std::to_string(static_cast<long>(::getpid()));
  }();
  return path;
}
struct remove_at_exit {
  ~remove_at_exit() { std::remove(scratch_path().c_str()); }
} cleanup;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace trec = driftwatch_cli::trec;
  const std::string& path = scratch_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  // Well formed: every query non-empty with a non-empty id, rows sorted by
  // document id (strcmp order) with no id twice, finite scores.
  auto check_sorted = [](const auto& t) {
    if (t.qids.size() != t.rows.size()) __builtin_trap();
    for (std::size_t q = 0; q < t.qids.size(); ++q) {
      if (t.qids[q].empty() || t.rows[q].empty()) __builtin_trap();
      if (q > 0 && !(t.qids[q - 1] < t.qids[q])) __builtin_trap();
      for (std::size_t i = 1; i < t.rows[q].size(); ++i)
        if (!(t.rows[q][i - 1].doc.docno() < t.rows[q][i].doc.docno())) __builtin_trap();
    }
  };
  try {
    const trec::qrels q = trec::read_qrels(path);
    check_sorted(q);
  } catch (const trec::input_error&) {
  }
  try {
    const trec::run r = trec::read_run(path);
    check_sorted(r);
    for (const auto& rows : r.rows)
      for (const auto& d : rows)
        if (!std::isfinite(d.score)) __builtin_trap();
  } catch (const trec::input_error&) {
  }
  return 0;
}
