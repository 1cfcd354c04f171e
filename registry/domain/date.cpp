#include "registry/domain/date.hpp"

#include <cassert>
#include <cstdio>

namespace chipreg {
namespace {

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int Date::days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  assert(m >= 1 && m <= 12);
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::string Date::year_range() { return std::to_string(kMinYear) + ".." + std::to_string(kMaxYear); }

bool Date::valid(int y, int m, int d) {
  return year_in_range(y) && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

Date Date::ymd(int y, int m, int d) {
  assert(valid(y, m, d));
  return Date(y, m, d);
}

Result<Date> Date::parse(std::string_view s) {
  auto digits = [&](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(0, 4, y) || !digits(5, 2, m) ||
      !digits(8, 2, d)) {
    return Error("BAD_DATE", "not an ISO date YYYY-MM-DD: '" + std::string(s.substr(0, 40)) + "'");
  }
  if (!valid(y, m, d)) {
    return Error("BAD_DATE", "no such date: '" + std::string(s) + "'");
  }
  return Date(y, m, d);
}

Date Date::add_months(int months) const {
  const long total = static_cast<long>(year_) * 12 + (month_ - 1) + months;
  const int y = static_cast<int>(total / 12);
  const int m = static_cast<int>(total % 12) + 1;
  const int dim = days_in_month(y, m);
  return Date(y, m, day_ > dim ? dim : day_);
}

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms).
std::int64_t Date::days_since_epoch() const {
  const int y = month_ <= 2 ? year_ - 1 : year_;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(month_ > 2 ? month_ - 3 : month_ + 9);
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day_) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date Date::from_days_since_epoch(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
  return Date(y, m, d);
}

Date Date::add_days(std::int64_t days) const { return from_days_since_epoch(days_since_epoch() + days); }

std::string Date::str() const {
  // Called for every stored and logged purchase line: digits by hand rather than snprintf.
  // Years are 1900..9999 (parse and ymd enforce it; a default Date is all zeros), so four
  // digits always suffice.
  std::string out(10, '-');
  const auto put = [&out](std::size_t at, int v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, year_, 4);
  put(5, month_, 2);
  put(8, day_, 2);
  return out;
}

}  // namespace chipreg
