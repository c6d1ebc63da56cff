// A strict RFC 4180 CSV reader for the driftwatch tool.
//
// Accepts: a header row; fields separated by ','; records ended by LF or CRLF
// (a final record may lack one); fields quoted with '"' where a doubled quote
// is a literal quote and commas and line breaks are literal; a UTF-8 BOM.
// Rejects with csv_error (file, line, column, what): a quote inside an unquoted
// field, text after a closing quote, an unterminated quoted field, a record
// with the wrong number of fields, an empty file, duplicate or empty header
// names. Blank lines are skipped in files with more than one column (in a
// one-column file a blank line is an empty cell).
#pragma once

#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace driftwatch_cli {

class csv_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct csv_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> columns;  // columns[c][row]
  std::size_t rows() const { return columns.empty() ? 0 : columns[0].size(); }
};

namespace detail {

inline std::string where(const std::string& file, std::size_t line, std::size_t column) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

}  // namespace detail

/// Parses CSV text; `file` names the source in error messages. Lines and
/// columns are 1-based; a column counts bytes.
inline csv_table parse_csv(std::string_view text, const std::string& file) {
  using detail::where;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (text.empty()) throw csv_error(file + ": the file is empty (a header row is required)");

  std::vector<std::vector<std::string>> records;
  std::vector<std::size_t> record_lines;
  std::vector<bool> record_blank;  // a line with no character at all
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1, column = 1;
  std::size_t record_line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool record_has_content = false;

  auto end_record = [&](bool at_eof) {
    if (at_eof && !record_has_content && record.empty() && field.empty()) return;
    record.push_back(std::move(field));
    field.clear();
    record_blank.push_back(!record_has_content && record.size() == 1 && record[0].empty());
    records.push_back(std::move(record));
    record_lines.push_back(record_line);
    record.clear();
    record_has_content = false;
  };

  while (i < n) {
    const char c = text[i];
    if (c == '"') {
      if (!field.empty())
        throw csv_error(where(file, line, column) + "a quote inside an unquoted field (quote the whole field and double the quote)");
      const std::size_t open_line = line, open_column = column;
      ++i;
      ++column;
      record_has_content = true;
      bool closed = false;
      while (i < n) {
        const char d = text[i];
        if (d == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            column += 2;
            continue;
          }
          ++i;
          ++column;
          closed = true;
          break;
        }
        if (d == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
        field.push_back(d);
        ++i;
      }
      if (!closed)
        throw csv_error(where(file, open_line, open_column) + "a quoted field is never closed");
      if (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') &&
          !(text[i] == '\r' && i + 1 == n))
        throw csv_error(where(file, line, column) + "unexpected text after a closing quote");
      // An empty quoted field must still count as a field with content.
      continue;
    }
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      record_has_content = true;
      ++i;
      ++column;
      continue;
    }
    if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 == n) {
      ++i;
      continue;
    }
    if (c == '\n') {
      end_record(false);
      ++i;
      ++line;
      column = 1;
      record_line = line;
      continue;
    }
    field.push_back(c);
    record_has_content = true;
    ++i;
    ++column;
  }
  end_record(true);

  if (records.empty()) throw csv_error(file + ": the file is empty (a header row is required)");
  csv_table table;
  table.header = std::move(records[0]);
  const std::size_t width = table.header.size();
  for (std::size_t c = 0; c < width; ++c) {
    if (table.header[c].empty())
      throw csv_error(where(file, record_lines[0], 1) + "header field " + std::to_string(c + 1) + " is empty");
    for (std::size_t d = 0; d < c; ++d)
      if (table.header[d] == table.header[c])
        throw csv_error(where(file, record_lines[0], 1) + "the column name '" + table.header[c] + "' appears twice");
  }
  table.columns.assign(width, {});
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto& rec = records[r];
    if (width > 1 && record_blank[r]) continue;  // blank line
    if (rec.size() != width)
      throw csv_error(where(file, record_lines[r], 1) + "the row has " + std::to_string(rec.size()) +
                      " fields but the header has " + std::to_string(width));
    for (std::size_t c = 0; c < width; ++c) table.columns[c].push_back(std::move(rec[c]));
  }
  return table;
}

/// Reads and parses a CSV file; a missing or unreadable file is a csv_error.
inline csv_table read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw csv_error(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw csv_error(path + ": cannot read the file");
  return parse_csv(ss.str(), path);
}

}  // namespace driftwatch_cli
