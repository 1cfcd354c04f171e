// Which webhook URLs the service will POST to (the SSRF policy of issue 21's webhooks).
//
// A webhook makes the registry send requests to an address an enterprise chose, so the
// address is checked when it is registered, again before every delivery (the policy may
// have changed across a restart), and once more after the host is resolved (a public name
// may resolve to an internal address, or be rebound to one after registration):
//   - the URL is absolute http:// or https://, with a host, an optional port, no user
//     part and no fragment; otherwise BAD_URL (422, field url);
//   - a host named by --webhook-allow-host (exactly as written in the URL, e.g. 127.0.0.1)
//     is admitted over both schemes, wherever it points: the operator vouched for it;
//   - plain http only to such a host or to one named by --webhook-allow-http-host; any
//     other http URL is WEBHOOK_URL_REFUSED (422);
//   - otherwise https to a loopback, private, link-local or unspecified address literal, or
//     to "localhost", is WEBHOOK_URL_REFUSED as well;
//   - every other https URL is accepted; its host must then resolve, at each delivery, to
//     at least one address that is not internal (connectable_endpoints below).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/net.hpp"
#include "base/result.hpp"

namespace chipreg::api {

struct WebhookUrlPolicy {
  // Hosts plain-http deliveries may go to (serve --webhook-allow-http-host, repeatable).
  std::vector<std::string> http_hosts;
  // Hosts admitted over http and https, even at an internal address (serve
  // --webhook-allow-host, repeatable): a receiver on the bureau's own network, or the tests'.
  std::vector<std::string> hosts;
};

struct WebhookUrl {
  std::string scheme;  // "http" | "https"
  std::string host;    // as written, IPv6 without its brackets
  std::string port;    // "80" / "443" when the URL names none
  std::string target;  // path and query, "/" when empty
};

// Parses `url` and applies the policy above. Errors: BAD_URL, MISSING_FIELD,
// WEBHOOK_URL_REFUSED, each with field "url" and a message in Chinese and English.
Result<WebhookUrl> check_webhook_url(std::string_view url, const WebhookUrlPolicy& policy);

// True for an address no public receiver has: loopback, private (RFC 1918, RFC 4193),
// link-local, carrier-grade NAT, unspecified or multicast, IPv4-mapped ones included.
bool is_internal_address(const asio::ip::address& a);

// True when the operator named `url`'s host for its scheme (allow_host for both, or
// allow_http_host for http), so its addresses are not checked.
bool host_vouched_for(const WebhookUrl& url, const WebhookUrlPolicy& policy);

// Of the addresses `url`'s host resolved to, those a delivery may connect to, in order:
// all of them for a vouched-for host, otherwise those that are not internal. Connecting
// only to these (never resolving again) is what defeats DNS rebinding.
// Error: WEBHOOK_URL_REFUSED when none is left.
Result<std::vector<tcp::endpoint>> connectable_endpoints(const WebhookUrl& url, const WebhookUrlPolicy& policy,
                                                         const tcp::resolver::results_type& resolved);

}  // namespace chipreg::api
