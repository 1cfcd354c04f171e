// Strict reading of JSON request bodies: the body must be one JSON object; each field is
// read with its expected type; fields nobody read are rejected (UNKNOWN_FIELD), so a typo
// in a field name is an error rather than a silently ignored value.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "base/result.hpp"

namespace chipreg::api {

// Parses `body` as a JSON object: BAD_JSON (with line context) or NOT_AN_OBJECT, both 400.
Result<boost::json::object> parse_object(const std::string& body);

class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& o) : o_(o) {}

  // Required fields: MISSING_FIELD or BAD_TYPE (400) when absent or of another type.
  Result<std::string> string(const std::string& key);
  Result<std::int64_t> int64(const std::string& key);
  Result<bool> boolean(const std::string& key);
  // Optional fields: nullopt when absent or null.
  Result<std::optional<std::string>> opt_string(const std::string& key);
  Result<std::optional<std::int64_t>> opt_int64(const std::string& key);
  Result<std::optional<bool>> opt_boolean(const std::string& key);
  bool has(const std::string& key) const { return o_.contains(key); }

  // UNKNOWN_FIELD (400) naming the first field no getter asked for.
  Status finish() const;

 private:
  const boost::json::value* find(const std::string& key);
  const boost::json::object& o_;
  std::set<std::string> seen_;
};

}  // namespace chipreg::api
