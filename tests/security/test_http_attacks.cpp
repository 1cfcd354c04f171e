// The server under attack by clients with no token (docs/SECURITY.md, findings 1-4, 16, 17):
// each test mounts the attack against the real `chipreg serve` for a few seconds and asserts
// what the other clients still get, and the server's memory and CPU, while it lasts.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/http_client.hpp"
#include "e2e/serve_process.hpp"
#include "security/attack_probe.hpp"
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
  explicit Served(std::vector<std::string> extra) {
    REQUIRE(run_chipreg({"init", "--db", dir.file("reg.db")}).exit_code == 0);
    extra.insert(extra.end(), {"--access-log", "off", "--threads", "2"});
    server = std::make_unique<ServeProcess>(dir.file("reg.db"), dir.file("serve.log"), extra);
  }
  HttpClient http() const { return HttpClient("127.0.0.1", server->port()); }
  std::unique_ptr<tcp::socket> connect(asio::io_context& ioc) const {
    auto s = std::make_unique<tcp::socket>(ioc);
    s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    return s;
  }
};

// The status of GET /healthz on a fresh connection, or 0 when the connection was refused,
// closed or timed out.
int healthz(const Served& s) {
  try {
    return s.http().get("/healthz").status;
  } catch (const std::exception&) {
    return 0;
  }
}

// Whatever the peer has sent so far, without blocking.
std::string read_available(tcp::socket& s) {
  std::string out;
  boost::system::error_code ec;
  while (s.available(ec) > 0 && !ec) {
    char buf[4096];
    const std::size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
  }
  return out;
}

// The descriptors `pid` has open.
int count_fds(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

bool peer_closed(tcp::socket& s, int wait_ms) {
  s.non_blocking(true);
  const auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  char buf[4096];
  while (Clock::now() < deadline) {
    boost::system::error_code ec;
    s.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("security: an endless chunk extension is cut off with 400 and memory stays bounded") {
  Served s({});
  const long before = rss_kib(s.server->pid());
  asio::io_context ioc;
  auto sock = s.connect(ioc);
  asio::write(*sock, asio::buffer(std::string("POST /v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;x=")));
  const std::string junk(64 * 1024, 'a');
  std::string reply;
  std::size_t sent = 0;
  boost::system::error_code ec;
  // Up to 256 MiB of one chunk extension (the old server buffered it whole: 2 GB in 2 s).
  while (sent < 256u * 1024 * 1024 && reply.empty() && !ec) {
    asio::write(*sock, asio::buffer(junk), ec);
    sent += junk.size();
    reply = read_available(*sock);
  }
  const long during = rss_kib(s.server->pid());
  INFO("sent " << sent << " bytes; RSS " << before << " KiB before, " << during << " KiB after; reply " << reply.substr(0, 200));
  REQUIRE(reply.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(reply.find("BAD_CHUNK") != std::string::npos);
  CHECK(reply.find("Connection: close") != std::string::npos);
  CHECK(sent < 8u * 1024 * 1024);        // refused within the first few buffers
  CHECK(during < before + 32 * 1024);    // at most 32 MiB more than at rest
  CHECK(healthz(s) == 200);
}

TEST_CASE("security: idle connections at the cap are evicted for new clients, oldest first") {
  Served s({"--max-connections", "20"});
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 60; ++i) idle.push_back(s.connect(ioc));  // three times the cap, never a byte
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Every new client is served: the old server refused all of them until the header
  // timeout freed a slot (the attacker reconnected first).
  for (int i = 0; i < 5; ++i) CHECK(healthz(s) == 200);
  CHECK(peer_closed(*idle.front(), 2000));  // the oldest went first
}

TEST_CASE("security: a per-peer cap evicts that peer's own idle connections") {
  Served s({"--max-connections-per-peer", "4"});
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> mine;
  for (int i = 0; i < 4; ++i) mine.push_back(s.connect(ioc));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(healthz(s) == 200);  // a fifth connection from 127.0.0.1: one idle of the four goes
  CHECK(peer_closed(*mine.front(), 2000));
}

TEST_CASE("security: out of file descriptors the listener backs off instead of spinning") {
  Served s({});
  const pid_t pid = s.server->pid();
  // Leave the server only a few descriptors more than it holds once it has settled: after
  // a database read, and once the count of /proc/PID/fd (whatever the runtime, a sanitizer
  // included, holds) has been still for half a second.
  REQUIRE(s.http().get("/v1/log/checkpoint").status == 200);
  int open_fds = count_fds(pid);
  for (int stable_ms = 0, waited = 0; stable_ms < 500 && waited < 20000; waited += 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int now = count_fds(pid);
    stable_ms = now == open_fds ? stable_ms + 100 : 0;
    open_fds = now;
  }
  rlimit roomy{};
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, nullptr, &roomy) == 0);
  const rlimit tight{static_cast<rlim_t>(open_fds + 8), roomy.rlim_max};
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, &tight, nullptr) == 0);
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> flood;
  for (int i = 0; i < 100; ++i) flood.push_back(s.connect(ioc));  // the kernel queues what accept() cannot take
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double cpu0 = cpu_seconds(pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double used = cpu_seconds(pid) - cpu0;
  INFO("server CPU over 2 s of EMFILE: " << used << " s (" << open_fds << " descriptors open at start)");
  CHECK(used < 0.5);  // a busy accept loop burns 2 s of CPU in 2 s
  flood.clear();
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, &roomy, nullptr) == 0);
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    status = healthz(s);
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO("server stderr: " << read_file(s.dir.file("serve.log")).substr(0, 2000));
  CHECK(status == 200);
  const std::string metrics = s.http().get("/metrics").body;
  CHECK(metrics.find("chipreg_http_accept_failures_total 0\n") == std::string::npos);
}

TEST_CASE("security: a Transfer-Encoding not ending in chunked is refused, so no body is taken for a request") {
  Served s({});
  for (const char* te : {"gzip", "identity", "chunked, identity"}) {
    INFO(te);
    const std::string reply = s.http().raw(std::string("POST /v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
                                           "\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(reply.find("Connection: close") != std::string::npos);
    CHECK(reply.find("chipreg_http") == std::string::npos);  // the smuggled GET was not answered
  }
}

TEST_CASE("security: the protocol nits of RFC 9110 and 9112 are answered by the letter") {
  Served s({});
  const HttpClient c = s.http();
  SECTION("HEAD has the header fields of GET and no body") {
    const std::string reply = c.raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    REQUIRE(reply.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(reply.find("Content-Length: 15\r\n") != std::string::npos);
    CHECK(reply.substr(reply.find("\r\n\r\n") + 4).empty());
  }
  SECTION("an HTTP/1.0 client is never sent 100 Continue") {
    const std::string reply = c.raw("POST /v1/products HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(reply.find("100 Continue") == std::string::npos);
    CHECK(reply.rfind("HTTP/1.0 401", 0) == 0);
  }
  SECTION("an HTTP/1.1 request without Host is 400") {
    CHECK(c.raw("GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
  }
  SECTION("an unknown expectation is 417") {
    CHECK(c.raw("POST /v1/products HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}")
              .rfind("HTTP/1.1 417", 0) == 0);
  }
  SECTION("two Authorization fields are 400") {
    CHECK(c.raw("GET /v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n")
              .rfind("HTTP/1.1 400", 0) == 0);
  }
  SECTION("an overflowing chunk size gets a 400 before the close") {
    const std::string reply =
        c.raw("POST /v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffff\r\n");
    CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
  }
  SECTION("a body that is not JSON by its Content-Type is 415") {
    const std::string reply = c.raw(
        "POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
    CHECK(reply.rfind("HTTP/1.1 415", 0) == 0);
    CHECK(reply.find("UNSUPPORTED_MEDIA_TYPE") != std::string::npos);
    // JSON with parameters is JSON (and then needs a token).
    CHECK(c.raw("POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-8\r\n"
                "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
              .rfind("HTTP/1.1 401", 0) == 0);
  }
}

TEST_CASE("security: the database, its WAL and SHM and the log key are readable by their owner only") {
  const mode_t old = umask(022);  // a common default: the old server created 0644 files under it
  Served s({});
  umask(old);
  // A read makes SQLite open (and create) the WAL and SHM.
  CHECK(s.http().get("/v1/log/checkpoint").status == 200);
  for (const char* name : {"reg.db", "reg.db-wal", "reg.db-shm", "reg.db.logkey"}) {
    struct stat st {};
    const std::string path = s.dir.file(name);
    INFO(path);
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);
  }
}

}  // namespace chipreg::testing
