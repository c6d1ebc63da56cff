// The tool's input layer, for `rank` and `drift` alike: one byte source for a
// path, "-" (standard input) or a gzip-compressed file, and a reader that hands
// out blocks of whole lines (rank's TREC files; drift's CSV reader,
// csv_stream.hpp, reads byte_source directly, through the byte_reader
// interface, with csv_input.hpp's read-ahead for gzip).
//
//   input::byte_source src("run.txt.gz");          // or "-", or a plain path
//   input::line_blocks blocks(src);                // 8 MiB blocks, prefetched
//   std::string_view block;
//   while (blocks.next(block)) { ... every line of `block` is complete ... }
//
// gzip is recognised by its magic bytes (1f 8b), on files and on standard input
// alike; a name ending in ".gz" whose content is not gzip is an error. Inflation
// is zlib's (multi-member files, like `cat a.gz b.gz`, read as their
// concatenation). line_blocks reads on a background thread into one block
// while the caller parses the previous one, so decompression and parsing
// overlap; memory is two blocks plus the longest line, whatever the file size.
// Errors are input::error with what() = "NAME: message" (NAME is the path, or
// "standard input" for "-").
// A block ends just after a '\n'; for CSV that '\n' may sit inside a quoted
// field, so a CSV parser keeps its quoting state from one block to the next
// (or reads byte_source directly). Not thread-safe: one reader per source.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace driftwatch_cli {

/// What the CSV reader reads from: up to n bytes per call, 0 only at the end
/// (input::byte_source; csv_input.hpp's memory and read-ahead readers).
class byte_reader {
 public:
  virtual ~byte_reader() = default;
  virtual std::size_t read(char* out, std::size_t n) = 0;
  virtual const std::string& name() const noexcept = 0;
};

namespace input {

/// Unreadable or corrupt input; what() is "NAME: message".
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bytes of one input: a file, standard input ("-"), either possibly gzip.
/// Not copyable; reads with read(2) into the caller's buffer (plain input) or
/// through zlib's inflate from a 256 KiB input buffer (gzip). With an
/// `offset` (a plain regular file only: splittable()), reading starts there
/// and nothing is sniffed: how `drift` reads one file on two threads.
class byte_source final : public byte_reader {
 public:
  explicit byte_source(const std::string& path, std::uint64_t offset = 0)
      : path_(path), name_(path == "-" ? std::string("standard input") : path) {
    if (path == "-") {
      fd_ = STDIN_FILENO;
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) throw error(name_ + ": cannot open file (" + std::strerror(errno) + ")");
      owns_fd_ = true;
      struct stat st {};
      if (::fstat(fd_, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
          close_fd();
          throw error(name_ + ": cannot open file (it is a directory)");
        }
        if (S_ISREG(st.st_mode)) {
          regular_ = true;
          size_ = static_cast<std::uint64_t>(st.st_size);
        }
      }
#ifdef POSIX_FADV_SEQUENTIAL
      ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    in_.resize(in_capacity);
    if (offset != 0) {
      if (!regular_ || ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
        close_fd();
        throw error(name_ + ": cannot seek to byte " + std::to_string(offset));
      }
      return;
    }
    // Sniff the first two bytes; whatever is read stays in in_ for read().
    while (in_len_ < 2) {
      const std::size_t got = raw_read(in_.data() + in_len_, in_capacity - in_len_);
      if (got == 0) break;
      in_len_ += got;
    }
    const bool magic = in_len_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f &&
                       static_cast<unsigned char>(in_[1]) == 0x8b;
    const bool gz_name = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    if (gz_name && !magic) {
      close_fd();
      throw error(name_ + ": not a gzip file (the name ends in .gz)");
    }
    if (magic) {
      gzip_ = true;
      z_ = std::make_unique<z_stream>();
      std::memset(z_.get(), 0, sizeof(z_stream));
      if (inflateInit2(z_.get(), 15 + 16) != Z_OK) {
        close_fd();
        throw error(name_ + ": cannot initialise zlib");
      }
      z_->next_in = reinterpret_cast<Bytef*>(in_.data());
      z_->avail_in = static_cast<uInt>(in_len_);
    }
  }

  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;

  ~byte_source() {
    if (z_) inflateEnd(z_.get());
    close_fd();
  }

  /// The name errors use: the path, or "standard input".
  const std::string& name() const noexcept override { return name_; }
  const std::string& path() const noexcept { return path_; }
  bool gzip() const noexcept { return gzip_; }
  /// A plain (not compressed) regular file: the one kind that can be split
  /// into byte ranges read in parallel (see the offset constructor).
  bool splittable() const noexcept { return regular_ && !gzip_; }
  /// Size in bytes of a regular file (compressed size for gzip); 0 for a pipe.
  std::uint64_t file_size() const noexcept { return size_; }
  /// Bytes taken from the file or pipe so far (compressed bytes for gzip);
  /// safe to read from another thread than the reader's (progress lines).
  std::uint64_t raw_bytes() const noexcept { return raw_bytes_.load(std::memory_order_relaxed); }

  /// Up to `cap` (> 0) bytes of content into `dst`; 0 only at the end.
  std::size_t read(char* dst, std::size_t cap) override {
    if (!gzip_) {
      if (in_pos_ < in_len_) {  // the sniffed bytes first
        const std::size_t n = std::min(cap, in_len_ - in_pos_);
        std::memcpy(dst, in_.data() + in_pos_, n);
        in_pos_ += n;
        return n;
      }
      return raw_read(dst, cap);
    }
    return inflate_some(dst, cap);
  }

 private:
  static constexpr std::size_t in_capacity = 256 * 1024;

  std::size_t raw_read(char* dst, std::size_t cap) {
    if (eof_) return 0;
    for (;;) {
      const ssize_t got = ::read(fd_, dst, cap);
      if (got > 0) {
        raw_bytes_.fetch_add(static_cast<std::uint64_t>(got), std::memory_order_relaxed);
        return static_cast<std::size_t>(got);
      }
      if (got == 0) {
        eof_ = true;
        return 0;
      }
      if (errno != EINTR) throw error(name_ + ": read error (" + std::strerror(errno) + ")");
    }
  }

  std::size_t inflate_some(char* dst, std::size_t cap) {
    if (stream_done_) return 0;
    z_->next_out = reinterpret_cast<Bytef*>(dst);
    z_->avail_out = static_cast<uInt>(std::min<std::size_t>(cap, 1u << 30));
    const uInt start = z_->avail_out;
    while (z_->avail_out == start) {
      if (z_->avail_in == 0) {
        const std::size_t got = raw_read(in_.data(), in_capacity);
        if (got == 0) {
          if (member_ended_) {  // ended exactly at a member boundary
            stream_done_ = true;
            return 0;
          }
          throw error(name_ + ": truncated gzip file");
        }
        z_->next_in = reinterpret_cast<Bytef*>(in_.data());
        z_->avail_in = static_cast<uInt>(got);
      }
      if (member_ended_) {  // more bytes after a member: the next member
        if (inflateReset(z_.get()) != Z_OK) throw error(name_ + ": cannot reset zlib");
        member_ended_ = false;
      }
      const int rc = inflate(z_.get(), Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc == Z_BUF_ERROR) {
        continue;  // needs more input
      } else if (rc != Z_OK) {
        throw error(name_ + ": corrupt gzip data" + (z_->msg ? std::string(" (") + z_->msg + ")" : std::string()));
      }
      if (member_ended_ && z_->avail_out != start) break;
    }
    return start - z_->avail_out;
  }

  void close_fd() noexcept {
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string path_, name_;
  int fd_ = -1;
  bool owns_fd_ = false, eof_ = false, gzip_ = false, member_ended_ = false, stream_done_ = false, regular_ = false;
  std::uint64_t size_ = 0;
  std::vector<char> in_;
  std::size_t in_len_ = 0, in_pos_ = 0;
  std::atomic<std::uint64_t> raw_bytes_{0};
  std::unique_ptr<z_stream> z_;
};

/// Blocks of whole lines from a byte_source. Each block ends just after a
/// '\n', except the last block of an input whose last line has none. A line
/// longer than the block size grows the block. With `prefetch`, a background
/// thread fills the next block while the caller holds the current one; the
/// block returned by next() stays valid until the following next() call.
class line_blocks {
 public:
  explicit line_blocks(byte_source& src, std::size_t block_size = std::size_t(8) << 20, bool prefetch = true)
      : src_(src), block_size_(block_size < 64 ? 64 : block_size) {
    for (auto& s : slots_) s.data.resize(block_size_);
    if (prefetch) worker_ = std::thread([this] { produce(); });
  }

  line_blocks(const line_blocks&) = delete;
  line_blocks& operator=(const line_blocks&) = delete;

  // Stopping early (the caller's error) waits for the reader's current
  // read(2) to return: at most one block, or the end of a pipe's writer.
  ~line_blocks() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  /// The next block in `out`; false at the end. Rethrows the reader's error.
  bool next(std::string_view& out) {
    if (!worker_.joinable()) {  // synchronous
      slot& s = slots_[0];
      if (finished_) return false;
      fill(s);
      if (s.len == 0) return false;
      out = std::string_view(s.data.data(), s.len);
      return true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (held_ >= 0) {  // give back the block the caller was holding
      slots_[held_].full = false;
      held_ = -1;
      cv_.notify_all();
    }
    slot& s = slots_[next_slot_];
    cv_.wait(lock, [&] { return s.full || failure_ || producer_done_; });
    if (!s.full) {
      if (failure_) std::rethrow_exception(failure_);
      return false;
    }
    held_ = next_slot_;
    next_slot_ ^= 1;
    out = std::string_view(s.data.data(), s.len);
    return true;
  }

  /// Bytes taken from the underlying file or pipe so far (approximate while
  /// prefetching: the reader may be one block ahead).
  std::uint64_t raw_bytes() const noexcept { return src_.raw_bytes(); }

 private:
  // A block's bytes, not zero-filled: pages are touched only as data arrives,
  // so a small input costs a few pages, not two blocks.
  class buffer {
   public:
    char* data() noexcept { return p_.get(); }
    std::size_t size() const noexcept { return n_; }
    void resize(std::size_t n) {  // grows, keeping the contents
      if (n <= n_) return;
      std::unique_ptr<char[]> q(new char[n]);
      if (n_) std::memcpy(q.get(), p_.get(), n_);
      p_ = std::move(q);
      n_ = n;
    }

   private:
    std::unique_ptr<char[]> p_;
    std::size_t n_ = 0;
  };

  struct slot {
    buffer data;
    std::size_t len = 0;
    bool full = false;
  };

  // One block: the carried partial line, then fresh bytes up to the block
  // size; the bytes after the last '\n' are carried into the next block.
  void fill(slot& s) {
    std::size_t len = carry_.size();
    if (s.data.size() < len + block_size_ / 2) s.data.resize(len + block_size_);
    std::memcpy(s.data.data(), carry_.data(), len);
    carry_.clear();
    bool at_end = false;
    for (;;) {
      while (len < s.data.size()) {
        const std::size_t got = src_.read(s.data.data() + len, s.data.size() - len);
        if (got == 0) {
          at_end = true;
          break;
        }
        len += got;
      }
      if (at_end) break;
      // Full: cut after the last newline, or grow for a line longer than the block.
      const void* nl = memrchr(s.data.data(), '\n', len);
      if (nl) {
        const std::size_t cut = static_cast<const char*>(nl) - s.data.data() + 1;
        carry_.assign(s.data.data() + cut, len - cut);
        len = cut;
        break;
      }
      s.data.resize(s.data.size() * 2);
    }
    if (at_end) finished_ = true;
    s.len = len;
  }

  void produce() {
    try {
      for (int i = 0;; i ^= 1) {
        slot& s = slots_[i];
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return !s.full || stop_; });
          if (stop_) return;
        }
        if (finished_) break;
        fill(s);  // the consumer never touches an empty slot
        if (s.len == 0) break;
        {
          std::lock_guard<std::mutex> lock(mu_);
          s.full = true;
        }
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      failure_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      producer_done_ = true;
    }
    cv_.notify_all();
  }

  byte_source& src_;
  std::size_t block_size_;
  slot slots_[2];
  std::string carry_;
  bool finished_ = false;
  // Shared with the worker, under mu_:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, producer_done_ = false;
  std::exception_ptr failure_;
  int held_ = -1, next_slot_ = 0;
  std::thread worker_;
};

}  // namespace input
}  // namespace driftwatch_cli
