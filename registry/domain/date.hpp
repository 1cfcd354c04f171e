// Date: a proleptic Gregorian civil date, as the policy and the invoices speak of days.
// Parsing accepts only ISO "YYYY-MM-DD" with years 1900–9999 and rejects impossible
// dates (2025-02-29, 2024-04-31, 2024-13-01).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace chipreg {

class Date {
 public:
  // The years a Date holds, and so the years any fact or claim may name.
  static constexpr int kMinYear = 1900;
  static constexpr int kMaxYear = 9999;
  static constexpr bool year_in_range(long long y) { return y >= kMinYear && y <= kMaxYear; }
  // "1900..9999", for messages.
  static std::string year_range();

  constexpr Date() = default;
  // REQUIRES: valid(y, m, d)
  static Date ymd(int y, int m, int d);
  static Result<Date> parse(std::string_view iso);
  static bool valid(int y, int m, int d);
  static int days_in_month(int y, int m);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }

  // Adds (or, if negative, subtracts) calendar months; a day past the end of the target
  // month clamps to its last day: 2024-01-31 + 1 month = 2024-02-29.
  Date add_months(int months) const;
  Date add_days(std::int64_t days) const;
  // Days since 1970-01-01 (negative before).
  std::int64_t days_since_epoch() const;
  static Date from_days_since_epoch(std::int64_t days);

  std::string str() const;

  friend constexpr bool operator==(const Date&, const Date&) = default;
  friend constexpr std::strong_ordering operator<=>(const Date& a, const Date& b) {
    if (auto c = a.year_ <=> b.year_; c != 0) return c;
    if (auto c = a.month_ <=> b.month_; c != 0) return c;
    return a.day_ <=> b.day_;
  }

 private:
  constexpr Date(int y, int m, int d) : year_(y), month_(m), day_(d) {}
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

}  // namespace chipreg
