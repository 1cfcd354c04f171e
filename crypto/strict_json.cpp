// Strict JSON: Boost.JSON's parser with a handler that refuses repeated keys and
// over-precise numbers while it builds the value (see strict_json.hpp).
#include "crypto/strict_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace chipreg {
namespace json = boost::json;

namespace {

// The decimal places a number literal spells: fraction digits without trailing zeros,
// less the exponent ("24.50" → 1, "25e-5" → 5, "1e3" → 0).
long decimals_of(std::string_view lit) {
  std::size_t e = lit.find_first_of("eE");
  std::string_view mantissa = lit.substr(0, e);
  long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view x = lit.substr(e + 1);
    bool negative = false;
    if (!x.empty() && (x.front() == '+' || x.front() == '-')) {
      negative = x.front() == '-';
      x.remove_prefix(1);
    }
    for (char c : x) {
      exponent = std::min<long>(exponent * 10 + (c - '0'), 1'000'000);
    }
    if (negative) exponent = -exponent;
  }
  long frac = 0;
  if (std::size_t dot = mantissa.find('.'); dot != std::string_view::npos) {
    std::string_view f = mantissa.substr(dot + 1);
    while (!f.empty() && f.back() == '0') f.remove_suffix(1);
    frac = static_cast<long>(f.size());
  }
  return std::max<long>(0, frac - exponent);
}

struct Handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  int max_decimals = 4;
  // The keys of each open object, innermost last; sorted on demand is not needed: objects
  // in requests are small, and a linear scan of a vector beats a set's allocations there.
  std::vector<std::vector<std::string>> keys;
  std::string key;     // the key being read (it may arrive in parts)
  std::string number;  // the number literal being read
  std::optional<std::string> duplicate;  // set when a repeated key was seen ("" is a key too)
  std::string imprecise;       // set when an over-precise number was seen
  bool infinite = false;       // and whether it was one no double holds
  std::string where;           // the field path of the refused key or number

  // Where the parser is, for error fields: one frame per open object or array.
  struct Frame {
    bool array;
    long index;       // arrays: the element being read
    std::string key;  // objects: the member being read
  };
  std::vector<Frame> path;
  bool in_string = false;

  // A value starts: an array parent moves to its next element.
  void begin_value() {
    if (!path.empty() && path.back().array) ++path.back().index;
  }
  std::string path_text(const std::string* last_key = nullptr) const {
    std::string out;
    for (const Frame& f : path) {
      if (f.array) {
        out += "[" + std::to_string(f.index) + "]";
      } else if (&f != &path.back() || last_key == nullptr) {
        if (!out.empty()) out += '.';
        out += f.key.substr(0, 64);
      }
    }
    if (last_key != nullptr) {
      if (!out.empty()) out += '.';
      out += last_key->substr(0, 64);
    }
    return out;
  }

  bool fail(boost::system::error_code& ec) {
    ec = json::error::syntax;  // replaced by the caller, who knows why
    return false;
  }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    begin_value();
    keys.emplace_back();
    path.push_back(Frame{false, 0, {}});
    return true;
  }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    keys.pop_back();
    path.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    begin_value();
    path.push_back(Frame{true, -1, {}});
    return true;
  }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    path.pop_back();
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    key.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    key.append(s.data(), s.size());
    auto& seen = keys.back();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      duplicate = key;
      where = path_text(&key);
      return fail(ec);
    }
    seen.push_back(key);
    path.back().key = key;
    key.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (!in_string) begin_value();
    in_string = true;
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    if (!in_string) begin_value();
    in_string = false;
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, boost::system::error_code&) {
    if (number.empty()) begin_value();
    number.append(s.data(), s.size());
    return true;
  }
  // A number ends (it began in this call when no parts came first).
  void end_number() {
    if (number.empty()) begin_value();
    number.clear();
  }
  bool on_int64(std::int64_t i, json::string_view, boost::system::error_code&) {
    end_number();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, boost::system::error_code&) {
    end_number();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, boost::system::error_code& ec) {
    if (number.empty()) begin_value();
    number.append(s.data(), s.size());
    // 1e400 is infinity to Boost.JSON, and 0e399 NaN (0 x inf): no reader can mean those.
    if (!std::isfinite(d) || (max_decimals >= 0 && decimals_of(number) > max_decimals)) {
      imprecise = number.substr(0, 40);
      infinite = !std::isfinite(d);
      where = path_text();
      return fail(ec);
    }
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) {
    begin_value();
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    begin_value();
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

std::string where(std::string_view text, std::size_t at, long* line_out) {
  long line = 1;
  long column = 1;
  at = std::min(at, text.size());
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  *line_out = line;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<json::value> parse_strict_json(std::string_view text, const StrictJsonOptions& options) {
  json::parse_options opts;
  opts.max_depth = options.max_depth;
  json::basic_parser<Handler> p(opts);
  p.handler().max_decimals = options.max_decimals;
  p.handler().st.reset();
  boost::system::error_code ec;
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  long line = 0;
  if (p.handler().duplicate) {
    const std::string at = where(text, used, &line);
    return Error("DUPLICATE_KEY",
                 p.handler().where + ": key '" + p.handler().duplicate->substr(0, 64) + "' appears twice in one object (at " +
                     at + ")",
                 p.handler().where, line);
  }
  if (!p.handler().imprecise.empty()) {
    const std::string at = where(text, used, &line);
    const std::string why = p.handler().infinite ? " is beyond the range of a double"
                                                 : " has more than " + std::to_string(options.max_decimals) +
                                                       " decimals";
    return Error("BAD_PRECISION",
                 p.handler().where + ": " + p.handler().imprecise + why + " (at " + at + "); it would be rounded",
                 p.handler().where, line);
  }
  if (ec) {
    const std::string at = where(text, used, &line);
    return Error("BAD_JSON", "malformed JSON at " + at + ": " + ec.message(), "", line);
  }
  return p.handler().st.release();
}

}  // namespace chipreg
