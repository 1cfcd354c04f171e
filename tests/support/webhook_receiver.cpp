// The test's webhook receiver (see the header): plain POSIX sockets, OpenSSL for https, and
// Beast's parser.
#include "support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <csignal>
#include <functional>
#include <stdexcept>

namespace chipreg::testing {
namespace http = boost::beast::http;

WebhookReceiver::WebhookReceiver(int fail_first, const std::optional<CertFiles>& tls) : fail_first_(fail_first) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the test
  if (tls) {
    tls_ = SSL_CTX_new(TLS_server_method());
    if (tls_ == nullptr || SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(tls_, tls->cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_, tls->key.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(tls_);
      throw std::runtime_error("receiver: cannot load " + tls->cert);
    }
  }
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
  SSL_CTX_free(tls_);
}

std::string WebhookReceiver::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

namespace {

// Reads up to `n` bytes of the connection; <= 0 at its end, on an error or after the
// socket's 5 s receive timeout.
using ReadSome = std::function<long(char*, std::size_t)>;

// Reads one request; false on a malformed or cut-off one.
bool read_request(const ReadSome& read_some, ReceivedRequest& out) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  std::string buf;
  char chunk[4096];
  while (!parser.is_done()) {
    const long n = read_some(chunk, sizeof chunk);
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

std::string answer(int status) {
  const std::string text = status == 200 ? "OK" : "Internal Server Error";
  return "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
}

}  // namespace

void WebhookReceiver::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0 || (p.revents & POLLIN) == 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    timeval five{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
    SSL* ssl = nullptr;
    ReceivedRequest r;
    if (tls_ != nullptr) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        ++handshakes_failed_;
        SSL_free(ssl);
        ::close(fd);
        continue;
      }
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      r.server_name = sni ? sni : "";
    }
    const ReadSome read_some = [&](char* buf, std::size_t n) -> long {
      if (ssl) return SSL_read(ssl, buf, static_cast<int>(n));
      return ::read(fd, buf, n);
    };
    if (read_request(read_some, r)) {
      std::lock_guard<std::mutex> lock(mu_);
      const int fail = fail_first_.load();
      const bool fails = fail < 0 || static_cast<int>(requests_.size()) < fail;
      r.answered = fails ? 500 : 200;
      const std::string key = r.headers.count("idempotency-key") ? r.headers["idempotency-key"] : "";
      if (!fails && seen_.insert(key).second) processed_.push_back(key);
      requests_.push_back(r);
      const std::string resp = answer(r.answered);
      if (ssl) {
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
      } else {
        (void)!::write(fd, resp.data(), resp.size());
      }
    }
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
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

bool WebhookReceiver::wait_handshakes_failed(int n, int ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (handshakes_failed() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return handshakes_failed() >= n;
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
