// Metrics: counters and histograms behind GET /metrics.
#include "api/metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace chipreg::api {
namespace {

// Route patterns are ours, but escape anyway: a label value may not hold '"', '\' or '\n'.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Metrics::Shard& Metrics::my_shard() {
  static std::atomic<std::size_t> next_thread{0};
  thread_local const std::size_t index = next_thread.fetch_add(1) % kShards;
  return shards_[index];
}

const char* Metrics::method_label(std::string_view method) {
  for (const char* m : kMethods) {
    if (method == m) return m;
  }
  return "other";
}

void Metrics::observe(const std::string& route, const std::string& raw_method, int status, double seconds) {
  const std::string_view method = method_label(raw_method);
  Shard& shard = my_shard();
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.routes.find(route);
  if (it == shard.routes.end()) it = shard.routes.emplace(route, RouteStats{}).first;
  RouteStats& r = it->second;
  Count* c = nullptr;
  for (auto& x : r.counts) {
    if (x.status == status && x.method == method) c = &x;
  }
  if (c == nullptr) c = &r.counts.emplace_back(Count{std::string(method), status, 0});
  ++c->n;
  Histogram& h = r.latency;
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::connection_refused() { refused_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::accept_failed() { accept_failed_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::connection_evicted() { evicted_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

std::string Metrics::render() const {
  // Merge the shards into one table first.
  std::map<std::string, RouteStats, std::less<>> routes;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [route, r] : shard.routes) {
      RouteStats& into = routes[route];
      for (const Count& c : r.counts) {
        auto it = std::find_if(into.counts.begin(), into.counts.end(),
                               [&](const Count& x) { return x.status == c.status && x.method == c.method; });
        if (it == into.counts.end()) into.counts.push_back(c);
        else it->n += c.n;
      }
      for (std::size_t i = 0; i < kBuckets.size(); ++i) into.latency.counts[i] += r.latency.counts[i];
      into.latency.count += r.latency.count;
      into.latency.sum += r.latency.sum;
    }
  }
  std::ostringstream out;
  out << "# HELP chipreg_http_requests_total HTTP requests by route pattern, method and status.\n"
         "# TYPE chipreg_http_requests_total counter\n";
  for (const auto& [route, r] : routes) {
    auto counts = r.counts;
    std::sort(counts.begin(), counts.end(), [](const Count& a, const Count& b) {
      return a.method != b.method ? a.method < b.method : a.status < b.status;
    });
    for (const auto& c : counts) {
      out << "chipreg_http_requests_total{route=\"" << label(route) << "\",method=\"" << label(c.method)
          << "\",status=\"" << c.status << "\"} " << c.n << "\n";
    }
  }
  out << "# HELP chipreg_http_request_duration_seconds Time from a complete request to its response.\n"
         "# TYPE chipreg_http_request_duration_seconds histogram\n";
  for (const auto& [route, r] : routes) {
    const Histogram& h = r.latency;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out << "chipreg_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\""
          << number(kBuckets[i]) << "\"} " << cumulative << "\n";
    }
    out << "chipreg_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} " << h.count
        << "\n";
    out << "chipreg_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} " << number(h.sum) << "\n";
    out << "chipreg_http_request_duration_seconds_count{route=\"" << label(route) << "\"} " << h.count << "\n";
  }
  out << "# HELP chipreg_http_connections_open Connections currently open.\n"
         "# TYPE chipreg_http_connections_open gauge\n"
         "chipreg_http_connections_open "
      << open_connections_.load() << "\n";
  out << "# HELP chipreg_http_connections_refused_total Connections closed at once because the cap was reached.\n"
         "# TYPE chipreg_http_connections_refused_total counter\n"
         "chipreg_http_connections_refused_total "
      << refused_.load() << "\n";
  out << "# HELP chipreg_http_connections_evicted_total Idle connections closed to make room for a new one.\n"
         "# TYPE chipreg_http_connections_evicted_total counter\n"
         "chipreg_http_connections_evicted_total "
      << evicted_.load() << "\n";
  out << "# HELP chipreg_http_accept_failures_total accept() failures for want of descriptors or memory (each backs off).\n"
         "# TYPE chipreg_http_accept_failures_total counter\n"
         "chipreg_http_accept_failures_total "
      << accept_failed_.load() << "\n";
  return out.str();
}

}  // namespace chipreg::api
