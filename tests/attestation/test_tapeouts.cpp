// Specifications of the foundry key registry and the acceptance of tape-out attestations:
// who may sign, when, first tape-out, duplicates, mask-set reuse, the log leaf.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "crypto/dsse.hpp"
#include "crypto/encoding.hpp"
#include "registry/log/log.hpp"
#include "registry/store/foundry_keys.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tapeouts.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;
namespace json = boost::json;
namespace dsse = crypto::dsse;

namespace {

Uscc code(const char* prefix16) {
  auto u = Uscc::complete(prefix16);
  REQUIRE(u.ok());
  return *u;
}

struct Registry {
  testing::TempDir dir;
  Db db;
  Uscc fab_a = code("9133010800000001");
  Uscc fab_b = code("9133010800000003");
  Uscc design = code("9133010800000002");
  crypto::PrivateKey key_a = *crypto::PrivateKey::generate(crypto::Alg::kEd25519);
  crypto::PrivateKey key_b = *crypto::PrivateKey::generate(crypto::Alg::kEcdsaP256);
  std::string keyid_a;
  std::string keyid_b;

  Registry() {
    auto opened = Db::open(dir.file("r.db"));
    REQUIRE(opened.ok());
    db = std::move(*opened);
    REQUIRE(migrate(db).ok());
    enterprise(fab_a, "foundry");
    enterprise(fab_b, "foundry");
    enterprise(design, "ic_design");
    product("P1");
    product("P2");
    keyid_a = register_key(fab_a, key_a, "ed25519", "2024-01-01", std::nullopt);
    keyid_b = register_key(fab_b, key_b, "ecdsa-p256", "2024-01-01", std::nullopt);
    // The keys are log leaves (public reference facts); the enterprises and products
    // written by raw SQL above are not. The tape-outs' leaves come after the keys'.
    base = count("log_entries");
  }
  std::int64_t base = 0;  // leaves before the first tape-out

  void sql(const std::string& text, const std::vector<std::string>& args) {
    auto st = db.prepare(text);
    REQUIRE(st.ok());
    for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
    REQUIRE(st->exec().ok());
  }
  void enterprise(const Uscc& u, const std::string& role) {
    sql("INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES (?1, 'E', 1, 'now')", {u.str()});
    sql("INSERT INTO enterprise_roles(uscc, role) VALUES (?1, ?2)", {u.str(), role});
  }
  void product(const std::string& id) {
    sql("INSERT INTO products(id, kind, owner, self_developed, created_at) VALUES (?1, 'chip', ?2, 1, 'now')",
        {id, design.str()});
  }
  std::string register_key(const Uscc& foundry, const crypto::PrivateKey& k, const std::string& alg,
                           const std::string& from, const std::optional<std::string>& to) {
    auto id = register_foundry_key(db, {foundry.str(), alg, k.public_key().to_pem(), from, to}, "2024-01-01T00:00:00Z");
    REQUIRE(id.ok());
    CHECK(*id == k.public_key().keyid());
    return *id;
  }

  json::object statement(const Uscc& foundry, const std::string& product, const std::string& date,
                         const std::string& kind = "mpw", const std::string& digest = std::string(64, 'a'),
                         const std::optional<std::string>& mask = std::nullopt) {
    json::object pred{{"foundry", foundry.str()}, {"design_owner", design.str()}, {"product", product},
                      {"date", date},             {"kind", kind},                 {"cost_fen", 800000000}};
    if (mask) pred["mask_set_id"] = *mask;
    return json::object{{"_type", "https://in-toto.io/Statement/v1"},
                        {"subject", json::array{json::object{{"name", "top.gds"},
                                                             {"digest", json::object{{"sha256", digest}}}}}},
                        {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
                        {"predicate", pred}};
  }
  static std::string envelope(const crypto::PrivateKey& k, const json::object& statement) {
    auto e = dsse::sign(dsse::kInTotoPayloadType, json::serialize(statement), k);
    REQUIRE(e.ok());
    return dsse::serialize(*e);
  }
  Result<TapeoutAccepted> submit(const std::string& env, const Uscc& by, const std::string& now = "2024-09-15T08:00:00Z") {
    return submit_tapeout(db, env, by, now);
  }
  std::int64_t count(const char* table) {
    auto st = db.prepare(std::string("SELECT count(*) FROM ") + table);
    REQUIRE(st.ok());
    REQUIRE(st->step().ok());
    return st->int64(0);
  }
  TapeoutRecord record(const std::string& id) {
    auto r = find_tapeout(db, id);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  }
};

std::string code_of(const Result<TapeoutAccepted>& r) { return r.ok() ? "OK" : r.error().code; }

}  // namespace

TEST_CASE("tapeouts: an attestation signed by the submitting foundry's key is accepted and logged") {
  Registry reg;
  const auto stmt = reg.statement(reg.fab_a, "P1", "2024-09-01");
  const std::string env = Registry::envelope(reg.key_a, stmt);
  auto r = reg.submit(env, reg.fab_a);
  REQUIRE(r.ok());
  CHECK(r->first);
  CHECK(r->log_index == reg.base);
  CHECK(r->keyid == reg.keyid_a);
  CHECK(r->id.rfind("to-", 0) == 0);
  CHECK(r->id.size() == 23);
  CHECK_FALSE(r->mask_set_conflict);

  // The leaf is make_entry(tapeout, {"id", "envelope"}) over the stored envelope.
  auto st = reg.db.prepare("SELECT kind, ref, entry FROM log_entries WHERE idx = ?");
  REQUIRE(st.ok());
  st->bind(1, reg.base);
  REQUIRE(*st->step());
  CHECK(st->text(0) == "tapeout");
  CHECK(st->text(1) == r->id);
  auto fact = tapeout_log_fact(reg.db, r->id);
  REQUIRE(fact.ok());
  REQUIRE(fact->has_value());
  const auto leaf = st->blob(2);
  CHECK(std::string(leaf.begin(), leaf.end()) == tlog::make_entry(tlog::EntryKind::kTapeout, **fact));
  CHECK((**fact).at("envelope").at("payload") == json::value(crypto::base64(json::serialize(stmt))));

  auto facts = load_tapeouts(reg.db);
  REQUIRE(facts.ok());
  REQUIRE(facts->size() == 1);
  const Tapeout& t = facts->front();
  CHECK(t.id == r->id);
  CHECK(t.product == "P1");
  CHECK(t.foundry == reg.fab_a);
  CHECK(t.date == Date::ymd(2024, 9, 1));
  CHECK(t.cost.fen() == 800000000);
  CHECK(t.design_digest == "sha256:" + std::string(64, 'a'));
  CHECK(t.keyid == std::optional<std::string>(reg.keyid_a));
  CHECK(t.key_status == std::optional<std::string>("valid"));
}

TEST_CASE("tapeouts: first is the earliest per product and digest, even when it arrives later") {
  Registry reg;
  auto later = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01")), reg.fab_a);
  REQUIRE(later.ok());
  CHECK(later->first);
  // Same product, later date, other foundry and digest: recorded, not first.
  auto second = reg.submit(Registry::envelope(reg.key_b, reg.statement(reg.fab_b, "P1", "2024-10-01", "engineering",
                                                                       std::string(64, 'b'))),
                           reg.fab_b, "2024-10-02T08:00:00Z");
  REQUIRE(second.ok());
  CHECK_FALSE(second->first);
  // Same digest under another product, later: not first either.
  auto same_digest = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-11-01")), reg.fab_a,
                                "2024-11-02T08:00:00Z");
  REQUIRE(same_digest.ok());
  CHECK_FALSE(same_digest->first);
  // An earlier-dated attestation arriving last becomes first; the earlier arrival stops being first.
  auto earliest = reg.submit(Registry::envelope(reg.key_b, reg.statement(reg.fab_b, "P1", "2024-08-01", "mpw",
                                                                         std::string(64, 'c'))),
                             reg.fab_b);
  REQUIRE(earliest.ok());
  CHECK(earliest->first);
  CHECK_FALSE(reg.record(later->id).first);
  CHECK(reg.record(earliest->id).first);
  CHECK(earliest->log_index == reg.base + 3);
}

TEST_CASE("tapeouts: production runs are recorded but never first") {
  Registry reg;
  auto prod = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-07-01", "production")),
                         reg.fab_a);
  REQUIRE(prod.ok());
  CHECK_FALSE(prod->first);
  auto mpw = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01", "mpw",
                                                                    std::string(64, 'd'))),
                        reg.fab_a);
  REQUIRE(mpw.ok());
  CHECK(mpw->first);
}

TEST_CASE("tapeouts: the same statement again is DUPLICATE, even re-signed, and nothing is written") {
  Registry reg;
  const auto stmt = reg.statement(reg.fab_b, "P1", "2024-09-01");
  const std::string env = Registry::envelope(reg.key_b, stmt);
  auto first = reg.submit(env, reg.fab_b);
  REQUIRE(first.ok());
  auto again = reg.submit(env, reg.fab_b);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == "DUPLICATE");
  CHECK(again.error().message.find(first->id) != std::string::npos);
  // ECDSA signatures are randomized: a fresh signature over the same statement is still it.
  const std::string resigned = Registry::envelope(reg.key_b, stmt);
  CHECK(resigned != env);
  CHECK(code_of(reg.submit(resigned, reg.fab_b)) == "DUPLICATE");
  CHECK(reg.count("tapeouts") == 1);
  CHECK(reg.count("log_entries") == reg.base + 1);
}

TEST_CASE("tapeouts: a mask-set id reused for another product flags both attestations") {
  Registry reg;
  auto a = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01", "mpw",
                                                                  std::string(64, 'a'), "MS-1")),
                      reg.fab_a);
  REQUIRE(a.ok());
  CHECK_FALSE(a->mask_set_conflict);
  auto same_product = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-02", "engineering",
                                                                             std::string(64, 'a'), "MS-1")),
                                 reg.fab_a);
  REQUIRE(same_product.ok());
  CHECK_FALSE(same_product->mask_set_conflict);
  // The same id at another foundry is another mask set.
  auto other_fab = reg.submit(Registry::envelope(reg.key_b, reg.statement(reg.fab_b, "P2", "2024-09-03", "mpw",
                                                                          std::string(64, 'e'), "MS-1")),
                              reg.fab_b);
  REQUIRE(other_fab.ok());
  CHECK_FALSE(other_fab->mask_set_conflict);
  auto reused = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-09-04", "mpw",
                                                                       std::string(64, 'f'), "MS-1")),
                           reg.fab_a);
  REQUIRE(reused.ok());
  CHECK(reused->mask_set_conflict);
  CHECK(reg.record(a->id).mask_set_conflict);
  CHECK(reg.record(same_product->id).mask_set_conflict);
  CHECK_FALSE(reg.record(other_fab->id).mask_set_conflict);
}

TEST_CASE("tapeouts: another foundry's key, or a statement naming another foundry, is WRONG_FOUNDRY") {
  Registry reg;
  // Foundry B presents an envelope signed by A's key.
  const std::string by_a = Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01"));
  auto r1 = reg.submit(by_a, reg.fab_b);
  REQUIRE_FALSE(r1.ok());
  CHECK(r1.error().code == "WRONG_FOUNDRY");
  // A signs a statement that names B as the foundry.
  auto r2 = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_b, "P1", "2024-09-01")), reg.fab_a);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().code == "WRONG_FOUNDRY");
  CHECK(r2.error().field == "predicate.foundry");
  CHECK(reg.count("tapeouts") == 0);
  CHECK(reg.count("log_entries") == reg.base);
}

TEST_CASE("tapeouts: revocation rejects later dates and later submissions but keeps earlier rows") {
  Registry reg;
  auto kept = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01")), reg.fab_a,
                         "2024-09-15T08:00:00Z");
  REQUIRE(kept.ok());
  REQUIRE(revoke_foundry_key(reg.db, reg.keyid_a, Date::ymd(2024, 10, 1)).ok());

  auto dated_after = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-10-01")), reg.fab_a,
                                "2024-09-20T00:00:00Z");
  REQUIRE_FALSE(dated_after.ok());
  CHECK(dated_after.error().code == "KEY_REVOKED");
  auto presented_after = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-09-10")),
                                    reg.fab_a, "2024-10-01T00:00:00Z");
  REQUIRE_FALSE(presented_after.ok());
  CHECK(presented_after.error().code == "KEY_REVOKED");
  auto before_both = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-09-10",
                                                                            "mpw", std::string(64, '9'))),
                                reg.fab_a, "2024-09-30T15:59:59Z");  // 23:59:59 in Hangzhou
  CHECK(before_both.ok());
  // Days are Asia/Shanghai days: 16:00 UTC on 30 September is already 1 October there.
  auto beijing_midnight = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-09-10", "mpw",
                                                                                 std::string(64, '8'))),
                                     reg.fab_a, "2024-09-30T16:00:00Z");
  REQUIRE_FALSE(beijing_midnight.ok());
  CHECK(beijing_midnight.error().code == "KEY_REVOKED");

  auto facts = load_tapeouts(reg.db);
  REQUIRE(facts.ok());
  REQUIRE(facts->size() == 2);
  CHECK(facts->front().id == kept->id);
  CHECK(facts->front().key_status ==
        std::optional<std::string>("revoked from 2024-10-01 (after this attestation was logged)"));
  CHECK(reg.record(kept->id).first);

  // Moving the revocation before the log day withdraws trust; a later date never weakens it.
  REQUIRE(revoke_foundry_key(reg.db, reg.keyid_a, Date::ymd(2024, 9, 12)).ok());
  REQUIRE(revoke_foundry_key(reg.db, reg.keyid_a, Date::ymd(2025, 1, 1)).ok());
  auto key = find_foundry_key(reg.db, reg.keyid_a);
  REQUIRE(key.ok());
  CHECK((*key)->revoked_from == std::optional<Date>(Date::ymd(2024, 9, 12)));
  auto trusted = load_tapeouts(reg.db);
  REQUIRE(trusted.ok());
  CHECK(trusted->size() == 0);
  auto all = load_tapeouts(reg.db, /*include_untrusted=*/true);
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
  CHECK_FALSE(reg.record(kept->id).trusted);
  CHECK_FALSE(reg.record(kept->id).first);
  // A linkage claim's chip still sees it, marked with the revocation that took it away.
  auto of_p1 = tapeouts_of_product(reg.db, reg.design, "P1");
  REQUIRE(of_p1.ok());
  REQUIRE(of_p1->size() == 1);
  CHECK(of_p1->front().fact.id == kept->id);
  CHECK(of_p1->front().product_owner == reg.design.str());
  CHECK(of_p1->front().fact.untrusted_from == std::optional<Date>(Date::ymd(2024, 9, 12)));
  CHECK(revoke_foundry_key(reg.db, std::string(64, '0'), Date::ymd(2024, 1, 1)).error().code == "UNKNOWN_KEY");
}

TEST_CASE("tapeouts: a key is only good inside its validity window") {
  Registry reg;
  auto short_key = crypto::PrivateKey::generate(crypto::Alg::kSm2);
  REQUIRE(short_key.ok());
  const Uscc fab_c = code("9133010800000004");
  reg.enterprise(fab_c, "foundry");
  reg.register_key(fab_c, *short_key, "sm2", "2024-03-01", std::string("2024-06-30"));
  auto expired = reg.submit(Registry::envelope(*short_key, reg.statement(fab_c, "P1", "2024-07-01")), fab_c);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == "KEY_EXPIRED");
  auto early = reg.submit(Registry::envelope(*short_key, reg.statement(fab_c, "P1", "2024-02-29")), fab_c);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code == "KEY_NOT_YET_VALID");
  auto inside = reg.submit(Registry::envelope(*short_key, reg.statement(fab_c, "P1", "2024-06-30")), fab_c);
  CHECK(inside.ok());
}

TEST_CASE("tapeouts: bad signatures, unknown keys, references and statements are rejected precisely") {
  Registry reg;
  const auto stmt = reg.statement(reg.fab_a, "P1", "2024-09-01");
  auto env = dsse::parse(Registry::envelope(reg.key_a, stmt));
  REQUIRE(env.ok());

  dsse::Envelope tampered = *env;
  tampered.payload.replace(tampered.payload.find("800000000"), 9, "900000000");
  auto r1 = reg.submit(dsse::serialize(tampered), reg.fab_a);
  CHECK(code_of(r1) == "BAD_SIGNATURE");

  dsse::Envelope swapped = *env;
  swapped.payload_type = "application/json";
  CHECK(code_of(reg.submit(dsse::serialize(swapped), reg.fab_a)) == "UNSUPPORTED_PAYLOAD_TYPE");

  auto stranger = crypto::PrivateKey::generate(crypto::Alg::kEd25519);
  REQUIRE(stranger.ok());
  CHECK(code_of(reg.submit(Registry::envelope(*stranger, stmt), reg.fab_a)) == "UNKNOWN_KEY");
  const Uscc keyless = code("9133010800000005");
  reg.enterprise(keyless, "foundry");
  CHECK(code_of(reg.submit(Registry::envelope(*stranger, reg.statement(keyless, "P1", "2024-09-01")), keyless)) ==
        "UNKNOWN_KEY");

  CHECK(code_of(reg.submit("{\"payload\": 1}", reg.fab_a)) == "BAD_ENVELOPE");
  auto unknown_product = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P9", "2024-09-01")), reg.fab_a);
  CHECK(code_of(unknown_product) == "UNKNOWN_PRODUCT");
  CHECK(unknown_product.error().field == "predicate.product");
  auto owner = stmt;
  owner["predicate"].as_object()["design_owner"] = code("9133010800000009").str();
  auto unknown_owner = reg.submit(Registry::envelope(reg.key_a, owner), reg.fab_a);
  CHECK(code_of(unknown_owner) == "UNKNOWN_ENTERPRISE");
  CHECK(unknown_owner.error().field == "predicate.design_owner");
  auto negative = stmt;
  negative["predicate"].as_object()["cost_fen"] = -5;
  auto bad_statement = reg.submit(Registry::envelope(reg.key_a, negative), reg.fab_a);
  CHECK(code_of(bad_statement) == "BAD_STATEMENT");
  CHECK(bad_statement.error().field == "predicate.cost_fen");
  CHECK(reg.count("tapeouts") == 0);
  CHECK(reg.count("log_entries") == reg.base);
}

TEST_CASE("tapeouts: inside the caller's transaction a rejection rolls back only itself") {
  Registry reg;
  auto tx = Tx::begin(reg.db);
  REQUIRE(tx.ok());
  auto ok = reg.submit(Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P1", "2024-09-01")), reg.fab_a);
  REQUIRE(ok.ok());
  const std::string env = Registry::envelope(reg.key_a, reg.statement(reg.fab_a, "P2", "2024-09-02", "mpw",
                                                                      std::string(64, '7')));
  REQUIRE(reg.submit(env, reg.fab_a).ok());
  CHECK(code_of(reg.submit(env, reg.fab_a)) == "DUPLICATE");
  REQUIRE(tx->commit().ok());
  CHECK(reg.count("tapeouts") == 2);
  CHECK(reg.count("log_entries") == reg.base + 2);
}

TEST_CASE("foundry keys: registration checks the enterprise, its role, the algorithm and duplicates") {
  Registry reg;
  auto k = crypto::PrivateKey::generate(crypto::Alg::kSm2);
  REQUIRE(k.ok());
  const std::string pem = k->public_key().to_pem();
  auto not_foundry = register_foundry_key(reg.db, {reg.design.str(), "sm2", pem, "2024-01-01", std::nullopt}, "t");
  CHECK(not_foundry.error().code == "NOT_FOUNDRY");
  auto unknown = register_foundry_key(reg.db, {code("9133010800000009").str(), "sm2", pem, "2024-01-01", std::nullopt}, "t");
  CHECK(unknown.error().code == "UNKNOWN_ENTERPRISE");
  auto mismatch = register_foundry_key(reg.db, {reg.fab_a.str(), "ecdsa-p256", pem, "2024-01-01", std::nullopt}, "t");
  CHECK(mismatch.error().code == "BAD_KEY");
  CHECK(mismatch.error().field == "public_key_pem");
  auto backwards = register_foundry_key(reg.db, {reg.fab_a.str(), "sm2", pem, "2024-01-01", "2023-12-31"}, "t");
  CHECK(backwards.error().field == "valid_to");
  auto body = key_registration_from_json(json::parse(R"({"foundry": ")" + reg.fab_a.str() +
                                                     R"(", "alg": "sm2", "valid_from": "2024-01-01", "public_key_pem": )" +
                                                     json::serialize(json::value(pem)) + "}"));
  REQUIRE(body.ok());
  auto id = register_foundry_key(reg.db, *body, "t");
  REQUIRE(id.ok());
  CHECK(*id == k->public_key().keyid());
  auto again = register_foundry_key(reg.db, {reg.fab_b.str(), "sm2", pem, "2024-01-01", std::nullopt}, "t");
  CHECK(again.error().code == "DUPLICATE");
  auto keys = foundry_keys_of(reg.db, reg.fab_a);
  REQUIRE(keys.ok());
  CHECK(keys->size() == 2);
  CHECK(key_registration_from_json(json::parse("{}")).error().field == "foundry");
}
