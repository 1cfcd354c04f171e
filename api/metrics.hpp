// Metrics: request counters and a latency histogram, rendered in the Prometheus text
// exposition format (version 0.0.4) for GET /metrics.
//
// Labels are the route pattern (never the raw path), the method (from a fixed set) and the
// status, so the number of series is bounded by the route table. Thread-safe: each thread records into one of
// kShards shards (each under its own mutex, so the network threads rarely meet); render()
// merges them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace chipreg::api {

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // Records one finished request. `route` is a pattern of the route table, "unmatched" or
  // "(rejected)" (never request data); a method outside kMethods counts as "other", so the
  // number of series, and the cost of render(), stays bounded whatever clients send.
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  static constexpr std::array<const char*, 7> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  // The label for `method`: itself when in kMethods, else "other".
  static const char* method_label(std::string_view method);
  // Counts accept() failures for want of descriptors or memory (the listener backs off).
  void accept_failed();
  // Counts idle connections closed to make room for a new one.
  void connection_evicted();
  // Counts connections refused because the connection cap was reached.
  void connection_refused();
  void connection_opened();
  void connection_closed();

  // The exposition text.
  std::string render() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Count {
    std::string method;
    int status = 0;
    std::uint64_t n = 0;
  };
  // Per route: a short list of (method, status) counts and the latency histogram. Looked up
  // without allocating, since observe() runs on every request.
  struct RouteStats {
    std::vector<Count> counts;
    Histogram latency;
  };
  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::map<std::string, RouteStats, std::less<>> routes;  // protected by mu
  };
  static constexpr std::size_t kShards = 8;
  Shard& my_shard();

  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> accept_failed_{0};
  std::atomic<std::uint64_t> evicted_{0};
  std::atomic<std::int64_t> open_connections_{0};
};

}  // namespace chipreg::api
