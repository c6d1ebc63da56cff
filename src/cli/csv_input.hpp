// What `drift`'s CSV reader reads through, on top of the tool's input layer
// (input.hpp: input::byte_source, a file, standard input or gzip, and the
// byte_reader interface): bytes in memory (tests, the fuzz target), a
// read-ahead thread for gzip input, and the progress line the commands show on
// a terminal.
#pragma once

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

#include "input.hpp"

namespace driftwatch_cli {

using input_error = input::error;
using input::byte_source;

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
