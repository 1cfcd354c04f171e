// Notifications in the store (registry/store/notifications.hpp): each cause is one event of
// its enterprise, written in the cause's transaction (a rolled-back cause leaves none), with
// that enterprise's own facts only; a webhook queues a delivery beside each event, and the
// delivery states move pending → dead → pending → delivered. Amounts exact fen.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <limits>

#include "registry/base_store.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/entitlements.hpp"
#include "registry/store/notifications.hpp"
#include "registry/store/objections.hpp"
#include "registry/store/recoveries.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "rules/scenario_builder.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::testing;
namespace json = boost::json;

namespace {

struct Store : BaseStore {
  std::vector<store::Notification> feed(const std::optional<std::string>& enterprise, std::int64_t after = 0,
                                        int limit = 100) {
    auto rows = store::list_notifications(db, {enterprise, after, limit});
    REQUIRE(rows.ok());
    return *rows;
  }
  std::int64_t count(const char* sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.ok());
    REQUIRE(*st->step());
    return st->int64(0);
  }
};

json::object payload(const store::Notification& n) { return json::parse(n.payload).as_object(); }

}  // namespace

TEST_CASE("notifications store: stale, decision, objection filed and answered, recovery: one event each, in order") {
  Store s;
  s.buy("2025-03-01", yuan(3'000'000));
  auto c = s.file();
  REQUIRE(c.award_fen == yuan(900'000));
  // A new line of the series makes the submitted claim stale: one event, not one per fact.
  s.buy("2025-04-01", yuan(1'000'000), true);
  s.buy("2025-04-02", yuan(0) + 1, true);
  s.write([&] { REQUIRE(store::reevaluate_claim(s.db, c.id, "reviewer").ok()); });
  s.write([&] { REQUIRE(store::decide_claim(s.db, c.id, {false, yuan(1'200'000), "核准"}, "reviewer#2").ok()); });
  const Date today = *Date::parse(db::today_shanghai());
  std::string objection;
  s.write([&] {
    auto o = store::file_objection(s.db, {c.id, kOem, "金额有误", {}, {}, {}}, "oem", {}, today);
    REQUIRE(o.ok());
    objection = o->id;
  });
  s.write([&] {
    store::ObjectionAnswerInput in;
    in.kind = store::AnswerKind::kRejected;
    in.note = "经核实无误";
    REQUIRE(store::answer_objection(s.db, objection, in, "reviewer#2").ok());
  });
  // A red line after the approval: overpaid (an approved claim does not turn stale), then
  // the recovery.
  Purchase red{"RED1",
               1,
               Date::ymd(2025, 9, 1),
               *Uscc::parse(kOem),
               *Uscc::parse(kSupplier),
               "M1",
               Money::fen(-yuan(1'000'000)),
               Money::fen(0),
               InvoiceLineRef{"INV2", 1}};
  s.write([&] {
    REQUIRE(store::insert_purchase(s.db, red).ok());
    REQUIRE(store::invoice_lines_changed(s.db, kOem, 2025, true).ok());
  });
  s.write([&] {
    REQUIRE(store::record_recovery(s.db, {c.id, yuan(300'000), Date::ymd(2025, 10, 1), "收款R1", ""}, "reviewer").ok());
  });

  const auto feed = s.feed(kOem);
  std::vector<std::string> kinds;
  for (const auto& n : feed) kinds.push_back(n.kind);
  CHECK(kinds ==
        std::vector<std::string>{"claim_stale", "decision", "objection_filed", "objection_answered", "recovery"});
  REQUIRE(feed.size() == 5);
  for (std::size_t i = 1; i < feed.size(); ++i) CHECK(feed[i].id > feed[i - 1].id);
  CHECK(feed[0].subject == c.id);
  CHECK(payload(feed[0]).at("claim").as_string() == c.id);
  const auto decision = payload(feed[1]);
  CHECK(decision.at("outcome").as_string() == "approved");
  CHECK(decision.at("approve_fen").as_int64() == yuan(1'200'000));
  CHECK(decision.at("award_fen").as_int64() == yuan(1'200'000));
  CHECK(decision.at("note").as_string() == "核准");
  CHECK(feed[2].subject == objection);
  CHECK(payload(feed[2]).at("against").as_string() == "decision");
  CHECK(payload(feed[2]).at("deadline").as_string() == today.add_days(15).str());
  CHECK(payload(feed[3]).at("answer").as_string() == "rejected");
  CHECK(payload(feed[3]).at("award_after_fen").as_int64() == yuan(1'200'000));
  const auto recovery = payload(feed[4]);
  CHECK(recovery.at("amount_fen").as_int64() == yuan(300'000));
  CHECK(recovery.at("reference").as_string() == "收款R1");
  // Only the claimant's own facts: no payload names the seller, nor who decided.
  for (const auto& n : feed) {
    INFO(n.payload);
    CHECK(n.enterprise == kOem);
    CHECK(n.payload.find(kSupplier) == std::string::npos);
    CHECK(n.payload.find("reviewer") == std::string::npos);
  }
  // The seller has no events; paging by cursor is a range of ids.
  CHECK(s.feed(kSupplier).empty());
  const auto page = s.feed(kOem, feed[1].id, 2);
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == feed[2].id);
  CHECK(page[1].id == feed[3].id);
  CHECK(s.feed(std::nullopt).size() == 5);
}

TEST_CASE(
    "notifications store: a rolled-back cause leaves no event, and a webhook queues its delivery beside the event") {
  Store s;
  s.buy("2025-03-01", yuan(4'000'000));
  auto c = s.file();
  std::string secret;
  s.write([&] {
    auto hook = store::set_webhook(s.db, kOem, "http://127.0.0.1:9/hook", "admin#1");
    REQUIRE(hook.ok());
    secret = hook->secret;
  });
  CHECK(secret.rfind("whsec_", 0) == 0);
  CHECK(secret.size() == 6 + 64);
  {
    auto tx = db::Tx::begin(s.db);
    REQUIRE(tx.ok());
    REQUIRE(store::decide_claim(s.db, c.id, {true, 0, "驳回"}, "reviewer").ok());
    // destroyed without commit: rolled back
  }
  CHECK(s.count("SELECT count(*) FROM notifications") == 0);
  CHECK(s.count("SELECT count(*) FROM webhook_deliveries") == 0);
  s.write([&] { REQUIRE(store::decide_claim(s.db, c.id, {false, yuan(1'000'000), ""}, "reviewer").ok()); });
  const auto feed = s.feed(kOem);
  REQUIRE(feed.size() == 1);
  const std::int64_t id = feed[0].id;

  auto due = store::due_deliveries(s.db, std::numeric_limits<std::int64_t>::max(), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].event.id == id);
  CHECK((*due)[0].url == "http://127.0.0.1:9/hook");
  CHECK((*due)[0].secret == secret);
  CHECK((*due)[0].attempts == 0);
  // Not due before its time.
  auto early = store::due_deliveries(s.db, 0, 10);
  REQUIRE(early.ok());
  CHECK(early->empty());

  s.write([&] { REQUIRE(store::record_failed(s.db, id, "receiver answered HTTP 500", 500, false, 1000).ok()); });
  s.write([&] { REQUIRE(store::record_failed(s.db, id, "receiver answered HTTP 503", 503, true, 2000).ok()); });
  auto dead = store::list_deliveries(s.db, kOem, "dead", 0, 10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].attempts == 2);
  CHECK((*dead)[0].last_status == 503);
  CHECK((*dead)[0].last_error == "receiver answered HTTP 503");
  // A dead delivery is never due; requeued, it is, with its attempts reset.
  auto none = store::due_deliveries(s.db, std::numeric_limits<std::int64_t>::max(), 10);
  REQUIRE(none.ok());
  CHECK(none->empty());
  s.write([&] {
    auto ids = store::requeue_dead(s.db, kOem, 5000, "enterprise#3");
    REQUIRE(ids.ok());
    CHECK(*ids == std::vector<std::int64_t>{id});
  });
  auto again = store::due_deliveries(s.db, 5000, 10);
  REQUIRE(again.ok());
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].attempts == 0);
  s.write([&] { REQUIRE(store::record_delivered(s.db, id, 204).ok()); });
  auto delivered = store::list_deliveries(s.db, kOem, "delivered", 0, 10);
  REQUIRE(delivered.ok());
  REQUIRE(delivered->size() == 1);
  CHECK((*delivered)[0].last_status == 204);
  CHECK((*delivered)[0].delivered_at.has_value());
  // The audit trail names the URL, never the secret.
  CHECK(s.count(("SELECT count(*) FROM audit WHERE detail LIKE '%" + secret + "%'").c_str()) == 0);
  CHECK(s.count("SELECT count(*) FROM audit WHERE action = 'webhook.set'") == 1);
  // Without a webhook an event queues nothing; deleting one drops what it had not delivered.
  s.write([&] { REQUIRE(*store::delete_webhook(s.db, kOem, "admin#1")); });
  CHECK(s.count("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'") == 0);
}

TEST_CASE(
    "notifications store: the eligibility job notifies a new entitlement once, and again when its amount changes") {
  Store s;
  s.buy("2025-03-01", yuan(4'000'000));
  store::EligibilityOptions o;
  o.year = 2025;
  REQUIRE(store::run_eligibility(s.db, s.db, o).ok());
  auto feed = s.feed(kOem);
  REQUIRE(feed.size() == 1);
  CHECK(feed[0].kind == "entitlement");
  CHECK(feed[0].subject == "2025/linkage/chip_module");
  CHECK(payload(feed[0]).at("award_fen").as_int64() == yuan(1'200'000));
  CHECK(payload(feed[0]).at("rule").as_string() == "linkage");
  CHECK(s.feed(kSupplier).empty());
  // The same amount again: no new event, even on a full run.
  o.full = true;
  REQUIRE(store::run_eligibility(s.db, s.db, o).ok());
  CHECK(s.feed(kOem).size() == 1);
  // More purchases: a new amount (the cap), a new event.
  s.buy("2025-04-01", yuan(1'000'000));
  REQUIRE(store::run_eligibility(s.db, s.db, o).ok());
  feed = s.feed(kOem);
  REQUIRE(feed.size() == 2);
  CHECK(payload(feed[1]).at("award_fen").as_int64() == yuan(1'500'000));
}
