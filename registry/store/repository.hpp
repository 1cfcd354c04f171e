// The validated write and read layer for facts: enterprises (with roles), persons, family
// links, equity, manual affiliations, products, purchases and other-level awards.
//
// Both the HTTP API and the bulk importer write facts only through here, so the per-row
// checks (references to known enterprises, persons, products and invoice lines; duplicate
// keys; red-letter rules) are the same for both by construction. The parsers in
// fact_json.hpp have already checked each field's shape (USCC check characters, dates,
// enums); this layer checks what needs the database.
//
// Transactions: the CALLER owns the transaction. Every insert_* REQUIRES an open write
// transaction (store::Tx) on `db`; a failed insert_* leaves the database as it was before
// the call (multi-statement writes run inside a SAVEPOINT that is rolled back on failure),
// so the caller may keep the transaction and go on with the next fact, or drop it.
//
// Errors (Error::code, Error::field names the offending field of the fact):
//   DUPLICATE             same key already stored: enterprise USCC, person id, product
//                         (owner, id), product (owner, model), (buyer, invoice, line), family pair, equity
//                         (holder, held, from), manual affiliation (pair, from)
//   UNKNOWN_ENTERPRISE    a USCC that names no registered enterprise
//   UNKNOWN_PERSON        a person id that is not registered
//   UNKNOWN_PRODUCT       a product id its owner has not registered (a purchase names its
//                         seller's product)
//   UNKNOWN_INVOICE_LINE  `reverses` names no stored line of the same buyer
//   UNKNOWN_CLAIM         an other-level award for a claim that does not exist
//   BAD_REVERSAL          a red-letter line that breaks the rules below
//   BAD_VALUE             a value the parsers accept but the registry does not (empty
//                         name, buyer == seller, negative amount without `reverses`, ...)
//   CONSTRAINT_VIOLATION  the schema refused the row for a reason not checked above (a
//                         backstop; the message is SQLite's)
//   DB_ERROR, BUSY        storage failures, passed through
//
// Red-letter (红字) lines. A purchase with `reverses` set is a red-letter line:
//   - amount_fen <= 0 and tax_fen <= 0, not both zero; a line without `reverses` must have
//     amount_fen >= 0 and tax_fen >= 0 (BAD_VALUE, field amount_fen / tax_fen);
//   - `reverses` names a stored line (UNKNOWN_INVOICE_LINE) that is itself a blue line
//     (a reversal of a reversal is BAD_REVERSAL);
//   - same buyer, seller and product as the reversed line (BAD_REVERSAL, field naming the
//     mismatch);
//   - dated on or after the reversed line;
//   - all reversals of one line together reverse at most its amount and at most its tax
//     (BAD_REVERSAL "exceeds the remaining ..."): a line can be reversed in parts, never
//     below zero.
//
// A purchase is also a leaf of the transparency log (kind "purchase", ref "INVOICE#LINE",
// leaf = tlog::purchase_entry(purchase)), written in the same transaction: the row itself
// is the leaf, with id = log_index + 1 and the leaf hash in the row (schema migration 3,
// docs/LOG.md). Purchases logged before that migration keep their own ids and a
// log_entries row.
//
// Thread-safety: a Repository belongs to one thread, like its Db.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// A purchase line as stored: the fact plus the row id and its leaf in the log (for a
// purchase logged since schema migration 3, id == *log_index + 1).
struct StoredPurchase {
  std::int64_t id = 0;
  Purchase purchase;
  std::optional<std::int64_t> log_index;
};

struct StoredOtherAward {
  std::int64_t id = 0;
  OtherAward award;
  std::string source;
};

// Which purchases list_purchases returns. Rows come in ascending id order; for the next
// page pass the last id seen as `after_id`.
struct PurchaseFilter {
  std::optional<Uscc> buyer;   // lines bought by this enterprise
  std::optional<Uscc> seller;  // lines sold by this enterprise
  std::optional<int> year;     // lines dated in this calendar year
  std::int64_t after_id = 0;   // keyset paging: only ids > after_id
  int limit = 100;             // at most this many rows (1..10000)
};

// Holds the prepared statements (prepared once, reused for every fact) and an in-memory
// cache of enterprises, persons and products known to exist, so that bulk imports do
// not pay a query per reference. The cache only ever holds keys that are committed or
// written in the current transaction; if the caller rolls back a transaction in which
// this Repository inserted facts, it must call forget_cached() (or drop the Repository).
class Repository {
 public:
  // REQUIRES: `db` outlives the Repository.
  explicit Repository(Db& db);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // ---- writes (REQUIRE an open write transaction) ----
  Status insert_enterprise(const Enterprise& e);
  Status insert_person(const Person& p);
  // Returns the new row id.
  Result<std::int64_t> insert_family_link(const FamilyLink& f);
  Result<std::int64_t> insert_equity(const EquityEdge& e);
  Result<std::int64_t> insert_manual_affiliation(const ManualAffiliation& m);
  Status insert_product(const Product& p);
  // Returns the row as stored (id and log_index).
  Result<StoredPurchase> insert_purchase(const Purchase& p);
  Result<std::int64_t> insert_other_award(const OtherAward& a, std::string_view source = {});

  // ---- reads ----
  Result<std::optional<Enterprise>> get_enterprise(const Uscc& uscc);
  Result<std::optional<Person>> get_person(std::string_view id);
  // Products are keyed by (owner, id): an id is the owner's own name for its product.
  Result<std::optional<Product>> get_product(const Uscc& owner, std::string_view id);
  // Every owner's product of this id, by owner (products_by_id).
  Result<std::vector<Product>> products_with_id(std::string_view id);
  // The product `owner` sells under `model` (规格型号), if any.
  Result<std::optional<Product>> find_product_by_model(const Uscc& owner, std::string_view model);
  // Whether `owner` has any registered product (the e-invoice import skips other sellers).
  Result<bool> has_products(const Uscc& owner);
  // Invoice lines are keyed by (buyer, invoice, line): every read names the buyer, so no
  // answer depends on another buyer's lines.
  Result<std::optional<StoredPurchase>> get_purchase(const Uscc& buyer, std::string_view invoice, std::int64_t line);
  // The buyer's lines of one invoice, by line number.
  Result<std::vector<StoredPurchase>> lines_of_invoice(const Uscc& buyer, std::string_view invoice);
  // What is left of a blue line's amount after the red-letter lines stored against it
  // (amount_fen + the sum of their negative amounts), or nullopt for an unknown line.
  Result<std::optional<Money>> remaining_amount(const Uscc& buyer, const InvoiceLineRef& line);

  // Existence checks, answered from the cache when possible.
  Result<bool> enterprise_exists(std::string_view uscc);
  Result<bool> person_exists(std::string_view id);
  Result<bool> product_exists(const Uscc& owner, std::string_view id);

  // Drops the existence cache (after rolling back a transaction that inserted facts).
  void forget_cached();

  // For bulk writers (the importer). With row savepoints on (the default) every insert_*
  // is all or nothing as described above. Turned off, an insert_* whose checks passed
  // writes without its own SAVEPOINT (one fewer journal copy of every page it touches);
  // if such a write then fails after writing part of itself, take_partial_write()
  // answers true (once) and the caller MUST roll back to a savepoint of its own taken
  // before the call, call forget_cached(), and may redo the rows with savepoints on.
  // A write refused by the checks, or by a single failing INSERT, is never partial.
  void set_row_savepoints(bool on);
  bool take_partial_write();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot conveniences for callers that write a single fact (the HTTP handlers). Each
// builds a Repository for the call; semantics are exactly those of the methods above.
Status insert_enterprise(Db& db, const Enterprise& e);
Status insert_person(Db& db, const Person& p);
Result<std::int64_t> insert_family_link(Db& db, const FamilyLink& f);
Result<std::int64_t> insert_equity(Db& db, const EquityEdge& e);
Result<std::int64_t> insert_manual_affiliation(Db& db, const ManualAffiliation& m);
Status insert_product(Db& db, const Product& p);
Result<StoredPurchase> insert_purchase(Db& db, const Purchase& p);
Result<std::int64_t> insert_other_award(Db& db, const OtherAward& a, std::string_view source = {});

Result<std::optional<Enterprise>> get_enterprise(Db& db, const Uscc& uscc);
Result<std::optional<Person>> get_person(Db& db, std::string_view id);
Result<std::optional<Product>> get_product(Db& db, const Uscc& owner, std::string_view id);
// The product whose columns `id, kind, owner, self_developed, first_market_date,
// focus_area, model` a row holds from column `first` on (a join's reader). Errors:
// CORRUPT_ROW (an owner or date the table's checks should have kept out), BAD_VALUE (kind).
Result<Product> product_from_columns(const db::Stmt& s, int first);
Result<std::vector<Product>> products_with_id(Db& db, std::string_view id);
Result<std::optional<StoredPurchase>> get_purchase(Db& db, const Uscc& buyer, std::string_view invoice,
                                                   std::int64_t line);

// Purchases matching `filter`, ascending by id (keyset paging, see PurchaseFilter).
Result<std::vector<StoredPurchase>> list_purchases(Db& db, const PurchaseFilter& filter);
// Products owned by `owner`, ascending by id.
Result<std::vector<Product>> list_products_of(Db& db, const Uscc& owner);
// One page of `owner`'s products in id order: at most `limit` of them, with ids after
// `after_id` when given (the previous page's last id).
Result<std::vector<Product>> list_products_page(Db& db, const Uscc& owner, int limit,
                                                const std::optional<std::string>& after_id);
// Other-level awards recorded for a claim, ascending by id.
Result<std::vector<StoredOtherAward>> list_other_awards(Db& db, std::string_view claim);

// Streaming readers for export and for loading facts: call `fn` once per row in key
// order (enterprises by USCC, persons and products by id, the rest by row id), without
// holding all rows in memory. The first non-ok Status returned by `fn` stops the walk and
// is returned.
// Local reads for the claim-facts builder (load_facts.hpp), each one indexed query.
// Edges held IN `held` (equity_by_held), ordered by id.
Result<std::vector<EquityEdge>> equity_into(Db& db, const Uscc& held);
// Family links naming `person` on either side.
Result<std::vector<FamilyLink>> family_links_of(Db& db, std::string_view person);
// Manual affiliations recorded between `a` and `b`, in either order.
Result<std::vector<ManualAffiliation>> manual_affiliations_between(Db& db, const Uscc& a, const Uscc& b);

Status for_each_enterprise(Db& db, const std::function<Status(const Enterprise&)>& fn);
Status for_each_person(Db& db, const std::function<Status(const Person&)>& fn);
Status for_each_family_link(Db& db, const std::function<Status(const FamilyLink&)>& fn);
Status for_each_equity(Db& db, const std::function<Status(const EquityEdge&)>& fn);
Status for_each_manual_affiliation(Db& db, const std::function<Status(const ManualAffiliation&)>& fn);
Status for_each_product(Db& db, const std::function<Status(const Product&)>& fn);
Status for_each_purchase(Db& db, const std::function<Status(const StoredPurchase&)>& fn);
Status for_each_other_award(Db& db, const std::function<Status(const StoredOtherAward&)>& fn);

}  // namespace chipreg::store
