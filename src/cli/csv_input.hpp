// Byte input of the driftwatch tool: a file, standard input (`-`), or either
// gzip-compressed (recognised by its magic bytes, whatever the name), read in
// chunks so nothing is ever held whole. Decompression is zlib's inflate (the
// Debian-packaged zlib1g); concatenated gzip members are read as one stream,
// like gzip -d does. Also: the progress line the commands show on a terminal.
// (Named csv_input.hpp, not input.hpp: `rank`'s own input layer,
// driftwatch_cli::input in input.hpp, is a different file; the two share no
// names.)
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace driftwatch_cli {

class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the CSV reader reads from: up to n bytes per call, 0 only at the end.
class byte_reader {
 public:
  virtual ~byte_reader() = default;
  virtual std::size_t read(char* out, std::size_t n) = 0;
  virtual const std::string& name() const noexcept = 0;
};

/// Bytes in memory, handed out in pieces of at most `piece` bytes (tests and
/// the fuzz target use small pieces to cross every buffer boundary).
class memory_reader final : public byte_reader {
 public:
  memory_reader(std::string_view data, std::string name, std::size_t piece = ~std::size_t{0})
      : data_(data), name_(std::move(name)), piece_(piece == 0 ? 1 : piece) {}
  std::size_t read(char* out, std::size_t n) override {
    const std::size_t k = std::min({n, data_.size() - pos_, piece_});
    std::memcpy(out, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  const std::string& name() const noexcept override { return name_; }

 private:
  std::string_view data_;
  std::string name_;
  std::size_t piece_, pos_ = 0;
};

/// A file or standard input, gzip-compressed or not. Errors throw
/// input_error naming the input.
class byte_source final : public byte_reader {
 public:
  /// Opens `path` ("-" is standard input) for sequential reading from
  /// `offset` (a plain regular file only; 0 otherwise).
  explicit byte_source(const std::string& path, std::uint64_t offset = 0) : name_(path) {
    if (path == "-") {
      fd_ = 0;
      owns_ = false;
      name_ = "<stdin>";
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) throw input_error(path + ": cannot open the file (" + std::strerror(errno) + ")");
      struct stat st {};
      if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
        regular_ = true;
        size_ = static_cast<std::uint64_t>(st.st_size);
      }
      if (S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw input_error(path + ": cannot open the file (it is a directory)");
      }
    }
    // Sniff the gzip magic (1f 8b) from the start of the stream.
    raw_.resize(1 << 20);
    if (offset != 0) {
      if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
        throw input_error(name_ + ": cannot seek (" + std::strerror(errno) + ")");
      return;
    }
    fill_raw();
    if (raw_end_ >= 2 && static_cast<unsigned char>(raw_[0]) == 0x1f && static_cast<unsigned char>(raw_[1]) == 0x8b) {
      gzip_ = true;
      zs_ = std::make_unique<z_stream>();
      std::memset(zs_.get(), 0, sizeof(z_stream));
      if (inflateInit2(zs_.get(), 15 + 16) != Z_OK) throw input_error(name_ + ": zlib cannot start");
    }
  }
  ~byte_source() {
    if (zs_) inflateEnd(zs_.get());
    if (owns_ && fd_ >= 0) ::close(fd_);
  }
  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;

  const std::string& name() const noexcept override { return name_; }
  bool gzip() const noexcept { return gzip_; }
  /// A plain (not compressed) regular file: the one kind that can be split
  /// into byte ranges read in parallel.
  bool splittable() const noexcept { return regular_ && !gzip_; }
  /// Size in bytes of a regular file (compressed size for gzip); 0 for a pipe.
  std::uint64_t file_size() const noexcept { return size_; }
  /// Bytes read from the underlying file so far (compressed for gzip); safe
  /// to call from another thread (progress).
  std::uint64_t raw_consumed() const noexcept { return raw_total_.load(std::memory_order_relaxed); }

  std::size_t read(char* out, std::size_t n) override {
    if (!gzip_) {
      if (raw_pos_ < raw_end_) {  // sniffed bytes first
        const std::size_t k = std::min(n, raw_end_ - raw_pos_);
        std::memcpy(out, raw_.data() + raw_pos_, k);
        raw_pos_ += k;
        return k;
      }
      return read_fd(out, n);
    }
    while (true) {
      if (stream_end_) {
        // Another gzip member may follow (cat a.gz b.gz); trailing zero
        // padding is accepted as gzip does not.
        if (raw_pos_ == raw_end_) fill_raw();
        if (raw_pos_ == raw_end_) return 0;
        inflateReset(zs_.get());
        stream_end_ = false;
      }
      if (raw_pos_ == raw_end_) {
        fill_raw();
        if (raw_pos_ == raw_end_) throw input_error(name_ + ": the gzip stream is truncated (unexpected end of file)");
      }
      zs_->next_in = reinterpret_cast<Bytef*>(raw_.data() + raw_pos_);
      zs_->avail_in = static_cast<uInt>(raw_end_ - raw_pos_);
      zs_->next_out = reinterpret_cast<Bytef*>(out);
      zs_->avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      const int rc = inflate(zs_.get(), Z_NO_FLUSH);
      raw_pos_ = raw_end_ - zs_->avail_in;
      const std::size_t produced = std::min<std::size_t>(n, 1u << 30) - zs_->avail_out;
      if (rc == Z_STREAM_END) {
        stream_end_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw input_error(name_ + ": not a valid gzip stream (zlib: " + (zs_->msg ? zs_->msg : "error") + ")");
      }
      if (produced > 0) return produced;
    }
  }

 private:
  std::size_t read_fd(char* out, std::size_t n) {
    while (true) {
      const ssize_t k = ::read(fd_, out, n);
      if (k >= 0) {
        raw_total_.fetch_add(static_cast<std::uint64_t>(k), std::memory_order_relaxed);
        return static_cast<std::size_t>(k);
      }
      if (errno == EINTR) continue;
      throw input_error(name_ + ": cannot read (" + std::strerror(errno) + ")");
    }
  }
  void fill_raw() {
    raw_pos_ = 0;
    raw_end_ = read_fd(raw_.data(), raw_.size());
  }

  std::string name_;
  int fd_ = -1;
  bool owns_ = true, regular_ = false, gzip_ = false, stream_end_ = false;
  std::uint64_t size_ = 0;
  std::atomic<std::uint64_t> raw_total_{0};
  std::vector<char> raw_;
  std::size_t raw_pos_ = 0, raw_end_ = 0;
  std::unique_ptr<z_stream> zs_;
};

/// Reads another reader ahead on its own thread (up to 4 chunks of 1 MiB),
/// so that decompressing a gzip file and parsing it use both cores: the
/// parse then costs no more than the decompression. Only for readers whose
/// read() always returns (files), never for a pipe that may stall forever.
class prefetch_reader final : public byte_reader {
 public:
  explicit prefetch_reader(byte_reader& in) : in_(in), thread_([this] { produce(); }) {}
  ~prefetch_reader() override {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  prefetch_reader(const prefetch_reader&) = delete;
  prefetch_reader& operator=(const prefetch_reader&) = delete;

  std::size_t read(char* out, std::size_t n) override {
    if (pos_ == cur_.size()) {
      std::unique_lock<std::mutex> lock(m_);
      if (!cur_.empty()) spare_.push_back(std::move(cur_));
      cur_.clear();
      pos_ = 0;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !full_.empty() || done_; });
      if (full_.empty()) {
        if (error_) std::rethrow_exception(error_);
        return 0;
      }
      cur_ = std::move(full_.front());
      full_.pop_front();
      cv_.notify_all();
    }
    const std::size_t k = std::min(n, cur_.size() - pos_);
    std::memcpy(out, cur_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  const std::string& name() const noexcept override { return in_.name(); }

 private:
  void produce() {
    try {
      while (true) {
        std::vector<char> buf;
        {
          std::unique_lock<std::mutex> lock(m_);
          cv_.wait(lock, [&] { return stop_ || full_.size() < 4; });
          if (stop_) break;
          if (!spare_.empty()) {
            buf = std::move(spare_.back());
            spare_.pop_back();
          }
        }
        buf.resize(std::size_t{1} << 20);
        std::size_t got = 0;
        while (got < buf.size()) {
          const std::size_t k = in_.read(buf.data() + got, buf.size() - got);
          if (k == 0) break;
          got += k;
        }
        buf.resize(got);
        std::lock_guard<std::mutex> lock(m_);
        if (got > 0) full_.push_back(std::move(buf));
        if (got == 0 || stop_) break;
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(m_);
    done_ = true;
    cv_.notify_all();
  }

  byte_reader& in_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> full_;
  std::vector<std::vector<char>> spare_;
  std::vector<char> cur_;
  std::size_t pos_ = 0;
  bool stop_ = false, done_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts after every member above exists
};

/// The progress line: shown on standard error only when it is a terminal and
/// the run has taken more than a second; rewritten in place at most 4 times a
/// second and erased at the end, so logs and pipes never see it.
class progress_line {
 public:
  explicit progress_line(std::string what, bool allowed = true) : what_(std::move(what)), start_(clock::now()) {
    enabled_ = allowed && ::isatty(2) == 1;
  }
  /// Called often (cheap unless a quarter second has passed).
  void update(std::uint64_t rows, std::uint64_t bytes) {
    if (!enabled_) return;
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::fprintf(stderr, "\r%s: %llu rows, %.1f MB read, %.0f rows/s, %.1f s elapsed\x1b[K", what_.c_str(),
                 static_cast<unsigned long long>(rows), static_cast<double>(bytes) / 1e6,
                 static_cast<double>(rows) / elapsed, elapsed);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fputs("\r\x1b[K", stderr);
    shown_ = false;
  }
  ~progress_line() { finish(); }

 private:
  using clock = std::chrono::steady_clock;
  std::string what_;
  clock::time_point start_, last_{};
  bool enabled_ = false, shown_ = false;
};

}  // namespace driftwatch_cli
