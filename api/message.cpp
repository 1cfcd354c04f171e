// Building responses and mapping library error codes onto the contract's HTTP statuses.
#include "api/message.hpp"

#include "base/utf8.hpp"

#include <boost/json.hpp>

#include <string_view>

namespace chipreg::api {
namespace {

struct CodeStatus {
  std::string_view code;
  int status;
};

// Codes that do not mean "well-formed but invalid" (422, the default). Everything a
// parser or store reports about a value's meaning (BAD_USCC, BAD_DATE, BAD_SIGNATURE,
// UNKNOWN_KEY, UNKNOWN_ENTERPRISE, ...) stays 422; the shape of the request is 400.
constexpr CodeStatus kStatuses[] = {
    {"BAD_JSON", 400},        {"MALFORMED", 400},       {"BAD_REQUEST", 400},
    {"BAD_QUERY", 400},       {"UNKNOWN_FIELD", 400},   {"MISSING_FIELD", 400},
    {"BAD_TYPE", 400},        {"WRONG_TYPE", 400},      {"NOT_AN_OBJECT", 400},
    {"UNAUTHENTICATED", 401}, {"FORBIDDEN", 403},       {"NOT_FOUND", 404},
    {"DUPLICATE", 409},       {"CONFLICT", 409},        {"ALREADY_DECIDED", 409},
    {"ALREADY_EXISTS", 409},  {"LINE_LOCKED", 409},     {"ALREADY_LOCKED", 409},
    {"BODY_TOO_LARGE", 413},  {"BUSY", 503},            {"DB_ERROR", 500},
    {"INTERNAL", 500},        {"IO_ERROR", 500},        {"CORRUPT_ROW", 500},
    {"BAD_ENVELOPE", 400},    {"WRONG_FOUNDRY", 403},   {"CONSTRAINT_VIOLATION", 409},
    {"PENDING_CLAIM", 409},   {"STALE_EVALUATION", 409},
    {"METHOD_NOT_ALLOWED", 405}, {"HEADER_TOO_LARGE", 431}, {"UNAVAILABLE", 503},
    {"DUPLICATE_KEY", 400},   {"TOO_MANY_SIGNATURES", 400}, {"PAYLOAD_TOO_LARGE", 413},
    {"UNSUPPORTED_MEDIA_TYPE", 415}, {"RATE_LIMITED", 429}, {"LAST_ADMIN", 409},
    {"LOG_CORRUPT", 500},     {"TOO_BIG", 413},
    {"OBJECTION_PENDING", 409}, {"ALREADY_ANSWERED", 409}, {"NOT_APPROVED", 409},
    {"NO_ENTITLEMENT", 404},  {"ALREADY_CLAIMED", 409},
};

}  // namespace

Response json_response(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

Response error_response(int status, const std::string& code, const std::string& message, const std::string& field) {
  // Messages and fields quote what the peer sent (a Content-Type, a key, a value); whatever
  // bytes those were, the answer stays well-formed JSON.
  boost::json::object err{{"code", code}, {"message", utf8_repaired(message)}};
  if (!field.empty()) err["field"] = utf8_repaired(field);
  Response r = json_response(status, boost::json::object{{"error", std::move(err)}});
  r.error_code = code;
  return r;
}

Response error_response(const Error& e) { return error_response(http_status_for(e), e.code, e.message, e.field); }

int http_status_for(const Error& e) {
  for (const auto& cs : kStatuses) {
    if (cs.code == e.code) return cs.status;
  }
  return 422;
}

}  // namespace chipreg::api
