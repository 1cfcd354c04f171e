// Strict JSON body parsing for the API's own request shapes.
#include "api/json_body.hpp"

#include "crypto/strict_json.hpp"

namespace chipreg::api {
namespace json = boost::json;

Result<json::object> parse_object(const std::string& body) {
  auto parsed = parse_strict_json(body);
  if (!parsed) {
    Error e = parsed.error();
    if (e.code == "BAD_JSON") e.message = "request body is not valid JSON: " + e.message;
    return e;
  }
  json::value& v = *parsed;
  if (!v.is_object()) return Error("NOT_AN_OBJECT", "request body must be a JSON object");
  return std::move(v.as_object());
}

const json::value* FieldReader::find(const std::string& key) {
  seen_.insert(key);
  const json::value* v = o_.if_contains(key);
  if (v != nullptr && v->is_null()) return nullptr;
  return v;
}

Result<std::string> FieldReader::string(const std::string& key) {
  auto v = opt_string(key);
  if (!v) return v.error();
  if (!*v) return Error("MISSING_FIELD", "field '" + key + "' is required", key);
  return std::move(**v);
}

Result<std::int64_t> FieldReader::int64(const std::string& key) {
  auto v = opt_int64(key);
  if (!v) return v.error();
  if (!*v) return Error("MISSING_FIELD", "field '" + key + "' is required", key);
  return **v;
}

Result<bool> FieldReader::boolean(const std::string& key) {
  auto v = opt_boolean(key);
  if (!v) return v.error();
  if (!*v) return Error("MISSING_FIELD", "field '" + key + "' is required", key);
  return **v;
}

Result<std::optional<std::string>> FieldReader::opt_string(const std::string& key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Error("BAD_TYPE", "field '" + key + "' must be a string", key);
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<std::int64_t>> FieldReader::opt_int64(const std::string& key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::optional<std::int64_t>();
  if (v->is_int64()) return std::optional<std::int64_t>(v->as_int64());
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->as_uint64()));
  }
  return Error("BAD_TYPE", "field '" + key + "' must be an integer", key);
}

Result<std::optional<bool>> FieldReader::opt_boolean(const std::string& key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return Error("BAD_TYPE", "field '" + key + "' must be true or false", key);
  return std::optional<bool>(v->as_bool());
}

Status FieldReader::finish() const {
  for (const auto& kv : o_) {
    const std::string key(kv.key());
    if (seen_.count(key) == 0) return Error("UNKNOWN_FIELD", "unknown field '" + key + "'", key);
  }
  return Status::Ok();
}

}  // namespace chipreg::api
