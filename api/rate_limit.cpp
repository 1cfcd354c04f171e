// RateLimiter: per-token token buckets.
#include "api/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace chipreg::api {

double RateLimiter::refill(const Bucket& b, Clock::time_point now) const {
  const double minutes = std::chrono::duration<double>(now - b.at).count() / 60.0;
  return std::min(static_cast<double>(burst_), b.tokens + std::max(0.0, minutes) * per_minute_);
}

int RateLimiter::take(std::int64_t key, Clock::time_point now) {
  if (per_minute_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys) {
      for (auto i = buckets_.begin(); i != buckets_.end();) {
        i = refill(i->second, now) >= burst_ ? buckets_.erase(i) : std::next(i);
      }
    }
    it = buckets_.emplace(key, Bucket{static_cast<double>(burst_), now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refill(b, now);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double seconds = (1.0 - b.tokens) * 60.0 / per_minute_;
  return std::max(1, static_cast<int>(std::ceil(seconds)));
}

}  // namespace chipreg::api
