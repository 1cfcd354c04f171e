// AccessLog: one JSON line per request on stderr (or nowhere, when disabled), e.g.
//   {"ts":"2026-…Z","request_id":"3f2a9c01-1c","remote":"127.0.0.1:51234","method":"GET",
//    "path":"/v1/claims/C000001","route":"/v1/claims/{id}","status":200,"bytes":812,
//    "duration_us":420,"tls":false}
// The query string is left out: it may carry filters that name enterprises. Lines are
// written with one fwrite under a mutex, so concurrent requests never interleave.
#pragma once

#include <mutex>
#include <string>

namespace chipreg::api {

struct AccessRecord {
  std::string request_id;
  std::string remote;
  std::string method;
  std::string path;       // without the query
  std::string route;
  int status = 0;
  std::size_t bytes = 0;  // response body bytes
  double duration_ms = 0;
  bool tls = false;
  std::string error_code; // "" on success
};

class AccessLog {
 public:
  explicit AccessLog(bool enabled) : enabled_(enabled) {}
  void write(const AccessRecord& r);

 private:
  const bool enabled_;
  std::mutex mu_;  // serializes writes to stderr
};

}  // namespace chipreg::api
