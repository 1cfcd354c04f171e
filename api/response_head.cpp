// The hand-written response head (see response_head.hpp).
#include "api/response_head.hpp"

#include <boost/beast/http/status.hpp>

namespace chipreg::api {

void write_response_head(std::string& out, const Response& resp, const ResponseHeadOptions& o) {
  namespace http = boost::beast::http;
  out.clear();
  out += o.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(resp.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(resp.status));
  out += "\r\nServer: chipreg\r\nContent-Type: ";
  out += resp.content_type;
  out += "\r\nX-Request-Id: ";
  out += o.request_id;
  for (const auto& [name, value] : resp.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  out += "\r\nContent-Length: ";
  out += std::to_string(o.content_length);
  if (o.close && o.version != 10) out += "\r\nConnection: close";
  if (!o.close && o.version == 10) out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
}

}  // namespace chipreg::api
