// The hand-written response head, byte for byte, and the request ids it carries.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/message.hpp"
#include "api/request_id.hpp"
#include "api/response_head.hpp"

using namespace chipreg::api;

namespace {

std::string head_of(const Response& r, const ResponseHeadOptions& o) {
  std::string out = "left over from the previous response";
  write_response_head(out, r, o);
  return out;
}

}  // namespace

TEST_CASE("response head: a 1.1 keep-alive answer has no Connection field") {
  Response r;
  r.body = R"({"status":"ok"})";
  CHECK(head_of(r, {11, "ab12cd34-0", r.body.size(), false}) ==
        "HTTP/1.1 200 OK\r\n"
        "Server: chipreg\r\n"
        "Content-Type: application/json\r\n"
        "X-Request-Id: ab12cd34-0\r\n"
        "Content-Length: 15\r\n"
        "\r\n");
}

TEST_CASE("response head: a 1.1 answer before a close says Connection: close, extra fields in order") {
  Response r = error_response(405, "METHOD_NOT_ALLOWED", "PUT is not allowed here");
  r.headers.emplace_back("Allow", "POST, GET");
  r.headers.emplace_back("Retry-After", "7");
  CHECK(head_of(r, {11, "ab12cd34-1f", 1234, true}) ==
        "HTTP/1.1 405 Method Not Allowed\r\n"
        "Server: chipreg\r\n"
        "Content-Type: application/json\r\n"
        "X-Request-Id: ab12cd34-1f\r\n"
        "Allow: POST, GET\r\n"
        "Retry-After: 7\r\n"
        "Content-Length: 1234\r\n"
        "Connection: close\r\n"
        "\r\n");
}

TEST_CASE("response head: a 1.0 answer says keep-alive when the connection stays, nothing when it closes") {
  Response r;
  r.status = 413;
  r.content_type = "text/plain; charset=utf-8";
  CHECK(head_of(r, {10, "x-2", 0, false}) ==
        "HTTP/1.0 413 Payload Too Large\r\n"
        "Server: chipreg\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Request-Id: x-2\r\n"
        "Content-Length: 0\r\n"
        "Connection: keep-alive\r\n"
        "\r\n");
  CHECK(head_of(r, {10, "x-3", 0, true}) ==
        "HTTP/1.0 413 Payload Too Large\r\n"
        "Server: chipreg\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Request-Id: x-3\r\n"
        "Content-Length: 0\r\n"
        "\r\n");
}

TEST_CASE("response head: the Content-Length is the one given, not the body's (a HEAD answer has none)") {
  Response r;
  r.status = 431;
  r.body.clear();
  CHECK(head_of(r, {11, "p-0", 98765, false}) ==
        "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        "Server: chipreg\r\n"
        "Content-Type: application/json\r\n"
        "X-Request-Id: p-0\r\n"
        "Content-Length: 98765\r\n"
        "\r\n");
}

TEST_CASE("request ids: prefix, dash, a counter in lower-case hex from 0") {
  RequestIds ids("3f2a9c01");
  std::vector<std::string> got;
  for (int i = 0; i < 17; ++i) got.push_back(ids.next());
  CHECK(got[0] == "3f2a9c01-0");
  CHECK(got[1] == "3f2a9c01-1");
  CHECK(got[10] == "3f2a9c01-a");
  CHECK(got[15] == "3f2a9c01-f");
  CHECK(got[16] == "3f2a9c01-10");
}

TEST_CASE("request ids: threads minting at once never get the same id") {
  RequestIds ids("p");
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::vector<std::vector<std::string>> per(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, &mine = per[t]] {
      for (int i = 0; i < kEach; ++i) mine.push_back(ids.next());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : per) all.insert(v.begin(), v.end());
  CHECK(all.size() == static_cast<std::size_t>(kThreads * kEach));
  CHECK(all.count("p-0") == 1);
  CHECK(all.count("p-1f3f") == 1);  // 7999, the last one
}
