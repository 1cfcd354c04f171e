// Specifications of the domain value types: Uscc, Money, Rate, Date, enums.
#include <catch2/catch.hpp>

#include <limits>

#include "registry/domain/date.hpp"
#include "registry/domain/enums.hpp"
#include "registry/domain/money.hpp"
#include "registry/domain/rate.hpp"
#include "registry/domain/uscc.hpp"
#include "base/utf8.hpp"

using namespace chipreg;

TEST_CASE("uscc: accepts published valid codes") {
  // Real codes whose check characters are published with them.
  for (const char* code : {"91350100M000100Y43", "91110000600037341L"}) {
    INFO(code);
    auto u = Uscc::parse(code);
    REQUIRE(u.ok());
    CHECK(u->str() == code);
  }
}

TEST_CASE("uscc: rejects a wrong check character") {
  auto u = Uscc::parse("91350100M000100Y44");
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().code == "BAD_USCC");
  CHECK_THAT(u.error().message, Catch::Contains("character 18"));
}

TEST_CASE("uscc: rejects a wrong organization-code check digit") {
  // Position 17 changed and position 18 recomputed so only the GB 11714 check fails.
  auto good = Uscc::complete("91350100M000100Y");
  REQUIRE(good.ok());
  std::string s = good->str();
  s[16] = s[16] == '3' ? '4' : '3';
  auto u = Uscc::parse(s);
  REQUIRE_FALSE(u.ok());
  CHECK_THAT(u.error().message, Catch::Contains("character 17"));
}

TEST_CASE("uscc: a non-ASCII character is named by its byte, and the message stays UTF-8") {
  // Found by fuzz_http: "9133010800000002ɸ" is 18 bytes; the message quoted the first byte
  // of 'ɸ' alone, which made the HTTP error body invalid JSON.
  auto u = Uscc::parse("9133010800000002\xC9\xB8");
  REQUIRE_FALSE(u);
  CHECK(u.error().code == "BAD_USCC");
  CHECK(u.error().message.find("character 17 (byte 0xC9)") != std::string::npos);
  CHECK(chipreg::valid_utf8(u.error().message));
}

TEST_CASE("errors: message and field are always well-formed UTF-8") {
  const chipreg::Error e("X", std::string("bad '") + "\xE5\x8F" + "'", "a\xFF" "b");
  CHECK(e.message == "bad '\xEF\xBF\xBD\xEF\xBF\xBD'");  // a cut-off 发: two bytes, two U+FFFD
  CHECK(e.field == "a\xEF\xBF\xBD" "b");
  const chipreg::Error ok("X", "发票 ok", "purchases[0].date");
  CHECK(ok.message == "发票 ok");
  CHECK(chipreg::utf8_repaired("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");
  CHECK(chipreg::utf8_repaired("\xF0\x9F\x98") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(chipreg::utf8_repaired("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

TEST_CASE("uscc: rejects wrong lengths") {
  CHECK(Uscc::parse("").error().code == "BAD_USCC");
  CHECK_THAT(Uscc::parse("91350100M000100Y4").error().message, Catch::Contains("got 17"));
  CHECK_THAT(Uscc::parse("91350100M000100Y433").error().message, Catch::Contains("got 19"));
}

TEST_CASE("uscc: rejects the forbidden letters I O Z S V and lower case") {
  for (char c : {'I', 'O', 'Z', 'S', 'V', 'm'}) {
    std::string s = "91350100M000100Y43";
    s[8] = c;
    INFO(s);
    auto u = Uscc::parse(s);
    REQUIRE_FALSE(u.ok());
    CHECK_THAT(u.error().message, Catch::Contains("not allowed"));
  }
}

TEST_CASE("uscc: complete() mints codes that parse") {
  auto u = Uscc::complete("9133010800000001");
  REQUIRE(u.ok());
  CHECK(u->str().size() == 18);
  CHECK(Uscc::parse(u->str()).ok());
  CHECK_FALSE(Uscc::complete("91330108I0000001").ok());
}

TEST_CASE("money: parses yuan strings exactly") {
  CHECK(Money::parse_yuan("1,234,567.89")->fen() == 123456789);
  CHECK(Money::parse_yuan("1234567.89")->fen() == 123456789);
  CHECK(Money::parse_yuan("0.1")->fen() == 10);
  CHECK(Money::parse_yuan("-5.00")->fen() == -500);
  CHECK(Money::parse_yuan("0")->fen() == 0);
  CHECK(Money::parse_yuan("92,233,720,368,547,758.07")->fen() == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("money: rejects malformed yuan strings") {
  for (const char* bad : {"1.234", "1,23", "1,2345", ",123", "", "-", "1e5", "1.", ".5", "12a", "1,234.5.6",
                          "92,233,720,368,547,758.08", " 1"}) {
    INFO(bad);
    auto m = Money::parse_yuan(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == "BAD_AMOUNT");
  }
}

TEST_CASE("money: arithmetic is overflow-checked") {
  const Money max = Money::fen(std::numeric_limits<std::int64_t>::max());
  CHECK(max.plus(Money::fen(1)).error().code == "MONEY_OVERFLOW");
  CHECK(Money::fen(std::numeric_limits<std::int64_t>::min()).minus(Money::fen(1)).error().code == "MONEY_OVERFLOW");
  CHECK(max.times(2).error().code == "MONEY_OVERFLOW");
  CHECK(Money::fen(100).plus(Money::fen(23))->fen() == 123);
  CHECK(Money::fen(100).times(-3)->fen() == -300);
}

TEST_CASE("money: rate application rounds down to the fen") {
  CHECK(Money::yuan(3'200'000).apply(Rate::percent(30))->fen() == 96'000'000);
  CHECK(Money::fen(333).apply(Rate::percent(30))->fen() == 99);   // 99.9 -> 99
  CHECK(Money::fen(-333).apply(Rate::percent(30))->fen() == -100);  // floor
  CHECK(Money::fen(std::numeric_limits<std::int64_t>::max()).apply(Rate::percent(100))->fen() ==
        std::numeric_limits<std::int64_t>::max());
  CHECK(Money::fen(std::numeric_limits<std::int64_t>::max()).apply(Rate::percent(200)).error().code ==
        "MONEY_OVERFLOW");
}

TEST_CASE("money: formats with thousands separators and the unit") {
  CHECK(Money::fen(123456789).str() == "1,234,567.89 元");
  CHECK(Money::fen(5).plain() == "0.05");
  CHECK(Money::fen(-150000).plain() == "-1,500.00");
  CHECK(Money::fen(100000).plain() == "1,000.00");
  CHECK(Money::fen(std::numeric_limits<std::int64_t>::min()).plain() == "-92,233,720,368,547,758.08");
}

TEST_CASE("rate: percentages are exact with four decimals") {
  CHECK(Rate::parse_percent("25")->units() == 250000);
  CHECK(Rate::parse_percent("24.99")->units() == 249900);
  CHECK(Rate::parse_percent("0.0001")->units() == 1);
  CHECK_FALSE(Rate::parse_percent("1.00001").ok());
  CHECK_FALSE(Rate::parse_percent("-1").ok());
  CHECK(Rate::from_double_percent(24.99)->units() == 249900);
  CHECK(Rate::from_double_percent(25.5)->units() == 255000);
  CHECK(Rate::from_double_percent(33.3333)->units() == 333333);
  CHECK_FALSE(Rate::from_double_percent(24.99999).ok());
  CHECK_FALSE(Rate::from_double_percent(-0.5).ok());
  CHECK(Rate::percent(25).str() == "25.00%");
  CHECK(Rate::units(249900).str() == "24.99%");
  CHECK(Rate::units(333333).str() == "33.3333%");
}

TEST_CASE("date: leap days and impossible dates") {
  CHECK(Date::parse("2024-02-29").ok());
  CHECK(Date::parse("2025-02-29").error().code == "BAD_DATE");
  CHECK(Date::parse("2000-02-29").ok());
  CHECK_FALSE(Date::parse("1900-02-29").ok());
  CHECK_FALSE(Date::parse("2024-04-31").ok());
  CHECK_FALSE(Date::parse("2024-13-01").ok());
  CHECK_FALSE(Date::parse("2024-00-10").ok());
  CHECK_FALSE(Date::parse("2024-1-01").ok());
  CHECK_FALSE(Date::parse("2024/01/01").ok());
  CHECK_FALSE(Date::parse("").ok());
  CHECK(Date::parse("2024-06-25")->str() == "2024-06-25");
}

TEST_CASE("date: adding months clamps to the month's end") {
  const Date jan31 = Date::ymd(2024, 1, 31);
  CHECK(jan31.add_months(1).str() == "2024-02-29");
  CHECK(jan31.add_months(2).str() == "2024-03-31");
  CHECK(jan31.add_months(3).str() == "2024-04-30");
  CHECK(Date::ymd(2025, 1, 31).add_months(1).str() == "2025-02-28");
  CHECK(jan31.add_months(36).str() == "2027-01-31");
  CHECK(Date::ymd(2024, 2, 29).add_months(12).str() == "2025-02-28");
  CHECK(Date::ymd(2024, 3, 31).add_months(-1).str() == "2024-02-29");
  CHECK(Date::ymd(2024, 12, 15).add_months(1).str() == "2025-01-15");
}

TEST_CASE("date: ordering and day arithmetic") {
  CHECK(Date::ymd(2024, 6, 24) < Date::ymd(2024, 6, 25));
  CHECK(Date::ymd(2023, 12, 31) < Date::ymd(2024, 1, 1));
  CHECK(Date::ymd(1970, 1, 1).days_since_epoch() == 0);
  CHECK(Date::ymd(2024, 3, 1).add_days(-1).str() == "2024-02-29");
  for (std::int64_t d = -1000; d < 30000; d += 37) {
    CHECK(Date::from_days_since_epoch(d).days_since_epoch() == d);
  }
}

TEST_CASE("enums: round-trip wire names and reject unknown ones") {
  CHECK(parse_enum<ProductKind>("module").value() == ProductKind::kModule);
  CHECK(to_string(Role::kSystemIntegrator) == "system_integrator");
  auto bad = parse_enum<TapeoutKind>("full");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "BAD_ENUM");
  CHECK_THAT(bad.error().message, Catch::Contains("mpw, engineering, production"));
  CHECK(is_ic_role(Role::kFoundry));
  CHECK_FALSE(is_ic_role(Role::kOem));
  CHECK(group_of(ProductKind::kDevice) == LinkageGroup::kDeviceMaterial);
  CHECK(to_string(ClaimStatus::kApproved) == "approved");
}
