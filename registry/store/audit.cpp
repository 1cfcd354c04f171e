// The audit trail's rows.
#include "registry/store/audit.hpp"

#include <boost/json.hpp>

#include "registry/store/db.hpp"

namespace chipreg::store {

Status audit(Db& db, std::string_view actor, std::string_view action, std::string_view subject,
             const boost::json::object& detail) {
  auto st = db.prepare("INSERT INTO audit(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, now_utc()).bind(2, actor).bind(3, action).bind(4, subject).bind(5, boost::json::serialize(detail));
  return st->exec();
}

Result<std::vector<AuditRow>> list_audit(Db& db, std::int64_t after, int limit, const std::optional<std::string>& subject) {
  auto st = db.prepare(
      "SELECT id, at, actor, action, subject, detail FROM audit "
      "WHERE id > ? AND (? IS NULL OR subject = ?) ORDER BY id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, after).bind(2, subject).bind(3, subject).bind(4, limit);
  return collect<AuditRow>(*st, [](const Stmt& r) -> Result<AuditRow> {
    return AuditRow{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)};
  });
}

}  // namespace chipreg::store
