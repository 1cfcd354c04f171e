// importers/einvoice.hpp: Excel date serials of a workbook's 开票日期 to dates, exactly, in
// both date systems, on both sides of each boundary (Lotus's 1900-02-29, the 1904 epoch,
// 9999-12-31), and the text forms of the export.
#include <catch2/catch.hpp>

#include <string>

#include "importers/einvoice.hpp"

using chipreg::importers::date_from_serial;
using chipreg::importers::parse_invoice_date;
using chipreg::importers::SerialDates;

namespace {

std::string on(const std::string& serial, SerialDates system = SerialDates::k1900) {
  auto d = date_from_serial(serial, system);
  INFO(serial << ": " << (d ? "" : d.error().message));
  REQUIRE(d);
  return d->str();
}

void refused(const std::string& serial, SerialDates system = SerialDates::k1900) {
  auto d = date_from_serial(serial, system);
  INFO(serial);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == "BAD_DATE");
}

}  // namespace

TEST_CASE("serial dates: the 1900 system, Lotus's 1900-02-29 included") {
  CHECK(on("1") == "1900-01-01");
  CHECK(on("31") == "1900-01-31");
  CHECK(on("59") == "1900-02-28");
  refused("60");  // 1900-02-29, which Excel counts and the calendar does not have
  CHECK(on("61") == "1900-03-01");
  CHECK(on("366") == "1900-12-31");
  CHECK(on("367") == "1901-01-01");
  CHECK(on("45292") == "2024-01-01");
  CHECK(on("45351") == "2024-02-29");
  CHECK(on("45657") == "2024-12-31");
  CHECK(on("45658") == "2025-01-01");
  CHECK(on("45717") == "2025-03-01");
  CHECK(on("2958465") == "9999-12-31");
  refused("2958466");
  refused("0");
}

TEST_CASE("serial dates: the fraction is the time of day, ignored, and never rounds the day up") {
  CHECK(on("45717.0") == "2025-03-01");
  CHECK(on("45717.4305555556") == "2025-03-01");  // 10:20:00
  CHECK(on("45717.999988425923") == "2025-03-01");  // 23:59:59
  CHECK(on("45717.99999999999999999") == "2025-03-01");
  CHECK(on("45718.000000000001") == "2025-03-02");
  // POI's Double.toString and Excel's exponent forms.
  CHECK(on("4.5717E4") == "2025-03-01");
  CHECK(on("4.57174305555556E4") == "2025-03-01");
  CHECK(on("4.5717e+4") == "2025-03-01");
  CHECK(on("457170E-1") == "2025-03-01");
  CHECK(on("+45717") == "2025-03-01");
  CHECK(on(" 45717 ") == "2025-03-01");
}

TEST_CASE("serial dates: the 1904 system counts from 1904-01-01 (1,462 days after the 1900 one)") {
  CHECK(on("0", SerialDates::k1904) == "1904-01-01");
  CHECK(on("1", SerialDates::k1904) == "1904-01-02");
  CHECK(on("59", SerialDates::k1904) == "1904-02-29");  // 1904 was a leap year
  CHECK(on("44195", SerialDates::k1904) == "2024-12-31");
  CHECK(on("44196.5", SerialDates::k1904) == "2025-01-01");
  CHECK(on("44255", SerialDates::k1904) == "2025-03-01");
  CHECK(on("44255", SerialDates::k1900) == "2021-02-28");  // the same number, the other system
  CHECK(on("2957003", SerialDates::k1904) == "9999-12-31");
  refused("2957004", SerialDates::k1904);
}

TEST_CASE("serial dates: what is not a day count is refused, never guessed") {
  for (const char* s : {"-1", "-0.5", "", "abc", "45717x", "4.5E", "1e999999", "45717.1.2", "..1", "e5", "1E5000",
                        "99999999999999999999"}) {
    refused(s);
  }
  refused("45717", SerialDates::kNone);  // a CSV's bare number is not a date
}

TEST_CASE("invoice dates as text: ISO, with the time of day, and the export's other forms") {
  auto date = [](const char* s) {
    auto d = parse_invoice_date(s);
    INFO(s << ": " << (d ? "" : d.error().message));
    REQUIRE(d);
    return d->str();
  };
  CHECK(date("2025-03-01") == "2025-03-01");
  CHECK(date("2025-03-01 23:59:59") == "2025-03-01");
  CHECK(date("2025-03-01T10:20:30") == "2025-03-01");
  CHECK(date("2025/3/1") == "2025-03-01");
  CHECK(date("2025年03月01日") == "2025-03-01");
  CHECK_FALSE(parse_invoice_date("2025-02-29 10:00:00"));
  CHECK_FALSE(parse_invoice_date("45717"));
}
