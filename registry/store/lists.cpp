// Keyset listings of facts (see lists.hpp for the order and index of each).
#include "registry/store/lists.hpp"

#include <cassert>

#include "registry/log/store_log.hpp"

namespace chipreg::store {
namespace {

Status check_limit(int limit) {
  if (limit < 1 || limit > 10000) return Error("BAD_VALUE", "limit: must be between 1 and 10000", "limit");
  return Status::Ok();
}

// The purchase columns as the log reads them (tlog::purchase_from_columns), behind the id.
const std::string kPurchaseSelect =
    std::string("SELECT id, ") + tlog::kPurchaseLeafColumns + ", log_index FROM purchases ";

Result<std::vector<StoredPurchase>> read_purchases(Stmt& s) {
  std::vector<StoredPurchase> out;
  auto st = each_row(s, [&]() -> Status {
    auto p = tlog::purchase_from_columns(s, 1);
    if (!p) return p.error();
    out.push_back(StoredPurchase{.id = s.int64(0), .purchase = std::move(*p), .log_index = s.opt_int64(11)});
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace

Result<std::vector<Enterprise>> list_enterprises(Db& db, const std::string& after, int limit) {
  if (auto st = check_limit(limit); !st) return st.error();
  auto s = db.prepare("SELECT uscc FROM enterprises WHERE uscc > ?1 ORDER BY uscc LIMIT ?2");
  if (!s) return s.error();
  s->bind(1, after).bind(2, limit);
  std::vector<std::string> keys;
  auto st = each_row(*s, [&]() -> Status {
    keys.push_back(s->text(0));
    return Status::Ok();
  });
  if (!st) return st.error();
  Repository repo(db);
  std::vector<Enterprise> out;
  for (const auto& k : keys) {
    auto uscc = Uscc::parse(k);
    if (!uscc) return Error("CORRUPT_ROW", "stored USCC '" + k + "' is invalid");
    auto e = repo.get_enterprise(*uscc);
    if (!e) return e.error();
    if (*e) out.push_back(std::move(**e));
  }
  return out;
}

Result<std::vector<Product>> list_products(Db& db, const std::optional<Uscc>& owner, const std::string& after,
                                           int limit) {
  if (auto st = check_limit(limit); !st) return st.error();
  // Keyset paging on the primary key (owner, id). All products: the cursor is the last
  // row's "OWNER/ID" (a USCC is 18 characters); one owner's: its id.
  auto s = db.prepare(owner ? "SELECT owner, id FROM products WHERE owner = ?3 AND id > ?1 ORDER BY id LIMIT ?2"
                            : "SELECT owner, id FROM products WHERE (owner, id) > (substr(?1, 1, 18), substr(?1, 20)) "
                              "ORDER BY owner, id LIMIT ?2");
  if (!s) return s.error();
  s->bind(1, after).bind(2, limit);
  if (owner) s->bind(3, owner->str());
  std::vector<std::pair<std::string, std::string>> keys;
  auto st = each_row(*s, [&]() -> Status {
    keys.emplace_back(s->text(0), s->text(1));
    return Status::Ok();
  });
  if (!st) return st.error();
  Repository repo(db);
  std::vector<Product> out;
  for (const auto& [o, id] : keys) {
    auto u = Uscc::parse(o);
    if (!u) return Error("CORRUPT_ROW", "stored product owner '" + o + "' is not a USCC");
    auto p = repo.get_product(*u, id);
    if (!p) return p.error();
    if (*p) out.push_back(std::move(**p));
  }
  return out;
}

Result<std::vector<std::string>> list_tapeout_ids(Db& db, const TapeoutScope& scope, const std::string& after,
                                                  int limit) {
  if (auto st = check_limit(limit); !st) return st.error();
  assert(!(scope.foundry && scope.design_owner));
  const char* sql = scope.foundry ? "SELECT id FROM tapeouts WHERE foundry = ?3 AND id > ?1 ORDER BY id LIMIT ?2"
                    : scope.design_owner
                        ? "SELECT id FROM tapeouts WHERE design_owner = ?3 AND id > ?1 ORDER BY id LIMIT ?2"
                        : "SELECT id FROM tapeouts WHERE id > ?1 ORDER BY id LIMIT ?2";
  auto s = db.prepare(sql);
  if (!s) return s.error();
  s->bind(1, after).bind(2, limit);
  if (scope.foundry) s->bind(3, scope.foundry->str());
  if (scope.design_owner) s->bind(3, scope.design_owner->str());
  std::vector<std::string> out;
  auto st = each_row(*s, [&]() -> Status {
    out.push_back(s->text(0));
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

Result<std::vector<StoredPurchase>> list_purchases_of_buyer(Db& db, const Uscc& buyer,
                                                            const std::optional<PurchaseCursor>& after,
                                                            std::optional<int> year, int limit) {
  if (auto st = check_limit(limit); !st) return st.error();
  // Dates are ISO text: a year is a half-open string range, and (date, id) is the tail of
  // the purchases_by_buyer_date index (buyer, date, rowid), so the scan is one index range.
  std::string sql = kPurchaseSelect + "WHERE buyer = ?1";
  if (after) sql += " AND (date, id) > (?2, ?3)";
  if (year) sql += " AND date >= ?4 AND date < ?5";
  sql += " ORDER BY date, id LIMIT ?6";
  auto s = db.prepare(sql);
  if (!s) return s.error();
  s->bind(1, buyer.str());
  if (after) s->bind(2, after->date).bind(3, after->id);
  if (year) s->bind(4, std::to_string(*year) + "-01-01").bind(5, std::to_string(*year + 1) + "-01-01");
  s->bind(6, limit);
  return read_purchases(*s);
}

Result<std::vector<StoredPurchase>> list_purchases_of_invoice(Db& db, const Uscc& buyer, const std::string& invoice) {
  auto s = db.prepare(kPurchaseSelect + "WHERE buyer = ?1 AND invoice = ?2 ORDER BY line LIMIT 10000");
  if (!s) return s.error();
  s->bind(1, buyer.str()).bind(2, invoice);
  return read_purchases(*s);
}

Result<std::vector<TokenRow>> list_tokens(Db& db, std::int64_t after, int limit) {
  if (auto st = check_limit(limit); !st) return st.error();
  auto s = db.prepare(
      "SELECT id, role, enterprise, label, created_at, revoked_at FROM tokens WHERE id > ?1 ORDER BY id LIMIT ?2");
  if (!s) return s.error();
  s->bind(1, after).bind(2, limit);
  std::vector<TokenRow> out;
  auto st = each_row(*s, [&]() -> Status {
    out.push_back(TokenRow{s->int64(0), s->text(1), s->opt_text(2), s->text(3), s->text(4), s->opt_text(5)});
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace chipreg::store
