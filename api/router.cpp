// Router: segment-wise matching of request paths against the route table.
#include "api/router.hpp"

#include "base/utf8.hpp"

#include <array>

namespace chipreg::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  if (!path.empty() && path.front() == '/') i = 1;
  while (i <= path.size()) {
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    out.push_back(path.substr(i, end - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> RouteContext::query_value(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  // Captures and query values end up in stored facts and in JSON error messages: only
  // well-formed UTF-8 may pass.
  if (!valid_utf8(out)) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const std::size_t amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

void Router::add(std::string method, std::string pattern, Access access, RouteFn fn, bool reads_only) {
  Route r;
  r.method = std::move(method);
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  r.pattern = std::move(pattern);
  r.access = access;
  r.fn = std::move(fn);
  r.reads_only = reads_only;
  routes_.push_back(std::move(r));
}

void Router::add_unbatched(std::string method, std::string pattern, RouteFn fn) {
  add(std::move(method), std::move(pattern), Access::kToken, std::move(fn));
  routes_.back().batched = false;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  // Split without allocating: no route has more than kMaxSegments segments.
  constexpr std::size_t kMaxSegments = 16;
  std::array<std::string_view, kMaxSegments> segs;
  std::size_t n = 0;
  std::size_t i = !path.empty() && path.front() == '/' ? 1 : 0;
  for (;;) {
    if (n == kMaxSegments) return {};
    const std::size_t j = path.find('/', i);
    segs[n++] = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (j == std::string_view::npos) break;
    i = j + 1;
  }

  Match m;
  for (const Route& r : routes_) {
    if (r.segments.size() != n) continue;
    bool fits = true;
    for (std::size_t k = 0; k < n && fits; ++k) {
      const std::string& want = r.segments[k];
      const bool capture = want.size() >= 2 && want.front() == '{' && want.back() == '}';
      fits = capture ? !segs[k].empty() : want == segs[k];
    }
    if (!fits) continue;
    // The literal segments fit; decode the captures (a bad escape means no match).
    std::map<std::string, std::string> params;
    for (std::size_t k = 0; k < n && fits; ++k) {
      const std::string& want = r.segments[k];
      if (want.front() != '{' || want.size() < 2 || want.back() != '}') continue;
      auto value = percent_decode(segs[k]);
      if (!value || value->empty()) fits = false;
      else params[want.substr(1, want.size() - 2)] = std::move(*value);
    }
    if (!fits) continue;
    if (r.method != method) {
      if (m.allow.find(r.method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    m.route = &r;
    m.params = std::move(params);
    return m;
  }
  return m;
}

}  // namespace chipreg::api
