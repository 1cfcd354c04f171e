// The validated write and read layer for facts (see repository.hpp for the contract).
// Every statement comes from the connection's statement cache and goes back to it, reset,
// when the call ends, so a bulk import runs the same few statements a million times
// without compiling SQL again.
#include "registry/store/repository.hpp"
#include "registry/store/claims.hpp"

#include <array>
#include <cassert>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>

#include "registry/domain/fact_json.hpp"
#include "registry/domain/purchase_rules.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {
namespace {

constexpr const char* kProductColumns = "id, kind, owner, self_developed, first_market_date, focus_area, model";
// The row id, the columns a purchase is read from (the log's, tlog::purchase_from_columns)
// and its leaf index.
const std::string kPurchaseColumns = std::string("id, ") + tlog::kPurchaseLeafColumns + ", log_index";

// Turns a storage failure into the layer's codes: constraint failures the explicit checks
// did not anticipate become DUPLICATE / CONSTRAINT_VIOLATION with SQLite's words.
Error map_db_error(const Error& e, std::string_view field = {}) {
  if (e.code != "CONSTRAINT") return e;
  if (e.message.find("UNIQUE") != std::string::npos || e.message.find("PRIMARY KEY") != std::string::npos) {
    return Error("DUPLICATE", "already stored (" + e.message + ")", std::string(field));
  }
  return Error("CONSTRAINT_VIOLATION", "the registry refused the row: " + e.message, std::string(field));
}

Error unknown(const char* code, const char* what, std::string_view key, const char* field) {
  return Error(code, std::string(field) + ": unknown " + what + " '" + std::string(key.substr(0, 80)) + "'", field);
}

Error duplicate(const std::string& what, const char* field) {
  return Error("DUPLICATE", what + " is already registered", field);
}

Result<Uscc> column_uscc(const Stmt& s, int col) {
  auto u = Uscc::parse(s.text(col));
  if (!u) return Error("CORRUPT_ROW", "stored USCC '" + s.text(col) + "' is invalid");
  return *u;
}

Result<Date> column_date(const Stmt& s, int col) {
  auto d = Date::parse(s.text(col));
  if (!d) return Error("CORRUPT_ROW", "stored date '" + s.text(col) + "' is invalid");
  return *d;
}

Result<Product> product_from_row(const Stmt& s) { return product_from_columns(s, 0); }

Result<StoredPurchase> purchase_from_row(const Stmt& s) {
  auto p = tlog::purchase_from_columns(s, 1);
  if (!p) return p.error();
  return StoredPurchase{.id = s.int64(0), .purchase = std::move(*p), .log_index = s.opt_int64(11)};
}

Result<Validity> validity_from_row(const Stmt& s, int from_col) {
  Validity v;
  auto from = column_date(s, from_col);
  if (!from) return from.error();
  v.from = *from;
  if (!s.is_null(from_col + 1)) {
    auto to = column_date(s, from_col + 1);
    if (!to) return to.error();
    v.to = *to;
  }
  return v;
}

Status check_validity(const Validity& v) {
  if (v.to && *v.to < v.from) return Error("BAD_VALUE", "to: " + v.to->str() + " is before from " + v.from.str(), "to");
  return Status::Ok();
}

}  // namespace

// Lets the existence caches answer a string_view without building a std::string per lookup.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using KeySet = std::unordered_set<std::string, KeyHash, std::equal_to<>>;

struct Repository::Impl {
  explicit Impl(Db& d) : db(d), appender(d) {}
  Db& db;
  KeySet enterprises;
  KeySet persons;
  KeySet products;
  // Prepared once per Repository: the purchase path appends a leaf per row.
  tlog::Appender appender;
  bool row_savepoints = true;
  bool partial = false;       // the last failed write left part of itself (row savepoints off)
  bool failed_clean = false;  // set by a body whose failing statement undid itself

  // Statements come from the connection's cache (db::Db::prepare): compiled once per
  // connection, reset and handed back when the caller's scope ends.
  Result<Stmt> stmt(const char* sql) { return db.prepare(sql); }
  Result<Stmt> stmt(const std::string& sql) { return db.prepare(sql); }

  Result<bool> exists(const char* sql, std::string_view key) {
    auto s = stmt(sql);
    if (!s) return s.error();
    s->bind(1, key);
    return s->step();
  }

  Result<bool> cached_exists(KeySet& cache, const char* sql, std::string_view key) {
    if (cache.find(key) != cache.end()) return true;
    auto found = exists(sql, key);
    if (found && *found) cache.emplace(key);
    return found;
  }

  // Runs `body` inside SAVEPOINT repo_write: released on success, rolled back on failure,
  // so a multi-statement write is all or nothing within the caller's transaction.
  // With row savepoints off (bulk writers that hold a savepoint of their own), the body
  // runs bare and a failure marks the write as possibly partial for the caller to undo.
  template <typename T, typename F>
  Result<T> atomically(F&& body) {
    if (!row_savepoints) {
      failed_clean = false;
      Result<T> r = body();
      if (!r && !failed_clean) partial = true;
      return r;
    }
    auto sp = Savepoint::open(db, "repo_write");
    if (!sp) return sp.error();
    Result<T> r = body();
    if (!r) {
      (void)sp->rollback();
      return r;
    }
    if (auto st = sp->release(); !st) return st.error();
    return r;
  }

  // A row of a reference table and its log leaf (fact_rows.hpp), all or nothing: `insert`
  // writes the row (one INSERT), named by `key`, or when none is given by its new rowid,
  // which is returned.
  template <typename F>
  Result<std::int64_t> logged_insert(tlog::EntryKind kind, std::optional<std::string_view> key, F&& insert) {
    return atomically<std::int64_t>([&]() -> Result<std::int64_t> {
      if (auto st = insert(); !st) {
        failed_clean = true;  // the one failed INSERT undid itself
        return st.error();
      }
      const std::int64_t id = db.last_insert_rowid();
      auto logged = key ? tlog::log_fact_row(db, appender, kind, *key) : tlog::log_fact_row(db, appender, kind, id);
      if (!logged) return logged.error();
      return id;
    });
  }
  template <typename F>
  Result<std::int64_t> logged_insert(tlog::EntryKind kind, F&& insert) {
    return logged_insert(kind, std::nullopt, std::forward<F>(insert));
  }
};

Repository::Repository(Db& db) : impl_(std::make_unique<Impl>(db)) {}
Repository::~Repository() = default;

void Repository::set_row_savepoints(bool on) { impl_->row_savepoints = on; }

bool Repository::take_partial_write() { return std::exchange(impl_->partial, false); }

void Repository::forget_cached() {
  impl_->enterprises.clear();
  impl_->persons.clear();
  impl_->products.clear();
}

Result<bool> Repository::enterprise_exists(std::string_view uscc) {
  return impl_->cached_exists(impl_->enterprises, "SELECT 1 FROM enterprises WHERE uscc = ?", uscc);
}

Result<bool> Repository::person_exists(std::string_view id) {
  return impl_->cached_exists(impl_->persons, "SELECT 1 FROM persons WHERE id = ?", id);
}

Result<bool> Repository::product_exists(const Uscc& owner, std::string_view id) {
  std::string key = owner.str();
  key += '/';
  key += id;
  if (impl_->products.find(key) != impl_->products.end()) return true;
  auto s = impl_->stmt("SELECT 1 FROM products WHERE owner = ? AND id = ?");
  if (!s) return s.error();
  s->bind_view(1, owner.str()).bind(2, id);
  auto found = s->step();
  if (found && *found) impl_->products.emplace(std::move(key));
  return found;
}

Result<Product> product_from_columns(const Stmt& s, int first) {
  auto kind = parse_enum<ProductKind>(s.text(first + 1));
  if (!kind) return kind.error();
  auto owner = column_uscc(s, first + 2);
  if (!owner) return owner.error();
  std::optional<Date> market;
  if (!s.is_null(first + 4)) {
    auto d = column_date(s, first + 4);
    if (!d) return d.error();
    market = *d;
  }
  return Product{.id = s.text(first),
                 .kind = *kind,
                 .owner = *owner,
                 .self_developed = s.int64(first + 3) != 0,
                 .first_market_date = market,
                 .focus_area = s.text(first + 5),
                 .model = s.opt_text(first + 6)};
}

// ---------------------------------------------------------------------------------------
// enterprises

Status Repository::insert_enterprise(const Enterprise& e) {
  if (e.name.empty()) return Error("BAD_VALUE", "name: must not be empty", "name");
  auto found = enterprise_exists(e.uscc.str());
  if (!found) return found.error();
  if (*found) return duplicate("enterprise " + e.uscc.str(), "uscc");
  auto r = impl_->atomically<bool>([&]() -> Result<bool> {
    auto ins = impl_->stmt("INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES (?, ?, ?, ?)");
    if (!ins) return ins.error();
    {
      ins->bind(1, e.uscc.str()).bind(2, e.name).bind(3, e.in_district).bind(4, now_utc());
      if (auto st = ins->exec(); !st) return map_db_error(st.error(), "uscc");
    }
    auto role = impl_->stmt("INSERT OR IGNORE INTO enterprise_roles(uscc, role) VALUES (?, ?)");
    if (!role) return role.error();
    for (Role x : e.roles) {
      role->bind(1, e.uscc.str()).bind(2, to_string(x));
      if (auto st = role->exec(); !st) return map_db_error(st.error(), "roles");
    }
    auto logged = tlog::log_fact_row(impl_->db, tlog::EntryKind::kEnterprise, e.uscc.str());
    if (!logged) return logged.error();
    return true;
  });
  if (!r) return r.error();
  impl_->enterprises.insert(e.uscc.str());
  return Status::Ok();
}

Result<std::optional<Enterprise>> Repository::get_enterprise(const Uscc& uscc) {
  auto s = impl_->stmt("SELECT uscc, name, in_district FROM enterprises WHERE uscc = ?");
  if (!s) return s.error();
  Enterprise e{.uscc = uscc, .name = {}, .in_district = false, .roles = {}};
  {
    s->bind(1, uscc.str());
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Enterprise>();
    e.name = s->text(1);
    e.in_district = s->int64(2) != 0;
  }
  auto roles = impl_->stmt("SELECT role FROM enterprise_roles WHERE uscc = ? ORDER BY role");
  if (!roles) return roles.error();
  roles->bind(1, uscc.str());
  auto listed = collect<Role>(*roles, [](const Stmt& r) { return parse_enum<Role>(r.text(0)); });
  if (!listed) return listed.error();
  e.roles = std::move(*listed);
  return std::optional<Enterprise>(std::move(e));
}

// ---------------------------------------------------------------------------------------
// persons and family

Status Repository::insert_person(const Person& p) {
  if (p.id.empty()) return Error("BAD_VALUE", "id: must not be empty", "id");
  if (p.name.empty()) return Error("BAD_VALUE", "name: must not be empty", "name");
  auto found = person_exists(p.id);
  if (!found) return found.error();
  if (*found) return duplicate("person '" + p.id + "'", "id");
  auto r = impl_->logged_insert(tlog::EntryKind::kPerson, p.id, [&]() -> Status {
    auto ins = impl_->stmt("INSERT INTO persons(id, name, created_at) VALUES (?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, p.id).bind(2, p.name).bind(3, now_utc());
    if (auto st = ins->exec(); !st) return map_db_error(st.error(), "id");
    return Status::Ok();
  });
  if (!r) return r.error();
  impl_->persons.insert(p.id);
  return Status::Ok();
}

Result<std::optional<Person>> Repository::get_person(std::string_view id) {
  auto s = impl_->stmt("SELECT id, name FROM persons WHERE id = ?");
  if (!s) return s.error();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Person>();
  return std::optional<Person>(Person{s->text(0), s->text(1)});
}

Result<std::int64_t> Repository::insert_family_link(const FamilyLink& f) {
  if (f.a == f.b) return Error("BAD_VALUE", "b: a person cannot be linked to themselves", "b");
  for (const auto& [id, field] : {std::pair{&f.a, "a"}, std::pair{&f.b, "b"}}) {
    auto found = person_exists(*id);
    if (!found) return found.error();
    if (!*found) return unknown("UNKNOWN_PERSON", "person", *id, field);
  }
  {
    auto s = impl_->stmt("SELECT 1 FROM family_links WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)");
    if (!s) return s.error();
    s->bind(1, f.a).bind(2, f.b);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) return duplicate("family link " + f.a + " / " + f.b, "b");
  }
  return impl_->logged_insert(tlog::EntryKind::kFamilyLink, [&]() -> Status {
    auto ins = impl_->stmt("INSERT INTO family_links(a, b, relation) VALUES (?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, f.a).bind(2, f.b).bind(3, to_string(f.relation));
    if (auto st = ins->exec(); !st) return map_db_error(st.error(), "b");
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------
// equity and manual affiliations

Result<std::int64_t> Repository::insert_equity(const EquityEdge& e) {
  if (e.pct.units() <= 0 || e.pct > Rate::percent(100)) {
    return Error("BAD_VALUE", "pct: must be above 0 and at most 100", "pct");
  }
  if (auto st = check_validity(e.valid); !st) return st.error();
  if (e.holder_is_person) {
    auto found = person_exists(e.holder);
    if (!found) return found.error();
    if (!*found) return unknown("UNKNOWN_PERSON", "person", e.holder, "holder");
  } else {
    if (e.holder == e.held.str()) return Error("BAD_VALUE", "holder: an enterprise cannot hold itself", "holder");
    auto found = enterprise_exists(e.holder);
    if (!found) return found.error();
    if (!*found) return unknown("UNKNOWN_ENTERPRISE", "enterprise", e.holder, "holder");
  }
  auto held = enterprise_exists(e.held.str());
  if (!held) return held.error();
  if (!*held) return unknown("UNKNOWN_ENTERPRISE", "enterprise", e.held.str(), "held");

  std::optional<std::string> holder_ent, holder_person;
  (e.holder_is_person ? holder_person : holder_ent) = e.holder;
  {
    // Two forms, each an equality on its holder column: `holder_x IS ?` with a NULL
    // binding would be planned on the other holder's index and scan every row it is NULL in.
    auto s = e.holder_is_person
                 ? impl_->stmt("SELECT 1 FROM equity WHERE holder_person = ? AND held = ? AND valid_from = ?")
                 : impl_->stmt("SELECT 1 FROM equity WHERE holder_enterprise = ? AND held = ? AND valid_from = ?");
    if (!s) return s.error();
    s->bind(1, e.holder).bind(2, e.held.str()).bind(3, e.valid.from.str());
    auto row = s->step();
    if (!row) return row.error();
    if (*row) {
      return duplicate("equity of " + e.holder + " in " + e.held.str() + " from " + e.valid.from.str(), "from");
    }
  }
  // The row is written with the index its leaf will take and logged from the values it
  // was written with: no second write of the row and no read-back (an import writes one
  // edge per line).
  Db& db = impl_->db;
  tlog::Appender& appender = impl_->appender;
  return impl_->atomically<std::int64_t>([&]() -> Result<std::int64_t> {
    auto leaf = appender.next_index();
    if (!leaf) return leaf.error();
    auto ins = impl_->stmt(
        "INSERT INTO equity(holder_enterprise, holder_person, held, pct_units, valid_from, valid_to, log_index) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    const std::string held = e.held.str();
    const std::string from = e.valid.from.str();
    std::optional<std::string> to;
    if (e.valid.to) to = e.valid.to->str();
    ins->bind(1, holder_ent).bind(2, holder_person).bind(3, held).bind(4, e.pct.units());
    ins->bind(5, from).bind(6, to).bind(7, *leaf);
    if (auto st = ins->exec(); !st) {
      impl_->failed_clean = true;  // the one failed INSERT undid itself
      return map_db_error(st.error());
    }
    const std::int64_t id = db.last_insert_rowid();
    auto text = [](const std::optional<std::string>& v) -> tlog::Cell {
      if (v) return std::string_view(*v);
      return nullptr;
    };
    // fact_columns(kEquity): id, holder_enterprise, holder_person, held, pct_units, valid_from, valid_to.
    const std::array<tlog::Cell, 7> cells{
        id,      text(holder_ent), text(holder_person), std::string_view(held), e.pct.units(), std::string_view(from),
        text(to)};
    auto logged = tlog::log_written_row(appender, tlog::EntryKind::kEquity, cells, *leaf);
    if (!logged) return logged.error();
    return id;
  });
}

Result<std::int64_t> Repository::insert_manual_affiliation(const ManualAffiliation& m) {
  if (m.a == m.b) return Error("BAD_VALUE", "b: an enterprise cannot be affiliated with itself", "b");
  if (m.basis.empty()) return Error("BAD_VALUE", "basis: must not be empty", "basis");
  if (auto st = check_validity(m.valid); !st) return st.error();
  for (const auto& [u, field] : {std::pair{&m.a, "a"}, std::pair{&m.b, "b"}}) {
    auto found = enterprise_exists(u->str());
    if (!found) return found.error();
    if (!*found) return unknown("UNKNOWN_ENTERPRISE", "enterprise", u->str(), field);
  }
  {
    auto s = impl_->stmt(
        "SELECT 1 FROM manual_affiliations WHERE ((a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)) "
        "AND valid_from = ?3");
    if (!s) return s.error();
    s->bind(1, m.a.str()).bind(2, m.b.str()).bind(3, m.valid.from.str());
    auto row = s->step();
    if (!row) return row.error();
    if (*row) {
      return duplicate("manual affiliation " + m.a.str() + " / " + m.b.str() + " from " + m.valid.from.str(), "from");
    }
  }
  return impl_->logged_insert(tlog::EntryKind::kManualAffiliation, [&]() -> Status {
    auto ins = impl_->stmt("INSERT INTO manual_affiliations(a, b, valid_from, valid_to, basis) VALUES (?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    std::optional<std::string> to;
    if (m.valid.to) to = m.valid.to->str();
    ins->bind(1, m.a.str()).bind(2, m.b.str()).bind(3, m.valid.from.str()).bind(4, to).bind(5, m.basis);
    if (auto st = ins->exec(); !st) return map_db_error(st.error());
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------
// products

Status Repository::insert_product(const Product& p) {
  if (p.id.empty()) return Error("BAD_VALUE", "id: must not be empty", "id");
  if (p.model && p.model->empty()) return Error("BAD_VALUE", "model: must be null or non-empty", "model");
  auto owner = enterprise_exists(p.owner.str());
  if (!owner) return owner.error();
  if (!*owner) return unknown("UNKNOWN_ENTERPRISE", "enterprise", p.owner.str(), "owner");
  auto found = product_exists(p.owner, p.id);
  if (!found) return found.error();
  if (*found) return duplicate("product '" + p.id + "' of " + p.owner.str(), "id");
  if (p.model) {
    auto s = impl_->stmt("SELECT id FROM products WHERE owner = ? AND model = ?");
    if (!s) return s.error();
    s->bind(1, p.owner.str()).bind(2, *p.model);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) {
      return Error(
          "DUPLICATE",
          "model: " + p.owner.str() + " already sells model '" + *p.model + "' as product '" + s->text(0) + "'",
          "model");
    }
  }
  const std::string ref = p.owner.str() + "/" + p.id;  // the product's name in the log
  auto r = impl_->logged_insert(tlog::EntryKind::kProduct, ref, [&]() -> Status {
    auto ins = impl_->stmt(
        "INSERT INTO products(id, kind, owner, self_developed, first_market_date, focus_area, model, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    std::optional<std::string> market;
    if (p.first_market_date) market = p.first_market_date->str();
    ins->bind(1, p.id).bind(2, to_string(p.kind)).bind(3, p.owner.str()).bind(4, p.self_developed);
    ins->bind(5, market).bind(6, p.focus_area).bind(7, p.model).bind(8, now_utc());
    if (auto st = ins->exec(); !st) return map_db_error(st.error(), "id");
    return Status::Ok();
  });
  if (!r) return r.error();
  impl_->products.insert(ref);
  return Status::Ok();
}

Result<std::optional<Product>> Repository::get_product(const Uscc& owner, std::string_view id) {
  auto s = impl_->stmt(std::string("SELECT ") + kProductColumns + " FROM products WHERE owner = ? AND id = ?");
  if (!s) return s.error();
  s->bind_view(1, owner.str()).bind(2, id);
  return optional_row<Product>(*s, product_from_row);
}

Result<std::vector<Product>> Repository::products_with_id(std::string_view id) {
  auto s = impl_->stmt(std::string("SELECT ") + kProductColumns + " FROM products WHERE id = ? ORDER BY owner");
  if (!s) return s.error();
  s->bind(1, id);
  return collect<Product>(*s, product_from_row);
}

Result<std::optional<Product>> Repository::find_product_by_model(const Uscc& owner, std::string_view model) {
  auto s = impl_->stmt(std::string("SELECT ") + kProductColumns + " FROM products WHERE owner = ? AND model = ?");
  if (!s) return s.error();
  s->bind(1, owner.str()).bind(2, model);
  return optional_row<Product>(*s, product_from_row);
}

Result<bool> Repository::has_products(const Uscc& owner) {
  auto s = impl_->stmt("SELECT EXISTS (SELECT 1 FROM products WHERE owner = ?)");
  if (!s) return s.error();
  s->bind(1, owner.str());
  auto row = s->step();
  if (!row) return row.error();
  return *row && s->int64(0) != 0;
}

// ---------------------------------------------------------------------------------------
// purchases

Result<std::optional<StoredPurchase>> Repository::get_purchase(const Uscc& buyer, std::string_view invoice,
                                                               std::int64_t line) {
  auto s = impl_->stmt(std::string("SELECT ") + kPurchaseColumns +
                       " FROM purchases WHERE buyer = ? AND invoice = ? AND line = ?");
  if (!s) return s.error();
  s->bind_view(1, buyer.str()).bind(2, invoice).bind(3, line);
  return optional_row<StoredPurchase>(*s, purchase_from_row);
}

Result<std::vector<StoredPurchase>> Repository::lines_of_invoice(const Uscc& buyer, std::string_view invoice) {
  auto s = impl_->stmt(std::string("SELECT ") + kPurchaseColumns +
                       " FROM purchases WHERE buyer = ? AND invoice = ? ORDER BY line");
  if (!s) return s.error();
  s->bind_view(1, buyer.str()).bind(2, invoice);
  return collect<StoredPurchase>(*s, purchase_from_row);
}

Result<std::optional<Money>> Repository::remaining_amount(const Uscc& buyer, const InvoiceLineRef& line) {
  auto orig = get_purchase(buyer, line.invoice, line.line);
  if (!orig) return orig.error();
  if (!*orig) return std::optional<Money>();
  auto s = impl_->stmt(
      "SELECT coalesce(sum(amount_fen), 0), coalesce(sum(tax_fen), 0) FROM purchases "
      "WHERE buyer = ? AND reverses_invoice = ? AND reverses_line = ?");
  if (!s) return s.error();
  s->bind_view(1, buyer.str()).bind(2, line.invoice).bind(3, line.line);
  auto row = s->step();
  if (!row) return row.error();
  return std::optional<Money>(Money::fen((*orig)->purchase.amount.fen() + s->int64(0)));
}

Result<StoredPurchase> Repository::insert_purchase(const Purchase& p) {
  if (auto st = check_purchase_line(p); !st) return st.error();
  if (auto st = check_not_future(p.date, now_utc(), "date"); !st) return st.error();
  for (const auto& [u, field] : {std::pair{&p.buyer, "buyer"}, std::pair{&p.seller, "seller"}}) {
    auto found = enterprise_exists(u->str());
    if (!found) return found.error();
    if (!*found) return unknown("UNKNOWN_ENTERPRISE", "enterprise", u->str(), field);
  }
  // A line names its seller's product (products are keyed by owner, schema migration 15).
  auto product = product_exists(p.seller, p.product);
  if (!product) return product.error();
  if (!*product) {
    return Error("UNKNOWN_PRODUCT",
                 "product: seller " + p.seller.str() + " has no registered product '" + p.product.substr(0, 80) +
                     "' (a line names a product of its seller)",
                 "product");
  }
  // A blue line's duplicate is found by the UNIQUE (buyer, invoice, line) index when its
  // row is inserted below (nothing else is checked after it). A red-letter line is looked
  // up first, so that re-importing one reports DUPLICATE rather than an exhausted reversal.
  // Both look only among the buyer's own lines: another buyer's are never consulted.
  if (p.reverses) {
    auto s = impl_->stmt("SELECT 1 FROM purchases WHERE buyer = ? AND invoice = ? AND line = ?");
    if (!s) return s.error();
    s->bind_view(1, p.buyer.str()).bind(2, p.invoice).bind(3, p.line);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) return duplicate("invoice " + p.invoice + " line " + std::to_string(p.line), "line");
  }
  int series_year = p.date.year();  // the year of the line, or of the line it reverses
  if (p.reverses) {
    const InvoiceLineRef& r = *p.reverses;
    const std::string what = "invoice " + r.invoice + " line " + std::to_string(r.line);
    auto orig = get_purchase(p.buyer, r.invoice, r.line);
    if (!orig) return orig.error();
    if (!*orig) return Error("UNKNOWN_INVOICE_LINE", "reverses: the buyer has no stored " + what, "reverses");
    const Purchase& o = (*orig)->purchase;
    series_year = o.date.year();
    auto s = impl_->stmt(
        "SELECT coalesce(sum(amount_fen), 0), coalesce(sum(tax_fen), 0) FROM purchases "
        "WHERE buyer = ? AND reverses_invoice = ? AND reverses_line = ?");
    if (!s) return s.error();
    s->bind_view(1, p.buyer.str()).bind(2, r.invoice).bind(3, r.line);
    auto row = s->step();
    if (!row) return row.error();
    assert(*row && "an aggregate without GROUP BY returns one row");
    if (auto st = check_reversal(p, o, Money::fen(s->int64(0)), Money::fen(s->int64(1))); !st) return st.error();
  }
  // The row is the log leaf (schema migration 3): it goes in carrying its leaf index and
  // hash, with id = index + 1. If the INSERT fails (a duplicate line), that one statement
  // undoes itself and nothing else was written. Only a failure while storing the subtrees
  // it completes, after it, leaves a partial write (see atomically).
  return impl_->atomically<StoredPurchase>([&]() -> Result<StoredPurchase> {
    auto next = impl_->appender.next_index();
    if (!next) return next.error();
    auto ins = impl_->stmt(
        "INSERT INTO purchases(id, invoice, line, date, buyer, seller, product, amount_fen, tax_fen, "
        "reverses_invoice, reverses_line, log_index, leaf_hash, created_at, salt, product_owner) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?6)");
    if (!ins) return ins.error();
    // A private fact: the leaf commits to the purchase's bytes under a fresh salt (leaf
    // version 2, schema migration 9); its readers are the buyer and the seller.
    auto salt = tlog::new_salt();
    if (!salt) return salt.error();
    const tlog::Hash leaf = tlog::leaf_hash(
        tlog::commitment_entry(tlog::to_string(tlog::EntryKind::kPurchase), *salt, tlog::purchase_entry(p)));
    {
      // Bound without copies: every string here outlives the statement's use.
      const std::string date = p.date.str();
      const std::string created_at = now_utc();
      ins->bind(1, *next + 1).bind_view(2, p.invoice).bind(3, p.line).bind_view(4, date);
      ins->bind_view(5, p.buyer.str()).bind_view(6, p.seller.str());
      ins->bind_view(7, p.product).bind(8, p.amount.fen()).bind(9, p.tax.fen());
      if (p.reverses) {
        ins->bind_view(10, p.reverses->invoice).bind(11, p.reverses->line);
      } else {
        ins->bind_null(10).bind_null(11);
      }
      ins->bind(12, *next).bind_blob_view(13, leaf.data(), leaf.size()).bind_view(14, created_at);
      ins->bind_blob_view(15, salt->data(), salt->size());
      if (auto st = ins->exec(); !st) {
        const Error e = map_db_error(st.error(), "line");
        impl_->failed_clean = true;  // a failed INSERT is undone by SQLite itself
        // (The id cannot be taken: the tree size is at least the largest purchase id.)
        if (e.code == "DUPLICATE") {
          return duplicate("invoice " + p.invoice + " line " + std::to_string(p.line), "line");
        }
        return e;
      }
    }
    if (auto st = impl_->appender.close_subtrees(*next, leaf); !st) return st.error();
    // A new line of the year, or a red line, changes the claims of its series (nearly
    // always there are none: one indexed probe).
    {
      auto probe = impl_->stmt(
          "SELECT 1 FROM claims WHERE claimant = ? AND year = ? AND rule = 'linkage' "
          "AND status <> 'rejected' LIMIT 1");
      if (!probe) return probe.error();
      probe->bind_view(1, p.buyer.str()).bind(2, series_year);
      auto row = probe->step();
      if (!row) return row.error();
      if (*row) {
        probe->reset();
        auto touched = invoice_lines_changed(impl_->db, p.buyer.str(), series_year, p.reverses.has_value());
        if (!touched) return touched.error();
      }
    }
    return StoredPurchase{*next + 1, p, *next};
  });
}

// ---------------------------------------------------------------------------------------
// other-level awards

Result<std::int64_t> Repository::insert_other_award(const OtherAward& a, std::string_view source) {
  if (a.level.empty()) return Error("BAD_VALUE", "level: must not be empty", "level");
  if (a.amount.fen() < 0) return Error("BAD_VALUE", "amount_fen: must not be negative", "amount_fen");
  auto found = impl_->exists("SELECT 1 FROM claims WHERE id = ?", a.claim);
  if (!found) return found.error();
  if (!*found) return unknown("UNKNOWN_CLAIM", "claim", a.claim, "claim");
  return impl_->logged_insert(tlog::EntryKind::kOtherAward, [&]() -> Status {
    auto ins =
        impl_->stmt("INSERT INTO other_awards(claim, level, amount_fen, source, created_at) VALUES (?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, a.claim).bind(2, a.level).bind(3, a.amount.fen()).bind(4, source).bind(5, now_utc());
    if (auto st = ins->exec(); !st) return map_db_error(st.error());
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------
// one-shot conveniences

Status insert_enterprise(Db& db, const Enterprise& e) { return Repository(db).insert_enterprise(e); }
Status insert_person(Db& db, const Person& p) { return Repository(db).insert_person(p); }
Result<std::int64_t> insert_family_link(Db& db, const FamilyLink& f) { return Repository(db).insert_family_link(f); }
Result<std::int64_t> insert_equity(Db& db, const EquityEdge& e) { return Repository(db).insert_equity(e); }
Result<std::int64_t> insert_manual_affiliation(Db& db, const ManualAffiliation& m) {
  return Repository(db).insert_manual_affiliation(m);
}
Status insert_product(Db& db, const Product& p) { return Repository(db).insert_product(p); }
Result<StoredPurchase> insert_purchase(Db& db, const Purchase& p) { return Repository(db).insert_purchase(p); }
Result<std::int64_t> insert_other_award(Db& db, const OtherAward& a, std::string_view source) {
  return Repository(db).insert_other_award(a, source);
}
Result<std::optional<Enterprise>> get_enterprise(Db& db, const Uscc& uscc) {
  return Repository(db).get_enterprise(uscc);
}
Result<std::optional<Person>> get_person(Db& db, std::string_view id) { return Repository(db).get_person(id); }
Result<std::optional<Product>> get_product(Db& db, const Uscc& owner, std::string_view id) {
  return Repository(db).get_product(owner, id);
}
Result<std::vector<Product>> products_with_id(Db& db, std::string_view id) {
  return Repository(db).products_with_id(id);
}
Result<std::optional<StoredPurchase>> get_purchase(Db& db, const Uscc& buyer, std::string_view invoice,
                                                   std::int64_t line) {
  return Repository(db).get_purchase(buyer, invoice, line);
}

// ---------------------------------------------------------------------------------------
// listings and streaming readers

namespace {

// Steps `s` to completion, calling `row` for each result row; stops at the first error.
// Prepares `sql` and passes each row, parsed by `parse` (Stmt& -> Result<T>), to `fn`;
// stops at the first parse error or the first error `fn` returns.
template <typename Parse, typename Fn>
Status for_each_parsed(Db& db, const std::string& sql, Parse&& parse, const Fn& fn) {
  auto s = db.prepare(sql);
  if (!s) return s.error();
  return each_row(*s, [&]() -> Status {
    auto v = parse(*s);
    if (!v) return v.error();
    return fn(*v);
  });
}

Result<EquityEdge> equity_from_row(const Stmt& s) {
  const bool is_person = s.is_null(0);
  auto held = column_uscc(s, 2);
  if (!held) return held.error();
  auto v = validity_from_row(s, 4);
  if (!v) return v.error();
  return EquityEdge{.holder = is_person ? s.text(1) : s.text(0),
                    .holder_is_person = is_person,
                    .held = *held,
                    .pct = Rate::units(s.int64(3)),
                    .valid = *v};
}

Result<ManualAffiliation> manual_from_row(const Stmt& s) {
  auto a = column_uscc(s, 0);
  if (!a) return a.error();
  auto b = column_uscc(s, 1);
  if (!b) return b.error();
  auto v = validity_from_row(s, 2);
  if (!v) return v.error();
  return ManualAffiliation{.a = *a, .b = *b, .valid = *v, .basis = s.text(4)};
}

}  // namespace

Result<std::vector<StoredPurchase>> list_purchases(Db& db, const PurchaseFilter& f) {
  if (f.limit < 1 || f.limit > 10000) return Error("BAD_VALUE", "limit: must be between 1 and 10000", "limit");
  std::string sql = std::string("SELECT ") + kPurchaseColumns + " FROM purchases WHERE id > ?1";
  if (f.buyer) sql += " AND buyer = ?2";
  if (f.seller) sql += " AND seller = ?3";
  // Dates are ISO text, so a year is a half-open string range and can use the index.
  if (f.year) sql += " AND date >= ?4 AND date < ?5";
  sql += " ORDER BY id LIMIT ?6";
  auto s = db.prepare(sql);
  if (!s) return s.error();
  s->bind(1, f.after_id);
  if (f.buyer) s->bind(2, f.buyer->str());
  if (f.seller) s->bind(3, f.seller->str());
  if (f.year) {
    s->bind(4, std::to_string(*f.year) + "-01-01");
    s->bind(5, std::to_string(*f.year + 1) + "-01-01");
  }
  s->bind(6, f.limit);
  return collect<StoredPurchase>(*s, purchase_from_row);
}

Result<std::vector<Product>> list_products_of(Db& db, const Uscc& owner) {
  auto s = db.prepare(std::string("SELECT ") + kProductColumns + " FROM products WHERE owner = ? ORDER BY id");
  if (!s) return s.error();
  s->bind(1, owner.str());
  return collect<Product>(*s, product_from_row);
}

Result<std::vector<Product>> list_products_page(Db& db, const Uscc& owner, int limit,
                                                const std::optional<std::string>& after_id) {
  auto s = db.prepare(std::string("SELECT ") + kProductColumns +
                      " FROM products WHERE owner = ? AND (? IS NULL OR id > ?) ORDER BY id LIMIT ?");
  if (!s) return s.error();
  s->bind(1, owner.str());
  if (after_id)
    s->bind(2, *after_id).bind(3, *after_id);
  else
    s->bind_null(2).bind_null(3);
  s->bind(4, static_cast<std::int64_t>(limit));
  return collect<Product>(*s, product_from_row);
}

Result<std::vector<StoredOtherAward>> list_other_awards(Db& db, std::string_view claim) {
  auto s = db.prepare("SELECT id, claim, level, amount_fen, source FROM other_awards WHERE claim = ? ORDER BY id");
  if (!s) return s.error();
  s->bind(1, claim);
  std::vector<StoredOtherAward> out;
  auto st = each_row(*s, [&]() -> Status {
    out.push_back(
        StoredOtherAward{s->int64(0), OtherAward{s->text(1), s->text(2), Money::fen(s->int64(3))}, s->text(4)});
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

Result<std::vector<EquityEdge>> equity_into(Db& db, const Uscc& held) {
  auto s = db.prepare(
      "SELECT holder_enterprise, holder_person, held, pct_units, valid_from, valid_to FROM equity WHERE held = ? "
      "ORDER BY id");
  if (!s) return s.error();
  s->bind(1, held.str());
  return collect<EquityEdge>(*s, equity_from_row);
}

Result<std::vector<FamilyLink>> family_links_of(Db& db, std::string_view person) {
  auto s = db.prepare(
      "SELECT a, b, relation FROM family_links WHERE a = ?1 UNION ALL "
      "SELECT a, b, relation FROM family_links WHERE b = ?1 AND a <> ?1");
  if (!s) return s.error();
  s->bind(1, person);
  return collect<FamilyLink>(*s, [](const Stmt& r) -> Result<FamilyLink> {
    auto rel = parse_enum<FamilyRelation>(r.text(2));
    if (!rel) return rel.error();
    return FamilyLink{r.text(0), r.text(1), *rel};
  });
}

Result<std::vector<ManualAffiliation>> manual_affiliations_between(Db& db, const Uscc& a, const Uscc& b) {
  auto s = db.prepare(
      "SELECT a, b, valid_from, valid_to, basis, 1 FROM manual_affiliations WHERE a = ?1 AND b = ?2 UNION ALL "
      "SELECT a, b, valid_from, valid_to, basis, 1 FROM manual_affiliations WHERE a = ?2 AND b = ?1 UNION ALL "
      // Findings of non-affiliation (schema migration 16, objections.hpp), after the others.
      "SELECT a, b, valid_from, valid_to, basis, 0 FROM manual_non_affiliations WHERE a = ?1 AND b = ?2 UNION ALL "
      "SELECT a, b, valid_from, valid_to, basis, 0 FROM manual_non_affiliations WHERE a = ?2 AND b = ?1");
  if (!s) return s.error();
  s->bind(1, a.str()).bind(2, b.str());
  return collect<ManualAffiliation>(*s, [](const Stmt& r) -> Result<ManualAffiliation> {
    auto m = manual_from_row(r);
    if (m) m->affiliated = r.int64(5) != 0;
    return m;
  });
}

Status for_each_enterprise(Db& db, const std::function<Status(const Enterprise&)>& fn) {
  auto s = db.prepare("SELECT uscc FROM enterprises ORDER BY uscc");
  if (!s) return s.error();
  Repository repo(db);
  return each_row(*s, [&]() -> Status {
    auto u = column_uscc(*s, 0);
    if (!u) return u.error();
    auto e = repo.get_enterprise(*u);
    if (!e) return e.error();
    if (!*e) return Error("CORRUPT_ROW", "enterprise " + u->str() + " vanished while reading");
    return fn(**e);
  });
}

Status for_each_person(Db& db, const std::function<Status(const Person&)>& fn) {
  auto s = db.prepare("SELECT id, name FROM persons ORDER BY id");
  if (!s) return s.error();
  return each_row(*s, [&]() { return fn(Person{s->text(0), s->text(1)}); });
}

Status for_each_family_link(Db& db, const std::function<Status(const FamilyLink&)>& fn) {
  auto s = db.prepare("SELECT a, b, relation FROM family_links ORDER BY id");
  if (!s) return s.error();
  return each_row(*s, [&]() -> Status {
    auto rel = parse_enum<FamilyRelation>(s->text(2));
    if (!rel) return rel.error();
    return fn(FamilyLink{s->text(0), s->text(1), *rel});
  });
}

Status for_each_equity(Db& db, const std::function<Status(const EquityEdge&)>& fn) {
  return for_each_parsed(
      db, "SELECT holder_enterprise, holder_person, held, pct_units, valid_from, valid_to FROM equity ORDER BY id",
      equity_from_row, fn);
}

Status for_each_manual_affiliation(Db& db, const std::function<Status(const ManualAffiliation&)>& fn) {
  return for_each_parsed(db, "SELECT a, b, valid_from, valid_to, basis FROM manual_affiliations ORDER BY id",
                         manual_from_row, fn);
}

Status for_each_product(Db& db, const std::function<Status(const Product&)>& fn) {
  return for_each_parsed(db, std::string("SELECT ") + kProductColumns + " FROM products ORDER BY owner, id",
                         product_from_row, fn);
}

Status for_each_purchase(Db& db, const std::function<Status(const StoredPurchase&)>& fn) {
  return for_each_parsed(db, std::string("SELECT ") + kPurchaseColumns + " FROM purchases ORDER BY id",
                         purchase_from_row, fn);
}

Status for_each_other_award(Db& db, const std::function<Status(const StoredOtherAward&)>& fn) {
  return for_each_parsed(
      db, "SELECT id, claim, level, amount_fen, source FROM other_awards ORDER BY id",
      [](Stmt& s) -> Result<StoredOtherAward> {
        return StoredOtherAward{s.int64(0), OtherAward{s.text(1), s.text(2), Money::fen(s.int64(3))}, s.text(4)};
      },
      fn);
}

}  // namespace chipreg::store
