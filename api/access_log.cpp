// AccessLog: structured request lines on stderr.
#include "api/access_log.hpp"

#include <boost/json.hpp>

#include <cstdio>

#include "registry/db/clock.hpp"

namespace chipreg::api {

void AccessLog::write(const AccessRecord& r) {
  if (!enabled_) return;
  boost::json::object o{{"ts", db::now_utc()},
                        {"request_id", r.request_id},
                        {"remote", r.remote},
                        {"method", r.method},
                        {"path", r.path},
                        {"route", r.route},
                        {"status", r.status},
                        {"bytes", r.bytes},
                        {"duration_us", static_cast<std::int64_t>(r.duration_ms * 1000)},
                        {"tls", r.tls}};
  if (!r.error_code.empty()) o["error"] = r.error_code;
  std::string line = boost::json::serialize(o);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace chipreg::api
