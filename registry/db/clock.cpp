#include "registry/db/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace chipreg::db {

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  // A bulk import stamps tens of rows per millisecond: format each millisecond once.
  thread_local long long cached_ms = -1;
  thread_local std::string cached;
  if (ms == cached_ms) return cached;
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  cached_ms = ms;
  cached = buf;
  return cached;
}

Status check_not_future(const Date& date, const std::string& now, const std::string& field) {
  auto today = Date::parse(std::string_view(now).substr(0, 10));
  if (!today) return Error("BAD_REQUEST", "the current time '" + now + "' is not ISO 8601");
  const Date latest = today->add_days(kClockSkewDays);
  if (date > latest) {
    return Error("FUTURE_DATE", field + ": " + date.str() + " is in the future (today is " + today->str() + ")", field);
  }
  return Status::Ok();
}

std::string today_shanghai() {
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Result<Date> shanghai_date_of(std::string_view ts) {
  auto day = Date::parse(ts.substr(0, 10));
  if (!day) return Error("BAD_DATE", "'" + std::string(ts.substr(0, 40)) + "' is not an ISO 8601 time");
  if (ts.size() == 10) return *day;
  // "THH:" after the date: the hour decides whether +8 h crosses midnight.
  auto digit = [&](std::size_t i) { return i < ts.size() && ts[i] >= '0' && ts[i] <= '9'; };
  if (ts.size() < 14 || ts[10] != 'T' || !digit(11) || !digit(12) || ts[13] != ':' || ts.back() != 'Z') {
    return Error("BAD_DATE", "'" + std::string(ts.substr(0, 40)) + "' is not an ISO 8601 UTC time");
  }
  const int hour = (ts[11] - '0') * 10 + (ts[12] - '0');
  if (hour > 23) return Error("BAD_DATE", "'" + std::string(ts.substr(0, 40)) + "' has no such hour");
  return hour + 8 >= 24 ? day->add_days(1) : *day;
}

}  // namespace chipreg::db
