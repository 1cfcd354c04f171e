// Notifications, webhooks and their deliveries (see the header).
#include "registry/store/notifications.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <chrono>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/store/audit.hpp"

namespace chipreg::store {
namespace json = boost::json;

const char* to_string(NotificationKind k) {
  switch (k) {
    case NotificationKind::kEntitlement:
      return "entitlement";
    case NotificationKind::kDecision:
      return "decision";
    case NotificationKind::kObjectionFiled:
      return "objection_filed";
    case NotificationKind::kObjectionAnswered:
      return "objection_answered";
    case NotificationKind::kClaimStale:
      return "claim_stale";
    case NotificationKind::kRecovery:
      return "recovery";
  }
  return "decision";
}

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kSelectNotification =
    "SELECT id, enterprise, kind, subject, created_at, payload FROM notifications";

Notification read_notification(const Stmt& s, int at = 0) {
  return Notification{s.int64(at), s.text(at + 1), s.text(at + 2), s.text(at + 3), s.text(at + 4), s.text(at + 5)};
}

constexpr const char* kSelectDelivery =
    "SELECT notification, enterprise, state, attempts, next_attempt_ms, last_error, last_status, delivered_at "
    "FROM webhook_deliveries";

Delivery read_delivery(const Stmt& s) {
  Delivery d;
  d.notification = s.int64(0);
  d.enterprise = s.text(1);
  d.state = s.text(2);
  d.attempts = static_cast<int>(s.int64(3));
  d.next_attempt_ms = s.int64(4);
  d.last_error = s.opt_text(5);
  if (auto st = s.opt_int64(6)) d.last_status = static_cast<int>(*st);
  d.delivered_at = s.opt_text(7);
  return d;
}

}  // namespace

Result<std::int64_t> notify(Db& db, const std::string& enterprise, NotificationKind kind, const std::string& subject,
                            const json::object& payload) {
  assert(db.in_transaction());
  auto ins = db.prepare(
      "INSERT INTO notifications(enterprise, kind, subject, created_at, payload) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!ins) return ins.error();
  ins->bind(1, enterprise)
      .bind(2, to_string(kind))
      .bind(3, subject)
      .bind(4, now_utc())
      .bind(5, json::serialize(payload));
  if (auto s = ins->exec(); !s) return s.error();
  const std::int64_t id = db.last_insert_rowid();
  auto queue = db.prepare(
      "INSERT INTO webhook_deliveries(notification, enterprise, state, attempts, next_attempt_ms) "
      "SELECT ?1, enterprise, 'pending', 0, ?2 FROM webhooks WHERE enterprise = ?3");
  if (!queue) return queue.error();
  queue->bind(1, id).bind(2, unix_ms_now()).bind(3, enterprise);
  if (auto s = queue->exec(); !s) return s.error();
  return id;
}

Result<std::vector<Notification>> list_notifications(Db& db, const NotificationFilter& f) {
  // Only the filter given is in the SQL, so that a page is one range of an index.
  std::string sql = std::string(kSelectNotification) + " WHERE id > ?1";
  if (f.enterprise) sql += " AND enterprise = ?2";
  auto st = db.prepare(sql + " ORDER BY id LIMIT ?3");
  if (!st) return st.error();
  st->bind(1, f.after).bind(3, f.limit);
  if (f.enterprise) st->bind(2, *f.enterprise);
  return collect<Notification>(*st, [](const Stmt& r) -> Result<Notification> { return read_notification(r); });
}

json::object to_json(const Notification& n) {
  json::object o{{"id", n.id},
                 {"enterprise", n.enterprise},
                 {"kind", n.kind},
                 {"subject", n.subject},
                 {"created_at", n.created_at}};
  boost::system::error_code ec;
  json::value p = json::parse(n.payload, ec);
  o["payload"] = (!ec && p.is_object()) ? std::move(p) : json::value(json::object{});
  return o;
}

// ---- webhooks -------------------------------------------------------------------------

Result<WebhookSet> set_webhook(Db& db, const std::string& enterprise, const std::string& url,
                               const std::string& actor) {
  assert(db.in_transaction());
  auto known = db.prepare("SELECT 1 FROM enterprises WHERE uscc = ?1");
  if (!known) return known.error();
  known->bind(1, enterprise);
  auto row = known->step();
  if (!row) return row.error();
  if (!*row) return Error("UNKNOWN_ENTERPRISE", "no enterprise " + enterprise + " is registered", "enterprise");
  known->reset();
  auto random = crypto::random_bytes(32);
  if (!random) return random.error();
  WebhookSet out{Webhook{enterprise, url, actor, now_utc()}, "whsec_" + crypto::hex(*random)};
  auto up = db.prepare(
      "INSERT INTO webhooks(enterprise, url, secret, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(enterprise) DO UPDATE SET url = excluded.url, secret = excluded.secret, "
      "created_by = excluded.created_by, created_at = excluded.created_at");
  if (!up) return up.error();
  up->bind(1, enterprise).bind(2, url).bind(3, out.secret).bind(4, actor).bind(5, out.hook.created_at);
  if (auto s = up->exec(); !s) return s.error();
  // The audit row names the URL, never the secret.
  if (auto s = audit(db, actor, "webhook.set", enterprise, json::object{{"url", url}}); !s) return s.error();
  return out;
}

Result<std::optional<Webhook>> get_webhook(Db& db, const std::string& enterprise) {
  auto st = db.prepare("SELECT enterprise, url, created_by, created_at FROM webhooks WHERE enterprise = ?1");
  if (!st) return st.error();
  st->bind(1, enterprise);
  return optional_row<Webhook>(*st, [](const Stmt& r) -> Result<Webhook> {
    return Webhook{r.text(0), r.text(1), r.text(2), r.text(3)};
  });
}

Result<bool> delete_webhook(Db& db, const std::string& enterprise, const std::string& actor) {
  assert(db.in_transaction());
  auto del = db.prepare("DELETE FROM webhooks WHERE enterprise = ?1");
  if (!del) return del.error();
  del->bind(1, enterprise);
  if (auto s = del->exec(); !s) return s.error();
  if (db.changes() == 0) return false;
  auto drop = db.prepare("DELETE FROM webhook_deliveries WHERE enterprise = ?1 AND state IN ('pending', 'dead')");
  if (!drop) return drop.error();
  drop->bind(1, enterprise);
  if (auto s = drop->exec(); !s) return s.error();
  if (auto s = audit(db, actor, "webhook.delete", enterprise, json::object{}); !s) return s.error();
  return true;
}

// ---- deliveries -----------------------------------------------------------------------

Result<std::vector<DueDelivery>> due_deliveries(Db& db, std::int64_t now_ms, int limit) {
  auto st = db.prepare(
      "SELECT n.id, n.enterprise, n.kind, n.subject, n.created_at, n.payload, w.url, w.secret, d.attempts "
      "FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification "
      "JOIN webhooks w ON w.enterprise = d.enterprise "
      "WHERE d.state = 'pending' AND d.next_attempt_ms <= ?1 ORDER BY d.next_attempt_ms LIMIT ?2");
  if (!st) return st.error();
  st->bind(1, now_ms).bind(2, limit);
  return collect<DueDelivery>(*st, [](const Stmt& r) -> Result<DueDelivery> {
    return DueDelivery{read_notification(r), r.text(6), r.text(7), static_cast<int>(r.int64(8))};
  });
}

Status record_delivered(Db& db, std::int64_t notification, int status) {
  auto st = db.prepare(
      "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?2, "
      "last_error = NULL, delivered_at = ?3 WHERE notification = ?1 AND state = 'pending'");
  if (!st) return st.error();
  st->bind(1, notification).bind(2, status).bind(3, now_utc());
  return st->exec();
}

Status record_failed(Db& db, std::int64_t notification, const std::string& error, std::optional<int> status, bool dead,
                     std::int64_t next_attempt_ms) {
  auto st = db.prepare(
      "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, last_status = ?3, last_error = ?4, "
      "next_attempt_ms = ?5 WHERE notification = ?1 AND state = 'pending'");
  if (!st) return st.error();
  st->bind(1, notification).bind(2, dead ? "dead" : "pending");
  if (status)
    st->bind(3, *status);
  else
    st->bind_null(3);
  st->bind(4, error.substr(0, 500)).bind(5, next_attempt_ms);
  return st->exec();
}

Result<std::vector<Delivery>> list_deliveries(Db& db, const std::string& enterprise, const std::string& state,
                                              std::int64_t after, int limit) {
  auto st = db.prepare(std::string(kSelectDelivery) +
                       " WHERE enterprise = ?1 AND state = ?2 AND notification > ?3 ORDER BY notification LIMIT ?4");
  if (!st) return st.error();
  st->bind(1, enterprise).bind(2, state).bind(3, after).bind(4, limit);
  return collect<Delivery>(*st, [](const Stmt& r) -> Result<Delivery> { return read_delivery(r); });
}

Result<std::vector<std::int64_t>> requeue_dead(Db& db, const std::string& enterprise, std::int64_t now_ms,
                                               const std::string& actor) {
  assert(db.in_transaction());
  auto st = db.prepare(
      "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?2 "
      "WHERE enterprise = ?1 AND state = 'dead' RETURNING notification");
  if (!st) return st.error();
  st->bind(1, enterprise).bind(2, now_ms);
  auto ids = collect<std::int64_t>(*st, [](const Stmt& r) -> Result<std::int64_t> { return r.int64(0); });
  if (!ids) return ids.error();
  std::sort(ids->begin(), ids->end());
  if (auto s = audit(db, actor, "webhook.requeue", enterprise,
                     json::object{{"requeued", static_cast<std::int64_t>(ids->size())}});
      !s) {
    return s.error();
  }
  return ids;
}

json::object to_json(const Delivery& d) {
  json::object o{
      {"notification", d.notification}, {"enterprise", d.enterprise}, {"state", d.state}, {"attempts", d.attempts}};
  o["next_attempt_at_ms"] = d.state == "pending" ? json::value(d.next_attempt_ms) : json::value(nullptr);
  o["last_error"] = d.last_error ? json::value(*d.last_error) : json::value(nullptr);
  o["last_status"] = d.last_status ? json::value(*d.last_status) : json::value(nullptr);
  o["delivered_at"] = d.delivered_at ? json::value(*d.delivered_at) : json::value(nullptr);
  return o;
}

}  // namespace chipreg::store
