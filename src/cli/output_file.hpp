// `-o FILE` / `--output FILE` for every output format of every subcommand:
// the report is printed to stdout as before, and stdout is pointed at FILE
// first, so each format's printer stays as it is.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace driftwatch_cli {

/// Points stdout at `path` (created or truncated). Returns "" on success, else
/// a one-line message naming the file and the system's reason.
inline std::string redirect_stdout(const std::string& path) {
  if (path.empty() || path == "-") return "";
  // Try the file first so that a failure leaves stdout usable.
  std::FILE* probe = std::fopen(path.c_str(), "wb");
  if (!probe) return "cannot write " + path + ": " + std::strerror(errno);
  std::fclose(probe);
  if (!std::freopen(path.c_str(), "wb", stdout)) return "cannot write " + path + ": " + std::strerror(errno);
  return "";
}

/// Flushes stdout and reports a write error (disk full, closed pipe) as a
/// one-line message naming `path` (or "standard output"); "" when all was written.
inline std::string finish_output(const std::string& path) {
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout);
  if (!failed) return "";
  const std::string where = path.empty() || path == "-" ? std::string("standard output") : path;
  return "cannot write " + where + ": " + std::strerror(errno);
}

}  // namespace driftwatch_cli
