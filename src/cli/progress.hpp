// A progress line on standard error for long inputs:
//   driftwatch rank: run.txt: 3,200,000 rows, 2.51 M rows/s, 180 MB read, 1.3 s
// rewritten in place (carriage return) at most 4 times a second, shown only
// when standard error is a terminal and only once reading has taken longer
// than a second; finish() ends the line. Anywhere else (a file, a pipe, a CI
// log) it prints nothing at all.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace driftwatch_cli {

class progress_meter {
 public:
  /// `label` starts the line ("driftwatch rank: run.txt"). Enabled when
  /// standard error is a terminal, unless `enabled` says otherwise.
  explicit progress_meter(std::string label, int enabled = -1)
      : label_(std::move(label)),
        enabled_(enabled < 0 ? ::isatty(STDERR_FILENO) == 1 : enabled != 0),
        start_(clock::now()) {}

  /// Starts timing a new input (the label changes, the one-second delay restarts).
  void restart(std::string label) {
    finish();
    label_ = std::move(label);
    start_ = clock::now();
    shown_ = false;
    last_ = clock::time_point{};
  }

  /// `rows` data rows and `bytes` read so far; cheap (one clock read).
  void update(std::uint64_t rows, std::uint64_t bytes) {
    if (!enabled_) return;
    const auto now = clock::now();
    if (now - start_ < std::chrono::seconds(1)) return;
    if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
    rows_ = rows;
    bytes_ = bytes;
    draw(now);
  }

  /// Ends the line if one was shown (with the final counts).
  void finish(std::uint64_t rows, std::uint64_t bytes) {
    rows_ = rows;
    bytes_ = bytes;
    if (shown_) draw(clock::now());
    finish();
  }
  void finish() {
    if (shown_) std::fputc('\n', stderr);
    shown_ = false;
  }

  bool enabled() const noexcept { return enabled_; }

 private:
  using clock = std::chrono::steady_clock;

  static std::string grouped(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
  }

  void draw(clock::time_point now) {
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%s: %s rows, %.2f M rows/s, %.0f MB read, %.1f s\x1b[K", label_.c_str(),
                 grouped(rows_).c_str(), secs > 0 ? static_cast<double>(rows_) / secs / 1e6 : 0.0,
                 static_cast<double>(bytes_) / 1e6, secs);
    std::fflush(stderr);
    shown_ = true;
    last_ = now;
  }

  std::string label_;
  bool enabled_;
  bool shown_ = false;
  clock::time_point start_, last_{};
  std::uint64_t rows_ = 0, bytes_ = 0;
};

}  // namespace driftwatch_cli
