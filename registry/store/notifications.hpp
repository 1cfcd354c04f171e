// Notifications (issue 21): each enterprise's event feed, and the webhook deliveries of it.
// (The HTTP feed is GET /v1/events; the store says "notifications" because `events` is the
// table of clause-16 activity facts.)
//
//   notifications       one row per event, id monotonic (AUTOINCREMENT: never reused, so it
//                       is the feed's cursor and the webhook's idempotency key)
//   webhooks            at most one per enterprise: a URL and the HMAC secret
//   webhook_deliveries  one row per (notification, webhook at the time it was written):
//                       pending → delivered | dead, attempts, last error, next attempt
//
// What causes an event, and where it is written (each in the transaction of its cause, so
// a rolled-back cause leaves no event and a committed one never lacks its event):
//   entitlement         store_rows in entitlements.cpp: a row that is now owed (award > 0,
//                       unclaimed) and was not owed, or owed another amount, before
//   decision            decide_claim (claims.cpp)
//   objection_filed     file_objection (objections.cpp)
//   objection_answered  answer_objection (objections.cpp)
//   claim_stale         invoice_lines_changed / clause_facts_changed (claims.cpp): a
//                       submitted claim that was not stale becomes stale
//   recovery            record_recovery (recoveries.cpp)
//
// Privacy: a payload holds only facts its enterprise may already read through its own
// routes (its claim, decision, objection, recovery, entitlement); never another party's
// fact (an answer's affiliation finding, which names the other enterprise, is left out).
//
// Transactions: notify, set_webhook, delete_webhook, the delivery records and
// requeue_dead REQUIRE an open write transaction (store::Tx or a savepoint).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

enum class NotificationKind { kEntitlement, kDecision, kObjectionFiled, kObjectionAnswered, kClaimStale, kRecovery };
const char* to_string(NotificationKind k);

struct Notification {
  std::int64_t id = 0;
  std::string enterprise;  // USCC
  std::string kind;        // to_string(NotificationKind)
  std::string subject;     // a claim id, an objection id, an entitlement key "year/rule/subject"
  std::string created_at;  // ISO 8601 UTC
  std::string payload;     // JSON object text
};

// Writes an event for `enterprise` and, when it has a webhook, a pending delivery due now.
// Returns the event's id.
Result<std::int64_t> notify(Db& db, const std::string& enterprise, NotificationKind kind, const std::string& subject,
                            const boost::json::object& payload);

struct NotificationFilter {
  std::optional<std::string> enterprise;  // nullopt: every enterprise's (the bureau)
  std::int64_t after = 0;                 // ids > after
  int limit = 100;
};
// Events in id order: one range of the primary key, or of notifications_by_enterprise.
Result<std::vector<Notification>> list_notifications(Db& db, const NotificationFilter& f);

// {"id", "enterprise", "kind", "subject", "created_at", "payload": {...}}: a feed item, and
// the body of a webhook delivery.
boost::json::object to_json(const Notification& n);

// ---- webhooks -------------------------------------------------------------------------

struct Webhook {
  std::string enterprise;
  std::string url;
  std::string created_by;
  std::string created_at;
};

// Sets (or replaces) `enterprise`'s webhook with a new secret ("whsec_" + 64 hex digits),
// returned here only. Pending deliveries go to the new URL with the new secret. The URL is
// checked by the caller (the SSRF policy is the service's). Errors: UNKNOWN_ENTERPRISE (422).
struct WebhookSet {
  Webhook hook;
  std::string secret;
};
Result<WebhookSet> set_webhook(Db& db, const std::string& enterprise, const std::string& url, const std::string& actor);

Result<std::optional<Webhook>> get_webhook(Db& db, const std::string& enterprise);

// Removes the webhook and its undelivered (pending and dead) deliveries; false when there
// was none.
Result<bool> delete_webhook(Db& db, const std::string& enterprise, const std::string& actor);

// ---- deliveries -----------------------------------------------------------------------

struct Delivery {
  std::int64_t notification = 0;
  std::string enterprise;
  std::string state;  // "pending" | "delivered" | "dead"
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;  // Unix time, milliseconds (pending)
  std::optional<std::string> last_error;
  std::optional<int> last_status;  // the receiver's last HTTP status
  std::optional<std::string> delivered_at;
};

// A pending delivery due at `now_ms`, with what sending it needs.
struct DueDelivery {
  Notification event;
  std::string url;
  std::string secret;
  int attempts = 0;  // made so far
};
// Up to `limit` pending deliveries due at `now_ms`, earliest first (webhook_deliveries_due).
Result<std::vector<DueDelivery>> due_deliveries(Db& db, std::int64_t now_ms, int limit);

// The outcome of one attempt. Delivered: state delivered. Failed: attempts + 1, and either
// pending again at `next_attempt_ms`, or dead when `dead`. A row no longer pending (the
// webhook was deleted meanwhile) is left alone.
Status record_delivered(Db& db, std::int64_t notification, int status);
Status record_failed(Db& db, std::int64_t notification, const std::string& error, std::optional<int> status, bool dead,
                     std::int64_t next_attempt_ms);

// `enterprise`'s deliveries in `state` with notification > after, in order.
Result<std::vector<Delivery>> list_deliveries(Db& db, const std::string& enterprise, const std::string& state,
                                              std::int64_t after, int limit);

// Puts `enterprise`'s dead deliveries back in the queue, due at `now_ms` with their
// attempts reset; returns the notifications requeued.
Result<std::vector<std::int64_t>> requeue_dead(Db& db, const std::string& enterprise, std::int64_t now_ms,
                                               const std::string& actor);

boost::json::object to_json(const Delivery& d);

}  // namespace chipreg::store
