// Specifications of the webhook delivery pieces that need no server: the URL policy
// (api/webhook_url.hpp), the backoff (api/webhook_worker.hpp retry_delay), the signature
// header, and one attempt's bounds against a receiver that accepts and never answers.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "api/webhook_url.hpp"
#include "api/webhook_worker.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hmac.hpp"

using namespace chipreg;
using namespace chipreg::api;

namespace {

std::string code_of(const std::string& url, const WebhookUrlPolicy& p = {}) {
  auto r = check_webhook_url(url, p);
  return r ? "OK" : r.error().code;
}

}  // namespace

TEST_CASE("webhooks: plain http only to an allowed host, parsed into host, port and target") {
  const WebhookUrlPolicy local{{"127.0.0.1", "receiver.test"}};
  auto u = check_webhook_url("http://127.0.0.1:8080/hooks/chipreg?k=1", local);
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "8080");
  CHECK(u->target == "/hooks/chipreg?k=1");
  auto bare = check_webhook_url("HTTP://Receiver.Test?x=1", local);
  REQUIRE(bare);
  CHECK(bare->port == "80");
  CHECK(bare->target == "/?x=1");
  CHECK(code_of("http://127.0.0.2/h", local) == "WEBHOOK_URL_REFUSED");
  CHECK(code_of("http://127.0.0.1/h") == "WEBHOOK_URL_REFUSED");
  CHECK(check_webhook_url("http://127.0.0.1/h", {}).error().field == "url");
}

TEST_CASE(
    "webhooks: https to loopback, private, link-local or mapped-private literals is refused, other https is not "
    "supported") {
  for (const char* url : {"https://127.0.0.1/", "https://10.0.0.1/", "https://172.16.0.1/", "https://172.31.255.255/",
                          "https://192.168.1.1/", "https://169.254.169.254/latest", "https://0.0.0.0/",
                          "https://[::1]/", "https://[fd00::1]/", "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/",
                          "https://100.64.0.1/", "https://localhost/", "https://a.localhost/"}) {
    INFO(url);
    CHECK(code_of(url) == "WEBHOOK_URL_REFUSED");
  }
  for (const char* url : {"https://172.32.0.1/", "https://8.8.8.8/", "https://hooks.example.com/x"}) {
    INFO(url);
    CHECK(code_of(url) == "NOT_SUPPORTED");
  }
  for (const char* url : {"", "hooks.example.com", "ftp://x/", "https://u@x/", "https://x:0/", "https://x:65536/",
                          "https://x/#frag", "https://x y/", "https://[::1/", "https:///path"}) {
    INFO(url);
    const std::string code = code_of(url);
    CHECK((code == "BAD_URL" || code == "MISSING_FIELD"));
  }
}

TEST_CASE("webhooks: the wait doubles after each failure from the base, and stops at the maximum") {
  WebhookOptions o;
  o.retry_base = std::chrono::milliseconds(100);
  o.retry_max = std::chrono::milliseconds(1000);
  CHECK(retry_delay(1, o).count() == 100);
  CHECK(retry_delay(2, o).count() == 200);
  CHECK(retry_delay(3, o).count() == 400);
  CHECK(retry_delay(4, o).count() == 800);
  CHECK(retry_delay(5, o).count() == 1000);
  CHECK(retry_delay(60, o).count() == 1000);
}

TEST_CASE("webhooks: the signature is v1= and the hex HMAC-SHA256 of timestamp, a dot and the body") {
  const std::string body = R"({"id":7,"kind":"decision"})";
  CHECK(webhook_signature("whsec_k", 1765143600, body) ==
        "v1=" + crypto::hex(crypto::hmac_sha256("whsec_k", {"1765143600." + body})));
  CHECK(webhook_signature("whsec_k", 1765143601, body) != webhook_signature("whsec_k", 1765143600, body));
}

TEST_CASE("webhooks: an attempt to a receiver that accepts and never answers ends at the timeout, not delivered") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);  // the kernel accepts; nobody reads or answers
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  WebhookOptions o;
  o.timeout = std::chrono::milliseconds(300);
  WebhookUrl url{"http", "127.0.0.1", std::to_string(ntohs(a.sin_port)), "/h"};
  const auto start = std::chrono::steady_clock::now();
  const AttemptResult r = deliver_once(url, "whsec_k", "1", "{}", 1765143600, o);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(r.delivered);
  CHECK_FALSE(r.status.has_value());
  CHECK(r.error.find("timeout while waiting for the answer") == 0);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::milliseconds(2000));
  ::close(fd);

  // A closed port fails at once, naming the connection.
  const AttemptResult refused = deliver_once(url, "whsec_k", "1", "{}", 1765143600, o);
  CHECK_FALSE(refused.delivered);
  CHECK(refused.error.find("connect 127.0.0.1:") == 0);
}
