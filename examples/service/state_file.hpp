// Saving and restoring the service's state: atomically, so that a crash (even
// SIGKILL) at any instant leaves either the previous complete file or the new
// complete file, never a torn one.
//
// Save: write everything to "<file>.tmp", fsync it, rename() it over <file>
// (atomic on POSIX file systems), then fsync the directory so the rename
// itself survives a power loss. Load: a missing file is a fresh start; a file
// that does not check out (magic, version, size, CRC-32 of the whole, and each
// driftwatch state's own checksum) is an error naming what is wrong.
//
// Layout (little-endian): "RSVCSTAT" | u32 version | u32 reserved |
//   u64 saved_at_unix_ms | u64 window_start_unix_ns | u64 reference_fingerprint |
//   u64 n | n x u64 observations_total (one per feature) |
//   blob window_current | blob window_last_closed | blob ranking |
//   u32 crc32 (zlib) of everything before it.
// A blob is u64 size + the bytes of driftwatch::serialize(...).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace recsvc {

struct saved_state {
  std::uint64_t saved_at_unix_ms = 0;
  std::uint64_t window_start_unix_ns = 0;
  std::uint64_t reference_fingerprint = 0;
  std::vector<std::uint64_t> observations_total;
  std::vector<std::uint8_t> window_current, window_last_closed, ranking;
};

namespace detail {

constexpr char state_magic[8] = {'R', 'S', 'V', 'C', 'S', 'T', 'A', 'T'};
constexpr std::uint32_t state_version = 1;

inline void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_blob(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& blob) {
  put64(out, blob.size());
  out.insert(out.end(), blob.begin(), blob.end());
}

class reader {
 public:
  reader(const std::vector<std::uint8_t>& b, std::string file) : b_(b), file_(std::move(file)) {}
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  std::vector<std::uint8_t> blob(const char* what) {
    const std::uint64_t n = u64(what);
    need(n, what);
    std::vector<std::uint8_t> out(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                  b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  std::size_t pos() const { return pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("state file " + file_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  void need(std::uint64_t n, const char* what) const {
    if (n > b_.size() - pos_) fail(std::string("truncated while reading ") + what);
  }
  const std::vector<std::uint8_t>& b_;
  std::string file_;
  std::size_t pos_ = 0;
};

[[noreturn]] inline void io_error(const std::string& what, const std::string& file) {
  throw std::runtime_error(what + " " + file + ": " + std::strerror(errno));
}

}  // namespace detail

/// Writes `s` to `file` atomically (see the header comment). Throws
/// std::runtime_error naming the file and the failing call.
inline void save_state(const saved_state& s, const std::string& file) {
  std::vector<std::uint8_t> out(detail::state_magic, detail::state_magic + 8);
  detail::put32(out, detail::state_version);
  detail::put32(out, 0);
  detail::put64(out, s.saved_at_unix_ms);
  detail::put64(out, s.window_start_unix_ns);
  detail::put64(out, s.reference_fingerprint);
  detail::put64(out, s.observations_total.size());
  for (auto v : s.observations_total) detail::put64(out, v);
  detail::put_blob(out, s.window_current);
  detail::put_blob(out, s.window_last_closed);
  detail::put_blob(out, s.ranking);
  detail::put32(out, static_cast<std::uint32_t>(::crc32(0L, out.data(), static_cast<uInt>(out.size()))));

  const std::string tmp = file + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) detail::io_error("cannot create", tmp);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      detail::io_error("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    detail::io_error("cannot fsync", tmp);
  }
  if (::close(fd) != 0) detail::io_error("cannot close", tmp);
  if (::rename(tmp.c_str(), file.c_str()) != 0) detail::io_error("cannot rename " + tmp + " to", file);
  const std::string dir = file.find('/') == std::string::npos ? "." : file.substr(0, file.rfind('/'));
  const int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

/// Reads a state written by save_state. std::nullopt if `file` does not
/// exist; throws std::runtime_error naming the file and the problem otherwise.
inline std::optional<saved_state> load_state(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    detail::io_error("cannot open", file);
  }
  const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  detail::reader r(b, file);
  if (b.size() < 12 || std::memcmp(b.data(), detail::state_magic, 8) != 0)
    r.fail("not a recommender state file (magic RSVCSTAT missing)");
  const std::uint32_t stored = static_cast<std::uint32_t>(b[b.size() - 4]) |
                               static_cast<std::uint32_t>(b[b.size() - 3]) << 8 |
                               static_cast<std::uint32_t>(b[b.size() - 2]) << 16 |
                               static_cast<std::uint32_t>(b[b.size() - 1]) << 24;
  if (::crc32(0L, b.data(), static_cast<uInt>(b.size() - 4)) != stored) r.fail("checksum mismatch (corrupted)");
  r.u64("magic");
  const std::uint32_t version = r.u32("version");
  if (version != detail::state_version) r.fail("version " + std::to_string(version) + " is not supported");
  r.u32("reserved");
  saved_state s;
  s.saved_at_unix_ms = r.u64("saved_at");
  s.window_start_unix_ns = r.u64("window_start");
  s.reference_fingerprint = r.u64("reference_fingerprint");
  const std::uint64_t n = r.u64("feature count");
  if (n > 100000) r.fail("implausible feature count " + std::to_string(n));
  for (std::uint64_t i = 0; i < n; ++i) s.observations_total.push_back(r.u64("observations_total"));
  s.window_current = r.blob("window_current");
  s.window_last_closed = r.blob("window_last_closed");
  s.ranking = r.blob("ranking");
  if (r.pos() + 4 != b.size()) r.fail("trailing bytes");
  return s;
}

}  // namespace recsvc
