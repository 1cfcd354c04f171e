// The server's protective limits hold against hostile clients: a client trickling its
// header is cut off by the header timeout, an oversized header gets 431 and a closed
// connection, an oversized body 413, and the server keeps serving others meanwhile.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "e2e/http_client.hpp"
#include "e2e/serve_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Served {
  TempDir dir;
  std::unique_ptr<ServeProcess> server;
  explicit Served(const std::vector<std::string>& extra) {
    REQUIRE(run_chipreg({"init", "--db", dir.file("reg.db")}).exit_code == 0);
    server = std::make_unique<ServeProcess>(dir.file("reg.db"), dir.file("serve.log"), extra);
  }
  HttpClient http() const { return HttpClient("127.0.0.1", server->port()); }
};

// True once the peer has closed (EOF or reset) the connection; reads and discards data.
bool peer_closed(tcp::socket& s) {
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    s.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) return false;
    if (ec) return true;
  }
}

}  // namespace

TEST_CASE("limits: a client sending its header one byte at a time is cut off by the header timeout") {
  Served s({"--header-timeout-ms", "1500", "--access-log", "off"});
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.server->port()));
  sock.non_blocking(true);
  // An endless header: without the timeout this connection would be held forever.
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  const auto start = Clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < header.size() && !closed; ++i) {
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(&header[i], 1), ec);
    closed = ec || peer_closed(sock);
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  INFO("closed after " << elapsed << " ms");
  REQUIRE(closed);
  CHECK(elapsed >= 1400);  // not before the timeout
  CHECK(elapsed < 6000);   // and not long after it, although bytes kept arriving
  // The server still serves everyone else.
  CHECK(s.http().get("/healthz").status == 200);
}

TEST_CASE("limits: a header that arrives slowly but within the timeout is served") {
  Served s({"--header-timeout-ms", "3000", "--access-log", "off"});
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.server->port()));
  for (std::size_t at = 0; at < request.size(); at += 12) {
    asio::write(sock, asio::buffer(request.substr(at, 12)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string reply;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    const std::size_t n = sock.read_some(asio::buffer(buf), ec);
    if (ec) break;
    reply.append(buf, n);
  }
  REQUIRE(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("\"ok\"") != std::string::npos);
}

TEST_CASE("limits: a 64 KiB header is refused with 431 and the connection is closed") {
  Served s({"--access-log", "off"});
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b') + "\r\n\r\n";
  const auto start = Clock::now();
  const std::string reply = s.http().raw(request, 8000);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  INFO(reply.substr(0, 300));
  REQUIRE(reply.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(reply.find("HEADER_TOO_LARGE") != std::string::npos);
  CHECK(elapsed < 7000);  // raw() returned because the server closed, not because it waited
  CHECK(s.http().get("/healthz").status == 200);
}

TEST_CASE("limits: a body over --max-body is refused with 413 before it is read") {
  Served s({"--max-body", "4096", "--access-log", "off"});
  const std::string request = "POST /v1/purchases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: 1048576\r\n\r\n" +
                              std::string(8192, ' ');
  const std::string reply = s.http().raw(request, 8000);
  INFO(reply.substr(0, 300));
  REQUIRE(reply.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(reply.find("BODY_TOO_LARGE") != std::string::npos);
}

}  // namespace chipreg::testing
