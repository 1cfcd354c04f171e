// Reference facts as log leaves (see fact_rows.hpp).
#include "registry/log/fact_rows.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "registry/log/entries.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::tlog {
namespace {

struct FactTable {
  EntryKind kind;
  const char* from;                    // the table, aliased t
  const char* key;                     // the column naming a row
  bool integer_key;                    // the ref is "#" + key
  const char* columns;                 // the fact's columns, as SELECT expressions over t
  const char* where;                   // which rows are facts ("" for all)
  const char* log_column;              // where the row records its leaf index
  std::array<const char*, 2> parties;  // columns holding the USCCs of its readers
  bool is_public;                      // a v1 leaf
  int since_migration = 11;            // the schema migration that created the table
  // A key of two columns, (owner USCC, id): the ref is "OWNER/ID" (a USCC is 18
  // characters), `key` the second column, `owner_key` the first.
  const char* owner_key = nullptr;
};

constexpr FactTable kTables[] = {
    {EntryKind::kEnterprise,
     "enterprises t",
     "uscc",
     false,
     "t.uscc AS uscc, t.name AS name, t.in_district AS in_district, "
     "coalesce((SELECT group_concat(role, ' ') FROM (SELECT r.role FROM enterprise_roles r WHERE r.uscc = t.uscc "
     "ORDER BY r.role)), '') AS roles",
     "",
     "log_index",
     {"uscc", nullptr},
     false},
    {EntryKind::kPerson,
     "persons t",
     "id",
     false,
     "t.id AS id, t.name AS name",
     "",
     "log_index",
     {nullptr, nullptr},
     false},
    {EntryKind::kFamilyLink,
     "family_links t",
     "id",
     true,
     "t.id AS id, t.a AS a, t.b AS b, t.relation AS relation",
     "",
     "log_index",
     {nullptr, nullptr},
     false},
    {EntryKind::kEquity,
     "equity t",
     "id",
     true,
     "t.id AS id, t.holder_enterprise AS holder_enterprise, t.holder_person AS holder_person, t.held AS held, "
     "t.pct_units AS pct_units, t.valid_from AS valid_from, t.valid_to AS valid_to",
     "",
     "log_index",
     {"holder_enterprise", "held"},
     false},
    {EntryKind::kManualAffiliation,
     "manual_affiliations t",
     "id",
     true,
     "t.id AS id, t.a AS a, t.b AS b, t.valid_from AS valid_from, t.valid_to AS valid_to, t.basis AS basis",
     "",
     "log_index",
     {"a", "b"},
     false},
    {EntryKind::kProduct,
     "products t",
     "id",
     false,
     "t.id AS id, t.kind AS kind, t.owner AS owner, t.self_developed AS self_developed, "
     "t.first_market_date AS first_market_date, t.focus_area AS focus_area, t.model AS model",
     "",
     "log_index",
     {"owner", nullptr},
     false,
     11,
     "owner"},
    {EntryKind::kFoundryKey,
     "foundry_keys t",
     "keyid",
     false,
     "t.keyid AS keyid, t.foundry AS foundry, t.alg AS alg, t.public_key_pem AS public_key_pem, "
     "t.valid_from AS valid_from, t.valid_to AS valid_to",
     "",
     "log_index",
     {nullptr, nullptr},
     true},
    {EntryKind::kKeyRevocation,
     "foundry_keys t",
     "keyid",
     false,
     "t.keyid AS keyid, t.revoked_from AS revoked_from",
     "t.revoked_from IS NOT NULL",
     "revocation_log_index",
     {nullptr, nullptr},
     true},
    {EntryKind::kOtherAward,
     "other_awards t",
     "id",
     true,
     "t.id AS id, t.claim AS claim, (SELECT c.claimant FROM claims c WHERE c.id = t.claim) AS claimant, "
     "t.level AS level, t.amount_fen AS amount_fen, t.source AS source",
     "",
     "log_index",
     {"claimant", nullptr},
     false},
    // Objections and recovery (schema migration 16, registry/store/objections.hpp and
    // recoveries.hpp). A JSON-valued column (lines, reasons, evidence) is its text.
    {EntryKind::kManualNonAffiliation,
     "manual_non_affiliations t",
     "id",
     true,
     "t.id AS id, t.a AS a, t.b AS b, t.valid_from AS valid_from, t.valid_to AS valid_to, t.basis AS basis, "
     "t.objection AS objection",
     "",
     "log_index",
     {"a", "b"},
     false,
     16},
    {EntryKind::kObjection,
     "objections t",
     "id",
     false,
     "t.id AS id, t.claim AS claim, t.claimant AS claimant, t.against AS against, t.text AS text, t.lines AS lines, "
     "t.reasons AS reasons, t.evidence AS evidence, t.filed_at AS filed_at, t.deadline AS deadline",
     "",
     "log_index",
     {"claimant", nullptr},
     false,
     16},
    {EntryKind::kObjectionAnswer,
     "objection_answers t",
     "objection",
     false,
     "t.objection AS objection, (SELECT o.claim FROM objections o WHERE o.id = t.objection) AS claim, "
     "(SELECT o.claimant FROM objections o WHERE o.id = t.objection) AS claimant, t.answer AS answer, t.note AS note, "
     "t.fact_log_index AS fact_log_index, t.reviewer AS reviewer, t.answered_at AS answered_at, "
     "t.award_before_fen AS award_before_fen, t.award_after_fen AS award_after_fen",
     "",
     "log_index",
     {"claimant", nullptr},
     false,
     16},
    {EntryKind::kRecovery,
     "recoveries t",
     "id",
     true,
     "t.id AS id, t.claim AS claim, t.claimant AS claimant, t.amount_fen AS amount_fen, t.date AS date, "
     "t.reference AS reference, t.note AS note, t.recorded_by AS recorded_by, t.recorded_at AS recorded_at",
     "",
     "log_index",
     {"claimant", nullptr},
     false,
     16},
};

constexpr std::array<EntryKind, std::size(kTables)> kKinds = [] {
  std::array<EntryKind, std::size(kTables)> out{};
  for (std::size_t i = 0; i < std::size(kTables); ++i) out[i] = kTables[i].kind;
  return out;
}();

std::size_t index_of(EntryKind kind) {
  for (std::size_t i = 0; i < std::size(kTables); ++i) {
    if (kTables[i].kind == kind) return i;
  }
  assert(false && "not a reference kind");
  return 0;
}

// The condition naming one row by the key bound as parameter `n` (its ref for a two-column
// key).
std::string key_condition(const FactTable& t, int n, const char* alias = "t.") {
  const std::string p = "?" + std::to_string(n);
  if (!t.owner_key) return std::string(alias) + t.key + " = " + p;
  return std::string(alias) + t.owner_key + " = substr(" + p + ", 1, 18) AND " + alias + t.key + " = substr(" + p +
         ", 20)";
}

std::string select_sql(const FactTable& t, bool one) {
  std::string sql = std::string("SELECT ") + t.columns + ", t." + t.log_column + " FROM " + t.from;
  std::string where = t.where;
  if (one) where += std::string(where.empty() ? "" : " AND ") + key_condition(t, 1);
  if (!where.empty()) sql += " WHERE " + where;
  if (!one)
    sql +=
        t.owner_key ? std::string(" ORDER BY t.") + t.owner_key + ", t." + t.key : std::string(" ORDER BY t.") + t.key;
  return sql;
}

struct Built {
  FactRow row;
  Parties parties;
};

// The fact of the current row of `s` (its columns but the last, which is the log index).
Built build(const FactTable& t, const db::Stmt& s) {
  boost::json::object fact;
  Parties parties;
  const int n = s.column_count() - 1;
  for (int i = 0; i < n; ++i) {
    const std::string name = s.column_name(i);
    switch (s.column_type(i)) {
      case db::Stmt::ColumnType::kNull:
        fact[name] = nullptr;
        break;
      case db::Stmt::ColumnType::kInteger:
        fact[name] = s.int64(i);
        break;
      default:
        fact[name] = s.text(i);
        break;  // text (a blob would be an edit: read as text)
    }
    for (const char* p : t.parties) {
      if (p != nullptr && name == p && !s.is_null(i)) {
        std::string v = s.text(i);
        if (std::find(parties.begin(), parties.end(), v) == parties.end()) parties.push_back(std::move(v));
      }
    }
  }
  FactRow row{t.kind, {}, std::nullopt, s.opt_int64(n), make_entry(t.kind, fact)};
  if (t.integer_key) {
    row.row = fact.at(t.key).is_int64() ? std::optional<std::int64_t>(fact.at(t.key).as_int64()) : std::nullopt;
    row.ref = row_ref(row.row.value_or(0));
  } else if (t.owner_key) {
    row.ref = fact.at(t.owner_key).is_string() && fact.at(t.key).is_string()
                  ? std::string(fact.at(t.owner_key).as_string()) + "/" + std::string(fact.at(t.key).as_string())
                  : s.text(0);
  } else {
    row.ref = s.text(0);  // the key is each text-keyed table's first column
  }
  return {std::move(row), std::move(parties)};
}

std::string update_sql(const FactTable& t) {
  const std::string from(t.from);
  return "UPDATE " + from.substr(0, from.find(' ')) + " SET " + t.log_column + " = ?1 WHERE " + key_condition(t, 2, "");
}

// Each table's two statements of the write path, spelled once (the import path logs a
// row per line: building the text each time cost more than preparing it from the cache).
struct WriteSql {
  std::string select_one, update;
};
const WriteSql& write_sql(std::size_t table) {
  static const std::array<WriteSql, std::size(kTables)> sql = [] {
    std::array<WriteSql, std::size(kTables)> out;
    for (std::size_t i = 0; i < std::size(kTables); ++i)
      out[i] = {select_sql(kTables[i], true), update_sql(kTables[i])};
    return out;
  }();
  return sql[table];
}

// `key` is the row's text key or integer id, bound as ?1 and named in the error.
template <typename Key>
Result<std::int64_t> log_one(db::Db& db, Appender& appender, EntryKind kind, const Key& key,
                             std::optional<std::int64_t> stored_index = std::nullopt) {
  const std::size_t i = index_of(kind);
  const FactTable& t = kTables[i];
  const WriteSql& sql = write_sql(i);
  auto st = db.prepare(sql.select_one);
  if (!st) return st.error();
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) {
    std::string what;
    if constexpr (std::is_integral_v<Key>) {
      what = row_ref(key);
    } else {
      what = "'" + std::string(std::string_view(key).substr(0, 80)) + "'";
    }
    return Error("NOT_FOUND", std::string(to_string(kind)) + " " + what + " has no row to log");
  }
  Built b = build(t, *st);
  st->reset();
  auto index = t.is_public ? appender.append_public(kind, b.row.ref, b.row.opening)
                           : appender.append(kind, b.row.ref, b.row.opening, b.parties);
  if (!index) return index.error();
  if (stored_index) {
    if (*index != *stored_index) {
      return Error("INTERNAL", std::string(to_string(kind)) + " row stored leaf index " +
                                   std::to_string(*stored_index) + " but its leaf is " + std::to_string(*index));
    }
    return index;
  }
  auto up = db.prepare(sql.update);
  if (!up) return up.error();
  up->bind(1, *index);
  if (t.integer_key) {
    up->bind(2, b.row.row.value_or(0));
  } else {
    up->bind(2, b.row.ref);
  }
  if (auto s = up->exec(); !s) return s.error();
  return index;
}

}  // namespace

std::span<const EntryKind> reference_kinds() { return kKinds; }

Result<std::int64_t> log_fact_row(db::Db& db, EntryKind kind, std::string_view key) {
  Appender appender(db);
  return log_one(db, appender, kind, key);
}

Result<std::int64_t> log_fact_row(db::Db& db, EntryKind kind, std::int64_t row) {
  Appender appender(db);
  return log_one(db, appender, kind, row);
}

Result<std::int64_t> log_fact_row(db::Db& db, Appender& appender, EntryKind kind, std::string_view key) {
  return log_one(db, appender, kind, key);
}

Result<std::int64_t> log_fact_row(db::Db& db, Appender& appender, EntryKind kind, std::int64_t row) {
  return log_one(db, appender, kind, row);
}

Result<std::int64_t> log_fact_row_at(db::Db& db, Appender& appender, EntryKind kind, std::int64_t row,
                                     std::int64_t stored_index) {
  return log_one(db, appender, kind, row, stored_index);
}

namespace {
// The rows of the tables created by migration `up_to` or earlier.
Status each_fact_row_until(db::Db& db, int up_to, const std::function<Status(const FactRow&)>& fn) {
  for (const auto& t : kTables) {
    if (t.since_migration > up_to) continue;
    auto st = db.prepare(select_sql(t, false));
    if (!st) return st.error();
    if (auto s = db::each_row(*st, [&]() -> Status { return fn(build(t, *st).row); }); !s) return s;
  }
  return Status::Ok();
}
}  // namespace

Status each_fact_row(db::Db& db, const std::function<Status(const FactRow&)>& fn) {
  return each_fact_row_until(db, std::numeric_limits<int>::max(), fn);
}

Result<std::int64_t> log_unlogged_fact_rows(db::Db& db) {
  // Read first, then log: the writes go to the tables being read.
  std::vector<FactRow> pending;
  // Migration 11 runs before the later tables exist; their rows are logged when written.
  if (auto s = each_fact_row_until(db, 11,
                                   [&](const FactRow& r) {
                                     if (!r.log_index) pending.push_back(r);
                                     return Status::Ok();
                                   });
      !s) {
    return s.error();
  }
  for (const auto& r : pending) {
    auto index = r.row ? log_fact_row(db, r.kind, *r.row) : log_fact_row(db, r.kind, r.ref);
    if (!index) return index.error();
  }
  return static_cast<std::int64_t>(pending.size());
}

}  // namespace chipreg::tlog
