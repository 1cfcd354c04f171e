// The streaming CSV reader: RFC 4180 quoting, line ends, BOM, UTF-8, and the line numbers
// it reports. Small refill chunks force every construct across buffer boundaries.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "importers/csv_reader.hpp"

using chipreg::importers::CsvReader;
using chipreg::importers::valid_utf8;

namespace {

struct Read {
  std::vector<std::vector<std::string>> records;
  std::vector<long> lines;
  std::vector<chipreg::Error> errors;
};

Read read_all(const std::string& text, std::size_t chunk) {
  CsvReader r = CsvReader::from_string(text, chunk);
  Read out;
  std::vector<std::string> fields;
  for (;;) {
    auto more = r.next(fields);
    if (!more) {
      out.errors.push_back(more.error());
      continue;
    }
    if (!*more) break;
    out.records.push_back(fields);
    out.lines.push_back(r.record_line());
  }
  return out;
}

}  // namespace

TEST_CASE("csv: quotes, doubled quotes, commas and newlines inside quotes, at any buffer boundary") {
  const std::string text =
      "a,b,c\n"
      "\"x, y\",\"say \"\"hi\"\"\",plain\n"
      "\"two\nlines\",\"\",end\n"
      "last,,\"\"\"\"\n";
  for (std::size_t chunk : {1, 2, 3, 7, 64, 65536}) {
    INFO("chunk " << chunk);
    Read got = read_all(text, chunk);
    REQUIRE(got.errors.empty());
    REQUIRE(got.records.size() == 4);
    CHECK(got.records[1] == std::vector<std::string>{"x, y", "say \"hi\"", "plain"});
    CHECK(got.records[2] == std::vector<std::string>{"two\nlines", "", "end"});
    CHECK(got.records[3] == std::vector<std::string>{"last", "", "\""});
    // The record after a two-line field starts on physical line 5.
    CHECK(got.lines == std::vector<long>{1, 2, 3, 5});
  }
}

TEST_CASE("csv: CRLF line ends, a BOM, a missing final newline and blank lines") {
  Read got = read_all("\xEF\xBB\xBFid,name\r\n\r\np1,\"A\r\nB\"\r\np2,C", 2);
  REQUIRE(got.errors.empty());
  REQUIRE(got.records.size() == 3);
  CHECK(got.records[0] == std::vector<std::string>{"id", "name"});  // BOM stripped
  CHECK(got.records[1] == std::vector<std::string>{"p1", "A\r\nB"});
  CHECK(got.records[2] == std::vector<std::string>{"p2", "C"});
  CHECK(got.lines == std::vector<long>{1, 3, 5});
}

TEST_CASE("csv: a wrong column count is rejected with its line, and reading goes on") {
  Read got = read_all("a,b\n1,2\n1,2,3\n\"multi\nline\"\n4,5\n", 5);
  REQUIRE(got.errors.size() == 2);
  CHECK(got.errors[0].code == "BAD_CSV");
  CHECK(got.errors[0].line == 3);
  CHECK_THAT(got.errors[0].message, Catch::Contains("expected 2 columns, found 3"));
  CHECK(got.errors[1].line == 4);
  REQUIRE(got.records.size() == 3);
  CHECK(got.records[2] == std::vector<std::string>{"4", "5"});
  CHECK(got.lines.back() == 6);
}

TEST_CASE("csv: an unterminated quote is reported at the line where its record starts") {
  Read got = read_all("a,b\n1,2\n3,\"open\nstill open\nto the end\n", 4);
  REQUIRE(got.errors.size() == 1);
  CHECK(got.errors[0].line == 3);
  CHECK_THAT(got.errors[0].message, Catch::Contains("unterminated quoted field in column 2"));
  CHECK(got.records.size() == 2);
}

TEST_CASE("csv: stray quotes are rejected, naming the column") {
  Read got = read_all("a,b\nab\"c,d\n\"x\"y,z\nok,fine\n", 3);
  REQUIRE(got.errors.size() == 2);
  CHECK(got.errors[0].line == 2);
  CHECK_THAT(got.errors[0].message, Catch::Contains("quote inside an unquoted field in column 1"));
  CHECK(got.errors[1].line == 3);
  CHECK_THAT(got.errors[1].message, Catch::Contains("text after the closing quote"));
  REQUIRE(got.records.size() == 2);
  CHECK(got.records[1] == std::vector<std::string>{"ok", "fine"});
}

TEST_CASE("csv: invalid UTF-8 is rejected with the line and the column name") {
  CsvReader r = CsvReader::from_string("id,name\np1,\xC3\x28\np2,\xE4\xB8\xAD\n", 3);
  std::vector<std::string> f;
  REQUIRE(*r.next(f));
  r.set_column_names(f);
  auto bad = r.next(f);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().line == 2);
  CHECK_THAT(bad.error().message, Catch::Contains("invalid UTF-8 in column 2 (name)"));
  REQUIRE(*r.next(f));
  CHECK(f[1] == "中");
}

TEST_CASE("csv: UTF-8 validation follows RFC 3629") {
  CHECK(valid_utf8("plain ascii"));
  CHECK(valid_utf8("中文 \xF0\x9F\x98\x80"));
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid_utf8("\xE4\xB8"));          // truncated
  CHECK_FALSE(valid_utf8("\x80"));              // lone continuation byte
}
