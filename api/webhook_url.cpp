// The webhook URL policy (see the header).
#include "api/webhook_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/net.hpp"

namespace chipreg::api {
namespace {

Error bad_url(const std::string& why) { return Error("BAD_URL", "webhook URL 地址无效: " + why, "url"); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool named_in(const std::vector<std::string>& hosts, const std::string& host) {
  return std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return lower(h) == lower(host); });
}

}  // namespace

bool is_internal_address(const asio::ip::address& a) {
  if (a.is_loopback() || a.is_unspecified() || a.is_multicast()) return true;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return b[0] == 10 || b[0] == 0 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xC0) == 64);
  }
  const auto v6 = a.to_v6();
  if (v6.is_link_local() || v6.is_site_local()) return true;
  if (v6.is_v4_mapped()) return is_internal_address(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
  const auto b = v6.to_bytes();
  return (b[0] & 0xFE) == 0xFC;  // fc00::/7, unique local
}

bool host_vouched_for(const WebhookUrl& url, const WebhookUrlPolicy& policy) {
  return named_in(policy.hosts, url.host) || (url.scheme == "http" && named_in(policy.http_hosts, url.host));
}

Result<std::vector<tcp::endpoint>> connectable_endpoints(const WebhookUrl& url, const WebhookUrlPolicy& policy,
                                                         const tcp::resolver::results_type& resolved) {
  const bool vouched = host_vouched_for(url, policy);
  std::vector<tcp::endpoint> out;
  for (const auto& entry : resolved) {
    if (vouched || !is_internal_address(entry.endpoint().address())) out.push_back(entry.endpoint());
  }
  if (out.empty()) {
    return Error(
        "WEBHOOK_URL_REFUSED",
        "webhook 地址解析到本机或内网: '" + url.host + "' resolves only to loopback, private or link-local addresses",
        "url");
  }
  return out;
}

Result<WebhookUrl> check_webhook_url(std::string_view url, const WebhookUrlPolicy& policy) {
  if (url.empty()) return Error("MISSING_FIELD", "webhook URL 不能为空 (field 'url' is required)", "url");
  if (url.size() > 2048) return bad_url("longer than 2048 bytes");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return bad_url("spaces, control characters and non-ASCII bytes must be percent-encoded");
    }
  }
  WebhookUrl u;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad_url("an absolute http:// or https:// URL is required");
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return bad_url("the scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return bad_url("a fragment (#...) is not sent; leave it out");
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target.front() == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos) return bad_url("a user or password in the URL is not allowed");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("an IPv6 address is closed with ']'");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url("after an IPv6 address comes ':PORT' or nothing");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return bad_url("the URL names no host");
  const bool name_chars = std::all_of(u.host.begin(), u.host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
  });
  if (!name_chars) return bad_url("the host is a DNS name or an IP address");
  if (port.empty()) {
    u.port = u.scheme == "https" ? "443" : "80";
  } else {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || p != port.data() + port.size() || n == 0 || n > 65535) {
      return bad_url("the port must be a number in 1..65535");
    }
    u.port = std::to_string(n);
  }

  const std::string host = lower(u.host);
  if (host_vouched_for(u, policy)) return u;
  if (u.scheme == "http") {
    return Error("WEBHOOK_URL_REFUSED",
                 "不接受明文 http 的 webhook 地址: plain http is refused for host '" + u.host +
                     "' (register an https URL, or start chipreg serve with --webhook-allow-host " + u.host + ")",
                 "url");
  }
  boost::system::error_code ec;
  const auto literal = asio::ip::make_address(u.host, ec);
  if (host == "localhost" || host.ends_with(".localhost") || (!ec && is_internal_address(literal))) {
    return Error("WEBHOOK_URL_REFUSED",
                 "webhook 地址不能指向本机或内网: '" + u.host +
                     "' is a loopback, private or link-local address (start chipreg serve with "
                     "--webhook-allow-host " +
                     u.host + " to admit it)",
                 "url");
  }
  return u;
}

}  // namespace chipreg::api
