#include "registry/domain/canonical_json.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace chipreg {

void append_json_string(std::string& out, std::string_view s) {
  // Boost.JSON's escaping: '"', '\\' and the C0 controls (\b \t \n \f \r by name, the
  // rest as \u00xx); everything else, UTF-8 included, is copied as is.
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\t': out += 't'; break;
      case '\n': out += 'n'; break;
      case '\f': out += 'f'; break;
      case '\r': out += 'r'; break;
      default:
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_json_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_double(std::string& out, double v) {
  // RFC 8785 §3.2.2.3: ECMAScript's Number::toString. The shortest digits that round-trip
  // (std::to_chars), placed by the exponent n (value = 0.DIGITS × 10^n).
  assert(std::isfinite(v));
  if (v == 0) {
    out += '0';
    return;
  }
  if (v < 0) {
    out += '-';
    v = -v;
  }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));  // "d.ddde+XX"
  const std::size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_at + (sci[e_at + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
}

namespace {

void write(const boost::json::value& v, std::string& out);

// An object, its members in byte order of their keys; the member named `key` (when given)
// written by `special` instead of from its value.
void write_object(const boost::json::object& obj, std::string& out, std::string_view key,
                  const std::function<void(std::string&)>* special) {
  std::vector<const boost::json::key_value_pair*> items;
  items.reserve(obj.size());
  for (const auto& kv : obj) items.push_back(&kv);
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  out += '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, items[i]->key());
    out += ':';
    if (special && items[i]->key() == key) {
      (*special)(out);
    } else {
      write(items[i]->value(), out);
    }
  }
  out += '}';
}

void write(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object:
      write_object(v.get_object(), out, {}, nullptr);
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(item, out);
      }
      out += ']';
      return;
    }
    case boost::json::kind::string:
      append_json_string(out, v.get_string());
      return;
    case boost::json::kind::int64:
      append_json_int(out, v.get_int64());
      return;
    case boost::json::kind::double_:
      append_json_double(out, v.get_double());
      return;
    default:  // uint64, bool, null
      out += boost::json::serialize(v);
  }
}

}  // namespace

std::string canonical_json(const boost::json::value& v) {
  std::string out;
  write(v, out);
  return out;
}

void append_canonical_json(std::string& out, const boost::json::value& v) { write(v, out); }

void append_canonical_object(std::string& out, const boost::json::object& o, std::string_view key,
                             const std::function<void(std::string&)>& write_member) {
  write_object(o, out, key, &write_member);
}

}  // namespace chipreg
