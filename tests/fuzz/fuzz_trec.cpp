// libFuzzer target: the TREC qrels and run readers (src/cli/trec_io.hpp). The
// readers take a path, so each input is written to a per-process temporary
// file and read as both formats. Either a well-formed result (qrels: no
// duplicate judgment; run: finite scores, no duplicate document) or
// trec::input_error, nothing else.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
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
  try {
    const trec::qrels q = trec::read_qrels(path);
    for (const auto& [qid, docs] : q) {
      std::set<std::string> seen;
      for (const auto& d : docs)
        if (!seen.insert(d.docno).second) __builtin_trap();
      if (qid.empty()) __builtin_trap();
    }
  } catch (const trec::input_error&) {
  }
  try {
    const trec::run r = trec::read_run(path);
    for (const auto& [qid, docs] : r) {
      std::set<std::string> seen;
      for (const auto& d : docs) {
        if (!std::isfinite(d.score)) __builtin_trap();
        if (!seen.insert(d.docno).second) __builtin_trap();
      }
    }
  } catch (const trec::input_error&) {
  }
  return 0;
}
