// The request and response as the handlers see them: plain values, independent of Beast,
// so that request handling is a pure function (Handler::handle) that tests and a fuzzer can
// drive without sockets. The session converts to and from Beast messages.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace chipreg::api {

struct Request {
  std::string method;         // "GET", "POST", ... (upper case, as sent)
  std::string target;         // path plus optional "?query", as sent
  std::string authorization;  // the Authorization header's value, "" when absent
  std::string content_type;   // the Content-Type header's value, "" when absent
  std::string if_none_match;  // the If-None-Match header's value, "" when absent (web assets)
  std::string body;
  std::string request_id;     // assigned by the session, echoed in X-Request-Id
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // For metrics and the access log: the matched route pattern ("/v1/claims/{id}"), or
  // "unmatched". Never contains request data, so metric label cardinality stays bounded.
  std::string route = "unmatched";
  // The error code when status >= 400, for the access log.
  std::string error_code;
  // Extra headers (e.g. Allow on 405).
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON response with the given status.
Response json_response(int status, const boost::json::value& body);

// The contract's error envelope {"error": {"code", "message"[, "field"]}} with `status`.
Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& field = {});

// The error envelope for an Error coming from a library call, with the HTTP status its code
// maps to (see http_status_for).
Response error_response(const Error& e);

// The HTTP status for a library error code: 400 malformed, 401/403 auth, 404 unknown
// resource, 409 conflict or duplicate, 413 too large, 422 well-formed but invalid (the
// default for validation codes), 503 when the database stayed busy, 500 for internal
// failures.
int http_status_for(const Error& e);

}  // namespace chipreg::api
