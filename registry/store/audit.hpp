// The audit trail: one row per change the registry accepts (who, what, on which subject,
// when), written in the same transaction as the change so the two cannot disagree.
// Read by admins through GET /v1/audit.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct AuditRow {
  std::int64_t id = 0;
  std::string at;       // ISO 8601 UTC
  std::string actor;    // "admin#1", "enterprise:USCC#7", "cli"
  std::string action;   // "enterprise.create", "claim.file", "claim.decide", ...
  std::string subject;  // the id of what changed
  std::string detail;   // a JSON object, serialized
};

// Appends a row stamped now. REQUIRES: inside the transaction of the change it records.
Status audit(Db& db, std::string_view actor, std::string_view action, std::string_view subject,
             const boost::json::object& detail = {});

// Rows with id > `after`, oldest first, at most `limit`; only those about `subject` when set.
Result<std::vector<AuditRow>> list_audit(Db& db, std::int64_t after, int limit,
                                         const std::optional<std::string>& subject = std::nullopt);

}  // namespace chipreg::store
