// 免申即享: the eligibility job, its incremental selection, the entitlement rows, filing from
// them and the automatic-filing settings (see the header).
#include "registry/store/entitlements.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>

#include "registry/log/log.hpp"
#include "registry/log/store_log.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/entitlement_words.hpp"
#include "registry/store/lists.hpp"
#include "registry/store/load_facts.hpp"
#include "registry/store/notifications.hpp"
#include "registry/store/repository.hpp"

namespace chipreg::store {
namespace json = boost::json;

namespace {

std::string year_start(int year) { return std::to_string(year) + "-01-01"; }
std::string year_end(int year) { return std::to_string(year) + "-12-31"; }

// The strings of the rows `sql` (first column) finds with the text parameters `args`.
Status strings_of(Db& db, const char* sql, std::initializer_list<std::string> args, std::vector<std::string>& out) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  int i = 1;
  for (const auto& a : args) st->bind(i++, a);
  return each_row(*st, [&]() -> Status {
    if (auto v = st->opt_text(0)) out.push_back(std::move(*v));
    return Status::Ok();
  });
}

Result<bool> exists(Db& db, const char* sql, std::initializer_list<std::string> args) {
  std::vector<std::string> rows;
  if (auto s = strings_of(db, sql, args, rows); !s) return s.error();
  return !rows.empty();
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> strings_from_json(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& s : v.as_array()) {
    if (s.is_string()) out.emplace_back(s.as_string());
  }
  return out;
}

// ---- candidates ---------------------------------------------------------------------

struct Candidate {
  RuleId rule;
  std::string subject;
  bool keep_only_with_items = false;  // linkage groups and eda_purchase: only with lines/items
};

// The series `enterprise` is evaluated for in `year` (header: "Which series ...").
Result<std::vector<Candidate>> candidates_of(Db& db, const std::string& e, int year) {
  const std::string from = year_start(year), to = year_end(year);
  std::vector<Candidate> out;
  auto bought = exists(db, "SELECT 1 FROM purchases WHERE buyer = ?1 AND date BETWEEN ?2 AND ?3 LIMIT 1", {e, from, to});
  if (!bought) return bought.error();
  if (*bought) {
    out.push_back({RuleId::kLinkage, std::string(to_string(LinkageGroup::kChipModule)), true});
    out.push_back({RuleId::kLinkage, std::string(to_string(LinkageGroup::kDeviceMaterial)), true});
    out.push_back({RuleId::kEdaPurchase, "", true});
  }
  std::vector<std::string> ids;
  if (auto s = strings_of(db,
                          "SELECT id FROM tapeouts WHERE design_owner = ?1 AND date BETWEEN ?2 AND ?3 ORDER BY id",
                          {e, from, to}, ids);
      !s) {
    return s.error();
  }
  for (auto& id : ids) out.push_back({RuleId::kTapeout, std::move(id)});
  ids.clear();
  if (auto s = strings_of(db, "SELECT DISTINCT field FROM rd_declarations WHERE enterprise = ?1 AND year = ?2 ORDER BY field",
                          {e, std::to_string(year)}, ids);
      !s) {
    return s.error();
  }
  for (const auto& field : ids) {
    out.push_back({field == "eda" ? RuleId::kEdaRd : RuleId::kEquipmentRd, ""});
  }
  auto compute = exists(db, "SELECT 1 FROM compute_contracts WHERE customer = ?1 AND date BETWEEN ?2 AND ?3 LIMIT 1",
                        {e, from, to});
  if (!compute) return compute.error();
  if (*compute) out.push_back({RuleId::kCompute, ""});
  auto trades = exists(db, "SELECT 1 FROM data_trades WHERE platform = ?1 AND date BETWEEN ?2 AND ?3 LIMIT 1", {e, from, to});
  if (!trades) return trades.error();
  if (*trades) out.push_back({RuleId::kDataPlatform, ""});
  ids.clear();
  if (auto s = strings_of(db,
                          "SELECT d.id FROM datasets d WHERE d.owner = ?1 AND EXISTS (SELECT 1 FROM dataset_calls c "
                          "WHERE c.dataset = d.id AND c.date BETWEEN ?2 AND ?3) ORDER BY d.id",
                          {e, from, to}, ids);
      !s) {
    return s.error();
  }
  for (auto& id : ids) out.push_back({RuleId::kDataset, std::move(id)});
  auto platform = exists(db,
                         "SELECT 1 WHERE EXISTS (SELECT 1 FROM platform_recognitions WHERE enterprise = ?1) OR "
                         "EXISTS (SELECT 1 FROM platform_expenses WHERE enterprise = ?1 AND date BETWEEN ?2 AND ?3)",
                         {e, from, to});
  if (!platform) return platform.error();
  if (*platform) out.push_back({RuleId::kPlatform, ""});
  ids.clear();
  if (auto s = strings_of(db, "SELECT id FROM events WHERE organizer = ?1 AND start BETWEEN ?2 AND ?3 ORDER BY id",
                          {e, from, to}, ids);
      !s) {
    return s.error();
  }
  for (auto& id : ids) out.push_back({RuleId::kEvent, std::move(id)});
  return out;
}

ClaimRequest request_for(const Uscc& claimant, int year, const Candidate& c) {
  ClaimRequest r{"entitlement", c.rule, claimant, year, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {}};
  if (c.rule == RuleId::kLinkage) r.group = parse_enum<LinkageGroup>(c.subject).value();
  if (c.rule == RuleId::kTapeout) r.tapeout = c.subject;
  if (c.rule == RuleId::kDataset) r.dataset = c.subject;
  if (c.rule == RuleId::kEvent) r.event = c.subject;
  return r;
}

std::string subject_of(const ClaimRecord& c) {
  if (c.group) return *c.group;
  if (c.tapeout) return *c.tapeout;
  if (c.dataset) return *c.dataset;
  if (c.event) return *c.event;
  return "";
}

// The claimed flag and the latest claim of the series from the enterprise's claims.
void mark_claimed(Entitlement& row, const std::vector<ClaimRecord>& claims) {
  bool pending = false, approved = false;
  const std::string rule(to_string(row.key.rule));
  for (const auto& c : claims) {
    if (c.rule != rule || subject_of(c) != row.key.subject || c.status == "rejected") continue;
    pending = pending || c.status == "submitted";
    approved = approved || c.status == "approved";
    row.claim = c.id;  // claims come in id order: the last is the latest
  }
  row.claimed = pending || (approved && (row.key.rule == RuleId::kTapeout || row.award_fen == 0));
}

Entitlement row_of(const Stmt& st) {
  Entitlement e;
  e.key.year = static_cast<int>(st.int64(0));
  e.key.enterprise = st.text(1);
  auto rule = parse_enum<RuleId>(st.text(2));  // the rows are written from RuleIds
  e.key.rule = rule ? *rule : RuleId::kLinkage;
  e.key.subject = st.text(3);
  e.eligible = st.int64(4) != 0;
  e.award_fen = st.int64(5);
  e.computed_fen = st.int64(6);
  e.qualifying_fen = st.opt_int64(7);
  e.claimed = st.int64(8) != 0;
  e.claim = st.opt_text(9);
  e.missing = strings_from_json(st.text(10));
  e.reasons = strings_from_json(st.text(11));
  e.log_size = st.int64(12);
  e.evaluated_at = st.text(13);
  return e;
}

constexpr const char* kSelectRows =
    "SELECT year, enterprise, rule, subject, eligible, award_fen, computed_fen, qualifying_fen, claimed, claim, "
    "missing, reasons, log_size, evaluated_at FROM entitlements ";

// Replaces every row of (year, enterprise) with `rows`. A row owed now (award > 0, not
// claimed) that was not owed before, or owed another amount, is an entitlement
// notification of the enterprise (notifications.hpp).
Status store_rows(Db& db, int year, const std::string& enterprise, const std::vector<Entitlement>& rows,
                  std::int64_t log_size) {
  std::map<std::pair<std::string, std::string>, std::int64_t> owed_before;  // (rule, subject) -> award
  {
    auto old = db.prepare(
        "SELECT rule, subject, award_fen FROM entitlements WHERE year = ?1 AND enterprise = ?2 AND claimed = 0 "
        "AND award_fen > 0");
    if (!old) return old.error();
    old->bind(1, year).bind(2, enterprise);
    if (auto s = each_row(*old,
                          [&]() -> Status {
                            owed_before[{old->text(0), old->text(1)}] = old->int64(2);
                            return Status::Ok();
                          });
        !s) {
      return s;
    }
  }
  auto del = db.prepare("DELETE FROM entitlements WHERE year = ?1 AND enterprise = ?2");
  if (!del) return del.error();
  del->bind(1, year).bind(2, enterprise);
  if (auto s = del->exec(); !s) return s;
  auto ins = db.prepare(
      "INSERT INTO entitlements(year, enterprise, rule, subject, eligible, award_fen, computed_fen, qualifying_fen, "
      "claimed, claim, missing, reasons, log_size, evaluated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13, ?14)");
  if (!ins) return ins.error();
  const std::string now = now_utc();
  for (const auto& r : rows) {
    ins->bind(1, year).bind(2, enterprise).bind(3, to_string(r.key.rule)).bind(4, r.key.subject);
    ins->bind(5, r.eligible).bind(6, r.award_fen).bind(7, r.computed_fen).bind(8, r.qualifying_fen);
    ins->bind(9, r.claimed).bind(10, r.claim);
    ins->bind(11, json::serialize(string_array(r.missing))).bind(12, json::serialize(string_array(r.reasons)));
    ins->bind(13, log_size).bind(14, now);
    if (auto s = ins->exec(); !s) return s;
  }
  for (const auto& r : rows) {
    if (r.claimed || r.award_fen <= 0) continue;
    const std::string rule(to_string(r.key.rule));
    auto was = owed_before.find({rule, r.key.subject});
    if (was != owed_before.end() && was->second == r.award_fen) continue;
    json::object event{{"year", year},
                       {"rule", rule},
                       {"subject", r.key.subject},
                       {"award_fen", r.award_fen},
                       {"computed_fen", r.computed_fen}};
    if (r.qualifying_fen) event["qualifying_fen"] = *r.qualifying_fen;
    const std::string key = std::to_string(year) + "/" + rule + (r.key.subject.empty() ? "" : "/" + r.key.subject);
    if (auto n = notify(db, enterprise, NotificationKind::kEntitlement, key, event); !n) return n.error();
  }
  return Status::Ok();
}

// ---- the incremental selection ------------------------------------------------------

// Grows the set of enterprises whose evaluation a batch of facts can change.
class Selector {
 public:
  Selector(Db& db, int year, std::set<std::string>& out) : db_(db), year_(year), out_(out) {}

  void add(const std::string& uscc) {
    if (!uscc.empty()) out_.insert(uscc);
  }

  // Products are keyed by (owner, id) (schema migration 15).
  Status buyers_of_product(const std::string& owner, const std::string& product) {
    if (!products_seen_.insert(owner + "/" + product).second) return Status::Ok();
    std::vector<std::string> v;
    if (auto s = strings_of(db_, "SELECT DISTINCT buyer FROM purchases WHERE product_owner = ?1 AND product = ?2",
                            {owner, product}, v);
        !s) {
      return s;
    }
    for (auto& b : v) add(b);
    return Status::Ok();
  }

  Status buyers_of_products_of(const std::string& owner) {
    std::vector<std::string> products;
    if (auto s = strings_of(db_, "SELECT id FROM products WHERE owner = ?1", {owner}, products); !s) return s;
    for (const auto& p : products) {
      if (auto s = buyers_of_product(owner, p); !s) return s;
    }
    return Status::Ok();
  }

  // A tape-out's claimants: its design owner, the design owners of tape-outs sharing its
  // product or digest, and the buyers of its product.
  Status tapeout(const std::string& id) {
    auto st = db_.prepare("SELECT design_owner, product, design_digest, product_owner FROM tapeouts WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    const std::string owner = st->text(0), product = st->text(1), digest = st->text(2), product_owner = st->text(3);
    st->reset();
    add(owner);
    std::vector<std::string> owners;
    if (auto s = strings_of(db_,
                            "SELECT design_owner FROM tapeouts WHERE product_owner = ?3 AND product = ?1 UNION "
                            "SELECT design_owner FROM tapeouts WHERE design_digest = ?2",
                            {product, digest, product_owner}, owners);
        !s) {
      return s;
    }
    for (auto& o : owners) add(o);
    return buyers_of_product(product_owner, product);
  }

  Status key(const std::string& keyid) {
    std::vector<std::string> ids;
    if (auto s = strings_of(db_, "SELECT id FROM tapeouts WHERE keyid = ?1", {keyid}, ids); !s) return s;
    for (const auto& id : ids) {
      if (auto s = tapeout(id); !s) return s;
    }
    return Status::Ok();
  }

  Status product(const std::string& id, const std::string& owner) {
    add(owner);
    std::vector<std::string> owners;
    if (auto s = strings_of(db_, "SELECT design_owner FROM tapeouts WHERE product_owner = ?1 AND product = ?2",
                            {owner, id}, owners);
        !s) {
      return s;
    }
    for (auto& o : owners) add(o);
    return buyers_of_product(owner, id);
  }

  // A void's or status's leaf names its buyer (since schema migration 15); one logged
  // before names the invoice only, whose buyer the row records.
  Status invoice(const std::string& invoice, const std::string& buyer) {
    if (!buyer.empty()) {
      add(buyer);
      return Status::Ok();
    }
    std::vector<std::string> v;
    if (auto s = strings_of(db_, "SELECT buyer FROM voids WHERE invoice = ?1 UNION SELECT buyer FROM invoice_status "
                                 "WHERE invoice = ?1",
                            {invoice}, v);
        !s) {
      return s;
    }
    for (auto& b : v) add(b);
    return Status::Ok();
  }

  Status claimant_of_claim(const std::string& claim) {
    auto c = claimant_of(db_, claim);
    if (!c) return c.error();
    if (*c) add(**c);
    return Status::Ok();
  }

  // The ownership neighbourhood of `seeds` (header: "enterprise, person, ...").
  Status neighbourhood(const std::vector<std::string>& seeds) {
    std::deque<std::string> todo;
    for (const auto& s : seeds) {
      if (held_seen_.insert(s).second) todo.push_back(s);
    }
    while (!todo.empty()) {
      const std::string x = std::move(todo.front());
      todo.pop_front();
      add(x);
      if (auto s = buyers_of_products_of(x); !s) return s;
      std::vector<std::string> held;
      if (auto s = strings_of(db_, "SELECT held FROM equity WHERE holder_enterprise = ?1", {x}, held); !s) return s;
      for (auto& h : held) {
        if (held_seen_.insert(h).second) todo.push_back(std::move(h));
      }
    }
    return third_party_claimants();
  }

  // Every enterprise held by `person` or anyone in its family closure, as seeds.
  Status person(const std::string& person) {
    std::vector<std::string> family{person};
    std::set<std::string> seen{person};
    for (std::size_t i = 0; i < family.size(); ++i) {
      auto links = family_links_of(db_, family[i]);
      if (!links) return links.error();
      for (const auto& l : *links) {
        for (const auto* p : {&l.a, &l.b}) {
          if (seen.insert(*p).second) family.push_back(*p);
        }
      }
    }
    std::vector<std::string> seeds;
    for (const auto& p : family) {
      if (auto s = strings_of(db_, "SELECT held FROM equity WHERE holder_person = ?1", {p}, seeds); !s) return s;
    }
    return neighbourhood(seeds);
  }

  Status dataset_owner(const std::string& dataset) {
    std::vector<std::string> v;
    if (auto s = strings_of(db_, "SELECT owner FROM datasets WHERE id = ?1", {dataset}, v); !s) return s;
    for (auto& o : v) add(o);
    return Status::Ok();
  }

 private:
  // Clauses 7 and 8 judge affiliation between the claimant's counterparties: every data
  // platform and dataset owner of the year, once.
  Status third_party_claimants() {
    if (third_parties_done_) return Status::Ok();
    third_parties_done_ = true;
    std::vector<std::string> v;
    const std::string from = year_start(year_), to = year_end(year_);
    if (auto s = strings_of(db_, "SELECT DISTINCT platform FROM data_trades WHERE date BETWEEN ?1 AND ?2", {from, to}, v);
        !s) {
      return s;
    }
    if (auto s = strings_of(db_,
                            "SELECT DISTINCT d.owner FROM dataset_calls c JOIN datasets d ON d.id = c.dataset "
                            "WHERE c.date BETWEEN ?1 AND ?2",
                            {from, to}, v);
        !s) {
      return s;
    }
    for (auto& e : v) add(e);
    return Status::Ok();
  }

  Db& db_;
  int year_;
  std::set<std::string>& out_;
  std::set<std::string> products_seen_;
  std::set<std::string> held_seen_;
  bool third_parties_done_ = false;
};

std::string str_field(const json::object& o, const char* key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return "";
}

// One logged fact (kind, fact object, ref) into the selector.
Status select_for_fact(Selector& sel, const std::string& kind, const json::object& fact, const std::string& ref) {
  if (kind == "purchase") {
    sel.add(str_field(fact, "buyer"));
  } else if (kind == "void" || kind == "invoice_status") {
    return sel.invoice(str_field(fact, "invoice"), str_field(fact, "buyer"));
  } else if (kind == "tapeout") {
    return sel.tapeout(ref);
  } else if (kind == "foundry_key" || kind == "key_revocation") {
    return sel.key(str_field(fact, "keyid").empty() ? ref : str_field(fact, "keyid"));
  } else if (kind == "product") {
    return sel.product(str_field(fact, "id"), str_field(fact, "owner"));
  } else if (kind == "claim" || kind == "other_award") {
    sel.add(str_field(fact, "claimant"));
    if (kind == "other_award") return sel.claimant_of_claim(str_field(fact, "claim"));
  } else if (kind == "decision") {
    return sel.claimant_of_claim(str_field(fact, "claim"));
  } else if (kind == "rd_declaration" || kind == "platform_recognition" || kind == "platform_expense") {
    sel.add(str_field(fact, "enterprise"));
  } else if (kind == "signoff_participant") {
    sel.add(str_field(fact, "enterprise"));
    return sel.buyers_of_products_of(str_field(fact, "enterprise"));
  } else if (kind == "compute_contract") {
    sel.add(str_field(fact, "customer"));
  } else if (kind == "data_trade") {
    sel.add(str_field(fact, "platform"));
  } else if (kind == "dataset") {
    sel.add(str_field(fact, "owner"));
  } else if (kind == "dataset_call") {
    return sel.dataset_owner(str_field(fact, "dataset"));
  } else if (kind == "event") {
    sel.add(str_field(fact, "organizer"));
  } else if (kind == "enterprise") {
    return sel.neighbourhood({str_field(fact, "uscc")});
  } else if (kind == "equity") {
    return sel.neighbourhood({str_field(fact, "held")});
  } else if (kind == "manual_affiliation") {
    return sel.neighbourhood({str_field(fact, "a"), str_field(fact, "b")});
  } else if (kind == "person") {
    return sel.person(str_field(fact, "id"));
  } else if (kind == "family_link") {
    if (auto s = sel.person(str_field(fact, "a")); !s) return s;
    return sel.person(str_field(fact, "b"));
  } else {
    // A kind this table does not know (a later branch's fact): everyone it names, and
    // their neighbourhood.
    return sel.neighbourhood(tlog::parties_named_in(fact));
  }
  return Status::Ok();
}

// The evaluation's claim-level codes.
std::vector<std::string> codes_of(const rules::ClaimEvaluation& e) {
  std::vector<std::string> out;
  for (const auto& r : e.reasons) out.push_back(r.code);
  return out;
}

Status record_origin(Db& db, const std::string& claim, bool proactive, const std::string& actor) {
  auto st = db.prepare("INSERT INTO claim_origins(claim, origin, actor, at) VALUES (?1, ?2, ?3, ?4)");
  if (!st) return st.error();
  st->bind(1, claim).bind(2, proactive ? "proactive" : "entitlement").bind(3, actor).bind(4, now_utc());
  return st->exec();
}

Result<std::set<RuleId>> auto_rules(Db& db) {
  auto all = auto_filing_rules(db);
  if (!all) return all.error();
  std::set<RuleId> on;
  for (const auto& a : *all) {
    if (a.enabled) on.insert(a.rule);
  }
  return on;
}

}  // namespace

// ---- views --------------------------------------------------------------------------

json::object to_json(const Entitlement& e) {
  json::object o;
  o["enterprise"] = e.key.enterprise;
  o["rule"] = to_string(e.key.rule);
  switch (e.key.rule) {
    case RuleId::kLinkage:
      o["group"] = e.key.subject;
      break;
    case RuleId::kTapeout:
      o["tapeout"] = e.key.subject;
      break;
    case RuleId::kDataset:
      o["dataset"] = e.key.subject;
      break;
    case RuleId::kEvent:
      o["event"] = e.key.subject;
      break;
    default:
      break;
  }
  o["year"] = e.key.year;
  o["award_fen"] = e.award_fen;
  o["claimed"] = e.claimed;
  o["eligible"] = e.eligible;
  o["computed_fen"] = e.computed_fen;
  if (e.qualifying_fen) o["qualifying_fen"] = *e.qualifying_fen;
  o["claim"] = e.claim ? json::value(*e.claim) : json::value(nullptr);
  o["missing"] = string_array(e.missing);
  o["reasons"] = string_array(e.reasons);
  o["evaluated_at"] = e.evaluated_at;
  return o;
}

json::object to_json(const EligibilityRun& r) {
  json::object o{{"year", r.year},
                 {"mode", r.mode},
                 {"log_size", r.log_size},
                 {"facts", r.facts},
                 {"enterprises", r.enterprises},
                 {"evaluations", r.evaluations},
                 {"rows", r.rows},
                 {"eligible", r.eligible},
                 {"owed_unclaimed", r.owed_unclaimed},
                 {"owed_unclaimed_fen", r.owed_unclaimed_fen},
                 {"auto_filed", string_array(r.auto_filed)},
                 {"errors", string_array(r.errors)}};
  o["from_log_size"] = r.from_log_size ? json::value(*r.from_log_size) : json::value(nullptr);
  return o;
}

std::string cursor_of(const Entitlement& e) {
  return e.key.enterprise + "|" + std::string(to_string(e.key.rule)) + "|" + e.key.subject;
}

Result<ClaimFiling> filing_of(const EntitlementKey& key) {
  ClaimFiling f;
  f.rule = key.rule;
  f.claimant = key.enterprise;
  f.year = key.year;
  switch (key.rule) {
    case RuleId::kLinkage: {
      auto g = parse_enum<LinkageGroup>(key.subject);
      if (!g) return g.error().at("group");
      f.group = *g;
      break;
    }
    case RuleId::kTapeout:
      f.tapeout = key.subject;
      break;
    case RuleId::kDataset:
      f.dataset = key.subject;
      break;
    case RuleId::kEvent:
      f.event = key.subject;
      break;
    default:
      break;
  }
  return f;
}

// ---- the job ------------------------------------------------------------------------

Result<std::vector<Entitlement>> evaluate_enterprise(Db& db, const std::string& enterprise, int year,
                                                     std::vector<std::string>* errors) {
  auto claimant = Uscc::parse(enterprise);
  if (!claimant) return claimant.error().at("enterprise");
  auto candidates = candidates_of(db, enterprise, year);
  if (!candidates) return candidates.error();
  std::vector<Entitlement> rows;
  if (candidates->empty()) return rows;
  ClaimFilter filter;
  filter.claimant = enterprise;
  filter.year = year;
  filter.limit = 100000;
  auto claims = list_claims(db, filter);
  if (!claims) return claims.error();
  for (const auto& c : *candidates) {
    // The road of a real claim: the facts the store loads for it, the engine's verdict.
    auto facts = load_facts(db, request_for(*claimant, year, c));
    if (!facts) {
      if (errors) errors->push_back(facts.error().code + ": " + enterprise + " " + std::string(to_string(c.rule)) + " " + c.subject);
      continue;
    }
    auto e = rules::evaluate_claim(*facts, facts->claims.front(), policy::versions());
    if (!e) {
      if (errors) errors->push_back(e.error().code + ": " + enterprise + " " + std::string(to_string(c.rule)) + " " + c.subject);
      continue;
    }
    assert((e->eligible || e->award.fen() == 0) && "an ineligible claim pays nothing");
    if (c.keep_only_with_items && e->lines.empty() && e->items.empty()) continue;
    Entitlement row;
    row.key = {year, enterprise, c.rule, c.subject};
    row.eligible = e->eligible;
    row.award_fen = e->award.fen();
    row.computed_fen = e->computed.fen();
    if (e->qualifying) row.qualifying_fen = e->qualifying->fen();
    row.missing = missing_words(*e, *facts);
    row.reasons = codes_of(*e);
    mark_claimed(row, *claims);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::optional<std::int64_t>> eligibility_watermark(Db& db, int year) {
  auto st = db.prepare("SELECT log_size FROM eligibility_runs WHERE year = ?1 ORDER BY id DESC LIMIT 1");
  if (!st) return st.error();
  st->bind(1, year);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(st->int64(0));
}

Result<Touched> touched_by_facts(Db& db, std::int64_t from, std::int64_t to, int year) {
  Touched t;
  Selector sel(db, year, t.enterprises);
  // Facts whose leaf is a log_entries row: the opening is {"kind", "fact"}.
  {
    auto st = db.prepare("SELECT kind, ref, entry FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
    if (!st) return st.error();
    st->bind(1, from).bind(2, to);
    struct Leaf {
      std::string kind, ref, entry;
    };
    std::vector<Leaf> leaves;
    if (auto s = each_row(*st, [&]() -> Status {
          leaves.push_back({st->text(0), st->text(1), st->text(2)});
          return Status::Ok();
        });
        !s) {
      return s.error();
    }
    for (const auto& l : leaves) {
      ++t.facts;
      boost::system::error_code ec;
      auto v = json::parse(l.entry, ec);
      json::object fact;
      if (!ec && v.is_object()) {
        if (const auto* f = v.as_object().if_contains("fact"); f && f->is_object()) fact = f->as_object();
      }
      if (auto s = select_for_fact(sel, l.kind, fact, l.ref); !s) return s.error();
    }
  }
  // Purchases are their own leaves (schema migration 3): row id = log_index + 1.
  {
    auto st = db.prepare(
        "SELECT DISTINCT buyer FROM purchases WHERE id > ?1 AND id <= ?2 AND log_index >= ?1 AND log_index < ?2");
    if (!st) return st.error();
    st->bind(1, from).bind(2, to);
    auto n = db.prepare("SELECT count(*) FROM purchases WHERE id > ?1 AND id <= ?2 AND log_index >= ?1 AND log_index < ?2");
    if (!n) return n.error();
    n->bind(1, from).bind(2, to);
    if (auto r = n->step(); !r) return r.error();
    t.facts += n->int64(0);
    if (auto s = each_row(*st, [&]() -> Status {
          sel.add(st->text(0));
          return Status::Ok();
        });
        !s) {
      return s.error();
    }
  }
  return t;
}

Result<EligibilityRun> run_eligibility(Db& reader, Db& writer, const EligibilityOptions& o) {
  assert(o.year >= 1900 && o.year <= 9999);
  EligibilityRun run;
  run.year = o.year;
  const std::string started = now_utc();

  // Selection, on one snapshot: the watermark, the log size, whom to evaluate.
  std::vector<std::string> selected;
  {
    db::ReadSnapshot snap(reader);
    if (auto s = snap.begin(); !s) return s.error();
    auto size = tlog::tree_size(reader);
    if (!size) return size.error();
    run.log_size = static_cast<std::int64_t>(*size);
    auto mark = eligibility_watermark(reader, o.year);
    if (!mark) return mark.error();
    if (o.full || !*mark) {
      run.mode = "full";
      std::vector<std::string> all;
      if (auto s = strings_of(reader, "SELECT uscc FROM enterprises ORDER BY uscc", {}, all); !s) return s.error();
      selected = std::move(all);
    } else {
      run.mode = "incremental";
      run.from_log_size = **mark;
      auto touched = touched_by_facts(reader, **mark, run.log_size, o.year);
      if (!touched) return touched.error();
      run.facts = touched->facts;
      selected.assign(touched->enterprises.begin(), touched->enterprises.end());
    }
  }
  auto autos = auto_rules(reader);
  if (!autos) return autos.error();

  const std::size_t batch = static_cast<std::size_t>(std::max(1, o.batch));
  for (std::size_t at = 0; at < selected.size(); at += batch) {
    const std::size_t end = std::min(selected.size(), at + batch);
    std::vector<std::pair<std::string, std::vector<Entitlement>>> evaluated;
    {
      db::ReadSnapshot snap(reader);
      if (auto s = snap.begin(); !s) return s.error();
      for (std::size_t i = at; i < end; ++i) {
        auto rows = evaluate_enterprise(reader, selected[i], o.year, &run.errors);
        if (!rows) return rows.error();
        run.evaluations += static_cast<std::int64_t>(rows->size());
        evaluated.emplace_back(selected[i], std::move(*rows));
      }
    }
    auto tx = Tx::begin(writer);
    if (!tx) return tx.error();
    for (auto& [uscc, rows] : evaluated) {
      if (auto s = store_rows(writer, o.year, uscc, rows, run.log_size); !s) return s.error();
      ++run.enterprises;
      for (const auto& r : rows) {
        ++run.rows;
        if (r.eligible) ++run.eligible;
        if (r.claimed || r.award_fen == 0) continue;
        if (autos->count(r.key.rule) == 0) {
          ++run.owed_unclaimed;
          run.owed_unclaimed_fen += r.award_fen;
          continue;
        }
        // Automatic filing: each claim on its own savepoint, so that one refused filing
        // (a claim filed meanwhile: PENDING_CLAIM) leaves the others.
        auto sp = Savepoint::open(writer, "auto_file");
        if (!sp) return sp.error();
        auto claim = file_entitlement(writer, r.key, o.actor, /*proactive=*/true);
        if (!claim) {
          run.errors.push_back(claim.error().code + ": auto-filing " + cursor_of(r));
          if (auto s = sp->rollback(); !s) return s.error();
          continue;
        }
        if (auto s = sp->release(); !s) return s.error();
        run.auto_filed.push_back(claim->id);
      }
    }
    if (auto s = tx->commit(); !s) return s.error();
    if (o.progress) o.progress(static_cast<std::int64_t>(end), static_cast<std::int64_t>(selected.size()));
  }

  // The watermark: only a run that finished records one.
  auto tx = Tx::begin(writer);
  if (!tx) return tx.error();
  auto st = writer.prepare(
      "INSERT INTO eligibility_runs(year, mode, from_log_size, log_size, enterprises, evaluations, auto_filed, actor, "
      "started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!st) return st.error();
  st->bind(1, o.year).bind(2, run.mode).bind(3, run.from_log_size).bind(4, run.log_size).bind(5, run.enterprises);
  st->bind(6, run.evaluations).bind(7, static_cast<std::int64_t>(run.auto_filed.size())).bind(8, o.actor);
  st->bind(9, started).bind(10, now_utc());
  if (auto s = st->exec(); !s) return s.error();
  json::object detail = to_json(run);
  detail.erase("errors");
  if (auto s = audit(writer, o.actor, "eligibility.run", std::to_string(o.year), detail); !s) return s.error();
  if (auto s = tx->commit(); !s) return s.error();
  return run;
}

// ---- reads --------------------------------------------------------------------------

Result<std::vector<Entitlement>> list_entitlements(Db& db, const EntitlementFilter& f) {
  std::string sql = kSelectRows + std::string("WHERE year = ?1");
  if (f.enterprise) sql += " AND enterprise = ?2";
  if (f.rule) sql += " AND rule = ?3";
  if (f.claimed) sql += *f.claimed ? " AND claimed = 1" : " AND claimed = 0 AND award_fen > 0";
  if (f.eligible) sql += *f.eligible ? " AND eligible = 1" : " AND eligible = 0";
  std::string e, r, s;
  if (f.after) {
    const auto a = f.after->find('|');
    const auto b = a == std::string::npos ? a : f.after->find('|', a + 1);
    if (b == std::string::npos) return Error("BAD_CURSOR", "not a cursor a previous page gave", "after");
    e = f.after->substr(0, a);
    r = f.after->substr(a + 1, b - a - 1);
    s = f.after->substr(b + 1);
    sql += " AND (enterprise, rule, subject) > (?4, ?5, ?6)";
  }
  sql += " ORDER BY enterprise, rule, subject LIMIT ?7";
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind(1, f.year);
  if (f.enterprise) st->bind(2, *f.enterprise);
  if (f.rule) st->bind(3, to_string(*f.rule));
  if (f.after) st->bind(4, e).bind(5, r).bind(6, s);
  st->bind(7, f.limit);
  return collect<Entitlement>(*st, [](const Stmt& row) -> Result<Entitlement> { return row_of(row); });
}

Result<std::optional<Entitlement>> get_entitlement(Db& db, const EntitlementKey& key) {
  auto st = db.prepare(kSelectRows + std::string("WHERE year = ?1 AND enterprise = ?2 AND rule = ?3 AND subject = ?4"));
  if (!st) return st.error();
  st->bind(1, key.year).bind(2, key.enterprise).bind(3, to_string(key.rule)).bind(4, key.subject);
  return optional_row<Entitlement>(*st, [](const Stmt& row) -> Result<Entitlement> { return row_of(row); });
}

// ---- filing -------------------------------------------------------------------------

Result<ClaimRecord> file_entitlement(Db& db, const EntitlementKey& key, const std::string& actor, bool proactive) {
  auto row = get_entitlement(db, key);
  if (!row) return row.error();
  if (!*row) {
    return Error("NO_ENTITLEMENT", "no entitlement of " + key.enterprise + " for " + std::string(to_string(key.rule)) +
                                       (key.subject.empty() ? "" : " " + key.subject) + " in " +
                                       std::to_string(key.year) + "; the eligibility job has not found one");
  }
  const Entitlement& e = **row;
  if (e.claimed) {
    return Error("ALREADY_CLAIMED", "the entitlement is already claimed" + (e.claim ? " (claim " + *e.claim + ")" : std::string()));
  }
  if (!e.eligible || e.award_fen <= 0) {
    return Error("NOT_ENTITLED", "the entitlement owes nothing: eligible " + std::string(e.eligible ? "yes" : "no") +
                                     ", award " + Money::fen(e.award_fen).str());
  }
  auto filing = filing_of(key);
  if (!filing) return filing.error();
  auto claim = file_claim(db, *filing, actor);
  if (!claim) return claim.error();
  if (auto s = record_origin(db, claim->id, proactive, actor); !s) return s.error();
  auto up = db.prepare(
      "UPDATE entitlements SET claimed = 1, claim = ?5 WHERE year = ?1 AND enterprise = ?2 AND rule = ?3 AND subject = ?4");
  if (!up) return up.error();
  up->bind(1, key.year).bind(2, key.enterprise).bind(3, to_string(key.rule)).bind(4, key.subject).bind(5, claim->id);
  if (auto s = up->exec(); !s) return s.error();
  json::object detail = to_json(e);
  detail.erase("missing");
  detail.erase("evaluated_at");
  detail["claim"] = claim->id;
  detail["claim_award_fen"] = claim->award_fen;
  detail["proactive"] = proactive;
  if (auto s = audit(db, actor, proactive ? "entitlement.auto_file" : "entitlement.file", claim->id, detail); !s) {
    return s.error();
  }
  claim->proactive = proactive;
  return claim;
}

Result<std::vector<AutoFiling>> auto_filing_rules(Db& db) {
  auto st = db.prepare("SELECT rule, enabled, set_by, set_at FROM auto_filing ORDER BY rule");
  if (!st) return st.error();
  return collect<AutoFiling>(*st, [](const Stmt& row) -> Result<AutoFiling> {
    auto rule = parse_enum<RuleId>(row.text(0));
    if (!rule) return rule.error();
    return AutoFiling{*rule, row.int64(1) != 0, row.text(2), row.text(3)};
  });
}

Result<AutoFiling> set_auto_filing(Db& db, RuleId rule, bool enabled, const std::string& actor) {
  bool before = false;
  {
    auto st = db.prepare("SELECT enabled FROM auto_filing WHERE rule = ?1");
    if (!st) return st.error();
    st->bind(1, to_string(rule));
    auto row = st->step();
    if (!row) return row.error();
    before = *row && st->int64(0) != 0;
  }
  AutoFiling a{rule, enabled, actor, now_utc()};
  auto st = db.prepare(
      "INSERT INTO auto_filing(rule, enabled, set_by, set_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(rule) DO UPDATE SET enabled = excluded.enabled, set_by = excluded.set_by, set_at = excluded.set_at");
  if (!st) return st.error();
  st->bind(1, to_string(rule)).bind(2, enabled).bind(3, actor).bind(4, a.set_at);
  if (auto s = st->exec(); !s) return s.error();
  if (auto s = audit(db, actor, "entitlement.auto_filing", std::string(to_string(rule)),
                     json::object{{"enabled", enabled}, {"before", before}});
      !s) {
    return s.error();
  }
  return a;
}

}  // namespace chipreg::store
