// RateLimiter: a token bucket per key (the bearer token's id), for the enterprise writes
// Handler admits. Each bucket holds at most `burst` writes and refills at `per_minute`;
// a write takes one, and an empty bucket says how long until the next one is there.
//
// Memory is bounded: buckets that are full again carry no information and are dropped
// when the table grows past kMaxKeys.
//
// Thread-safe: state is protected by mu_.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace chipreg::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxKeys = 65536;

  // per_minute <= 0 switches the limit off (take() always succeeds).
  RateLimiter(int per_minute, int burst) : per_minute_(per_minute), burst_(burst < 1 ? 1 : burst) {}

  // Takes one write for `key` at `now`. 0 when allowed, else the whole seconds (at least 1)
  // until the bucket holds one again, for Retry-After.
  int take(std::int64_t key, Clock::time_point now);

  bool enabled() const { return per_minute_ > 0; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double refill(const Bucket& b, Clock::time_point now) const;

  const int per_minute_;
  const int burst_;
  std::mutex mu_;
  std::unordered_map<std::int64_t, Bucket> buckets_;  // protected by mu_
};

}  // namespace chipreg::api
