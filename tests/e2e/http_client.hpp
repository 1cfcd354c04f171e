// End-to-end test support: a small synchronous HTTP/1.1 client (Boost.Beast) for driving the
// real `chipreg serve` over loopback, plain or TLS (certificate checks off: the tests make
// their own self-signed certificate).
#pragma once

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace chipreg::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  boost::json::value json() const;             // parses body; throws on malformed JSON
  // The error code of an error envelope, "" otherwise.
  std::string error_code() const;
};

class HttpClient {
 public:
  HttpClient(std::string host, unsigned short port, bool tls = false) : host_(std::move(host)), port_(port), tls_(tls) {}

  // One request on a fresh connection. `token` adds "Authorization: Bearer TOKEN".
  HttpReply request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& token = "") const;
  HttpReply get(const std::string& target, const std::string& token = "") const { return request("GET", target, "", token); }
  HttpReply post(const std::string& target, const boost::json::value& body, const std::string& token = "") const {
    return request("POST", target, boost::json::serialize(body), token);
  }

  // Sends raw bytes and returns whatever the server answers until it closes (or `wait_ms`).
  std::string raw(const std::string& bytes, int wait_ms = 3000) const;

 private:
  std::string host_;
  unsigned short port_;
  bool tls_;
};

}  // namespace chipreg::testing
