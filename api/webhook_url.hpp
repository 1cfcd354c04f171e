// Which webhook URLs the service will POST to (the SSRF policy of issue 21's webhooks).
//
// A webhook makes the registry send requests to an address an enterprise chose, so the
// address is checked when it is registered and again before every delivery (the policy
// may have changed across a restart):
//   - the URL is absolute http:// or https://, with a host, an optional port, no user
//     part and no fragment; otherwise BAD_URL (422, field url);
//   - plain http only to a host named by --webhook-allow-http-host (exactly as written in
//     the URL, e.g. 127.0.0.1); any other http URL is WEBHOOK_URL_REFUSED (422);
//   - https to a loopback, private, link-local or unspecified address literal, or to
//     "localhost", is WEBHOOK_URL_REFUSED as well;
//   - every other https URL is NOT_SUPPORTED (422): this version delivers over plain HTTP
//     only (docs/OPERATIONS.md), and refuses rather than pretend.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace chipreg::api {

struct WebhookUrlPolicy {
  // Hosts plain-http deliveries may go to (serve --webhook-allow-http-host, repeatable).
  std::vector<std::string> http_hosts;
};

struct WebhookUrl {
  std::string scheme;  // "http" | "https"
  std::string host;    // as written, IPv6 without its brackets
  std::string port;    // "80" / "443" when the URL names none
  std::string target;  // path and query, "/" when empty
};

// Parses `url` and applies the policy above. Errors: BAD_URL, WEBHOOK_URL_REFUSED,
// NOT_SUPPORTED, each with field "url" and a message in Chinese and English.
Result<WebhookUrl> check_webhook_url(std::string_view url, const WebhookUrlPolicy& policy);

}  // namespace chipreg::api
