// Specifications of the webhook delivery pieces that need no server: the URL policy
// (api/webhook_url.hpp) and the resolved-address check, the backoff (api/webhook_worker.hpp
// retry_delay), the signature header, one attempt's bounds against a receiver that accepts
// and never answers, and one attempt over https against a receiver in the test with a
// throwaway CA (api/webhook_tls.hpp): the chain, the name or address, SNI.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>

#include "api/webhook_tls.hpp"
#include "api/webhook_url.hpp"
#include "api/webhook_worker.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hmac.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "support/webhook_receiver.hpp"

using namespace chipreg;
using namespace chipreg::api;
using chipreg::testing::CertFiles;
using chipreg::testing::TempDir;
using chipreg::testing::TestCa;
using chipreg::testing::WebhookReceiver;

namespace {

std::string code_of(const std::string& url, const WebhookUrlPolicy& p = {}) {
  auto r = check_webhook_url(url, p);
  return r ? "OK" : r.error().code;
}

std::unique_ptr<ssl::context> client_tls(const std::optional<std::string>& ca_file = std::nullopt) {
  auto ctx = make_webhook_tls(ca_file);
  REQUIRE(ctx);
  return std::move(*ctx);
}

// A throwaway CA in a temporary directory, and server certificates it issues.
struct Pki {
  TempDir dir;
  TestCa ca{dir.path().string(), "chipreg webhook test CA"};
};

// A local receiver with `cert`, and one attempt to `url_host` on its port.
struct TlsAttempt {
  WebhookReceiver receiver;
  AttemptResult result;
  TlsAttempt(const CertFiles& cert, const std::string& url_host, ssl::context& tls,
             const WebhookUrlPolicy& policy = {{}, {"127.0.0.1", "localhost"}})
      : receiver(0, cert) {
    WebhookOptions o;
    o.urls = policy;
    o.timeout = std::chrono::milliseconds(3000);
    const WebhookUrl url{"https", url_host, std::to_string(receiver.port()), "/in"};
    result = deliver_once(url, "whsec_k", "17", R"({"id":17})", 1765143600, o, tls);
  }
};

}  // namespace

TEST_CASE("webhooks: plain http only to an allowed host, parsed into host, port and target") {
  const WebhookUrlPolicy local{{"127.0.0.1", "receiver.test"}, {}};
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
    "webhooks: https to loopback, private, link-local or mapped-private literals is refused, other https is "
    "accepted") {
  for (const char* url : {"https://127.0.0.1/", "https://10.0.0.1/", "https://172.16.0.1/", "https://172.31.255.255/",
                          "https://192.168.1.1/", "https://169.254.169.254/latest", "https://0.0.0.0/",
                          "https://[::1]/", "https://[fd00::1]/", "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/",
                          "https://100.64.0.1/", "https://localhost/", "https://a.localhost/"}) {
    INFO(url);
    CHECK(code_of(url) == "WEBHOOK_URL_REFUSED");
  }
  for (const char* url : {"https://172.32.0.1/", "https://8.8.8.8/", "https://hooks.example.com/x"}) {
    INFO(url);
    CHECK(code_of(url) == "OK");
  }
  auto u = check_webhook_url("HTTPS://Hooks.Example.com/in?src=chipreg", {});
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "Hooks.Example.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/in?src=chipreg");
  for (const char* url : {"", "hooks.example.com", "ftp://x/", "https://u@x/", "https://x:0/", "https://x:65536/",
                          "https://x/#frag", "https://x y/", "https://[::1/", "https:///path"}) {
    INFO(url);
    const std::string code = code_of(url);
    CHECK((code == "BAD_URL" || code == "MISSING_FIELD"));
  }
}

TEST_CASE("webhooks: --webhook-allow-host admits both schemes to its host, --webhook-allow-http-host plain http only") {
  const WebhookUrlPolicy both{{}, {"127.0.0.1", "Receiver.Internal"}};
  CHECK(code_of("https://127.0.0.1:8443/h", both) == "OK");
  CHECK(code_of("http://127.0.0.1:8080/h", both) == "OK");
  CHECK(code_of("https://receiver.internal/h", both) == "OK");
  CHECK(code_of("https://127.0.0.2/h", both) == "WEBHOOK_URL_REFUSED");
  CHECK(code_of("http://10.0.0.1/h", both) == "WEBHOOK_URL_REFUSED");
  const WebhookUrlPolicy http_only{{"127.0.0.1"}, {}};
  CHECK(code_of("http://127.0.0.1:8080/h", http_only) == "OK");
  CHECK(code_of("https://127.0.0.1:8443/h", http_only) == "WEBHOOK_URL_REFUSED");
  CHECK(check_webhook_url("https://127.0.0.1/h", http_only).error().message.find("--webhook-allow-host 127.0.0.1") !=
        std::string::npos);
}

TEST_CASE("webhooks: only resolved addresses the policy admits are connected to, so a name rebound inside is refused") {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto local = resolver.resolve("localhost", "443");
  REQUIRE_FALSE(local.empty());
  // "localhost" stands for any public name that resolves (or is rebound) to loopback.
  const WebhookUrl url{"https", "localhost", "443", "/"};
  auto refused = connectable_endpoints(url, {}, local);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "WEBHOOK_URL_REFUSED");
  CHECK(refused.error().message.find("'localhost' resolves only to loopback, private or link-local addresses") !=
        std::string::npos);
  auto vouched = connectable_endpoints(url, {{}, {"localhost"}}, local);
  REQUIRE(vouched);
  CHECK(vouched->size() == local.size());
  // Allowed for plain http is not allowed for https.
  CHECK_FALSE(connectable_endpoints(url, {{"localhost"}, {}}, local));
  CHECK(connectable_endpoints(WebhookUrl{"http", "localhost", "80", "/"}, {{"localhost"}, {}}, local));

  CHECK(is_internal_address(asio::ip::make_address("10.1.2.3")));
  CHECK(is_internal_address(asio::ip::make_address("::ffff:192.168.0.1")));
  CHECK(is_internal_address(asio::ip::make_address("fd12::1")));
  CHECK_FALSE(is_internal_address(asio::ip::make_address("93.184.215.14")));
  CHECK_FALSE(is_internal_address(asio::ip::make_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")));

  // An attempt refuses before connecting: nothing listens on this port and no connect error
  // is reported.
  auto tls = client_tls();
  WebhookOptions o;
  const auto r = deliver_once(WebhookUrl{"https", "localhost", "9", "/"}, "whsec_k", "1", "{}", 1765143600, o, *tls);
  CHECK_FALSE(r.delivered);
  CHECK(r.error.find("WEBHOOK_URL_REFUSED: ") == 0);
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
  o.urls.http_hosts = {"127.0.0.1"};
  o.timeout = std::chrono::milliseconds(300);
  auto tls = client_tls();
  WebhookUrl url{"http", "127.0.0.1", std::to_string(ntohs(a.sin_port)), "/h"};
  const auto start = std::chrono::steady_clock::now();
  const AttemptResult r = deliver_once(url, "whsec_k", "1", "{}", 1765143600, o, *tls);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(r.delivered);
  CHECK_FALSE(r.status.has_value());
  CHECK(r.error.find("timeout while waiting for the answer") == 0);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::milliseconds(2000));

  // Over https the same receiver never finishes the handshake: that step times out.
  o.urls.hosts = {"127.0.0.1"};
  const auto tls_start = std::chrono::steady_clock::now();
  const AttemptResult hs =
      deliver_once(WebhookUrl{"https", "127.0.0.1", url.port, "/h"}, "whsec_k", "1", "{}", 1765143600, o, *tls);
  CHECK_FALSE(hs.delivered);
  CHECK(hs.error == "timeout while in the TLS handshake (300 ms)");
  CHECK(std::chrono::steady_clock::now() - tls_start < std::chrono::milliseconds(2000));
  ::close(fd);

  // A closed port fails at once, naming the connection.
  const AttemptResult refused = deliver_once(url, "whsec_k", "1", "{}", 1765143600, o, *tls);
  CHECK_FALSE(refused.delivered);
  CHECK(refused.error.find("connect 127.0.0.1:") == 0);
}

TEST_CASE(
    "webhooks https: a receiver whose certificate chains to --webhook-ca-file and names 127.0.0.1 gets the event") {
  Pki pki;
  auto tls = client_tls(pki.ca.cert_file());
  TlsAttempt a(pki.ca.issue("IP:127.0.0.1", "ip"), "127.0.0.1", *tls);
  INFO(a.result.error);
  CHECK(a.result.delivered);
  CHECK(a.result.status == 200);
  CHECK(a.result.error.empty());
  const auto got = a.receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].target == "/in");
  CHECK(got[0].body == R"({"id":17})");
  CHECK(got[0].headers.at("idempotency-key") == "17");
  CHECK(got[0].headers.at("host") == "127.0.0.1:" + std::to_string(a.receiver.port()));
  CHECK(got[0].headers.at("x-chipreg-signature") == webhook_signature("whsec_k", 1765143600, R"({"id":17})"));
  CHECK(got[0].server_name.empty());  // no SNI for an address (RFC 6066)
  CHECK(a.receiver.handshakes_failed() == 0);
}

TEST_CASE("webhooks https: a certificate from a CA the client does not trust fails the handshake, naming why") {
  Pki pki;
  auto tls = client_tls();  // the system store only
  TlsAttempt a(pki.ca.issue("IP:127.0.0.1", "ip"), "127.0.0.1", *tls);
  CHECK_FALSE(a.result.delivered);
  CHECK_FALSE(a.result.status.has_value());
  CHECK(a.result.error == "TLS: certificate verify failed (unable to get local issuer certificate)");
  CHECK(a.receiver.requests().empty());  // nothing was sent
  CHECK(a.receiver.wait_handshakes_failed(1, 2000));

  // A self-signed server certificate (a CA's own, used as the server's) is refused as well.
  TestCa self(pki.dir.path().string(), "127.0.0.1", "self");
  TlsAttempt s(CertFiles{self.cert_file(), pki.dir.file("self.key")}, "127.0.0.1", *tls);
  CHECK(s.result.error == "TLS: certificate verify failed (self-signed certificate)");
}

TEST_CASE("webhooks https: the certificate must name the URL's host, by address or by DNS name with SNI") {
  Pki pki;
  auto tls = client_tls(pki.ca.cert_file());
  const CertFiles other = pki.ca.issue("DNS:example.invalid", "other");
  TlsAttempt by_ip(other, "127.0.0.1", *tls);
  CHECK_FALSE(by_ip.result.delivered);
  CHECK(by_ip.result.error == "TLS: certificate verify failed (IP address mismatch)");
  CHECK(by_ip.receiver.requests().empty());
  // A certificate for the address as a DNS name does not name the address.
  TlsAttempt ip_as_name(pki.ca.issue("DNS:127.0.0.1", "ipname"), "127.0.0.1", *tls);
  CHECK(ip_as_name.result.error == "TLS: certificate verify failed (IP address mismatch)");

  TlsAttempt by_name(other, "localhost", *tls);
  CHECK_FALSE(by_name.result.delivered);
  CHECK(by_name.result.error == "TLS: certificate verify failed (hostname mismatch)");

  TlsAttempt named(pki.ca.issue("DNS:localhost", "localhost"), "localhost", *tls);
  INFO(named.result.error);
  CHECK(named.result.delivered);
  const auto got = named.receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].server_name == "localhost");  // SNI carries the name
  CHECK(got[0].headers.at("host") == "localhost:" + std::to_string(named.receiver.port()));
}

TEST_CASE("webhooks https: --webhook-ca-file that cannot be read or holds no certificate stops serve's start") {
  TempDir dir;
  auto missing = make_webhook_tls(dir.file("absent.pem"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "TLS_ERROR");
  CHECK(missing.error().field == "webhook-ca-file");
  CHECK(missing.error().message.find("absent.pem") != std::string::npos);
  chipreg::testing::write_file(dir.file("empty.pem"), "not a certificate\n");
  CHECK_FALSE(make_webhook_tls(dir.file("empty.pem")));
}
