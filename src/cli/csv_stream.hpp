// A streaming RFC 4180 CSV reader for the driftwatch tool: the same rules and
// error messages as parse_csv (csv.hpp), but reading a byte_source in chunks,
// so a file of any size is read in memory that does not grow with it (the
// longest record, at most, besides a 1 MiB buffer).
//
// next() hands out one record at a time as string_views into its buffer,
// valid until the next call. A reader can also start at a byte offset of a
// plain file and stop before the first record that starts at or after a
// given offset: that is how the drift command splits a file between two
// threads (see drift_engine.cpp for how a wrong guess is detected).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv.hpp"
#include "csv_input.hpp"

namespace driftwatch_cli {

/// An error at a position, before the position is turned into text (a reader
/// that starts mid-file learns its first line number only later).
struct csv_position_error {
  std::uint64_t line = 0, column = 0;
  std::string what;
};

class csv_stream {
 public:
  /// Reads `src`, whose next byte is at absolute offset `start_offset` of its
  /// input and on line `first_line`.
  csv_stream(byte_reader& src, std::uint64_t start_offset = 0, std::uint64_t first_line = 1)
      : src_(src), base_(start_offset), line_(first_line) {
    buf_.resize((std::size_t{1} << 20) + slack);
    scratch_.reserve(buf_.size());
    for (const char c : {',', '\n', '\r', '"'}) special_[static_cast<unsigned char>(c)] = true;
  }

  /// Reads the header row (skipping a UTF-8 BOM) and checks its names. Throws
  /// csv_error naming the file.
  std::vector<std::string> header() {
    fill();
    if (end_ - pos_ >= 3 && std::memcmp(buf_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
    std::vector<std::string_view> fields;
    bool got = false;
    try {
      got = next_record(fields, false);
    } catch (const csv_position_error& e) {
      throw csv_error(where(e));
    }
    if (!got) throw csv_error(src_.name() + ": the file is empty (a header row is required)");
    std::vector<std::string> names(fields.begin(), fields.end());
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (names[c].empty())
        throw csv_error(src_.name() + ":" + std::to_string(header_line_) + ":1: header field " + std::to_string(c + 1) +
                        " is empty");
      for (std::size_t d = 0; d < c; ++d)
        if (names[d] == names[c])
          throw csv_error(src_.name() + ":" + std::to_string(header_line_) + ":1: the column name '" + names[c] +
                          "' appears twice");
    }
    width_ = names.size();
    return names;
  }

  /// For a reader that starts after the header (a second range): the width.
  void set_width(std::size_t w) noexcept { width_ = w; }
  /// Called after every read from the input (progress reporting).
  void on_read(std::function<void()> f) { on_read_ = std::move(f); }
  /// Stop before the first record starting at or after this absolute offset.
  void set_stop(std::uint64_t offset) noexcept { stop_ = offset; }

  /// Bytes that may be read (not used) past the end of any field next() gives:
  /// the buffers keep this much slack, so a word load need not check bounds.
  static constexpr std::size_t slack = 16;

  /// The next data record (exactly width() fields), or false at the end (or
  /// at the stop offset). Throws csv_position_error.
  bool next(std::vector<std::string_view>& fields) { return next_record(fields, true); }

  /// Absolute offset of the next record's first byte.
  std::uint64_t offset() const noexcept { return base_ + pos_; }
  /// Line number of the next record.
  std::uint64_t line() const noexcept { return line_; }
  std::uint64_t rows() const noexcept { return rows_; }
  const std::string& name() const noexcept { return src_.name(); }

  std::string where(const csv_position_error& e, std::uint64_t line_shift = 0) const {
    return src_.name() + ":" + std::to_string(e.line + line_shift) + ":" + std::to_string(e.column) + ": " + e.what;
  }

 private:
  enum class outcome { record, blank, more, end };

  bool next_record(std::vector<std::string_view>& fields, bool data) {
    while (true) {
      if (offset() >= stop_) return false;
      if (pos_ == end_ && !fill()) return false;
      const outcome o = parse(fields);
      if (o == outcome::more) {
        if (!fill()) eof_ = true;  // parse again with the end as a terminator
        continue;
      }
      if (o == outcome::end) return false;
      if (!data) {
        header_line_ = record_line_;
        return true;
      }
      if (o == outcome::blank && width_ > 1) continue;
      if (fields.size() != width_)
        throw csv_position_error{record_line_, 1,
                                 "the row has " + std::to_string(fields.size()) + " fields but the header has " +
                                     std::to_string(width_)};
      ++rows_;
      return true;
    }
  }

  // Moves the unread tail to the front and reads more; false at the end of
  // the input with nothing new.
  bool fill() {
    if (eof_) return false;
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      base_ += pos_;
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == buf_.size() - slack) {  // a record longer than the buffer
      buf_.resize(buf_.size() * 2);
      scratch_.reserve(buf_.size());
    }
    const std::size_t k = src_.read(buf_.data() + end_, buf_.size() - slack - end_);
    end_ += k;
    mark_specials();
    if (k == 0) {
      eof_ = true;
      return false;
    }
    if (on_read_) on_read_();
    return true;
  }

  // specials_: bit i set when buf_[i] is one of , \n \r " (i < end_), so
  // the fast path finds field ends a word of 64 bytes at a time.
  void mark_specials() {
    const std::size_t words = (end_ + 63) / 64;
    if (specials_.size() < words) specials_.resize(words);
    const unsigned char* b = reinterpret_cast<const unsigned char*>(buf_.data());
    std::size_t w = 0;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"');
    for (; (w + 1) * 64 <= end_; ++w) {
      std::uint64_t m = 0;
      for (unsigned q = 0; q < 4; ++q) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + w * 64 + q * 16));
        const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, nl)),
                                         _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, quote)));
        m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit)) & 0xFFFFu) << (q * 16);
      }
      specials_[w] = m;
    }
#endif
    for (; w < words; ++w) {
      std::uint64_t m = 0;
      const std::size_t top = std::min<std::size_t>(64, end_ - w * 64);
      for (std::size_t i = 0; i < top; ++i) m |= static_cast<std::uint64_t>(special_[b[w * 64 + i]]) << i;
      specials_[w] = m;
    }
  }

  // A record of exactly width_ fields ended by \n, with no quote and no CR,
  // read in one sweep over specials_; false (nothing consumed) for anything
  // else, which the general parser then reads (and reports).
  bool parse_plain(std::vector<std::string_view>& fields) {
    if (width_ == 0 || pos_ >= end_) return false;
    if (fields.size() != width_) fields.resize(width_);
    std::string_view* out = fields.data();
    const char* const b = buf_.data();
    std::size_t start = pos_, k = 0;
    const std::size_t words = (end_ + 63) / 64;
    std::size_t w = start / 64;
    std::uint64_t m = specials_[w] & (~std::uint64_t{0} << (start % 64));
    while (true) {
      while (m == 0) {
        if (++w >= words) return false;
        m = specials_[w];
      }
      const std::size_t j = w * 64 + static_cast<std::size_t>(__builtin_ctzll(m));
      m &= m - 1;
      const char c = b[j];
      if (c != ',' && c != '\n') return false;
      if (k == width_) return false;
      out[k++] = std::string_view(b + start, j - start);
      start = j + 1;
      if (c == '\n') break;
    }
    if (k != width_) return false;
    record_line_ = line_;
    ++line_;
    pos_ = start;
    return true;
  }

  [[noreturn]] void fail_at(const char* record_start, const char* at, std::string what) const {
    std::uint64_t line = record_line_;
    const char* line_start = record_start;
    for (const char* p = record_start; p < at; ++p)
      if (*p == '\n') {
        ++line;
        line_start = p + 1;
      }
    throw csv_position_error{line, static_cast<std::uint64_t>(at - line_start) + 1, std::move(what)};
  }

  // Parses one record at pos_. On `more` nothing is consumed.
  outcome parse(std::vector<std::string_view>& fields) {
    if (parse_plain(fields)) return outcome::record;
    fields.clear();
    scratch_.clear();
    const char* const start = buf_.data() + pos_;
    const char* const e = buf_.data() + end_;
    const char* p = start;
    bool content = false;
    std::uint64_t quoted_newlines = 0;
    record_line_ = line_;
    while (true) {  // one field per iteration
      if (p == e) {
        if (!eof_) return outcome::more;
        if (p == start) return outcome::end;
        fields.emplace_back();  // "a," at the end: a last empty field
        break;
      }
      if (*p == '"') {
        content = true;
        const char* const open = p;
        ++p;
        const char* piece = p;
        const std::size_t scratch_start = scratch_.size();
        bool escaped = false;
        std::string_view value;
        while (true) {
          const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(e - p)));
          if (q == nullptr) {
            if (!eof_) return outcome::more;
            fail_at(start, open, "a quoted field is never closed");
          }
          for (const char* r = p; r < q; ++r) quoted_newlines += *r == '\n';
          if (q + 1 == e && !eof_) return outcome::more;
          if (q + 1 < e && q[1] == '"') {
            if (!escaped) scratch_.append(piece, q + 1);  // up to and with one quote
            else scratch_.append(p, q + 1);
            escaped = true;
            p = q + 2;
            continue;
          }
          if (escaped) {
            scratch_.append(p, q);
            value = std::string_view(scratch_.data() + scratch_start, scratch_.size() - scratch_start);
          } else {
            value = std::string_view(piece, static_cast<std::size_t>(q - piece));
          }
          p = q + 1;
          break;
        }
        fields.push_back(value);
        if (p == e) {
          if (!eof_) return outcome::more;
          break;
        }
        if (*p == ',') {
          ++p;
          continue;
        }
        if (*p == '\n') {
          ++p;
          break;
        }
        if (*p == '\r') {
          if (p + 1 == e) {
            if (!eof_) return outcome::more;
            ++p;
            break;
          }
          if (p[1] == '\n') {
            p += 2;
            break;
          }
        }
        fail_at(start, p, "unexpected text after a closing quote");
      }
      const char* q = p;
      bool ended = false;
      while (true) {
        while (q < e && !special_[static_cast<unsigned char>(*q)]) ++q;
        if (q == e) {
          if (!eof_) return outcome::more;
          fields.emplace_back(p, static_cast<std::size_t>(q - p));
          content = content || q > p;
          p = q;
          ended = true;
          break;
        }
        const char c = *q;
        if (c == ',') {
          fields.emplace_back(p, static_cast<std::size_t>(q - p));
          content = true;
          p = q + 1;
          break;
        }
        if (c == '\n') {
          fields.emplace_back(p, static_cast<std::size_t>(q - p));
          content = content || q > p;
          p = q + 1;
          ended = true;
          break;
        }
        if (c == '\r') {
          if (q + 1 == e) {
            if (!eof_) return outcome::more;
            fields.emplace_back(p, static_cast<std::size_t>(q - p));
            content = content || q > p;
            p = q + 1;
            ended = true;
            if (!content) {  // a lone "\r" at the very end: nothing (as parse_csv)
              pos_ = end_;
              return outcome::end;
            }
            break;
          }
          if (q[1] == '\n') {
            fields.emplace_back(p, static_cast<std::size_t>(q - p));
            content = content || q > p;
            p = q + 2;
            ended = true;
            break;
          }
          ++q;  // a lone CR is text
          continue;
        }
        // c == '"' inside an unquoted field
        fail_at(start, q, "a quote inside an unquoted field (quote the whole field and double the quote)");
      }
      if (ended) break;
    }
    pos_ = static_cast<std::size_t>(p - buf_.data());
    line_ += 1 + quoted_newlines;
    return (!content && fields.size() == 1) ? outcome::blank : outcome::record;
  }

  byte_reader& src_;
  std::vector<char> buf_;
  std::string scratch_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t base_ = 0;
  std::uint64_t line_ = 1, record_line_ = 1, header_line_ = 1, rows_ = 0;
  std::uint64_t stop_ = std::numeric_limits<std::uint64_t>::max();
  std::size_t width_ = 0;
  bool eof_ = false;
  bool special_[256] = {};
  std::vector<std::uint64_t> specials_;
  std::function<void()> on_read_;
};

}  // namespace driftwatch_cli
