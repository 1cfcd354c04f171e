// Wall-clock timestamps for rows the store writes (created_at, decided_at). The rules
// engine never reads the clock; only the store and the edges do.
#pragma once

#include <string>

namespace chipreg::store {

// Current UTC time as ISO 8601 with milliseconds: "2026-11-28T01:23:45.678Z".
std::string now_utc();

// Today's date in Asia/Shanghai (UTC+8, no daylight saving): the day a registry fact
// learned now is dated (a void seen in today's export).
std::string today_shanghai();

}  // namespace chipreg::store
