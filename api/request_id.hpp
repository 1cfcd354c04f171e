// RequestIds: mints the id of every request the service answers, echoed in X-Request-Id and
// written to the access log. An id is the process's random prefix, '-', and a counter in
// lower-case hex ("3f2a9c01-0", "3f2a9c01-1", ..., "3f2a9c01-a"), so ids are unique within
// a process and unlikely to repeat across restarts. Requests refused before they were read
// whole (413, 431, 400) get one too, from the same counter.
//
// Thread-safety: next() may be called from any thread (the counter is atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace chipreg::api {

class RequestIds {
 public:
  explicit RequestIds(std::string prefix) : prefix_(std::move(prefix)) {}
  RequestIds(const RequestIds&) = delete;
  RequestIds& operator=(const RequestIds&) = delete;

  // A new id, never returned before by this object.
  std::string next();

 private:
  const std::string prefix_;
  std::atomic<std::uint64_t> next_{0};
};

}  // namespace chipreg::api
