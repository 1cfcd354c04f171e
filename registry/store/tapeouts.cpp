// Acceptance of signed tape-out attestations and the tape-out facts they yield (see
// tapeouts.hpp for the decision order and the first-tape-out derivation).
#include "registry/store/tapeouts.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <tuple>

#include "crypto/dsse.hpp"
#include "crypto/encoding.hpp"
#include "crypto/strict_json.hpp"
#include "registry/domain/attestation.hpp"
#include "registry/log/log.hpp"
#include "registry/store/db.hpp"
#include "registry/store/foundry_keys.hpp"

namespace chipreg::store {
namespace json = boost::json;
namespace dsse = crypto::dsse;

namespace {

Result<bool> exists(Db& db, const char* sql, const std::string& arg) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind(1, arg);
  auto row = st->step();
  if (!row) return row.error();
  return *row;
}

// When no registered key of the submitter verifies, says why as precisely as we can.
Error diagnose_signature(Db& db, const dsse::Envelope& env, const std::optional<Uscc>& submitter,
                         bool submitter_has_keys, const Error& verify_error) {
  const std::string message = dsse::pae(env.payload_type, env.payload);
  bool hint_known = false;
  bool all_hinted = true;
  for (const auto& sig : env.signatures) {
    if (!sig.keyid) {
      all_hinted = false;
      continue;
    }
    auto key = find_foundry_key(db, *sig.keyid);
    if (!key || !*key) continue;
    hint_known = true;
    if (submitter && (*key)->foundry != *submitter) {
      auto pub = (*key)->public_key();
      if (pub && (*pub)->verify(message, sig.sig)) {
        return Error("WRONG_FOUNDRY",
                     "the envelope is signed by key " + (*key)->keyid + " of foundry " + (*key)->foundry.str() +
                         ", not by a key of the submitting foundry " + submitter->str(),
                     "signatures");
      }
    }
  }
  if (!submitter_has_keys) {
    return Error("UNKNOWN_KEY",
                 submitter ? "foundry " + submitter->str() + " has no registered key"
                           : std::string("no foundry key is registered"),
                 "signatures");
  }
  if (all_hinted && !hint_known) {
    return Error("UNKNOWN_KEY", "no signature's keyid names a registered key of the foundry", "signatures");
  }
  return verify_error;
}

Error bad_row(const std::string& id, const Error& e) {
  return Error("DB_ERROR", "stored tape-out " + id + " is unreadable: " + e.message);
}

// Rows joined with their key's revocation date. `where` is a fixed SQL fragment with
// ?1 / ?2 placeholders bound by the caller. The envelope (column 14) is read from its own
// table where a caller serves it; the engine's readers select NULL there.
std::string record_columns(const char* envelope) {
  return std::string(
             "SELECT t.id, t.product, t.foundry, t.design_owner, t.date, t.kind, t.design_digest, t.cost_fen,"
             "       t.mask_set_id, t.process_node, t.wafer_size_mm, t.mask_set_conflict, t.log_index,"
             "       t.created_at, ") +
         envelope + ", t.keyid, k.revoked_from, t.product_owner";
}
const std::string kRecordSelect = record_columns("e.envelope") +
                                  " FROM tapeouts t JOIN foundry_keys k ON k.keyid = t.keyid"
                                  " LEFT JOIN tapeout_envelopes e ON e.tapeout = t.id ";

Result<TapeoutRecord> record_from_row(const Stmt& st) {
  const std::string id = st.text(0);
  auto foundry = Uscc::parse(st.text(2));
  if (!foundry) return bad_row(id, foundry.error());
  auto owner = Uscc::parse(st.text(3));
  if (!owner) return bad_row(id, owner.error());
  auto date = Date::parse(st.text(4));
  if (!date) return bad_row(id, date.error());
  auto kind = parse_enum<TapeoutKind>(st.text(5));
  if (!kind) return bad_row(id, kind.error());
  std::optional<Date> revoked;
  if (auto text = st.opt_text(16)) {
    auto d = Date::parse(*text);
    if (!d) return bad_row(id, d.error());
    revoked = *d;
  }
  const std::string created_at = st.text(13);
  auto logged = shanghai_date_of(created_at);
  if (!logged) return bad_row(id, logged.error());
  const KeyStatus ks = key_status(revoked, *date, *logged);
  return TapeoutRecord{.fact = Tapeout{.id = id,
                                       .product = st.text(1),
                                       .foundry = *foundry,
                                       .design_owner = *owner,
                                       .date = *date,
                                       .kind = *kind,
                                       .design_digest = st.text(6),
                                       .cost = Money::fen(st.int64(7)),
                                       .mask_set_id = st.opt_text(8),
                                       .keyid = st.text(15),
                                       .key_status = ks.text,
                                       .untrusted_from = ks.trusted ? std::nullopt : revoked},
                       .trusted = ks.trusted,
                       .first = false,
                       .mask_set_conflict = st.int64(11) != 0,
                       .process_node = st.opt_text(9),
                       .wafer_size_mm = st.opt_int64(10),
                       .log_index = st.opt_int64(12).value_or(-1),
                       .created_at = created_at,
                       .envelope = st.text(14),
                       .product_owner = st.text(17)};
}

Result<std::vector<TapeoutRecord>> query_records(Db& db, const std::string& where,
                                                 const std::vector<std::string>& args) {
  auto st = db.prepare(kRecordSelect + where + " ORDER BY t.date, t.log_index");
  if (!st) return st.error();
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  return collect<TapeoutRecord>(*st, record_from_row);
}

// Marks `first` on records that hold, for each product and digest they mention, every
// record of that product / digest (the callers' queries guarantee it).
void derive_first(std::vector<TapeoutRecord>& records) {
  using Key = std::tuple<Date, std::int64_t>;
  std::map<std::string, Key> by_product;
  std::map<std::string, Key> by_digest;
  auto consider = [](std::map<std::string, Key>& m, const std::string& k, const Key& v) {
    auto it = m.find(k);
    if (it == m.end() || v < it->second) m[k] = v;
  };
  auto counts = [](const TapeoutRecord& r) { return r.trusted && r.fact.kind != TapeoutKind::kProduction; };
  for (const auto& r : records) {
    if (!counts(r)) continue;
    const Key k{r.fact.date, r.log_index};
    consider(by_product, r.product_owner + "/" + r.fact.product, k);
    consider(by_digest, r.fact.design_digest, k);
  }
  for (auto& r : records) {
    const Key k{r.fact.date, r.log_index};
    r.first =
        counts(r) && by_product[r.product_owner + "/" + r.fact.product] == k && by_digest[r.fact.design_digest] == k;
  }
}

// The records sharing a product (owner's) or a digest with (product, digest), `first`
// derived.
Result<std::vector<TapeoutRecord>> related_records(Db& db, const std::string& owner, const std::string& product,
                                                   const std::string& digest) {
  auto rows = query_records(db, "WHERE (t.product_owner = ?1 AND t.product = ?2) OR t.design_digest = ?3",
                            {owner, product, digest});
  if (!rows) return rows;
  // A digest's rows may belong to other products whose other rows are not loaded; they do
  // not matter for the records of interest, whose product and digest groups are complete.
  derive_first(*rows);
  return rows;
}

}  // namespace

json::object to_json(const TapeoutAccepted& a) {
  return json::object{{"id", a.id},
                      {"first", a.first},
                      {"log_index", a.log_index},
                      {"mask_set_conflict", a.mask_set_conflict},
                      {"keyid", a.keyid}};
}

Result<TapeoutAccepted> submit_tapeout(Db& db, std::string_view envelope_json, const std::optional<Uscc>& submitter,
                                       const std::string& now) {
  auto env = dsse::parse(envelope_json);
  if (!env) return env.error();
  if (env->payload_type != dsse::kInTotoPayloadType) {
    return Error("UNSUPPORTED_PAYLOAD_TYPE", "payloadType must be '" + std::string(dsse::kInTotoPayloadType) + "'",
                 "payloadType");
  }
  // The day of submission in the bureau's calendar (Asia/Shanghai): a revocation from R
  // refuses what is presented from 00:00 Beijing time on R.
  auto today = shanghai_date_of(now);
  if (!today) return Error("BAD_REQUEST", "submission time '" + now + "' is not ISO 8601");

  // 2b. A payload that two readers could read differently (a repeated key, a number the
  // parser would round) is refused before its signature is trusted: a signature vouches for
  // bytes, and these bytes do not say one thing.
  if (auto strict = parse_strict_json(env->payload); !strict && strict.error().code != "BAD_JSON") {
    return strict.error().at("payload");
  }

  // 3. Signature over the PAE, before anything reads the payload.
  auto keys = submitter ? foundry_keys_of(db, *submitter) : all_foundry_keys(db);
  if (!keys) return keys.error();
  std::vector<crypto::PublicKey> pubs;
  pubs.reserve(keys->size());
  for (const auto& k : *keys) {
    auto p = k.public_key();
    if (!p) return p.error();
    pubs.push_back(**p);
  }
  Result<dsse::Verified> verified =
      pubs.empty() ? Result<dsse::Verified>(Error("UNKNOWN_KEY", "no key")) : dsse::verify(*env, pubs);
  if (!verified) return diagnose_signature(db, *env, submitter, !pubs.empty(), verified.error());

  // 4. The statement.
  auto statement = attestation::parse_statement(env->payload);
  if (!statement) return statement.error();

  // 5. Who speaks for whom.
  if (submitter && statement->foundry != *submitter) {
    return Error(
        "WRONG_FOUNDRY",
        "the statement names foundry " + statement->foundry.str() + " but was submitted by " + submitter->str(),
        "predicate.foundry");
  }
  // 6. A verifying key of the named foundry that may sign this tape-out today.
  std::optional<Error> key_error;
  const FoundryKey* signer = nullptr;
  for (std::size_t i : verified->keys) {
    const FoundryKey& k = (*keys)[i];
    if (k.foundry != statement->foundry) continue;
    Status use = key_use(k, statement->date, *today);
    if (use) {
      signer = &k;
      break;
    }
    if (!key_error) key_error = use.error();
  }
  if (signer == nullptr) {
    if (key_error) return *key_error;
    return Error("WRONG_FOUNDRY", "no key of foundry " + statement->foundry.str() + " signed the envelope",
                 "predicate.foundry");
  }

  // 6b. A tape-out that has not happened yet (the foundry's clock may run a day ahead).
  if (auto st = check_not_future(statement->date, now, "predicate.date"); !st) return st.error();

  // 7. References.
  for (const auto& [uscc, field] : {std::pair{&statement->foundry, "predicate.foundry"},
                                    std::pair{&statement->design_owner, "predicate.design_owner"}}) {
    auto found = exists(db, "SELECT 1 FROM enterprises WHERE uscc = ?1", uscc->str());
    if (!found) return found.error();
    if (!*found)
      return Error("UNKNOWN_ENTERPRISE", std::string(field) + ": " + uscc->str() + " is not registered", field);
  }
  // The product is the design owner's (products are keyed by owner): another enterprise's
  // product of the same id is never this attestation's.
  {
    auto st = db.prepare("SELECT 1 FROM products WHERE owner = ?1 AND id = ?2");
    if (!st) return st.error();
    st->bind(1, statement->design_owner.str()).bind(2, statement->product);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) {
      return Error("UNKNOWN_PRODUCT",
                   "predicate.product: design owner " + statement->design_owner.str() + " has no registered product '" +
                       statement->product.substr(0, 80) + "'",
                   "predicate.product");
    }
  }

  // 8. Write: duplicate check, row, mask-set flags and log leaf under one lock.
  const std::string pae_hash = crypto::hex(crypto::sha256(dsse::pae(env->payload_type, env->payload)));
  const std::string id = "to-" + pae_hash.substr(0, 20);
  auto scope = WriteScope::open(db);
  if (!scope) return scope.error();
  {
    auto st = db.prepare("SELECT id FROM tapeouts WHERE envelope_sha256 = ?1 OR id = ?2");
    if (!st) return st.error();
    st->bind(1, pae_hash).bind(2, id);
    auto row = st->step();
    if (!row) return row.error();
    if (*row) return Error("DUPLICATE", "this statement was already accepted as tape-out " + st->text(0));
  }
  bool conflict = false;
  if (statement->mask_set_id) {
    // `+foundry`: planned on tapeouts_by_mask_set. Before the first ANALYZE (a fresh
    // registry's import) SQLite picks tapeouts_by_foundry and reads every tape-out of the
    // foundry per row: 59 s for 10,000 (issue 15).
    auto st = db.prepare(
        "SELECT EXISTS(SELECT 1 FROM tapeouts WHERE +foundry = ?1 AND mask_set_id = ?2 AND "
        "(product_owner, product) IS NOT (?4, ?3))");
    if (!st) return st.error();
    st->bind(1, statement->foundry.str()).bind(2, *statement->mask_set_id).bind(3, statement->product);
    st->bind(4, statement->design_owner.str());
    auto row = st->step();
    if (!row) return row.error();
    conflict = st->int64(0) != 0;
  }

  const json::object env_obj = dsse::to_json(*env);
  const std::string stored = json::serialize(env_obj);
  // Its readers: who may read the tape-out itself (GET /v1/tapeouts/{id}) besides the
  // bureau, the foundry and the design owner (the product's owner reads it through them).
  auto log_index =
      tlog::append(db, tlog::EntryKind::kTapeout, id,
                   tlog::make_entry(tlog::EntryKind::kTapeout, json::object{{"id", id}, {"envelope", env_obj}}),
                   {statement->foundry.str(), statement->design_owner.str()});
  if (!log_index) return log_index.error();

  {
    auto st = db.prepare(
        "INSERT INTO tapeouts (id, envelope_sha256, keyid, product, foundry, design_owner, date, kind,"
        " design_digest, mask_set_id, process_node, wafer_size_mm, cost_fen, mask_set_conflict, log_index,"
        " created_at, product_owner) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?7)");
    if (!st) return st.error();
    st->bind(1, id).bind(3, pae_hash).bind(4, signer->keyid).bind(5, statement->product);
    st->bind(6, statement->foundry.str()).bind(7, statement->design_owner.str()).bind(8, statement->date.str());
    st->bind(9, std::string(to_string(statement->kind))).bind(10, statement->design_digest());
    st->bind(11, statement->mask_set_id).bind(12, statement->process_node).bind(13, statement->wafer_size_mm);
    st->bind(14, statement->cost.fen()).bind(15, conflict).bind(16, *log_index).bind(17, now);
    if (auto done = st->exec(); !done) {
      if (done.error().code == "CONSTRAINT") return Error("DUPLICATE", "tape-out " + id + " is already stored");
      return done.error();
    }
    auto env_row = db.prepare("INSERT INTO tapeout_envelopes(tapeout, envelope) VALUES (?1, ?2)");
    if (!env_row) return env_row.error();
    env_row->bind(1, id).bind(2, stored);
    if (auto done = env_row->exec(); !done) return done.error();
  }
  if (conflict) {
    auto st = db.prepare("UPDATE tapeouts SET mask_set_conflict = 1 WHERE +foundry = ?1 AND mask_set_id = ?2");
    if (!st) return st.error();
    st->bind(1, statement->foundry.str()).bind(2, *statement->mask_set_id);
    if (auto done = st->exec(); !done) return done.error();
  }

  auto related = related_records(db, statement->design_owner.str(), statement->product, statement->design_digest());
  if (!related) return related.error();
  TapeoutAccepted out;
  out.id = id;
  out.log_index = *log_index;
  out.mask_set_conflict = conflict;
  out.keyid = signer->keyid;
  for (const auto& r : *related) {
    if (r.fact.id == id) out.first = r.first;
  }
  if (auto done = scope->commit(); !done) return done.error();
  return out;
}

json::object to_json(const TapeoutRecord& r) {
  const Tapeout& t = r.fact;
  json::object o{{"id", t.id},
                 {"product", t.product},
                 {"foundry", t.foundry.str()},
                 {"design_owner", t.design_owner.str()},
                 {"date", t.date.str()},
                 {"kind", std::string(to_string(t.kind))},
                 {"design_digest", t.design_digest},
                 {"cost_fen", t.cost.fen()}};
  o["mask_set_id"] = t.mask_set_id ? json::value(*t.mask_set_id) : json::value(nullptr);
  o["process_node"] = r.process_node ? json::value(*r.process_node) : json::value(nullptr);
  o["wafer_size_mm"] = r.wafer_size_mm ? json::value(*r.wafer_size_mm) : json::value(nullptr);
  o["keyid"] = t.keyid.value_or("");
  o["key_status"] = t.key_status.value_or("");
  o["trusted"] = r.trusted;
  if (t.untrusted_from) o["untrusted_from"] = t.untrusted_from->str();
  o["first"] = r.first;
  o["mask_set_conflict"] = r.mask_set_conflict;
  o["log_index"] = r.log_index;
  o["created_at"] = r.created_at;
  return o;
}

Result<std::vector<TapeoutRecord>> load_tapeout_records(Db& db) {
  auto rows = query_records(db, "", {});
  if (!rows) return rows;
  derive_first(*rows);
  return rows;
}

Result<std::optional<TapeoutRecord>> find_tapeout(Db& db, std::string_view id) {
  auto one = query_records(db, "WHERE t.id = ?1", {std::string(id)});
  if (!one) return one.error();
  if (one->empty()) return std::optional<TapeoutRecord>();
  auto related =
      related_records(db, one->front().product_owner, one->front().fact.product, one->front().fact.design_digest);
  if (!related) return related.error();
  for (auto& r : *related) {
    if (r.fact.id == id) return std::optional<TapeoutRecord>(std::move(r));
  }
  return std::optional<TapeoutRecord>(std::move(one->front()));
}

Result<std::vector<Tapeout>> load_tapeouts(Db& db, bool include_untrusted) {
  auto rows = query_records(db, "", {});
  if (!rows) return rows.error();
  std::vector<Tapeout> out;
  out.reserve(rows->size());
  for (auto& r : *rows) {
    if (r.trusted || include_untrusted) out.push_back(std::move(r.fact));
  }
  return out;
}

Result<std::vector<TapeoutRecord>> trusted_tapeouts_related(Db& db, const Uscc& owner, const std::string& product,
                                                            const std::optional<std::string>& digest) {
  auto rows = digest ? query_records(db, "WHERE (t.product_owner = ?1 AND t.product = ?2) OR t.design_digest = ?3",
                                     {owner.str(), product, *digest})
                     : query_records(db, "WHERE t.product_owner = ?1 AND t.product = ?2", {owner.str(), product});
  if (!rows) return rows.error();
  std::erase_if(*rows, [](const TapeoutRecord& r) { return !r.trusted; });
  return rows;
}

Result<std::vector<TapeoutRecord>> tapeouts_of_product(Db& db, const Uscc& owner, const std::string& product) {
  return query_records(db, "WHERE t.product_owner = ?1 AND t.product = ?2", {owner.str(), product});
}

Result<std::vector<TapeoutRecord>> tapeouts_of_products(Db& db, const std::vector<ProductKey>& products) {
  if (products.empty()) return std::vector<TapeoutRecord>{};
  json::array keys;
  keys.reserve(products.size());
  for (const auto& [owner, id] : products) keys.emplace_back(json::array{json::string(owner), json::string(id)});
  // One statement for the lot, in the order of the list (as one tapeouts_of_product per
  // product would give them): each (owner, product) is a search of tapeouts_by_product
  // (the query-plan tests hold it to that).
  auto st = db.prepare(
      record_columns("NULL") +
      " FROM json_each(?1) j JOIN tapeouts t ON t.product_owner = j.value ->> 0 AND t.product = j.value ->> 1"
      " JOIN foundry_keys k ON k.keyid = t.keyid ORDER BY j.key, t.date, t.log_index");
  if (!st) return st.error();
  st->bind(1, json::serialize(keys));
  return collect<TapeoutRecord>(*st, record_from_row);
}

Result<std::optional<json::value>> tapeout_log_fact(Db& db, std::string_view id) {
  auto st = db.prepare("SELECT envelope FROM tapeout_envelopes WHERE tapeout = ?1");
  if (!st) return st.error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<json::value>();
  boost::system::error_code ec;
  json::value env = json::parse(st->text(0), ec);
  if (ec) return Error("DB_ERROR", "stored envelope of " + std::string(id) + " is not JSON");
  return std::optional<json::value>(json::object{{"id", std::string(id)}, {"envelope", std::move(env)}});
}

}  // namespace chipreg::store
