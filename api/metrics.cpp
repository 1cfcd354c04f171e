// Metrics: counters and histograms behind GET /metrics.
#include "api/metrics.hpp"

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

void Metrics::observe(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::connection_refused() {
  std::lock_guard<std::mutex> lock(mu_);
  ++refused_;
}
void Metrics::connection_opened() {
  std::lock_guard<std::mutex> lock(mu_);
  ++open_connections_;
}
void Metrics::connection_closed() {
  std::lock_guard<std::mutex> lock(mu_);
  --open_connections_;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP chipreg_http_requests_total HTTP requests by route pattern, method and status.\n"
         "# TYPE chipreg_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "chipreg_http_requests_total{route=\"" << label(route) << "\",method=\"" << label(method)
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP chipreg_http_request_duration_seconds Time from a complete request to its response.\n"
         "# TYPE chipreg_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
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
      << open_connections_ << "\n";
  out << "# HELP chipreg_http_connections_refused_total Connections closed at once because the cap was reached.\n"
         "# TYPE chipreg_http_connections_refused_total counter\n"
         "chipreg_http_connections_refused_total "
      << refused_ << "\n";
  return out.str();
}

}  // namespace chipreg::api
