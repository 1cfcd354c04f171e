// The audit trail's rows.
#include "registry/store/audit.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <map>

#include "registry/store/db.hpp"

namespace chipreg::store {

Status audit(Db& db, std::string_view actor, std::string_view action, std::string_view subject,
             const boost::json::object& detail) {
  auto st = db.prepare("INSERT INTO audit(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, now_utc()).bind(2, actor).bind(3, action).bind(4, subject).bind(5, boost::json::serialize(detail));
  return st->exec();
}

namespace {

// The first row id stamped at or after `at` (one seek of audit_by_at), or one past the last.
Result<std::int64_t> first_id_at(Db& db, const std::string& at) {
  auto st = db.prepare(
      "SELECT coalesce((SELECT id FROM audit WHERE at >= ?1 ORDER BY at, id LIMIT 1), "
      "(SELECT coalesce(max(id), 0) + 1 FROM audit))");
  if (!st) return st.error();
  st->bind(1, at);
  auto row = st->step();
  if (!row) return row.error();
  return st->int64(0);
}

// The token id at the end of an actor ("reviewer#4", "enterprise:USCC#7"), if any.
std::optional<std::int64_t> token_of(const std::string& actor) {
  const auto hash = actor.rfind('#');
  if (hash == std::string::npos || hash + 1 == actor.size() || actor.size() - hash > 19) return std::nullopt;
  std::int64_t id = 0;
  for (std::size_t i = hash + 1; i < actor.size(); ++i) {
    if (actor[i] < '0' || actor[i] > '9') return std::nullopt;
    id = id * 10 + (actor[i] - '0');
  }
  return id;
}

}  // namespace

Result<std::vector<AuditRow>> list_audit(Db& db, const AuditQuery& q) {
  // Only the filters given go into the SQL: `(? IS NULL OR col = ?)` cannot use an index.
  std::int64_t after = q.after;
  std::optional<std::int64_t> before;  // ids below this
  if (q.from) {
    auto first = first_id_at(db, *q.from);
    if (!first) return first.error();
    after = std::max(after, *first - 1);
  }
  if (q.to) {
    auto end = first_id_at(db, *q.to);
    if (!end) return end.error();
    before = *end;
  }
  std::string sql = "SELECT id, at, actor, action, subject, detail FROM audit WHERE id > ?1";
  if (before) sql += " AND id < ?2";
  if (q.subject) sql += " AND subject = ?3";
  if (q.actor) sql += " AND actor = ?4";
  // The time bounds again, exactly (the id range is exact while the clock only moves on).
  if (q.from) sql += " AND at >= ?5";
  if (q.to) sql += " AND at < ?6";
  sql += " ORDER BY id LIMIT ?7";
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind(1, after);
  if (before) st->bind(2, *before);
  if (q.subject) st->bind(3, *q.subject);
  if (q.actor) st->bind(4, *q.actor);
  if (q.from) st->bind(5, *q.from);
  if (q.to) st->bind(6, *q.to);
  st->bind(7, q.limit);
  auto rows = collect<AuditRow>(*st, [](const Stmt& r) -> Result<AuditRow> {
    return AuditRow{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), std::nullopt};
  });
  if (!rows) return rows.error();
  // Actors by their token's label: one indexed lookup per token on the page.
  auto label = db.prepare("SELECT label FROM tokens WHERE id = ?");
  if (!label) return label.error();
  std::map<std::int64_t, std::optional<std::string>> labels;
  for (auto& row : *rows) {
    const auto token = token_of(row.actor);
    if (!token) continue;
    auto it = labels.find(*token);
    if (it == labels.end()) {
      label->reset();
      label->bind(1, *token);
      auto found = label->step();
      if (!found) return found.error();
      std::optional<std::string> text;
      if (*found && !label->is_null(0) && !label->text(0).empty()) text = label->text(0);
      it = labels.emplace(*token, std::move(text)).first;
    }
    row.actor_label = it->second;
  }
  return rows;
}

}  // namespace chipreg::store
