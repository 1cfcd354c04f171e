// Fuzzes strict JSON (crypto/strict_json.hpp) against Boost.JSON on the same bytes.
//
// Checked: nothing crashes, leaks or hangs; whatever strict JSON accepts, Boost.JSON reads to
// the same value (strict adds refusals, never a different reading); what Boost.JSON refuses
// as malformed, strict JSON refuses too; a refusal for a repeated key names a key that does
// occur twice in the text's objects, and an accepted value has no object with a repeated
// key (checked by re-serializing: Boost.JSON would have dropped one, changing the size).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "crypto/strict_json.hpp"

namespace {

namespace json = boost::json;

// The number of members across all objects of `v`.
std::size_t members(const json::value& v) {
  std::size_t n = 0;
  if (const auto* o = v.if_object()) {
    n += o->size();
    for (const auto& kv : *o) n += members(kv.value());
  } else if (const auto* a = v.if_array()) {
    for (const auto& x : *a) n += members(x);
  }
  return n;
}

// Members as the text spells them, counted by a parser that keeps duplicates.
struct CountingHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();
  std::size_t keys = 0;
  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t, json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key(json::string_view, std::size_t, json::error_code&) {
    ++keys;
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

#include <boost/json/basic_parser_impl.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json::parse_options opts;
  opts.max_depth = 32;
  json::error_code ec;
  const json::value loose = json::parse(text, ec, {}, opts);
  auto strict = chipreg::parse_strict_json(text);
  if (ec) {
    if (strict) std::abort();  // strict accepted what Boost.JSON calls malformed
    return 0;
  }
  if (strict) {
    if (*strict != loose) std::abort();
    json::basic_parser<CountingHandler> counter(opts);
    counter.write_some(false, text.data(), text.size(), ec);
    if (!ec && counter.handler().keys != members(loose)) std::abort();  // a repeated key slipped through
  } else {
    const auto& code = strict.error().code;
    if (code != "DUPLICATE_KEY" && code != "BAD_PRECISION") std::abort();  // refused valid JSON for no reason
    if (code == "DUPLICATE_KEY") {
      json::basic_parser<CountingHandler> counter(opts);
      counter.write_some(false, text.data(), text.size(), ec);
      if (!ec && counter.handler().keys == members(loose)) std::abort();  // no key was repeated
    }
  }
  return 0;
}
