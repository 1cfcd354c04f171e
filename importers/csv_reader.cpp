// Streaming RFC 4180 CSV reader (see csv_reader.hpp for the accepted dialect).
#include "importers/csv_reader.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace chipreg::importers {

CsvReader::CsvReader(Source source, std::size_t buffer_size)
    : source_(std::move(source)), buf_(std::max<std::size_t>(buffer_size, 4)) {}

CsvReader CsvReader::from_file(std::FILE* file, std::size_t buffer_size) {
  return CsvReader([file](char* b, std::size_t n) { return std::fread(b, 1, n, file); }, buffer_size);
}

CsvReader CsvReader::from_string(std::string text, std::size_t chunk) {
  auto data = std::make_shared<std::string>(std::move(text));
  auto offset = std::make_shared<std::size_t>(0);
  return CsvReader(
      [data, offset, chunk](char* b, std::size_t n) {
        const std::size_t k = std::min({n, chunk, data->size() - *offset});
        std::memcpy(b, data->data() + *offset, k);
        *offset += k;
        return k;
      },
      chunk < 4 ? 4 : std::min(chunk, kDefaultBufferSize));
}

int CsvReader::peek() {
  if (pos_ == end_) {
    if (eof_) return -1;
    end_ = source_(buf_.data(), buf_.size());
    pos_ = 0;
    if (end_ == 0) {
      eof_ = true;
      return -1;
    }
  }
  return static_cast<unsigned char>(buf_[pos_]);
}

int CsvReader::get() {
  const int c = peek();
  if (c >= 0) ++pos_;
  return c;
}

std::string CsvReader::column_name(std::size_t index) const {
  std::string s = "column " + std::to_string(index + 1);
  if (index < names_.size()) s += " (" + names_[index] + ")";
  return s;
}

// Skips to the end of the current record, honouring quotes so an embedded newline does
// not start a false record.
void CsvReader::skip_rest_of_record() {
  bool quoted = false;
  for (;;) {
    const int c = get();
    if (c < 0) return;
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\n') {
      ++line_;
      if (!quoted) return;
    } else if (c == '\r' && !quoted) {
      if (peek() == '\n') get();
      ++line_;
      return;
    }
  }
}

Result<bool> CsvReader::next(std::vector<std::string>& fields) {
  if (dead_) return false;
  if (!started_) {
    started_ = true;
    static constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};
    // The BOM can straddle a refill; compare byte by byte.
    if (peek() == kBom[0]) {
      std::size_t matched = 0;
      while (matched < 3 && peek() == kBom[matched]) {
        get();
        ++matched;
      }
      if (matched != 3) {
        record_line_ = line_;
        skip_rest_of_record();
        return Error("BAD_CSV", "line 1: invalid UTF-8 (a truncated byte-order mark)", "", 1);
      }
    }
  }
  // Skip completely empty lines.
  for (;;) {
    const int c = peek();
    if (c < 0) return false;
    if (c == '\n') {
      get();
      ++line_;
    } else if (c == '\r') {
      get();
      if (peek() == '\n') get();
      ++line_;
    } else {
      break;
    }
  }
  record_line_ = line_;
  std::size_t n = 0;  // fields filled
  auto field = [&]() -> std::string& {
    if (n == fields.size()) fields.emplace_back();
    std::string& f = fields[n++];
    f.clear();
    return f;
  };
  auto fail = [&](std::string msg) -> Error {
    return Error("BAD_CSV", "line " + std::to_string(record_line_) + ": " + msg, "", record_line_);
  };
  std::string* cur = &field();
  for (;;) {
    int c = get();
    if (c == '"' && cur->empty()) {
      // Quoted field: runs to the matching quote; "" is a literal quote.
      for (;;) {
        c = get();
        if (c < 0) {
          dead_ = true;
          return fail("unterminated quoted field in " + column_name(n - 1) + " (the file ends inside quotes)");
        }
        if (c == '"') {
          if (peek() == '"') {
            get();
            cur->push_back('"');
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        cur->push_back(static_cast<char>(c));
      }
      c = get();
      if (c != ',' && c != '\n' && c != '\r' && c >= 0) {
        skip_rest_of_record();
        return fail("text after the closing quote in " + column_name(n - 1));
      }
    } else {
      while (c >= 0 && c != ',' && c != '\n' && c != '\r') {
        if (c == '"') {
          const std::string where = column_name(n - 1);
          skip_rest_of_record();
          return fail("a quote inside an unquoted field in " + where + " (quote the whole field)");
        }
        cur->push_back(static_cast<char>(c));
        c = get();
      }
    }
    if (c == ',') {
      cur = &field();
      continue;
    }
    // End of record: LF, CR, CRLF or end of input.
    if (c == '\r' && peek() == '\n') get();
    if (c >= 0) ++line_;
    break;
  }
  fields.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid_utf8(fields[i])) return fail("invalid UTF-8 in " + column_name(i));
  }
  if (expected_ == 0) expected_ = n;
  if (n != expected_) {
    return fail("expected " + std::to_string(expected_) + " columns, found " + std::to_string(n));
  }
  return true;
}

}  // namespace chipreg::importers
