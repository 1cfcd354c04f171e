// importers/exact_number.hpp: spreadsheet number lexicals to fen, exactly, on both sides of
// every boundary (the whole-fen boundary, int64, the exponent forms POI and Excel write).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "importers/exact_number.hpp"

using chipreg::importers::lexical_to_fen;

namespace {

std::int64_t fen(const std::string& s) {
  auto r = lexical_to_fen(s, "金额");
  INFO(s << ": " << (r ? "" : r.error().message));
  REQUIRE(r);
  return *r;
}

std::string refused(const std::string& s) {
  auto r = lexical_to_fen(s, "金额");
  INFO(s);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "BAD_AMOUNT");
  CHECK(r.error().field == "金额");
  return r.error().message;
}

}  // namespace

TEST_CASE("exact number: Java Double.toString forms convert exactly") {
  CHECK(fen("1.2E7") == 1'200'000'000);
  CHECK(fen("12000000.0") == 1'200'000'000);
  CHECK(fen("1234.5") == 123'450);
  CHECK(fen("-3.00E2") == -30'000);
  CHECK(fen("-3.0E2") == -30'000);
  CHECK(fen("1.23456789E8") == 12'345'678'900);
  CHECK(fen("9.99999999999E10") == 9'999'999'999'990);
  CHECK(fen("0.01") == 1);
  CHECK(fen("0.1") == 10);
  CHECK(fen("1E-2") == 1);
  CHECK(fen("1.0E-2") == 1);
  CHECK(fen("100E-4") == 1);
  CHECK(fen("0.0") == 0);
  CHECK(fen("-0.0") == 0);
  CHECK(fen("0E999999999") == 0);
  CHECK(fen("+5") == 500);
  CHECK(fen(".5") == 50);
  CHECK(fen("5.") == 500);
  CHECK(fen("1.2e+7") == 1'200'000'000);
  CHECK(fen("1.2E+07") == 1'200'000'000);
  CHECK(fen("  42.10 ") == 4'210);
  CHECK(fen("000123.4500") == 12'345);
}

TEST_CASE("exact number: a value that is not a whole number of fen is refused, never rounded") {
  CHECK_THAT(refused("1.234"), Catch::Contains("not a whole number of fen") && Catch::Contains("金额"));
  CHECK(fen("1.230") == 123);  // the third decimal is zero: whole fen
  refused("0.001");
  CHECK(fen("0.0010E1") == 1);  // 0.01
}

TEST_CASE("exact number: the whole-fen boundary in exponent form") {
  CHECK(fen("1.2345E2") == 12'345);  // 123.45
  refused("1.23456E2");              // 123.456
  CHECK(fen("1.23450E2") == 12'345);
  refused("1E-3");
  CHECK(fen("10E-3") == 1);
}

TEST_CASE("exact number: int64 fen on both sides of the limit") {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();  // 9223372036854775807
  CHECK(fen("92233720368547758.07") == kMax);
  CHECK(fen("-92233720368547758.07") == -kMax);
  CHECK_THAT(refused("92233720368547758.08"), Catch::Contains("beyond"));
  CHECK(fen("9.223372036854775807E16") == kMax);
  refused("9.223372036854775808E16");
  refused("1E17");
  CHECK(fen("1E16") == 1'000'000'000'000'000'000);
  refused("1E999999999999");
}

TEST_CASE("exact number: text that is not a number is refused") {
  for (const char* s : {"", " ", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,234.56", "12a", "0x10", "1 2", "--1",
                        "NaN", "Infinity", "1E5.0"}) {
    refused(s);
  }
}
