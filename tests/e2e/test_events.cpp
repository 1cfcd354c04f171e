// Notifications end to end, on the real `chipreg serve` (issue 21): the event feed
// GET /v1/events (decisions, objections, recoveries, entitlements, stale claims; paging by
// cursor; each enterprise its own), and webhooks against a receiver in the test: the
// signature checked with the secret, retries with the same Idempotency-Key until a 200,
// one event processed once, dead letters re-queued, a restart keeping the queue, and the
// URL policy; over https against a TLS receiver whose certificate a throwaway CA made here
// issued: delivered when --webhook-ca-file trusts it, dead-lettered with the verification
// error when nothing does or when it names another host. Also the objection deadline as a
// serve option (--objection-days).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#include "crypto/encoding.hpp"
#include "crypto/hmac.hpp"
#include "e2e/fixture.hpp"
#include "registry/db/clock.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/domain/date.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "support/webhook_receiver.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

const std::vector<std::string> kWebhookServe = {
    "--webhook-allow-http-host", "127.0.0.1", "--webhook-retry-base-ms", "100", "--webhook-max-attempts", "4"};

// An OEM buying self-developed modules from a design house (as tests/e2e/test_objections.cpp),
// and a rival with a token of its own.
struct World {
  Registry reg;
  std::string design = mint_uscc(2);
  std::string oem = mint_uscc(3);
  std::string rival = mint_uscc(4);
  std::string foundry = mint_uscc(5);
  std::string oem_token, design_token, rival_token, reviewer;
  int next_invoice = 1;

  explicit World(const std::vector<std::string>& serve = kWebhookServe) : reg(serve) {
    reg.enterprise(design, "Design House Co.", true, {"ic_design"});
    reg.enterprise(oem, "Terminal Maker Co.", true, {"oem"});
    reg.enterprise(rival, "Rival Co.", true, {"oem"});
    reg.enterprise(foundry, "Foundry Co.", false, {"foundry"});
    oem_token = reg.token("enterprise", oem);
    design_token = reg.token("enterprise", design);
    rival_token = reg.token("enterprise", rival);
    reviewer = reg.token("reviewer");
    reg.must(201, "/v1/products",
             json::object{{"id", "P-MOD"},
                          {"kind", "module"},
                          {"owner", design},
                          {"self_developed", true},
                          {"first_market_date", "2024-07-01"},
                          {"focus_area", "chip_design"},
                          {"model", "BJ-MOD-01"}},
             design_token);
  }
  std::string buy(const std::string& date, long long yuan) {
    char inv[32];
    std::snprintf(inv, sizeof inv, "2433200000%010d", next_invoice++);
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", inv},
                          {"line", 1},
                          {"date", date},
                          {"buyer", oem},
                          {"seller", design},
                          {"product", "P-MOD"},
                          {"amount_fen", yuan * 100},
                          {"tax_fen", 0},
                          {"reverses", nullptr}},
             oem_token);
    return inv;
  }
  std::string file() {
    auto c = reg.must(201, "/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                      oem_token);
    return std::string(c.at("id").as_string());
  }
  void approve(const std::string& claim, long long fen) {
    reg.must(200, "/v1/claims/" + claim + "/decision", json::object{{"approve_fen", fen}, {"note", "核准"}}, reviewer);
  }
  HttpReply put(const std::string& target, const json::value& body, const std::string& token) {
    return reg.http().request("PUT", target, json::serialize(body), token);
  }
  json::array events(const std::string& query, const std::string& token) {
    auto r = reg.http().get("/v1/events" + query, token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json().at("items").as_array();
  }
};

std::string str(const json::value& v) { return std::string(v.as_string()); }

// Checks a delivery's signature the way a receiver would: HMAC-SHA256 under the secret
// over "timestamp.body".
bool signed_by(const ReceivedRequest& r, const std::string& secret) {
  if (!r.headers.count("x-chipreg-timestamp") || !r.headers.count("x-chipreg-signature")) return false;
  const std::string expected = "v1=" + chipreg::crypto::hex(chipreg::crypto::hmac_sha256(
                                           secret, {r.headers.at("x-chipreg-timestamp"), ".", r.body}));
  return r.headers.at("x-chipreg-signature") == expected;
}

json::object delivery_state(World& w, const std::string& state) {
  auto r = w.reg.http().get("/v1/webhooks/" + w.oem + "/deliveries?state=" + state, w.oem_token);
  REQUIRE(r.status == 200);
  return r.json().as_object();
}

// Waits until the oem's webhook has `n` deliveries in `state`.
bool wait_state(World& w, const std::string& state, std::size_t n, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (delivery_state(w, state).at("items").as_array().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE(
    "events e2e: a webhook failing twice gets the decision on the third attempt, signed, same key, processed once") {
  World w;
  WebhookReceiver receiver(2);
  w.buy("2025-03-01", 4'000'000);
  const std::string claim = w.file();
  auto set = w.put("/v1/webhooks/" + w.oem, json::object{{"url", receiver.url()}}, w.oem_token);
  INFO(set.body);
  REQUIRE(set.status == 200);
  const std::string secret = str(set.json().at("secret"));
  CHECK(secret.size() == 70);
  // The secret is shown once: never again.
  auto read = w.reg.http().get("/v1/webhooks/" + w.oem, w.oem_token);
  REQUIRE(read.status == 200);
  CHECK(str(read.json().at("url")) == receiver.url());
  CHECK(read.body.find(secret.substr(6)) == std::string::npos);
  CHECK_FALSE(read.json().as_object().contains("secret"));

  w.approve(claim, 120'000'000);
  REQUIRE(receiver.wait_processed(1, 15000));
  const auto feed = w.events("", w.oem_token);
  REQUIRE(feed.size() == 1);
  const std::string id = std::to_string(feed[0].at("id").as_int64());
  CHECK(str(feed[0].at("kind")) == "decision");

  auto got = receiver.requests();
  REQUIRE(got.size() == 3);
  for (const auto& r : got) {
    INFO(r.body);
    CHECK(r.target == "/hook");
    CHECK(r.headers.at("idempotency-key") == id);  // the same on every attempt
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(signed_by(r, secret));
    CHECK_FALSE(signed_by(r, secret + "x"));
    const auto body = json::parse(r.body).as_object();
    CHECK(body.at("id").as_int64() == feed[0].at("id").as_int64());
    CHECK(str(body.at("kind")) == "decision");
    CHECK(str(body.at("subject")) == claim);
    CHECK(body.at("payload").at("approve_fen").as_int64() == 120'000'000);
    CHECK(str(body.at("payload").at("outcome")) == "approved");
  }
  CHECK(got[0].answered == 500);
  CHECK(got[1].answered == 500);
  CHECK(got[2].answered == 200);
  // A body changed in transit fails the check.
  auto forged = got[2];
  forged.body.replace(forged.body.find("120000000"), 9, "999999999");
  CHECK_FALSE(signed_by(forged, secret));
  CHECK(receiver.processed() == std::vector<std::string>{id});

  REQUIRE(wait_state(w, "delivered", 1, 5000));
  const auto delivered = delivery_state(w, "delivered").at("items").at(0).as_object();
  CHECK(delivered.at("notification").as_int64() == feed[0].at("id").as_int64());
  CHECK(delivered.at("attempts").as_int64() == 3);
  CHECK(delivered.at("last_status").as_int64() == 200);
  // Delivered once: nothing more arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(receiver.requests().size() == 3);
}

TEST_CASE(
    "events e2e: a receiver that always fails dead-letters the event, and re-queued it is delivered with the same "
    "key") {
  World w;
  WebhookReceiver receiver(-1);
  w.buy("2025-03-01", 4'000'000);
  const std::string claim = w.file();
  auto set = w.put("/v1/webhooks/" + w.oem, json::object{{"url", receiver.url("/in?src=chipreg")}}, w.oem_token);
  REQUIRE(set.status == 200);
  const std::string secret = str(set.json().at("secret"));
  w.approve(claim, 100'000'000);
  REQUIRE(wait_state(w, "dead", 1, 15000));
  const auto dead = delivery_state(w, "dead").at("items").at(0).as_object();
  CHECK(dead.at("attempts").as_int64() == 4);  // --webhook-max-attempts 4
  CHECK(dead.at("last_status").as_int64() == 500);
  CHECK(str(dead.at("last_error")) == "receiver answered HTTP 500");
  CHECK(receiver.requests().size() == 4);
  CHECK(receiver.processed().empty());
  // Another enterprise can neither list nor re-queue them; a foundry is refused outright.
  CHECK(w.reg.http().get("/v1/webhooks/" + w.oem + "/deliveries", w.rival_token).status == 404);
  CHECK(w.reg.http().post("/v1/webhooks/" + w.oem + "/requeue", json::object{}, w.rival_token).status == 404);
  CHECK(w.reg.http().get("/v1/webhooks/" + w.oem + "/deliveries", w.reviewer).status == 200);

  receiver.succeed();
  auto requeued = w.reg.http().post("/v1/webhooks/" + w.oem + "/requeue", json::object{}, w.oem_token);
  REQUIRE(requeued.status == 200);
  const auto ids = requeued.json().at("requeued").as_array();
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].as_int64() == dead.at("notification").as_int64());
  REQUIRE(receiver.wait_processed(1, 10000));
  const auto got = receiver.requests();
  REQUIRE(got.size() == 5);
  CHECK(got[4].target == "/in?src=chipreg");
  CHECK(got[4].headers.at("idempotency-key") == std::to_string(ids[0].as_int64()));
  CHECK(got[4].headers.at("idempotency-key") == got[0].headers.at("idempotency-key"));
  CHECK(signed_by(got[4], secret));
  REQUIRE(wait_state(w, "delivered", 1, 5000));
  CHECK(delivery_state(w, "dead").at("items").as_array().empty());
}

TEST_CASE("events e2e: a restart of serve in the middle of the retries keeps the pending delivery") {
  World w({"--webhook-allow-http-host", "127.0.0.1", "--webhook-retry-base-ms", "1500", "--webhook-max-attempts", "6"});
  WebhookReceiver receiver(-1);
  w.buy("2025-03-01", 4'000'000);
  const std::string claim = w.file();
  auto set = w.put("/v1/webhooks/" + w.oem, json::object{{"url", receiver.url()}}, w.oem_token);
  REQUIRE(set.status == 200);
  const std::string secret = str(set.json().at("secret"));
  w.approve(claim, 100'000'000);
  REQUIRE(receiver.wait_requests(1, 10000));
  REQUIRE(w.reg.server().stop() == 0);
  // In the store, between two attempts: pending, one attempt made.
  {
    auto db = chipreg::db::Db::open(w.reg.db());
    REQUIRE(db.ok());
    auto st = db->prepare("SELECT state, attempts, last_status FROM webhook_deliveries");
    REQUIRE(st.ok());
    REQUIRE(*st->step());
    CHECK(st->text(0) == "pending");
    CHECK(st->int64(1) == 1);
    CHECK(st->int64(2) == 500);
  }
  receiver.succeed();
  ServeProcess again(w.reg.db(), w.reg.log_path() + ".2",
                     {"--webhook-allow-http-host", "127.0.0.1", "--webhook-retry-base-ms", "1500", "--threads", "2"});
  REQUIRE(receiver.wait_processed(1, 15000));
  const auto got = receiver.requests();
  REQUIRE(got.size() == 2);
  CHECK(got[1].headers.at("idempotency-key") == got[0].headers.at("idempotency-key"));
  CHECK(signed_by(got[1], secret));
  HttpClient http("127.0.0.1", again.port());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  json::array delivered;
  while (std::chrono::steady_clock::now() < until && delivered.empty()) {
    auto r = http.get("/v1/webhooks/" + w.oem + "/deliveries?state=delivered", w.oem_token);
    REQUIRE(r.status == 200);
    delivered = r.json().at("items").as_array();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].at("attempts").as_int64() == 2);
  CHECK(again.stop() == 0);
}

TEST_CASE(
    "events e2e: the feed carries decisions, stale claims, objections, recoveries and entitlements, each its own") {
  World w;
  w.buy("2025-03-01", 3'000'000);
  const std::string b = w.buy("2025-04-01", 1'000'000);
  // The eligibility job (run beside serve, as an operator would) finds the entitlement.
  const ProcessResult job = run_chipreg({"eligibility", "--db", w.reg.db(), "--year", "2025"});
  INFO(job.err);
  REQUIRE(job.exit_code == 0);
  const std::string c1 = w.file();
  // A line bought after filing makes the submitted claim stale.
  w.buy("2025-05-01", 1);
  w.reg.must(200, "/v1/claims/" + c1 + "/evaluate", json::object{}, w.reviewer);
  w.approve(c1, 120'000'000);
  auto o = w.reg.must(201, "/v1/claims/" + c1 + "/objections", json::object{{"text", "核准金额有误"}}, w.oem_token);
  const std::string oid = str(o.at("id"));
  w.reg.must(200, "/v1/objections/" + oid + "/answer", json::object{{"answer", "rejected"}, {"note", "金额无误"}},
             w.reviewer);
  w.reg.must(200, "/v1/purchases/" + b + "/void", json::object{{"date", "2025-09-01"}, {"buyer", w.oem}},
             w.reg.admin());
  w.reg.must(201, "/v1/recoveries",
             json::object{{"claim", c1},
                          {"amount_fen", 20'000'000},
                          {"date", chipreg::db::today_shanghai()},
                          {"reference", "滨财追-2025-009"}},
             w.reviewer);

  const auto all = w.events("", w.oem_token);
  std::vector<std::string> kinds;
  for (const auto& e : all) kinds.push_back(str(e.at("kind")));
  CHECK(kinds == std::vector<std::string>{"entitlement", "claim_stale", "decision", "objection_filed",
                                          "objection_answered", "recovery"});
  REQUIRE(all.size() == 6);
  CHECK(str(all[0].at("subject")) == "2025/linkage/chip_module");
  CHECK(all[0].at("payload").at("award_fen").as_int64() == 120'000'000);
  CHECK(str(all[1].at("subject")) == c1);
  CHECK(str(all[2].at("payload").at("outcome")) == "approved");
  CHECK(all[2].at("payload").at("approve_fen").as_int64() == 120'000'000);
  CHECK(str(all[3].at("subject")) == oid);
  CHECK(str(all[4].at("payload").at("answer")) == "rejected");
  CHECK(all[5].at("payload").at("amount_fen").as_int64() == 20'000'000);
  CHECK(str(all[5].at("payload").at("reference")) == "滨财追-2025-009");
  for (const auto& e : all) {
    CHECK(str(e.at("enterprise")) == w.oem);
    CHECK(json::serialize(e.at("payload")).find(w.design) == std::string::npos);
  }

  // Paging by cursor: two at a time, each page after the last id of the one before.
  std::vector<std::int64_t> paged;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto r =
        w.reg.http().get("/v1/events?limit=2" + (cursor.empty() ? std::string() : "&after=" + cursor), w.oem_token);
    REQUIRE(r.status == 200);
    const auto page = r.json().as_object();
    for (const auto& e : page.at("items").as_array()) paged.push_back(e.at("id").as_int64());
    if (page.at("next").is_null()) break;
    cursor = str(page.at("next"));
  }
  REQUIRE(paged.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(paged[i] == all[i].at("id").as_int64());
  CHECK(w.events("?after=" + std::to_string(all[3].at("id").as_int64()), w.oem_token).size() == 2);

  // Each enterprise its own: the rival sees nothing, and may not name the OEM (403, as for
  // entitlements); the bureau may; a foundry has no feed.
  CHECK(w.events("", w.rival_token).empty());
  auto theirs = w.reg.http().get("/v1/events?enterprise=" + w.oem, w.rival_token);
  CHECK(theirs.status == 403);
  CHECK(theirs.error_code() == "FORBIDDEN");
  CHECK(w.events("?enterprise=" + w.oem, w.reviewer).size() == 6);
  CHECK(w.events("?enterprise=" + w.rival, w.reg.admin()).empty());
  CHECK(w.reg.http().get("/v1/events", w.reg.token("foundry", w.foundry)).status == 403);
  auto bad = w.reg.http().get("/v1/events?after=abc", w.oem_token);
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "BAD_QUERY");
  CHECK(w.reg.http().get("/v1/events?limit=501", w.oem_token).status == 400);
  // POST /v1/events is still the clause-16 activity fact, not the feed.
  auto activity = w.reg.http().post("/v1/events", json::object{}, w.oem_token);
  CHECK(activity.status != 405);
  CHECK(activity.status != 200);
}

TEST_CASE("events e2e: webhook URLs are checked when registered, and only the enterprise itself or an admin sets one") {
  SECTION("without --webhook-allow-host: plain http and internal targets are refused, public https is taken") {
    World w(std::vector<std::string>{});
    for (const auto& [url, code] :
         std::vector<std::pair<std::string, std::string>>{{"http://127.0.0.1:8080/hook", "WEBHOOK_URL_REFUSED"},
                                                          {"http://hooks.example.com/x", "WEBHOOK_URL_REFUSED"},
                                                          {"https://10.1.2.3/hook", "WEBHOOK_URL_REFUSED"},
                                                          {"https://[::1]:8443/hook", "WEBHOOK_URL_REFUSED"},
                                                          {"https://localhost/hook", "WEBHOOK_URL_REFUSED"},
                                                          {"ftp://hooks.example.com/x", "BAD_URL"},
                                                          {"https://user:pw@hooks.example.com/x", "BAD_URL"},
                                                          {"https://hooks.example.com:99999/x", "BAD_URL"}}) {
      INFO(url);
      auto r = w.put("/v1/webhooks/" + w.oem, json::object{{"url", url}}, w.oem_token);
      CHECK(r.status == 422);
      CHECK(r.error_code() == code);
      CHECK(r.body.find("\"field\":\"url\"") != std::string::npos);
    }
    CHECK(w.reg.http().get("/v1/webhooks/" + w.oem, w.oem_token).status == 404);
    auto missing = w.put("/v1/webhooks/" + w.oem, json::object{}, w.oem_token);
    CHECK(missing.status == 400);
    CHECK(missing.error_code() == "MISSING_FIELD");
    auto public_https =
        w.put("/v1/webhooks/" + w.oem, json::object{{"url", "https://hooks.example.com/x"}}, w.oem_token);
    INFO(public_https.body);
    CHECK(public_https.status == 200);
    CHECK(str(w.reg.http().get("/v1/webhooks/" + w.oem, w.oem_token).json().at("url")) ==
          "https://hooks.example.com/x");
  }
  SECTION("--webhook-allow-http-host admits plain http only; --webhook-allow-host admits https too") {
    World http_only({"--webhook-allow-http-host", "127.0.0.1"});
    auto refused = http_only.put("/v1/webhooks/" + http_only.oem, json::object{{"url", "https://127.0.0.1:8443/hook"}},
                                 http_only.oem_token);
    CHECK(refused.status == 422);
    CHECK(refused.error_code() == "WEBHOOK_URL_REFUSED");
    World both({"--webhook-allow-host", "127.0.0.1"});
    for (const char* url : {"https://127.0.0.1:8443/hook", "http://127.0.0.1:8080/hook"}) {
      INFO(url);
      CHECK(both.put("/v1/webhooks/" + both.oem, json::object{{"url", url}}, both.oem_token).status == 200);
    }
    CHECK(both.put("/v1/webhooks/" + both.oem, json::object{{"url", "https://10.0.0.1/hook"}}, both.oem_token).status ==
          422);
  }
  SECTION("with it: who may set, read and delete") {
    World w;
    const json::object hook{{"url", "http://127.0.0.1:9/hook"}};
    CHECK(w.put("/v1/webhooks/" + w.oem, hook, w.rival_token).status == 404);
    CHECK(w.put("/v1/webhooks/" + w.oem, hook, w.reviewer).status == 403);
    CHECK(w.put("/v1/webhooks/" + w.oem, hook, w.reg.token("foundry", w.foundry)).status == 403);
    auto by_admin = w.put("/v1/webhooks/" + w.oem, hook, w.reg.admin());
    REQUIRE(by_admin.status == 200);
    auto mine = w.put("/v1/webhooks/" + w.oem, hook, w.oem_token);
    REQUIRE(mine.status == 200);
    CHECK(str(mine.json().at("secret")) != str(by_admin.json().at("secret")));  // a new secret each time
    CHECK(w.reg.http().get("/v1/webhooks/" + w.oem, w.rival_token).status == 404);
    CHECK(w.reg.http().get("/v1/webhooks/" + w.oem, w.reviewer).status == 200);
    auto unknown = w.put("/v1/webhooks/" + mint_uscc(77), hook, w.reg.admin());
    CHECK(unknown.status == 422);
    CHECK(unknown.error_code() == "UNKNOWN_ENTERPRISE");
    CHECK(w.reg.http().request("DELETE", "/v1/webhooks/" + w.oem, "", w.rival_token).status == 404);
    CHECK(w.reg.http().request("DELETE", "/v1/webhooks/" + w.oem, "", w.oem_token).status == 200);
    CHECK(w.reg.http().request("DELETE", "/v1/webhooks/" + w.oem, "", w.oem_token).status == 404);
    CHECK(w.reg.http().get("/v1/webhooks/" + w.oem, w.oem_token).status == 404);
  }
}

namespace {

// A throwaway CA for the https receivers, and the serve options of a World that may deliver
// to 127.0.0.1 over https; `trust` adds --webhook-ca-file naming the CA.
struct HttpsWorld {
  TempDir dir;
  TestCa ca{dir.path().string(), "chipreg e2e webhook CA"};
  std::vector<std::string> serve(bool trust) const {
    std::vector<std::string> o = {"--webhook-allow-host",   "127.0.0.1", "--webhook-retry-base-ms", "100",
                                  "--webhook-max-attempts", "4"};
    if (trust) o.insert(o.end(), {"--webhook-ca-file", ca.cert_file()});
    return o;
  }
};

// Registers `receiver` as the oem's webhook, approves a claim and returns the secret.
std::string hook_and_decide(World& w, const WebhookReceiver& receiver) {
  w.buy("2025-03-01", 4'000'000);
  const std::string claim = w.file();
  auto set = w.put("/v1/webhooks/" + w.oem, json::object{{"url", receiver.url()}}, w.oem_token);
  INFO(set.body);
  REQUIRE(set.status == 200);
  w.approve(claim, 120'000'000);
  return str(set.json().at("secret"));
}

}  // namespace

TEST_CASE("events e2e: https: with --webhook-ca-file the decision is delivered over TLS, signed, with its key") {
  HttpsWorld pki;
  WebhookReceiver receiver(0, pki.ca.issue("IP:127.0.0.1", "receiver"));
  World w(pki.serve(true));
  REQUIRE(receiver.url().rfind("https://127.0.0.1:", 0) == 0);
  const std::string secret = hook_and_decide(w, receiver);
  REQUIRE(receiver.wait_processed(1, 15000));
  const auto feed = w.events("", w.oem_token);
  REQUIRE(feed.size() == 1);
  const std::string id = std::to_string(feed[0].at("id").as_int64());
  const auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].target == "/hook");
  CHECK(got[0].headers.at("idempotency-key") == id);
  CHECK(got[0].headers.at("x-chipreg-event-id") == id);
  CHECK(signed_by(got[0], secret));
  CHECK_FALSE(signed_by(got[0], secret + "x"));
  const auto body = json::parse(got[0].body).as_object();
  CHECK(body.at("id").as_int64() == feed[0].at("id").as_int64());
  CHECK(str(body.at("kind")) == "decision");
  CHECK(body.at("payload").at("approve_fen").as_int64() == 120'000'000);
  CHECK(receiver.processed() == std::vector<std::string>{id});
  CHECK(receiver.handshakes_failed() == 0);
  REQUIRE(wait_state(w, "delivered", 1, 5000));
  const auto delivered = delivery_state(w, "delivered").at("items").at(0).as_object();
  CHECK(delivered.at("attempts").as_int64() == 1);
  CHECK(delivered.at("last_status").as_int64() == 200);
  CHECK(delivered.at("last_error").is_null());

  // A CA file that cannot be read stops serve before it listens, naming the option.
  const ProcessResult bad = run_chipreg(
      {"serve", "--db", w.reg.db(), "--listen", "127.0.0.1:0", "--webhook-ca-file", pki.dir.file("absent.pem")});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("TLS_ERROR") != std::string::npos);
  CHECK(bad.err.find("absent.pem") != std::string::npos);
  CHECK(bad.err.find(R"("field":"webhook-ca-file")") != std::string::npos);
  CHECK(bad.out.find("listening") == std::string::npos);
}

TEST_CASE("events e2e: https: a receiver certificate nothing trusts fails verification, is retried, then dead") {
  HttpsWorld pki;
  WebhookReceiver receiver(0, pki.ca.issue("IP:127.0.0.1", "receiver"));
  World w(pki.serve(false));  // the system store only
  hook_and_decide(w, receiver);
  REQUIRE(wait_state(w, "dead", 1, 15000));
  const auto dead = delivery_state(w, "dead").at("items").at(0).as_object();
  CHECK(dead.at("attempts").as_int64() == 4);  // --webhook-max-attempts 4: retried three times
  CHECK(str(dead.at("last_error")) == "TLS: certificate verify failed (unable to get local issuer certificate)");
  CHECK(dead.at("last_status").is_null());
  CHECK(receiver.requests().empty());  // no byte of the event left the registry
  CHECK(receiver.handshakes_failed() == 4);
  const auto log = chipreg::testing::read_file(w.reg.log_path());
  CHECK(log.find(R"("attempt":1,"state":"pending","error":"TLS: certificate verify failed)") != std::string::npos);
}

TEST_CASE("events e2e: https: a trusted certificate issued to another name is refused by host-name verification") {
  HttpsWorld pki;
  WebhookReceiver receiver(0, pki.ca.issue("DNS:example.invalid", "elsewhere"));
  World w(pki.serve(true));
  hook_and_decide(w, receiver);
  REQUIRE(wait_state(w, "dead", 1, 15000));
  const auto dead = delivery_state(w, "dead").at("items").at(0).as_object();
  CHECK(dead.at("attempts").as_int64() == 4);
  CHECK(str(dead.at("last_error")) == "TLS: certificate verify failed (IP address mismatch)");
  CHECK(receiver.requests().empty());
  CHECK(receiver.handshakes_failed() == 4);
}

TEST_CASE("objections e2e: serve --objection-days 3 refuses an objection 4 days after the decision, takes one at 3") {
  World w({"--objection-days", "3"});
  w.buy("2025-03-01", 4'000'000);
  const std::string claim = w.file();
  w.approve(claim, 100'000'000);
  auto decided_days_ago = [&](int days) {
    auto today = chipreg::Date::parse(chipreg::db::today_shanghai());
    REQUIRE(today);
    const std::string at = today->add_days(-days).str() + "T04:00:00.000Z";
    auto db = chipreg::db::Db::open(w.reg.db());
    REQUIRE(db);
    REQUIRE(
        db->exec_script(("UPDATE decisions SET decided_at = '" + at + "' WHERE claim = '" + claim + "'").c_str()).ok());
  };
  decided_days_ago(4);
  auto late = w.reg.http().post("/v1/claims/" + claim + "/objections", json::object{{"text", "逾期异议"}}, w.oem_token);
  CHECK(late.status == 422);
  CHECK(late.error_code() == "OBJECTION_LATE");
  CHECK(late.body.find("3 days") != std::string::npos);
  decided_days_ago(3);
  auto in_time =
      w.reg.http().post("/v1/claims/" + claim + "/objections", json::object{{"text", "按期异议"}}, w.oem_token);
  REQUIRE(in_time.status == 201);
  CHECK(str(in_time.json().at("deadline")) == chipreg::db::today_shanghai());
  // The option is validated.
  for (const char* bad : {"-1", "366", "x"}) {
    INFO(bad);
    auto r = run_chipreg({"serve", "--db", w.reg.db(), "--listen", "127.0.0.1:0", "--objection-days", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("objection-days") != std::string::npos);
  }
}
