// The leaf of a reference row is built by one writer (registry/log/fact_rows.cpp) from its
// column values, whether they come from a read of the row (the audit, the backfill, the
// write paths that read back) or from what a writer bound (the equity import). These
// properties hold it to make_entry's canonical bytes and to the audit's rebuild.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "registry/log/audit.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using db::Db;
using db::Tx;

namespace {

// Text that exercises every escaping rule: quotes, backslashes, each C0 control, DEL,
// multi-byte UTF-8 (CJK, an emoji) and plain ASCII.
std::string tricky_text(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces = {"\"", "\\", "/", "\x7f", "张三", "🙂", "a", "Z", "0", " ", "'"};
  std::string out;
  const int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) {
    if (rng() % 4 == 0) {
      out += static_cast<char>(rng() % 0x20);  // a C0 control
    } else {
      out += pieces[rng() % pieces.size()];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("fact rows: the direct writer gives make_entry's canonical bytes for every kind and every value") {
  std::mt19937_64 rng(15);
  for (tlog::EntryKind kind : tlog::reference_kinds()) {
    const auto columns = tlog::fact_columns(kind);
    INFO("kind " << tlog::to_string(kind));
    REQUIRE(columns.size() >= 2);
    for (int round = 0; round < 300; ++round) {
      std::vector<std::string> texts(columns.size());
      std::vector<tlog::Cell> cells(columns.size());
      boost::json::object fact;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        switch (rng() % 3) {
          case 0:
            cells[i] = nullptr;
            fact[columns[i]] = nullptr;
            break;
          case 1: {
            const auto v = static_cast<std::int64_t>(rng()) >> (rng() % 64);  // both signs, every width
            cells[i] = v;
            fact[columns[i]] = v;
            break;
          }
          default:
            texts[i] = tricky_text(rng);
            cells[i] = std::string_view(texts[i]);
            fact[columns[i]] = texts[i];
        }
      }
      const std::string expected = tlog::make_entry(kind, fact);
      REQUIRE(tlog::fact_opening(kind, cells) == expected);
    }
  }
}

TEST_CASE("fact rows: the column names are the audit's, and a kind's cells are counted") {
  const auto equity = tlog::fact_columns(tlog::EntryKind::kEquity);
  CHECK(std::vector<std::string>(equity.begin(), equity.end()) ==
        std::vector<std::string>{"id", "holder_enterprise", "holder_person", "held", "pct_units", "valid_from",
                                 "valid_to"});
  const auto enterprise = tlog::fact_columns(tlog::EntryKind::kEnterprise);
  CHECK(std::vector<std::string>(enterprise.begin(), enterprise.end()) ==
        std::vector<std::string>{"uscc", "name", "in_district", "roles"});
}

TEST_CASE(
    "fact rows: equity edges logged from their written values carry the leaves the audit rebuilds from the rows") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("r.db"));
  REQUIRE(db.ok());
  REQUIRE(store::migrate(*db).ok());
  std::mt19937_64 rng(21);
  std::vector<Uscc> enterprises;
  std::vector<std::string> persons;
  {
    auto tx = Tx::begin(*db);
    REQUIRE(tx.ok());
    store::Repository repo(*db);
    for (int i = 1; i <= 40; ++i) {
      char base[17];
      std::snprintf(base, sizeof base, "91330108%08d", i);
      const Uscc u = *Uscc::complete(base);
      enterprises.push_back(u);
      REQUIRE(repo.insert_enterprise(Enterprise{u, "企业" + std::to_string(i), i % 3 != 0, {Role::kOem}}).ok());
    }
    for (int i = 1; i <= 20; ++i) {
      // Person ids with quotes, backslashes and CJK: the opening escapes them as the read does.
      const std::string id = "P\"" + std::to_string(i) + "\\张";
      persons.push_back(id);
      REQUIRE(repo.insert_person(Person{id, tricky_text(rng)}).ok());
    }
    REQUIRE(tx->commit().ok());
  }
  // The import's road: one Repository, row savepoints off, many edges in one transaction.
  std::set<std::int64_t> ids;
  {
    auto tx = Tx::begin(*db);
    REQUIRE(tx.ok());
    store::Repository repo(*db);
    repo.set_row_savepoints(false);
    for (int i = 0; i < 400; ++i) {
      const bool by_person = rng() % 3 == 0;
      const Uscc held = enterprises[rng() % enterprises.size()];
      std::string holder = by_person ? persons[rng() % persons.size()] : enterprises[rng() % enterprises.size()].str();
      if (!by_person && holder == held.str()) continue;
      const Date from = Date::ymd(2020 + static_cast<int>(rng() % 5), 1 + static_cast<int>(rng() % 12), 1);
      std::optional<Date> to;
      if (rng() % 2 == 0) to = Date::ymd(2026, 12, 31);
      const Rate pct = Rate::percent(1 + static_cast<int>(rng() % 100));
      auto id = repo.insert_equity(EquityEdge{holder, by_person, held, pct, Validity{from, to}});
      if (!id) {
        REQUIRE(id.error().code == "DUPLICATE");  // a repeated (holder, held, from)
        continue;
      }
      ids.insert(*id);
    }
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(ids.size() > 300);

  // Each row's rebuilt fact is, byte for byte, the opening of the leaf the row names.
  std::size_t compared = 0;
  REQUIRE(tlog::each_fact_row(*db, [&](const tlog::FactRow& row) -> Status {
            if (row.kind != tlog::EntryKind::kEquity) return Status::Ok();
            REQUIRE(row.log_index.has_value());
            auto leaf = tlog::read_entry(*db, static_cast<std::uint64_t>(*row.log_index));
            REQUIRE(leaf.ok());
            CHECK(leaf->kind == "equity");
            CHECK(leaf->ref == row.ref);
            CHECK(leaf->opening == row.opening);
            CHECK(leaf->version() == 2);
            ++compared;
            return Status::Ok();
          }).ok());
  CHECK(compared == ids.size());
  auto report = tlog::audit_log(*db);
  REQUIRE(report.ok());
  INFO(boost::json::serialize(*report));
  CHECK(report->at("ok").as_bool());
  CHECK(report->at("checked").as_object().at("equity").as_int64() == static_cast<std::int64_t>(ids.size()));
}
