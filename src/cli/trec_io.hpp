// Readers for TREC relevance judgments (qrels) and runs, with trec_eval's field
// rules and one-line errors naming the file, line and column.
//   qrels: `qid iter docno rel`        exactly 4 fields, iter ignored, rel an integer
//   run:   `qid Q0 docno rank score tag` at least 6 fields, Q0 and rank ignored,
//                                        fields after the 6th ignored (like trec_eval)
// Blank lines and lines starting with '#' are skipped.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace driftwatch_cli {
namespace trec {

/// Malformed input; what() is "FILE:LINE:COLUMN: message".
class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct judged_doc {
  std::string docno;
  int rel = 0;
};

struct retrieved_doc {
  std::string docno;
  double score = 0.0;
};

/// Per query id, in strcmp order of qid (std::string's order is byte-wise, like strcmp).
using qrels = std::map<std::string, std::vector<judged_doc>>;
using run = std::map<std::string, std::vector<retrieved_doc>>;

namespace detail {

struct field {
  std::string text;
  std::size_t column = 0;  // 1-based
};

inline std::vector<field> split_fields(const std::string& line) {
  std::vector<field> out;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\v' || line[i] == '\f')) ++i;
    if (i >= n) break;
    const std::size_t start = i;
    while (i < n && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\v' || line[i] == '\f')) ++i;
    out.push_back({line.substr(start, i - start), start + 1});
  }
  return out;
}

[[noreturn]] inline void fail(const std::string& path, std::size_t line, std::size_t column,
                              const std::string& message) {
  throw input_error(path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message);
}

template <class Handler>
void for_each_line(const std::string& path, Handler&& handle) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path + ": cannot open file");
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const auto fields = split_fields(line);
    if (fields.empty() || fields[0].text[0] == '#') continue;
    handle(lineno, fields, line.size() + 1);
  }
  if (in.bad()) throw input_error(path + ": read error");
}

}  // namespace detail

/// Reads a qrels file. A (qid, docno) judged twice is an error naming both lines.
inline qrels read_qrels(const std::string& path) {
  qrels out;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  detail::for_each_line(path, [&](std::size_t lineno, const std::vector<detail::field>& f, std::size_t end) {
    if (f.size() < 4)
      detail::fail(path, lineno, end, "expected 4 fields 'qid iter docno rel', found " + std::to_string(f.size()));
    if (f.size() > 4)
      detail::fail(path, lineno, f[4].column, "expected 4 fields 'qid iter docno rel', found " + std::to_string(f.size()));
    const std::string& rel_text = f[3].text;
    char* endp = nullptr;
    errno = 0;
    const long rel = std::strtol(rel_text.c_str(), &endp, 10);
    if (*endp != '\0' || errno == ERANGE || rel < -1000000 || rel > 1000000)
      detail::fail(path, lineno, f[3].column, "relevance must be an integer, got '" + rel_text + "'");
    auto key = std::make_pair(f[0].text, f[2].text);
    auto it = seen.find(key);
    if (it != seen.end())
      detail::fail(path, lineno, f[2].column,
                   "duplicate judgment of document " + f[2].text + " for query " + f[0].text +
                       " (first on line " + std::to_string(it->second) + ")");
    seen.emplace(std::move(key), lineno);
    out[f[0].text].push_back({f[2].text, static_cast<int>(rel)});
  });
  return out;
}

/// Reads a run file. A document retrieved twice for one query is an error
/// naming the query and document (trec_eval refuses such runs too).
inline run read_run(const std::string& path) {
  run out;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  detail::for_each_line(path, [&](std::size_t lineno, const std::vector<detail::field>& f, std::size_t end) {
    if (f.size() < 6)
      detail::fail(path, lineno, end,
                   "expected 6 fields 'qid Q0 docno rank score tag', found " + std::to_string(f.size()));
    const std::string& score_text = f[4].text;
    char* endp = nullptr;
    const double score = std::strtod(score_text.c_str(), &endp);
    if (*endp != '\0' || !std::isfinite(score))
      detail::fail(path, lineno, f[4].column, "score must be a finite number, got '" + score_text + "'");
    auto key = std::make_pair(f[0].text, f[2].text);
    auto it = seen.find(key);
    if (it != seen.end())
      detail::fail(path, lineno, f[2].column,
                   "duplicate document " + f[2].text + " in the run for query " + f[0].text +
                       " (first on line " + std::to_string(it->second) + ")");
    seen.emplace(std::move(key), lineno);
    out[f[0].text].push_back({f[2].text, score});
  });
  return out;
}

}  // namespace trec
}  // namespace driftwatch_cli
