// A streaming RFC 4180 CSV reader for bulk imports.
//
// Reads through a fixed-size buffer (never the whole file), so memory stays flat however
// long the input is. Accepts: quoted fields with doubled quotes (""), commas, CR, LF and
// CRLF inside quotes, CRLF or LF (or a lone CR) record ends, a UTF-8 byte-order mark at
// the very start, and a missing final line break. Completely empty lines are skipped
// (spreadsheet exports often end with some); they still count as lines.
//
// Line numbers are physical lines, 1-based: the header is line 1. A record whose quoted
// field spans several lines is reported at the line where the record STARTS, and the
// next record's number accounts for every line break inside the quotes.
//
// Rejected records (Error code BAD_CSV, Error::line = the record's first line):
//   - invalid UTF-8 in a field (overlong forms, surrogates and code points above
//     U+10FFFF are invalid too);
//   - a column count different from the first record's (the header);
//   - a quote inside an unquoted field, or text between a closing quote and the next
//     comma or line end;
//   - an unterminated quoted field (reported at its record's start; the input ends there).
// After any other rejected record the reader has skipped to the end of that record and
// next() continues with the following one.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/utf8.hpp"

namespace chipreg::importers {

class CsvReader {
 public:
  // Fills `buf` with up to `n` bytes and returns how many; 0 means end of input.
  using Source = std::function<std::size_t(char* buf, std::size_t n)>;

  static constexpr std::size_t kDefaultBufferSize = 64 * 1024;

  explicit CsvReader(Source source, std::size_t buffer_size = kDefaultBufferSize);
  // Reads from an open FILE (not owned; REQUIRES it outlives the reader).
  static CsvReader from_file(std::FILE* file, std::size_t buffer_size = kDefaultBufferSize);
  // Reads a string (tests); `chunk` limits each refill to exercise buffer boundaries.
  static CsvReader from_string(std::string text, std::size_t chunk = kDefaultBufferSize);

  // Reads the next record into `fields` (reusing its strings' capacity). Returns true when
  // a record was read, false at the end of input, or an Error for a rejected record.
  Result<bool> next(std::vector<std::string>& fields);

  // The physical line on which the last record returned (or rejected) started.
  long record_line() const { return record_line_; }
  // Names used in messages about a column ("column 3 (amount_fen)"); optional.
  void set_column_names(std::vector<std::string> names) { names_ = std::move(names); }
  // The number of columns every record must have; 0 = take it from the first record.
  void set_expected_columns(std::size_t n) { expected_ = n; }

 private:
  int get();  // next byte or -1 at end of input
  int peek();
  void skip_rest_of_record();
  std::string column_name(std::size_t index) const;

  Source source_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;  // BOM check done
  bool dead_ = false;     // an unterminated quote consumed the rest of the input
  long line_ = 1;         // physical line of the next byte
  long record_line_ = 0;
  std::size_t expected_ = 0;
  std::vector<std::string> names_;
};

using chipreg::valid_utf8;  // base/utf8.hpp

}  // namespace chipreg::importers
