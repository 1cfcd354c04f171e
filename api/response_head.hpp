// The status line and header fields of an HTTP/1.x response, written by hand from a
// Response (message.hpp). Every value written is the service's own (no CR or LF can come
// from a request), and this is cheaper than a serializer walking a field list on every
// request. The layout, in this order:
//
//   HTTP/1.1 <status> <reason>        (HTTP/1.0 for a 1.0 request; reason as RFC 9110 names it)
//   Server: chipreg
//   Content-Type: <resp.content_type>
//   X-Request-Id: <request id>
//   <name>: <value>                   (each of resp.headers, in order)
//   Content-Length: <content_length>
//   Connection: close                 (1.1 only, when the connection closes after this answer)
//   Connection: keep-alive            (1.0 only, when it stays open)
//   <empty line>
//
// Each line ends with CRLF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api/message.hpp"

namespace chipreg::api {

struct ResponseHeadOptions {
  int version = 11;                // the request's HTTP version: 10 or 11
  std::string_view request_id;     // echoed in X-Request-Id
  std::size_t content_length = 0;  // the body's length; for a HEAD, the length a GET would send
  bool close = false;              // the connection closes after this response
};

// Replaces the contents of `out` with the head of `resp` (its body is not read). `out` is
// an argument so that a session reuses one buffer's capacity for every response.
void write_response_head(std::string& out, const Response& resp, const ResponseHeadOptions& o);

}  // namespace chipreg::api
