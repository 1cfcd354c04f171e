// Wall-clock timestamps for rows the store writes (created_at, decided_at). The rules
// engine never reads the clock; only the store and the edges do.
#pragma once

#include <string>

#include "base/result.hpp"
#include "registry/domain/date.hpp"

namespace chipreg::db {

// How far past today (UTC) a fact's date may lie: one day, for clocks and time zones that
// disagree (a purchase dated today in Beijing is still yesterday in UTC for eight hours).
// Anything later is a fact that has not happened yet and is refused as FUTURE_DATE.
inline constexpr int kClockSkewDays = 1;

// Current UTC time as ISO 8601 with milliseconds: "2026-11-28T01:23:45.678Z".
std::string now_utc();

// FUTURE_DATE (422) naming `field` when `date` is after `now`'s date + kClockSkewDays.
// `now` is ISO 8601 as now_utc() writes it.
Status check_not_future(const Date& date, const std::string& now, const std::string& field);

// Today's date in Asia/Shanghai (UTC+8, no daylight saving): the day a registry fact
// learned now is dated (a void seen in today's export).
std::string today_shanghai();

// The Asia/Shanghai date of an ISO 8601 UTC timestamp as now_utc() writes it
// ("2026-11-28T17:30:00.000Z" is 2026-11-29 in Hangzhou): the day a revocation, a
// submission or a log entry happened, in the bureau's calendar. A bare date
// ("2026-11-28") is taken as already local. Error BAD_DATE for anything else.
Result<Date> shanghai_date_of(std::string_view utc_timestamp);

}  // namespace chipreg::db
