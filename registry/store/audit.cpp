// The audit trail's rows.
#include "registry/store/audit.hpp"

#include <boost/json.hpp>

#include "registry/store/clock.hpp"

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
  std::vector<AuditRow> rows;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    rows.push_back({st->int64(0), st->text(1), st->text(2), st->text(3), st->text(4), st->text(5)});
  }
  return rows;
}

}  // namespace chipreg::store
