// A store holding the base scenario's enterprises and products (rules/scenario_builder.hpp),
// with the few writes the store specifications repeat: the OEM's purchase of a module and
// its linkage claim of 2025, each in a transaction of its own. Extend it with a test's own
// writes (struct Store : testing::BaseStore { ... }).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "registry/db/sqlite.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "rules/scenario_builder.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {

struct BaseStore {
  TempDir dir;
  db::Db db;
  int next_invoice = 1;

  BaseStore() : db(open(dir)) {
    auto f = json_io::parse_scenario(base_scenario().text());
    REQUIRE(f);
    write([&] {
      for (const auto& e : f->enterprises) REQUIRE(store::insert_enterprise(db, e).ok());
      for (const auto& p : f->products) REQUIRE(store::insert_product(db, p).ok());
    });
  }
  static db::Db open(const TempDir& dir) {
    auto db = db::Db::open(dir.file("t.db"));
    REQUIRE(db.ok());
    REQUIRE(store::migrate(*db).ok());
    return std::move(*db);
  }
  template <typename F>
  void write(F&& f) {
    auto tx = db::Tx::begin(db);
    REQUIRE(tx.ok());
    f();
    REQUIRE(tx->commit().ok());
  }
  // The OEM's line of module M1 on `date`, worth `fen`; `notify_claims` also tells its
  // claims of 2025 that their lines changed (as the import road does). Returns the invoice.
  std::string buy(const std::string& date, std::int64_t fen, bool notify_claims = false) {
    const std::string inv = "INV" + std::to_string(next_invoice++);
    Purchase p{inv,
               1,
               *Date::parse(date),
               *Uscc::parse(kOem),
               *Uscc::parse(kSupplier),
               "M1",
               Money::fen(fen),
               Money::fen(0),
               std::nullopt};
    write([&] {
      REQUIRE(store::insert_purchase(db, p).ok());
      if (notify_claims) REQUIRE(store::invoice_lines_changed(db, kOem, 2025, false).ok());
    });
    return inv;
  }
  // The OEM's linkage claim of 2025 (chips and modules).
  store::ClaimRecord file() {
    store::ClaimFiling f{RuleId::kLinkage, kOem, 2025, LinkageGroup::kChipModule, {}, {}, {}};
    std::optional<store::ClaimRecord> out;
    write([&] {
      auto c = store::file_claim(db, f, "test");
      REQUIRE(c.ok());
      out = *c;
    });
    return *out;
  }
};

}  // namespace chipreg::testing
