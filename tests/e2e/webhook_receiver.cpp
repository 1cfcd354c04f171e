// The test's webhook receiver (see the header): plain POSIX sockets and Beast's parser.
#include "e2e/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <stdexcept>

namespace chipreg::testing {
namespace http = boost::beast::http;

WebhookReceiver::WebhookReceiver(int fail_first) : fail_first_(fail_first) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("receiver: socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("receiver: bind/listen");
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

namespace {

// Reads one request from `fd` (5 s at most); false on a malformed or cut-off one.
bool read_request(int fd, ReceivedRequest& out) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  std::string buf;
  char chunk[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!parser.is_done()) {
    pollfd p{fd, POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline || ::poll(&p, 1, 100) < 0) return false;
    if ((p.revents & POLLIN) == 0) continue;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    // The parser takes the header and the body in separate calls: feed it what was read
    // until it needs more.
    while (!buf.empty() && !parser.is_done()) {
      boost::beast::error_code ec;
      const std::size_t used = parser.put(boost::asio::buffer(buf), ec);
      buf.erase(0, used);
      if (ec == http::error::need_more) break;
      if (ec) return false;
    }
  }
  const auto& req = parser.get();
  out.target = std::string(req.target());
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = req.body();
  return true;
}

void answer(int fd, int status) {
  const std::string text = status == 200 ? "OK" : "Internal Server Error";
  const std::string resp =
      "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  (void)!::write(fd, resp.data(), resp.size());
}

}  // namespace

void WebhookReceiver::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0 || (p.revents & POLLIN) == 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ReceivedRequest r;
    if (read_request(fd, r)) {
      std::lock_guard<std::mutex> lock(mu_);
      const int fail = fail_first_.load();
      const bool fails = fail < 0 || static_cast<int>(requests_.size()) < fail;
      r.answered = fails ? 500 : 200;
      const std::string key = r.headers.count("idempotency-key") ? r.headers["idempotency-key"] : "";
      if (!fails && seen_.insert(key).second) processed_.push_back(key);
      requests_.push_back(r);
      answer(fd, r.answered);
    }
    ::close(fd);
  }
}

std::vector<ReceivedRequest> WebhookReceiver::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<std::string> WebhookReceiver::processed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return processed_;
}

bool WebhookReceiver::wait_processed(std::size_t n, int ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (processed().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return processed().size() >= n;
}

bool WebhookReceiver::wait_requests(std::size_t n, int ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (requests().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return requests().size() >= n;
}

}  // namespace chipreg::testing
