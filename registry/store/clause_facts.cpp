// The other clauses' facts in SQLite: one INSERT per fact, after checking the references a
// user can get wrong, and readers that parse the stored canonical JSON back.
#include "registry/store/clause_facts.hpp"

#include <boost/json.hpp>

#include <initializer_list>
#include <utility>

#include "registry/domain/canonical_json.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

namespace json = boost::json;

namespace {

// Intake bounds, as purchases keep them (repository.cpp): no amount beyond
// Money::kMaxIntakeFen (AMOUNT_TOO_LARGE) and no date past today + kClockSkewDays
// (FUTURE_DATE), each naming its field. Checked before any write.
Status check_bounds(std::initializer_list<std::pair<Money, const char*>> amounts,
                    std::initializer_list<std::pair<std::optional<Date>, const char*>> dates) {
  for (const auto& [m, field] : amounts) {
    if (m.fen() > Money::kMaxIntakeFen || m.fen() < -Money::kMaxIntakeFen) {
      return Error("AMOUNT_TOO_LARGE",
                   std::string(field) + ": at most " + std::to_string(Money::kMaxIntakeFen) + " fen (100 亿元) per fact",
                   field);
    }
  }
  const std::string now = now_utc();
  for (const auto& [d, field] : dates) {
    if (!d) continue;
    if (auto st = check_not_future(*d, now, field); !st) return st;
  }
  return Status::Ok();
}

Status require_enterprise(Db& db, const Uscc& u, const char* field) {
  auto st = db.prepare("SELECT 1 FROM enterprises WHERE uscc = ?");
  if (!st) return st.error();
  st->bind(1, u.str());
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error("UNKNOWN_ENTERPRISE", std::string(field) + ": unknown enterprise '" + u.str() + "'", field);
  return Status::Ok();
}

// Runs a prepared INSERT; a key collision is DUPLICATE at `key_field`.
Status run_insert(Stmt& st, const char* what, const std::string& key, const char* key_field) {
  auto s = st.exec();
  if (s) return s;
  const Error& e = s.error();
  if (e.code != "CONSTRAINT") return e;
  if (e.message.find("UNIQUE") != std::string::npos || e.message.find("PRIMARY KEY") != std::string::npos) {
    return Error("DUPLICATE", std::string(what) + " " + key.substr(0, 80) + " is already registered", key_field);
  }
  return Error("CONSTRAINT_VIOLATION", "the registry refused the row: " + e.message, key_field);
}

// After an insert: the fact's log leaf (a private one: its readers are the enterprises the
// fact names), its index kept in the row (`update` binds ?1 the
// index, ?2 the row's key).
template <typename Key>
Status logged(Db& db, Status inserted, tlog::EntryKind kind, const std::string& ref, const std::string& entry,
              const char* update, const Key& key) {
  if (!inserted) return inserted;
  // Its readers besides the bureau: every enterprise the fact names.
  auto index = tlog::append(db, kind, ref, entry, tlog::parties_named_in(json::parse(entry)));
  if (!index) return index.error();
  auto st = db.prepare(update);
  if (!st) return st.error();
  st->bind(1, *index).bind(2, key);
  return st->exec();
}

// After an insert: the submitted claims the fact feeds become stale (claims.hpp).
Status stale_after(Db& db, Status inserted, RuleId rule, const std::optional<std::string>& claimant,
                   std::optional<int> year, const std::optional<std::string>& dataset = std::nullopt) {
  if (!inserted) return inserted;
  auto marked = clause_facts_changed(db, rule, claimant, year, dataset);
  if (!marked) return marked.error();
  return Status::Ok();
}

template <typename T>
std::string fact_text(const T& fact) {
  return canonical_json(json::value(json_io::to_json(fact)));
}

// Reads `sql` (one column: the fact JSON, then a key for messages) and parses each row.
template <typename T, typename Parse>
Status each_fact(Db& db, const char* sql, const char* table, Parse parse, const std::function<Status(const T&)>& fn) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    boost::system::error_code ec;
    json::value v = json::parse(st->text(0), ec);
    if (ec) return Error("CORRUPT_ROW", std::string(table) + " " + st->text(1) + ": stored fact is not JSON");
    auto fact = parse(v);
    if (!fact) return Error("CORRUPT_ROW", std::string(table) + " " + st->text(1) + ": " + fact.error().message);
    if (auto s = fn(*fact); !s) return s;
  }
}

}  // namespace

Status insert_rd_declaration(Db& db, const RdDeclaration& d) {
  // A declaration of a year that has not begun yet is a future fact (its 1 January).
  if (auto s = check_bounds({{d.rd, "rd_fen"}, {d.sales, "sales_fen"}},
                            {{d.year >= 1 && d.year <= 9999 ? std::optional<Date>(Date::ymd(d.year, 1, 1)) : std::nullopt,
                              "year"}});
      !s) {
    return s;
  }
  if (auto s = require_enterprise(db, d.enterprise, "enterprise"); !s) return s;
  auto st = db.prepare("INSERT INTO rd_declarations(enterprise, year, field, fact, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, d.enterprise.str()).bind(2, d.year).bind(3, to_string(d.field)).bind(4, fact_text(d)).bind(5, now_utc());
  auto ins = run_insert(*st, "R&D declaration", d.audit_ref, "audit_ref");
  const std::int64_t row = db.last_insert_rowid();
  ins = logged(db, ins, tlog::EntryKind::kRdDeclaration, tlog::row_ref(row), tlog::rd_declaration_entry(d),
               "UPDATE rd_declarations SET log_index = ?1 WHERE id = ?2", row);
  return stale_after(db, ins,
                     d.field == RdField::kEda ? RuleId::kEdaRd : RuleId::kEquipmentRd, d.enterprise.str(), d.year);
}

Status insert_signoff_participant(Db& db, const SignoffParticipant& p) {
  if (auto s = check_bounds({}, {{p.valid.from, "from"}}); !s) return s;
  if (auto s = require_enterprise(db, p.enterprise, "enterprise"); !s) return s;
  auto st = db.prepare("INSERT INTO signoff_participants(enterprise, fact, created_at) VALUES (?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, p.enterprise.str()).bind(2, fact_text(p)).bind(3, now_utc());
  // Every buyer of the participant's tools may be concerned: all submitted 2b claims.
  auto ins = run_insert(*st, "sign-off participation", p.enterprise.str(), "enterprise");
  const std::int64_t row = db.last_insert_rowid();
  ins = logged(db, ins, tlog::EntryKind::kSignoffParticipant, tlog::row_ref(row), tlog::signoff_participant_entry(p),
               "UPDATE signoff_participants SET log_index = ?1 WHERE id = ?2", row);
  return stale_after(db, ins,
                     RuleId::kEdaPurchase, std::nullopt, std::nullopt);
}

Status insert_compute_contract(Db& db, const ComputeContract& c) {
  if (auto s = check_bounds({{c.amount, "amount_fen"}, {c.voucher, "voucher_fen"}}, {{c.date, "date"}}); !s) return s;
  if (auto s = require_enterprise(db, c.customer, "customer"); !s) return s;
  if (auto s = require_enterprise(db, c.provider, "provider"); !s) return s;
  auto st = db.prepare(
      "INSERT INTO compute_contracts(id, customer, provider, date, fact, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, c.id).bind(2, c.customer.str()).bind(3, c.provider.str()).bind(4, c.date.str());
  st->bind(5, fact_text(c)).bind(6, now_utc());
  auto ins = logged(db, run_insert(*st, "compute contract", c.id, "id"), tlog::EntryKind::kComputeContract, c.id,
                    tlog::compute_contract_entry(c), "UPDATE compute_contracts SET log_index = ?1 WHERE id = ?2", c.id);
  return stale_after(db, ins, RuleId::kCompute, c.customer.str(),
                     c.date.year());
}

Status insert_data_trade(Db& db, const DataTrade& t) {
  if (auto s = check_bounds({{t.amount, "amount_fen"}}, {{t.date, "date"}}); !s) return s;
  if (auto s = require_enterprise(db, t.platform, "platform"); !s) return s;
  if (auto s = require_enterprise(db, t.buyer, "buyer"); !s) return s;
  if (auto s = require_enterprise(db, t.seller, "seller"); !s) return s;
  auto st = db.prepare(
      "INSERT INTO data_trades(id, platform, buyer, seller, date, fact, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, t.id).bind(2, t.platform.str()).bind(3, t.buyer.str()).bind(4, t.seller.str()).bind(5, t.date.str());
  st->bind(6, fact_text(t)).bind(7, now_utc());
  auto ins = logged(db, run_insert(*st, "data trade", t.id, "id"), tlog::EntryKind::kDataTrade, t.id,
                    tlog::data_trade_entry(t), "UPDATE data_trades SET log_index = ?1 WHERE id = ?2", t.id);
  return stale_after(db, ins, RuleId::kDataPlatform, t.platform.str(),
                     t.date.year());
}

Status insert_dataset(Db& db, const Dataset& d) {
  if (auto s = require_enterprise(db, d.owner, "owner"); !s) return s;
  auto st = db.prepare("INSERT INTO datasets(id, owner, fact, created_at) VALUES (?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, d.id).bind(2, d.owner.str()).bind(3, fact_text(d)).bind(4, now_utc());
  return logged(db, run_insert(*st, "dataset", d.id, "id"), tlog::EntryKind::kDataset, d.id, tlog::dataset_entry(d),
                "UPDATE datasets SET log_index = ?1 WHERE id = ?2", d.id);
}

Status insert_dataset_call(Db& db, const DatasetCall& c) {
  if (auto s = check_bounds({{c.income, "income_fen"}}, {{c.date, "date"}}); !s) return s;
  {
    auto st = db.prepare("SELECT 1 FROM datasets WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, c.dataset);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Error("UNKNOWN_DATASET", "dataset: unknown dataset '" + c.dataset.substr(0, 80) + "'", "dataset");
  }
  if (auto s = require_enterprise(db, c.caller, "caller"); !s) return s;
  auto st =
      db.prepare("INSERT INTO dataset_calls(id, dataset, caller, date, fact, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, c.id).bind(2, c.dataset).bind(3, c.caller.str()).bind(4, c.date.str()).bind(5, fact_text(c));
  st->bind(6, now_utc());
  auto ins = logged(db, run_insert(*st, "dataset call", c.id, "id"), tlog::EntryKind::kDatasetCall, c.id,
                    tlog::dataset_call_entry(c), "UPDATE dataset_calls SET log_index = ?1 WHERE id = ?2", c.id);
  return stale_after(db, ins, RuleId::kDataset, std::nullopt, c.date.year(),
                     c.dataset);
}

Status insert_platform_recognition(Db& db, const PlatformRecognition& r) {
  if (auto s = check_bounds({}, {{r.valid.from, "from"}}); !s) return s;
  if (auto s = require_enterprise(db, r.enterprise, "enterprise"); !s) return s;
  auto st = db.prepare("INSERT INTO platform_recognitions(enterprise, fact, created_at) VALUES (?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, r.enterprise.str()).bind(2, fact_text(r)).bind(3, now_utc());
  auto ins = run_insert(*st, "platform recognition", r.enterprise.str(), "enterprise");
  const std::int64_t row = db.last_insert_rowid();
  ins = logged(db, ins, tlog::EntryKind::kPlatformRecognition, tlog::row_ref(row), tlog::platform_recognition_entry(r),
               "UPDATE platform_recognitions SET log_index = ?1 WHERE id = ?2", row);
  return stale_after(db, ins,
                     RuleId::kPlatform, r.enterprise.str(), std::nullopt);
}

Status insert_platform_expense(Db& db, const PlatformExpense& x) {
  if (auto s = check_bounds({{x.amount, "amount_fen"}}, {{x.date, "date"}}); !s) return s;
  if (auto s = require_enterprise(db, x.enterprise, "enterprise"); !s) return s;
  auto st = db.prepare("INSERT INTO platform_expenses(id, enterprise, date, fact, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, x.id).bind(2, x.enterprise.str()).bind(3, x.date.str()).bind(4, fact_text(x)).bind(5, now_utc());
  auto ins = run_insert(*st, "platform expense", x.id.value_or(""), "id");
  const std::int64_t row = db.last_insert_rowid();
  ins = logged(db, ins, tlog::EntryKind::kPlatformExpense, x.id ? *x.id : tlog::row_ref(row),
               tlog::platform_expense_entry(x), "UPDATE platform_expenses SET log_index = ?1 WHERE row = ?2", row);
  return stale_after(db, ins, RuleId::kPlatform,
                     x.enterprise.str(), x.date.year());
}

Status insert_event(Db& db, const Event& e) {
  // An event is registered before it starts (its approval comes first: 事前报批), so only
  // the approval's date is bounded.
  if (auto s = check_bounds({{e.venue_rent, "venue_rent_fen"}}, {{e.approval_date, "approval_date"}}); !s) return s;
  if (auto s = require_enterprise(db, e.organizer, "organizer"); !s) return s;
  auto st = db.prepare("INSERT INTO events(id, organizer, start, fact, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, e.id).bind(2, e.organizer.str()).bind(3, e.start.str()).bind(4, fact_text(e)).bind(5, now_utc());
  return logged(db, run_insert(*st, "event", e.id, "id"), tlog::EntryKind::kEvent, e.id, tlog::event_entry(e),
                "UPDATE events SET log_index = ?1 WHERE id = ?2", e.id);
}

Status for_each_rd_declaration(Db& db, const std::function<Status(const RdDeclaration&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM rd_declarations ORDER BY id", "rd_declarations",
                   json_io::rd_declaration_from_json, fn);
}
Status for_each_signoff_participant(Db& db, const std::function<Status(const SignoffParticipant&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM signoff_participants ORDER BY id", "signoff_participants",
                   json_io::signoff_participant_from_json, fn);
}
Status for_each_compute_contract(Db& db, const std::function<Status(const ComputeContract&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM compute_contracts ORDER BY created_at, id", "compute_contracts",
                   json_io::compute_contract_from_json, fn);
}
Status for_each_data_trade(Db& db, const std::function<Status(const DataTrade&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM data_trades ORDER BY created_at, id", "data_trades",
                   json_io::data_trade_from_json, fn);
}
Status for_each_dataset(Db& db, const std::function<Status(const Dataset&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM datasets ORDER BY created_at, id", "datasets", json_io::dataset_from_json,
                   fn);
}
Status for_each_dataset_call(Db& db, const std::function<Status(const DatasetCall&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM dataset_calls ORDER BY created_at, id", "dataset_calls",
                   json_io::dataset_call_from_json, fn);
}
Status for_each_platform_recognition(Db& db, const std::function<Status(const PlatformRecognition&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM platform_recognitions ORDER BY id", "platform_recognitions",
                   json_io::platform_recognition_from_json, fn);
}
Status for_each_platform_expense(Db& db, const std::function<Status(const PlatformExpense&)>& fn) {
  return each_fact(db, "SELECT fact, row FROM platform_expenses ORDER BY row", "platform_expenses",
                   json_io::platform_expense_from_json, fn);
}
Status for_each_event(Db& db, const std::function<Status(const Event&)>& fn) {
  return each_fact(db, "SELECT fact, id FROM events ORDER BY created_at, id", "events", json_io::event_from_json, fn);
}

}  // namespace chipreg::store
