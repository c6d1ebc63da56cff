// Readers for TREC relevance judgments (qrels) and runs, with trec_eval's field
// rules and one-line errors naming the file, line and column.
//   qrels: `qid iter docno rel`        exactly 4 fields, iter ignored, rel an integer
//   run:   `qid Q0 docno rank score tag` at least 6 fields, Q0 and rank ignored,
//                                        fields after the 6th ignored (like trec_eval)
// Blank lines and lines starting with '#' are skipped. Inputs come through
// input.hpp: a path, "-" for standard input, gzip or not.
//
// Built for runs of millions of lines:
// - the input streams in blocks of whole lines (input::line_blocks), so memory
//   does not hold the file: only each row's score and document id are kept;
// - each block is cut at line boundaries into one piece per thread (up to 8,
//   at most the machine's cores); every thread parses its piece into its own
//   shard (its own id arena and per-query rows: no locks, no sharing), the
//   line number of each piece's first line counted before the split; the
//   shards are joined per query once the input ends;
// - a row is 16 bytes (score, pointer to the document's record); a document id
//   is stored once, as a record [u32 line][u32 column][u32 length][bytes] in
//   the shard's arena (line and column serve error messages about duplicates);
// - numbers are read with std::from_chars (correctly rounded, like strtod;
//   strtod itself is the fallback for the forms from_chars does not take, such
//   as "+1.5" or hexadecimal, so every score strtod accepts is accepted).
// Queries come out in strcmp order of qid; read_qrels/read_run sort each
// query's rows by document id (strcmp order; sort_by_docno), which also finds
// duplicates.
#pragma once

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "input.hpp"
#include "progress.hpp"

namespace driftwatch_cli {
namespace trec {

/// Malformed or unreadable input; what() is "FILE:LINE:COLUMN: message" or
/// "FILE: message" (the same type as input.hpp's errors).
using input_error = input::error;

/// A document id record in an arena: [u32 line][u32 column][u32 length][bytes]
/// (line and column for error messages; both saturate at 2^32 - 1).
struct doc_record {
  const char* rec = nullptr;
  std::string_view docno() const noexcept { return {rec + 12, word(8)}; }
  std::uint32_t line() const noexcept { return word(0); }
  std::uint32_t column() const noexcept { return word(4); }

 private:
  std::uint32_t word(int at) const noexcept {
    std::uint32_t v;
    std::memcpy(&v, rec + at, 4);
    return v;
  }
};

struct retrieved {
  double score = 0.0;
  doc_record doc;
};

struct judged {
  doc_record doc;
  int rel = 0;
};

/// One file's rows per query id, queries in strcmp order.
template <class Row>
struct table {
  std::string name;                   // for error messages
  std::vector<std::string> qids;      // strcmp order
  std::vector<std::vector<Row>> rows; // rows[i] belongs to qids[i]
  std::uint64_t lines = 0;            // data lines read
  std::vector<std::unique_ptr<char[]>> arenas;  // the doc_records point here

  /// Index of `qid`, or npos.
  std::size_t find(std::string_view qid) const noexcept {
    auto it = std::lower_bound(qids.begin(), qids.end(), qid,
                               [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
    return it != qids.end() && *it == qid ? static_cast<std::size_t>(it - qids.begin()) : npos;
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

using qrels = table<judged>;
using run = table<retrieved>;

namespace detail {

inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Byte classes of the parser: field separators (is_space), the line end, the rest.
enum char_kind : unsigned char { other = 0, blank = 1, newline = 2 };
struct char_classes {
  unsigned char kind[256] = {};
  constexpr char_classes() {
    kind[static_cast<unsigned char>(' ')] = blank;
    kind[static_cast<unsigned char>('\t')] = blank;
    kind[static_cast<unsigned char>('\r')] = blank;
    kind[static_cast<unsigned char>('\v')] = blank;
    kind[static_cast<unsigned char>('\f')] = blank;
    kind[static_cast<unsigned char>('\n')] = newline;
  }
};
inline constexpr char_classes char_class_table{};
inline unsigned char char_class(char c) noexcept { return char_class_table.kind[static_cast<unsigned char>(c)]; }

/// Threads for parsing and for the per-query work: the machine's cores, 1..8.
inline unsigned worker_count() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1u : std::min(n, 8u);
}

// Arena of doc records: 1 MiB chunks (or one record's size), never moved.
class arena {
 public:
  const char* add(std::uint64_t line, std::size_t column, std::string_view s) {
    const std::size_t need = 12 + s.size();
    if (left_ < need) {
      const std::size_t size = std::max<std::size_t>(need, std::size_t(1) << 20);
      chunks_.emplace_back(new char[size]);
      cur_ = chunks_.back().get();
      left_ = size;
    }
    const std::uint32_t l = line > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(line);
    const std::uint32_t c = column > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(column);
    const std::uint32_t n = static_cast<std::uint32_t>(s.size());  // a line is < 2^32 bytes (line_blocks)
    char* r = cur_;
    std::memcpy(r, &l, 4);
    std::memcpy(r + 4, &c, 4);
    std::memcpy(r + 8, &n, 4);
    std::memcpy(r + 12, s.data(), s.size());
    cur_ += need;
    left_ -= need;
    return r;
  }
  std::vector<std::unique_ptr<char[]>>& chunks() noexcept { return chunks_; }

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cur_ = nullptr;
  std::size_t left_ = 0;
};

struct parse_error {
  bool set = false;
  std::uint64_t line = 0;
  std::size_t column = 0;
  std::string message;
};

// One thread's rows.
template <class Row>
struct shard {
  arena docs;
  std::unordered_map<std::string, std::uint32_t> ids;
  std::vector<std::string_view> names;  // index -> key in ids
  std::vector<std::vector<Row>> rows;
  std::uint32_t last = 0xffffffffu;     // the previous line's query (runs are grouped by query)
  std::uint64_t lines = 0;
  parse_error error;

  std::vector<Row>& query(std::string_view qid) {
    if (last != 0xffffffffu && names[last] == qid) return rows[last];
    auto it = ids.find(std::string(qid));
    if (it == ids.end()) {
      it = ids.emplace(std::string(qid), static_cast<std::uint32_t>(rows.size())).first;
      names.push_back(it->first);
      rows.emplace_back();
    }
    last = it->second;
    return rows[last];
  }
};

// Every field of a line (the slow path of error messages).
inline std::size_t count_fields(std::string_view line) {
  std::size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) break;
    ++n;
    while (i < line.size() && !is_space(line[i])) ++i;
  }
  return n;
}

inline bool parse_score(std::string_view s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+' && e - b > 1 && b[1] != '-' && b[1] != '+') ++b;
  const auto r = std::from_chars(b, e, out);
  if (r.ec == std::errc() && r.ptr == e) return std::isfinite(out);
  // The forms strtod takes and from_chars does not (hexadecimal, "infinity"
  // spellings), and out-of-range values: strtod decides, like the old reader.
  std::string copy(s);
  char* endp = nullptr;
  out = std::strtod(copy.c_str(), &endp);
  return *endp == '\0' && std::isfinite(out);
}

inline bool parse_rel(std::string_view s, int& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+' && e - b > 1 && b[1] >= '0' && b[1] <= '9') ++b;
  long v = 0;
  const auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || v < -1000000 || v > 1000000) return false;
  out = static_cast<int>(v);
  return true;
}

// Parses whole lines [b, e) whose first line is number `line0`.
template <class Row>
void parse_piece(const char* b, const char* e, std::uint64_t line0, shard<Row>& sh) {
  constexpr bool is_run = std::is_same<Row, retrieved>::value;
  constexpr std::size_t wanted = is_run ? 6 : 5;  // qrels: a 5th field is an error
  std::uint64_t line = line0 - 1;
  const char* p = b;
  while (p < e) {
    // The fields this format reads, then the end of the line: one pass over
    // the bytes up to the last wanted field, memchr for the rest.
    const char* ls = p;
    ++line;
    std::string_view f[6];
    std::size_t n = 0;
    const char* q = ls;
    bool at_eol = false;
    while (n < wanted) {
      while (q < e && char_class(*q) == blank) ++q;
      if (q >= e || *q == '\n') {
        at_eol = true;
        break;
      }
      const char* fs = q;
      while (q < e && char_class(*q) == other) ++q;
      f[n++] = std::string_view(fs, static_cast<std::size_t>(q - fs));
    }
    const char* le = q;
    if (!at_eol) {
      const char* nl = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(e - q)));
      le = nl ? nl : e;
    }
    p = le < e ? le + 1 : e;
    if (n == 0 || f[0][0] == '#') continue;
    ++sh.lines;
    const std::string_view text(ls, static_cast<std::size_t>(le - ls));
    auto fail = [&](std::size_t column, std::string message) {
      sh.error = {true, line, column, std::move(message)};
    };
    auto column = [&](std::string_view field) { return static_cast<std::size_t>(field.data() - ls) + 1; };
    if constexpr (is_run) {
      if (n < 6) {
        fail(text.size() + 1, "expected 6 fields 'qid Q0 docno rank score tag', found " + std::to_string(n));
        return;
      }
      double score;
      if (!parse_score(f[4], score)) {
        fail(column(f[4]), "score must be a finite number, got '" + std::string(f[4]) + "'");
        return;
      }
      sh.query(f[0]).push_back({score, {sh.docs.add(line, column(f[2]), f[2])}});
    } else {
      if (n != 4) {
        const std::size_t total = count_fields(text);
        fail(n < 4 ? text.size() + 1 : column(f[4]),
             "expected 4 fields 'qid iter docno rel', found " + std::to_string(total));
        return;
      }
      int rel;
      if (!parse_rel(f[3], rel)) {
        fail(column(f[3]), "relevance must be an integer, got '" + std::string(f[3]) + "'");
        return;
      }
      sh.query(f[0]).push_back({{sh.docs.add(line, column(f[2]), f[2])}, rel});
    }
  }
}

// '\n' bytes in [b, e): 16 bytes per step with SSE2 (x86-64 always has it),
// memchr per line elsewhere. Serial (the split needs every piece's first
// line number before the pieces start), so it has to be fast.
inline std::uint64_t count_lines(const char* b, const char* e) noexcept {
  std::uint64_t n = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (e - b >= 64) {
    unsigned m0 = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), nl)));
    unsigned m1 = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16)), nl)));
    unsigned m2 = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 32)), nl)));
    unsigned m3 = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 48)), nl)));
    const std::uint64_t mask = m0 | (static_cast<std::uint64_t>(m1) << 16) | (static_cast<std::uint64_t>(m2) << 32) |
                               (static_cast<std::uint64_t>(m3) << 48);
    n += static_cast<std::uint64_t>(__builtin_popcountll(mask));
    b += 64;
  }
#endif
  while (b < e) {
    const char* hit = static_cast<const char*>(std::memchr(b, '\n', static_cast<std::size_t>(e - b)));
    if (!hit) break;
    ++n;
    b = hit + 1;
  }
  return n;
}

// A document listed twice for one query: its first record and the record
// of its second listing (the error names the second).
struct duplicate {
  doc_record first, second;
  bool found() const noexcept { return second.rec != nullptr; }
  bool before(const duplicate& o) const noexcept { return !o.found() || second.line() < o.second.line(); }
};

// Sorts rows by docno (strcmp order) and returns the duplicate whose second
// listing comes first in the file (none: found() is false), like a reader
// that checks each line against the lines before it.
// Keys: the 8 bytes after the query's common prefix, big-endian, so most
// comparisons are one integer compare; equal keys compare the full ids.
template <class Row>
struct docno_sorter {
  struct key {
    std::uint64_t k;
    std::uint32_t i;
  };
  std::vector<key> keys, spare;
  std::vector<Row> tmp;
  std::uint32_t counts[8][256];

  // keys[0, n) by k: LSD radix sort, one histogram pass for all 8 bytes,
  // passes whose byte is the same in every key skipped (std::sort below 64).
  void sort_keys(std::size_t n) {
    if (n < 64) {
      std::sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n),
                [](const key& a, const key& b) { return a.k < b.k; });
      return;
    }
    std::memset(counts, 0, sizeof counts);
    for (std::size_t i = 0; i < n; ++i)
      for (int b = 0; b < 8; ++b) ++counts[b][(keys[i].k >> (8 * b)) & 0xff];
    spare.resize(n);
    key* from = keys.data();
    key* to = spare.data();
    for (int b = 0; b < 8; ++b) {
      std::uint32_t* c = counts[b];
      if (c[(from[0].k >> (8 * b)) & 0xff] == n) continue;  // one value: nothing to do
      std::uint32_t sum = 0;
      for (int v = 0; v < 256; ++v) {
        const std::uint32_t t = c[v];
        c[v] = sum;
        sum += t;
      }
      for (std::size_t i = 0; i < n; ++i) to[c[(from[i].k >> (8 * b)) & 0xff]++] = from[i];
      std::swap(from, to);
    }
    if (from != keys.data()) std::copy(from, from + n, keys.data());
  }

  duplicate sort(std::vector<Row>& rows) {
    const std::size_t n = rows.size();
    duplicate best;
    if (n < 2) return best;
    const std::string_view first = rows[0].doc.docno();
    std::size_t common = first.size();
    for (std::size_t i = 1; i < n && common; ++i) {
      const std::string_view d = rows[i].doc.docno();
      std::size_t c = 0;
      const std::size_t lim = std::min(common, d.size());
      while (c < lim && d[c] == first[c]) ++c;
      common = c;
    }
    keys.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view d = rows[i].doc.docno();
      std::uint64_t k = 0;
      const std::size_t m = std::min<std::size_t>(8, d.size() - common);
      for (std::size_t j = 0; j < m; ++j)
        k |= static_cast<std::uint64_t>(static_cast<unsigned char>(d[common + j])) << (56 - 8 * j);
      keys[i] = {k, static_cast<std::uint32_t>(i)};
    }
    sort_keys(n);
    // Equal keys (ids equal over the 8 bytes): order by the whole id.
    for (std::size_t i = 0; i + 1 < n;) {
      std::size_t j = i + 1;
      while (j < n && keys[j].k == keys[i].k) ++j;
      if (j - i > 1)
        std::sort(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(j),
                  [&](const key& a, const key& b) { return rows[a.i].doc.docno() < rows[b.i].doc.docno(); });
      i = j;
    }
    tmp.resize(n);
    for (std::size_t i = 0; i < n; ++i) tmp[i] = rows[keys[i].i];
    rows.swap(tmp);
    for (std::size_t i = 1; i < n; ++i) {
      if (keys[i].k != keys[i - 1].k || rows[i].doc.docno() != rows[i - 1].doc.docno()) continue;
      // A group of equal ids: its two earliest lines.
      std::size_t j = i - 1;
      duplicate d;
      while (j < n && rows[j].doc.docno() == rows[i - 1].doc.docno()) {
        const doc_record r = rows[j].doc;
        if (!d.first.rec || r.line() < d.first.line()) {
          d.second = d.first;
          d.first = r;
        } else if (!d.second.rec || r.line() < d.second.line()) {
          d.second = r;
        }
        ++j;
      }
      if (d.before(best)) best = d;
      i = j;
    }
    return best;
  }
};

template <class Row>
table<Row> read_table(const std::string& path, progress_meter* progress) {
  input::byte_source src(path);
  input::line_blocks blocks(src);
  const unsigned threads = worker_count();
  std::vector<shard<Row>> shards(threads);
  std::vector<std::thread> pool;
  std::uint64_t next_line = 1;
  std::string_view block;
  while (blocks.next(block)) {
    // Cut into one piece per thread at line starts; count each piece's lines.
    const char* cut[9];
    std::uint64_t first_line[8];
    cut[0] = block.data();
    const char* end = block.data() + block.size();
    unsigned pieces = block.size() < (std::size_t(1) << 16) ? 1 : threads;
    for (unsigned t = 1; t < pieces; ++t) {
      const char* target = block.data() + block.size() * t / pieces;
      if (target < cut[t - 1]) target = cut[t - 1];
      const char* nl = static_cast<const char*>(std::memchr(target, '\n', static_cast<std::size_t>(end - target)));
      cut[t] = nl ? nl + 1 : end;
    }
    cut[pieces] = end;
    for (unsigned t = 0; t < pieces; ++t) {
      first_line[t] = next_line;
      next_line += count_lines(cut[t], cut[t + 1]);
    }
    if (end > block.data() && end[-1] != '\n') ++next_line;  // an unterminated last line
    pool.clear();
    for (unsigned t = 1; t < pieces; ++t)
      pool.emplace_back([&, t] { parse_piece(cut[t], cut[t + 1], first_line[t], shards[t]); });
    parse_piece(cut[0], cut[1], first_line[0], shards[0]);
    for (auto& th : pool) th.join();
    for (unsigned t = 0; t < pieces; ++t) {
      const parse_error& e = shards[t].error;
      if (e.set)
        throw input_error(src.name() + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " +
                          e.message);
    }
    if (progress) {
      std::uint64_t rows = 0;
      for (const auto& s : shards) rows += s.lines;
      progress->update(rows, src.raw_bytes());
    }
  }
  if (progress) {
    std::uint64_t rows = 0;
    for (const auto& s : shards) rows += s.lines;
    progress->finish(rows, src.raw_bytes());
  }

  // Join the shards per query, in strcmp order of qid.
  table<Row> out;
  out.name = src.name();
  std::map<std::string, std::vector<Row>> joined;
  for (auto& s : shards) {
    out.lines += s.lines;
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
      auto& dst = joined[std::string(s.names[i])];
      if (dst.empty()) {
        dst.swap(s.rows[i]);
      } else {
        dst.insert(dst.end(), s.rows[i].begin(), s.rows[i].end());
        std::vector<Row>().swap(s.rows[i]);
      }
    }
    for (auto& c : s.docs.chunks()) out.arenas.push_back(std::move(c));
  }
  out.qids.reserve(joined.size());
  out.rows.reserve(joined.size());
  for (auto& q : joined) {
    out.qids.push_back(q.first);
    out.rows.push_back(std::move(q.second));
  }
  return out;
}

}  // namespace detail

/// Sorts every query's rows by document id (strcmp order), queries shared
/// among up to worker_count() threads; returns the duplicate listing that
/// comes first in the file, and its query.
template <class Row>
std::pair<detail::duplicate, std::size_t> sort_by_docno(table<Row>& t) {
  const unsigned threads = static_cast<unsigned>(
      std::min<std::size_t>(detail::worker_count(), std::max<std::size_t>(1, t.rows.size() / 64)));
  std::vector<std::pair<detail::duplicate, std::size_t>> per(threads);
  auto work = [&](unsigned w) {
    detail::docno_sorter<Row> sorter;
    for (std::size_t q = w; q < t.rows.size(); q += threads) {
      const detail::duplicate d = sorter.sort(t.rows[q]);
      if (d.found() && d.before(per[w].first)) per[w] = {d, q};
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < threads; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& th : pool) th.join();
  std::pair<detail::duplicate, std::size_t> best{};
  for (const auto& p : per)
    if (p.first.found() && p.first.before(best.first)) best = p;
  return best;
}

namespace detail {
inline std::string where(const std::string& name, const doc_record& r) {
  return name + ":" + std::to_string(r.line()) + ":" + std::to_string(r.column()) + ": ";
}
}  // namespace detail

/// Reads a qrels file ("-": standard input; gzip recognised). A (qid, docno)
/// judged twice is an error naming both lines.
inline qrels read_qrels(const std::string& path, progress_meter* progress = nullptr) {
  qrels q = detail::read_table<judged>(path, progress);
  const auto d = sort_by_docno(q);
  if (d.first.found())
    throw input_error(detail::where(q.name, d.first.second) + "duplicate judgment of document " +
                      std::string(d.first.second.docno()) + " for query " + q.qids[d.second] +
                      " (first on line " + std::to_string(d.first.first.line()) + ")");
  return q;
}

/// Reads a run file. A document retrieved twice for one query is an error
/// naming the query and document (trec_eval refuses such runs too).
inline run read_run(const std::string& path, progress_meter* progress = nullptr) {
  run r = detail::read_table<retrieved>(path, progress);
  const auto d = sort_by_docno(r);
  if (d.first.found())
    throw input_error(detail::where(r.name, d.first.second) + "duplicate document " +
                      std::string(d.first.second.docno()) + " in the run for query " + r.qids[d.second] +
                      " (first on line " + std::to_string(d.first.first.line()) + ")");
  return r;
}

}  // namespace trec
}  // namespace driftwatch_cli
