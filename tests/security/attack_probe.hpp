// Measuring the server while an attack runs: its RSS and CPU time from /proc, a keep-alive
// connection that the flooding clients reuse, and a probe that times another client's
// requests on a thread of its own until it is stopped.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/http_client.hpp"

namespace chipreg::testing {

// VmRSS of `pid` in KiB (-1 if it cannot be read).
long rss_kib(pid_t pid);
// User plus system CPU seconds `pid` has used.
double cpu_seconds(pid_t pid);
// The sizes of `path` and of `path`-wal together, in bytes (a missing file counts 0).
long long db_bytes(const std::string& path);

// The q-quantile (0 < q <= 1) of `samples` in milliseconds, nearest rank; 0 when empty.
double quantile_ms(std::vector<double> samples, double q);

// One HTTP/1.1 connection kept alive across requests; reconnects when the server closed it.
class KeepAlive {
 public:
  explicit KeepAlive(unsigned short port);
  ~KeepAlive();
  KeepAlive(const KeepAlive&) = delete;
  KeepAlive& operator=(const KeepAlive&) = delete;
  // Sends one request (any method string) and reads the whole answer.
  HttpReply send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `request` over and over on its own thread, `every` apart, recording each one's
// latency, until stop(). `request` returns whether the answer was the expected one.
class LatencyProbe {
 public:
  LatencyProbe(std::function<bool()> request, std::chrono::milliseconds every);
  ~LatencyProbe();
  LatencyProbe(const LatencyProbe&) = delete;
  LatencyProbe& operator=(const LatencyProbe&) = delete;
  // Stops and joins; returns the latencies (ms). Later calls return the same.
  const std::vector<double>& stop();
  int failures() const { return failures_; }

 private:
  std::function<bool()> request_;
  std::chrono::milliseconds every_;
  std::atomic<bool> stop_{false};
  std::vector<double> samples_;  // written by the thread only, read after join
  int failures_ = 0;
  std::thread thread_;
};

}  // namespace chipreg::testing
