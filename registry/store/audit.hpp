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
  std::string actor;    // "admin#1", "enterprise:USCC#7", "cli:OPERATOR"
  std::string action;   // "enterprise.create", "claim.file", "claim.decide", "refused", "import.purchases", ...
  std::string subject;  // the id of what changed
  std::string detail;   // a JSON object, serialized
  std::optional<std::string> actor_label;  // the label of the actor's token, when it is one
};

// Appends a row stamped now. REQUIRES: inside the transaction of the change it records.
Status audit(Db& db, std::string_view actor, std::string_view action, std::string_view subject,
             const boost::json::object& detail = {});

// Which rows to list: those with id > `after`, oldest first, at most `limit`, and of the
// filters given only the rows that match all: about `subject`, by `actor`, stamped at or
// after `from` and before `to` (ISO 8601 prefixes compared as text: "2026-12-01" or
// "2026-12-01T08:00:00Z"). Each filter is one indexed range (schema migration 12); a time
// range is first turned into the range of row ids stamped inside it.
struct AuditQuery {
  std::int64_t after = 0;
  int limit = 100;
  std::optional<std::string> subject, actor, from, to;
};
Result<std::vector<AuditRow>> list_audit(Db& db, const AuditQuery& q);

}  // namespace chipreg::store
