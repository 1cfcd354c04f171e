// The foundry key registry (see foundry_keys.hpp).
#include "registry/store/foundry_keys.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "registry/log/fact_rows.hpp"
#include "registry/store/audit.hpp"

namespace chipreg::store {
namespace json = boost::json;

namespace {

constexpr const char* kKeyColumns =
    "keyid, foundry, alg, public_key_pem, valid_from, valid_to, revoked_from, created_at";

Result<FoundryKey> key_from_row(const Stmt& st) {
  auto foundry = Uscc::parse(st.text(1));
  if (!foundry) return foundry.error();
  auto alg = crypto::parse_alg(st.text(2));
  if (!alg) return alg.error();
  auto from = Date::parse(st.text(4));
  if (!from) return from.error();
  std::optional<Date> to;
  if (auto text = st.opt_text(5)) {
    auto d = Date::parse(*text);
    if (!d) return d.error();
    to = *d;
  }
  std::optional<Date> revoked;
  if (auto text = st.opt_text(6)) {
    auto d = Date::parse(*text);
    if (!d) return d.error();
    revoked = *d;
  }
  return FoundryKey{.keyid = st.text(0),
                    .foundry = *foundry,
                    .alg = *alg,
                    .public_key_pem = st.text(3),
                    .valid_from = *from,
                    .valid_to = to,
                    .revoked_from = revoked,
                    .created_at = st.text(7)};
}

Result<std::vector<FoundryKey>> query_keys(Db& db, const std::string& sql, const std::optional<std::string>& arg) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  if (arg) st->bind(1, *arg);
  return collect<FoundryKey>(*st, key_from_row);
}

Error at(Error e, const std::string& field) {
  e.field = field;
  return e;
}

// Parsed keys by keyid. The keyid is the SPKI hash, so an entry is immutable.
std::mutex cache_mutex;
std::map<std::string, std::shared_ptr<const crypto::PublicKey>>& key_cache() {
  static std::map<std::string, std::shared_ptr<const crypto::PublicKey>> cache;
  return cache;
}

}  // namespace

Result<std::shared_ptr<const crypto::PublicKey>> FoundryKey::public_key() const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = key_cache().find(keyid);
    if (it != key_cache().end()) return it->second;
  }
  auto parsed = crypto::PublicKey::from_pem(public_key_pem);
  if (!parsed) return parsed.error();
  if (parsed->keyid() != keyid) {
    return Error("BAD_KEY", "stored public key does not hash to its keyid " + keyid);
  }
  auto shared = std::make_shared<const crypto::PublicKey>(std::move(*parsed));
  std::lock_guard<std::mutex> lock(cache_mutex);
  key_cache().emplace(keyid, shared);
  return shared;
}

Result<KeyRegistration> key_registration_from_json(const json::value& body) {
  auto bad = [](const std::string& f, const std::string& m) { return Error("BAD_REQUEST", f + ": " + m, f); };
  if (!body.is_object()) return bad("body", "must be a JSON object");
  const json::object& o = body.get_object();
  KeyRegistration r;
  for (auto [name, dest] : {std::pair<const char*, std::string*>{"foundry", &r.foundry},
                            {"alg", &r.alg},
                            {"public_key_pem", &r.public_key_pem},
                            {"valid_from", &r.valid_from}}) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr) return bad(name, "missing");
    if (!v->is_string()) return bad(name, "must be a string");
    *dest = std::string(v->get_string());
  }
  if (const json::value* v = o.if_contains("valid_to"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return bad("valid_to", "must be a date string or null");
    r.valid_to = std::string(v->get_string());
  }
  return r;
}

Result<std::string> register_foundry_key(Db& db, const KeyRegistration& reg, const std::string& now) {
  auto foundry = Uscc::parse(reg.foundry);
  if (!foundry) return at(foundry.error(), "foundry");
  {
    auto st = db.prepare(
        "SELECT EXISTS(SELECT 1 FROM enterprises WHERE uscc = ?1),"
        "       EXISTS(SELECT 1 FROM enterprise_roles WHERE uscc = ?1 AND role = 'foundry')");
    if (!st) return st.error();
    st->bind(1, foundry->str());
    auto row = st->step();
    if (!row) return row.error();
    if (st->int64(0) == 0) {
      return Error("UNKNOWN_ENTERPRISE", "foundry " + foundry->str() + " is not a registered enterprise", "foundry");
    }
    if (st->int64(1) == 0) {
      return Error("NOT_FOUNDRY", "enterprise " + foundry->str() + " does not have the foundry role", "foundry");
    }
  }
  auto alg = crypto::parse_alg(reg.alg);
  if (!alg) return at(alg.error(), "alg");
  auto key = crypto::PublicKey::from_pem(reg.public_key_pem);
  if (!key) return at(key.error(), "public_key_pem");
  if (key->alg() != *alg) {
    return Error("BAD_KEY",
                 "the PEM holds an " + std::string(crypto::alg_name(key->alg())) + " key but alg is " + reg.alg,
                 "public_key_pem");
  }
  auto from = Date::parse(reg.valid_from);
  if (!from) return at(from.error(), "valid_from");
  std::optional<Date> to;
  if (reg.valid_to) {
    auto d = Date::parse(*reg.valid_to);
    if (!d) return at(d.error(), "valid_to");
    if (*d < *from) return Error("BAD_DATE", "valid_to is before valid_from", "valid_to");
    to = *d;
  }
  const std::string keyid = key->keyid();
  if (auto existing = find_foundry_key(db, keyid); !existing) {
    return existing.error();
  } else if (*existing) {
    return Error("DUPLICATE", "key " + keyid + " is already registered (foundry " + (*existing)->foundry.str() + ")",
                 "public_key_pem");
  }
  // The row and its log leaf, all or nothing (a transaction of its own if the caller has none).
  auto scope = WriteScope::open(db);
  if (!scope) return scope.error();
  auto st = db.prepare(
      "INSERT INTO foundry_keys (keyid, foundry, alg, public_key_pem, valid_from, valid_to, revoked_from, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)");
  if (!st) return st.error();
  // Store the canonical PEM re-encoding, not the caller's text (comments, CRLF).
  st->bind(1, keyid).bind(2, foundry->str()).bind(3, std::string(crypto::alg_name(*alg)));
  st->bind(4, key->to_pem()).bind(5, from->str());
  if (to) st->bind(6, to->str()); else st->bind_null(6);
  st->bind(7, now);
  if (auto done = st->exec(); !done) return done.error();
  auto logged = tlog::log_fact_row(db, tlog::EntryKind::kFoundryKey, keyid);
  if (!logged) return logged.error();
  if (auto done = scope->commit(); !done) return done.error();
  return keyid;
}

namespace {

Error unknown_key(std::string_view keyid) {
  return Error("UNKNOWN_KEY", "no foundry key " + std::string(keyid.substr(0, 64)), "keyid");
}

// The revocation of `key`, as read by the caller: the row and its leaf.
Status revoke(Db& db, const FoundryKey& key, const Date& from) {
  if (key.revoked_from && *key.revoked_from <= from) return Status::Ok();
  const std::string& keyid = key.keyid;
  auto scope = WriteScope::open(db);
  if (!scope) return scope.error();
  auto st = db.prepare("UPDATE foundry_keys SET revoked_from = ?1 WHERE keyid = ?2");
  if (!st) return st.error();
  st->bind(1, from.str()).bind(2, keyid);
  if (auto done = st->exec(); !done) return done;
  // A revocation (or one moved earlier) is a new leaf; the latest matches the row.
  auto logged = tlog::log_fact_row(db, tlog::EntryKind::kKeyRevocation, keyid);
  if (!logged) return logged.error();
  return scope->commit();
}

}  // namespace

Status revoke_foundry_key(Db& db, std::string_view keyid, const Date& from) {
  auto key = find_foundry_key(db, keyid);
  if (!key) return key.error();
  if (!*key) return unknown_key(keyid);
  return revoke(db, **key, from);
}

Result<std::optional<FoundryKey>> find_foundry_key(Db& db, std::string_view keyid) {
  auto keys = query_keys(db, std::string("SELECT ") + kKeyColumns + " FROM foundry_keys WHERE keyid = ?1",
                         std::string(keyid));
  if (!keys) return keys.error();
  if (keys->empty()) return std::optional<FoundryKey>();
  return std::optional<FoundryKey>(std::move(keys->front()));
}

Result<std::vector<FoundryKey>> foundry_keys_of(Db& db, const Uscc& foundry) {
  return query_keys(db, std::string("SELECT ") + kKeyColumns + " FROM foundry_keys WHERE foundry = ?1 ORDER BY keyid",
                    foundry.str());
}

Result<std::vector<FoundryKey>> all_foundry_keys(Db& db) {
  return query_keys(db, std::string("SELECT ") + kKeyColumns + " FROM foundry_keys ORDER BY foundry, keyid",
                    std::nullopt);
}

Status key_use(const FoundryKey& key, const Date& tapeout_date, const Date& submitted_on) {
  if (tapeout_date < key.valid_from) {
    return Error("KEY_NOT_YET_VALID", "key " + key.keyid + " is valid from " + key.valid_from.str() +
                                          ", after the tape-out date " + tapeout_date.str(),
                 "predicate.date");
  }
  if (key.valid_to && *key.valid_to < tapeout_date) {
    return Error("KEY_EXPIRED", "key " + key.keyid + " expired on " + key.valid_to->str() +
                                    ", before the tape-out date " + tapeout_date.str(),
                 "predicate.date");
  }
  if (key.revoked_from) {
    const Date& r = *key.revoked_from;
    if (r <= tapeout_date) {
      return Error("KEY_REVOKED", "key " + key.keyid + " is revoked from " + r.str() + ", on or before the tape-out date " +
                                      tapeout_date.str(),
                   "predicate.date");
    }
    if (r <= submitted_on) {
      return Error("KEY_REVOKED", "key " + key.keyid + " is revoked from " + r.str() +
                                      "; nothing it signed is accepted from that day on");
    }
  }
  return Status::Ok();
}

Result<RevocationImpact> revocation_impact(Db& db, const FoundryKey& key, const Date& from) {
  RevocationImpact out;
  // (product owner, product, design owner) of the affected attestations
  std::set<std::tuple<std::string, std::string, std::string>> chips;
  auto st = db.prepare(
      "SELECT id, date, created_at, product, design_owner, product_owner FROM tapeouts WHERE keyid = ?1 ORDER BY id");
  if (!st) return st.error();
  st->bind(1, key.keyid);
  if (auto s = db::each_row(*st, [&]() -> Status {
        auto date = Date::parse(st->text(1));
        auto logged = shanghai_date_of(st->text(2));
        if (!date || !logged) return Error("DB_ERROR", "stored tape-out " + st->text(0) + " has an unreadable date");
        if (key_status(key.revoked_from, *date, *logged).trusted && !key_status(from, *date, *logged).trusted) {
          out.tapeouts.push_back(st->text(0));
          chips.emplace(st->text(5), st->text(3), st->text(4));
        }
        return Status::Ok();
      });
      !s) {
    return s.error();
  }
  auto claims = db.prepare("SELECT id, status FROM claims WHERE tapeout = ?1 AND status IN ('submitted', 'approved') ORDER BY id");
  if (!claims) return claims.error();
  std::map<std::string, RevocationImpact::Claim> found;  // by id
  for (const auto& t : out.tapeouts) {
    claims->reset();
    claims->bind(1, t);
    if (auto s = each_row(*claims, [&]() -> Status {
          found.emplace(claims->text(0), RevocationImpact::Claim{claims->text(0), claims->text(1), "tapeout", t});
          return Status::Ok();
        });
        !s) {
      return s.error();
    }
  }
  // Linkage: per (chip, design owner) of an affected attestation, does the earliest
  // trusted attestation change? The chip's attestations by the product index.
  const std::set<std::string> affected(out.tapeouts.begin(), out.tapeouts.end());
  auto of_product = db.prepare(
      "SELECT t.id, t.date, t.created_at, t.design_owner, t.keyid, k.revoked_from FROM tapeouts t "
      "JOIN foundry_keys k ON k.keyid = t.keyid WHERE t.product_owner = ?1 AND t.product = ?2 ORDER BY t.date, t.id");
  auto lines = db.prepare(
      "SELECT DISTINCT c.id, c.status FROM purchases p JOIN claim_lines cl ON cl.purchase = p.id "
      "JOIN claims c ON c.id = cl.claim WHERE p.product_owner = ?1 AND p.product = ?2 AND p.seller = ?3 "
      "AND c.rule = 'linkage' AND c.status IN ('submitted', 'approved')");
  if (!of_product) return of_product.error();
  if (!lines) return lines.error();
  for (const auto& chip : chips) {
    const std::string& product_owner = std::get<0>(chip);  // named, not bound: lambdas capture them below
    const std::string& product = std::get<1>(chip);
    const std::string& owner = std::get<2>(chip);
    of_product->reset();
    of_product->bind(1, product_owner).bind(2, product);
    // The earliest trusted attestation for `owner`, now and after the revocation.
    std::optional<std::pair<Date, std::string>> now_first, then_first;  // (date, id)
    if (auto s = each_row(*of_product, [&]() -> Status {
          if (of_product->text(3) != owner) return Status::Ok();
          auto date = Date::parse(of_product->text(1));
          auto logged = shanghai_date_of(of_product->text(2));
          if (!date || !logged) return Error("DB_ERROR", "stored tape-out " + of_product->text(0) + " has an unreadable date");
          std::optional<Date> revoked;
          if (auto r = of_product->opt_text(5)) {
            auto d = Date::parse(*r);
            if (!d) return Error("DB_ERROR", "stored revocation of key " + of_product->text(4) + " is unreadable");
            revoked = *d;
          }
          const std::string id = of_product->text(0);
          if (!key_status(revoked, *date, *logged).trusted) return Status::Ok();
          if (!now_first) now_first.emplace(*date, id);
          if (!then_first && affected.count(id) == 0) then_first.emplace(*date, id);
          return Status::Ok();
        });
        !s) {
      return s.error();
    }
    // The rule judges the chip by the earliest date: a tie on that date changes nothing.
    if (!now_first || (then_first && then_first->first == now_first->first)) continue;
    lines->reset();
    lines->bind(1, product_owner).bind(2, product).bind(3, owner);
    if (auto s = each_row(*lines, [&]() -> Status {
          found.emplace(lines->text(0), RevocationImpact::Claim{lines->text(0), lines->text(1), "linkage", now_first->second});
          return Status::Ok();
        });
        !s) {
      return s.error();
    }
  }
  for (auto& [id, c] : found) out.claims.push_back(std::move(c));
  std::stable_sort(out.claims.begin(), out.claims.end(),
                   [](const auto& a, const auto& b) { return a.rule > b.rule; });  // tape-out claims first
  return out;
}

Result<RevocationImpact> revoke_with_impact(Db& db, std::string_view keyid, const Date& from, bool confirm,
                                            std::string_view actor) {
  auto existing = find_foundry_key(db, keyid);
  if (!existing) return existing.error();
  if (!*existing) return unknown_key(keyid);
  auto impact = revocation_impact(db, **existing, from);
  if (!impact) return impact.error();
  const std::optional<Date> before = (*existing)->revoked_from;
  if (before && from < *before && !confirm) {
    return Error("CONFIRM_REQUIRED",
                 "key " + std::string(keyid) + " is revoked from " + before->str() + "; moving that to " + from.str() +
                     " makes " + std::to_string(impact->tapeouts.size()) + " more attestations untrusted (" +
                     std::to_string(impact->claims.size()) + " submitted or approved claims on them): confirm it",
                 "confirm");
  }
  if (auto st = revoke(db, **existing, from); !st) return st.error();
  json::object detail{{"from", from.str()}, {"affected", to_json(*impact)}};
  if (before) detail["previous_from"] = before->str();
  if (auto st = audit(db, actor, "foundry_key.revoke", keyid, detail); !st) return st.error();
  return impact;
}

json::object to_json(const RevocationImpact& impact) {
  json::array claims;
  for (const auto& c : impact.claims) {
    claims.push_back(json::object{{"id", c.id}, {"status", c.status}, {"rule", c.rule}, {"tapeout", c.tapeout}});
  }
  return json::object{{"tapeouts", json::array(impact.tapeouts.begin(), impact.tapeouts.end())},
                      {"claims", std::move(claims)}};
}

KeyStatus key_status(const std::optional<Date>& revoked_from, const Date& tapeout_date, const Date& logged_on) {
  if (!revoked_from) return {"valid", true};
  const Date& r = *revoked_from;
  if (tapeout_date < r && logged_on < r) {
    return {"revoked from " + r.str() + " (after this attestation was logged)", true};
  }
  return {"revoked from " + r.str() + " (on or before this attestation's date or log day: not trusted)", false};
}

json::object to_json(const FoundryKey& key) {
  json::object o;
  o["keyid"] = key.keyid;
  o["foundry"] = key.foundry.str();
  o["alg"] = std::string(crypto::alg_name(key.alg));
  o["public_key_pem"] = key.public_key_pem;
  o["valid_from"] = key.valid_from.str();
  o["valid_to"] = key.valid_to ? json::value(key.valid_to->str()) : json::value(nullptr);
  o["revoked_from"] = key.revoked_from ? json::value(key.revoked_from->str()) : json::value(nullptr);
  o["created_at"] = key.created_at;
  return o;
}

}  // namespace chipreg::store
