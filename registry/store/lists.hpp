// Paged listings of facts for the API's list endpoints (GET /v1/enterprises, /v1/products,
// /v1/tapeouts, /v1/purchases, /v1/tokens) and the web app.
//
// Every listing is a keyset scan on an index: rows come in the order of a unique key and
// the next page starts strictly after the last key seen, so a page costs the same however
// deep it is (no OFFSET) and rows added meanwhile never shift a page. Each function asks
// for `limit` rows; callers ask for one more than they show to learn whether a next page
// exists.
//
//   listing                     order (the cursor)         index
//   enterprises                 uscc                       primary key
//   products, all               id                         primary key
//   products of an owner        id                         products_by_owner (migration 4)
//   tape-outs, all              id                         primary key
//   tape-outs of a foundry      id                         tapeouts_by_foundry (migration 4)
//   tape-outs of a design owner id                         tapeouts_by_design_owner (migration 4)
//   purchases, all              id                         primary key
//   purchases of a buyer        (date, id)                 purchases_by_buyer_date
//   purchases of one invoice    line                       UNIQUE (invoice, line)
//   tokens                      id                         primary key
//
// Errors: BAD_VALUE for a limit outside 1..10000; DB_ERROR, BUSY, CORRUPT_ROW passed through.
// REQUIRES: a read transaction or autocommit on `db`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// Enterprises with uscc > `after` ("" for the first page).
Result<std::vector<Enterprise>> list_enterprises(Db& db, const std::string& after, int limit);

// Products after the cursor `after`: all, by (owner, id), the cursor "OWNER/ID" of the last
// one; or only those `owner` owns, by id, the cursor the last id.
Result<std::vector<Product>> list_products(Db& db, const std::optional<Uscc>& owner, const std::string& after,
                                           int limit);

// Which tape-outs list_tapeout_ids walks.
struct TapeoutScope {
  std::optional<Uscc> foundry;       // only those this foundry attested
  std::optional<Uscc> design_owner;  // only those of this design owner
};
// Ids of tape-outs with id > `after` in `scope` (at most one of its fields set).
Result<std::vector<std::string>> list_tapeout_ids(Db& db, const TapeoutScope& scope, const std::string& after,
                                                  int limit);

// The position of a purchase in a buyer's listing: its date, then its row id.
struct PurchaseCursor {
  std::string date;  // YYYY-MM-DD
  std::int64_t id = 0;
};
// Lines `buyer` bought, after `after` in (date, id) order, optionally in calendar `year`.
Result<std::vector<StoredPurchase>> list_purchases_of_buyer(Db& db, const Uscc& buyer,
                                                            const std::optional<PurchaseCursor>& after,
                                                            std::optional<int> year, int limit);
// The buyer's lines of one invoice, by line number (at most 10000).
Result<std::vector<StoredPurchase>> list_purchases_of_invoice(Db& db, const Uscc& buyer, const std::string& invoice);

// A token as listed (never its secret, which is not stored).
struct TokenRow {
  std::int64_t id = 0;
  std::string role;
  std::optional<std::string> enterprise;
  std::string label;
  std::string created_at;
  std::optional<std::string> revoked_at;
};
// Tokens with id > `after`.
Result<std::vector<TokenRow>> list_tokens(Db& db, std::int64_t after, int limit);

}  // namespace chipreg::store
