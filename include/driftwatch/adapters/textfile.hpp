// driftwatch::prometheus::write_textfile: the exposition as a file for
// node_exporter's textfile collector (--collector.textfile.directory), for
// batch jobs and services that do not want to open a port.
//
// An optional adapter; POSIX only (open/write/fsync/rename). No HTTP.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace prometheus {

namespace detail {
inline std::string errno_text(int err) { return std::strerror(err); }
}  // namespace detail

/// Writes `text` to `path` atomically: first to a temporary file
/// `<path>.<pid>.tmp` in the same directory (which the textfile collector
/// ignores, since it reads only *.prom), flushed with fsync, then renamed
/// over `path`. A reader therefore sees either the previous file or the new
/// one, never a partial file. File mode 0644. On any failure the temporary
/// file is removed and driftwatch::error names the path and the OS reason.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + "." + std::to_string(static_cast<long>(::getpid())) + ".tmp";
  auto fail = [&](const char* step, int err) {
    ::unlink(tmp.c_str());
    driftwatch::detail::fail("write_textfile: cannot " + std::string(step) + " '" + path +
                             "': " + detail::errno_text(err));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    driftwatch::detail::fail("write_textfile: cannot create a temporary file next to '" + path +
                             "': " + detail::errno_text(err));
  }
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("write", err);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("fsync", err);
  }
  if (::close(fd) != 0) fail("close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename into", errno);
}

/// Renders `metrics` in the text format 0.0.4 (the only one node_exporter's
/// textfile collector reads) and writes it atomically to `path` (see
/// write_file_atomically). `path` should end in ".prom". Call it periodically
/// (e.g. at the end of each batch); the collector exports the file's
/// modification time as node_textfile_mtime_seconds, so staleness is alertable.
/// Note: node_exporter rejects files whose metric names clash with its own
/// metrics, and timestamps are not allowed (driftwatch writes none).
inline void write_textfile(const registry& metrics, const std::string& path) {
  write_file_atomically(path, metrics.render(exposition_format::text_0_0_4));
}

}  // namespace prometheus
}  // namespace driftwatch
