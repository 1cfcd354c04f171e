// Measuring the server under attack: /proc readers, a keep-alive client, a latency probe.
#include "security/attack_probe.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chipreg::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long long db_bytes(const std::string& path) {
  long long total = 0;
  for (const std::string& p : {path, path + "-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(p, ec);
    if (!ec) total += static_cast<long long>(n);
  }
  return total;
}

double quantile_ms(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

struct KeepAlive::Impl {
  asio::io_context ioc;
  unsigned short port;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  void connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_after(std::chrono::seconds(30));
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    buffer.clear();
  }
};

KeepAlive::KeepAlive(unsigned short port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
KeepAlive::~KeepAlive() = default;

HttpReply KeepAlive::send(const std::string& method, const std::string& target, const std::string& body,
                          const std::string& token) {
  if (!impl_->stream) impl_->connect();
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  impl_->stream->expires_after(std::chrono::seconds(30));
  http::write(*impl_->stream, req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(*impl_->stream, impl_->buffer, parser);
  const auto& res = parser.get();
  HttpReply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(f.value());
  }
  if (!res.keep_alive()) impl_->stream.reset();
  return reply;
}

LatencyProbe::LatencyProbe(std::function<bool()> request, std::chrono::milliseconds every)
    : request_(std::move(request)), every_(every) {
  thread_ = std::thread([this] {
    while (!stop_) {
      const auto t0 = Clock::now();
      bool good = false;
      try {
        good = request_();
      } catch (const std::exception&) {
        good = false;
      }
      samples_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!good) ++failures_;
      std::this_thread::sleep_until(t0 + every_);
    }
  });
}

LatencyProbe::~LatencyProbe() { stop(); }

const std::vector<double>& LatencyProbe::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return samples_;
}

}  // namespace chipreg::testing
