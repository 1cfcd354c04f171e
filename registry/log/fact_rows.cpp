// Reference facts as log leaves (see fact_rows.hpp).
#include "registry/log/fact_rows.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "registry/domain/canonical_json.hpp"
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

// What building a table's leaf needs of its columns, worked out once from its `columns`.
struct Layout {
  std::vector<std::string> names;    // each column's alias, in SELECT order
  std::vector<std::string> keys;     // the same as canonical JSON keys: "\"name\":"
  std::vector<std::size_t> sorted;   // column positions in canonical (byte) order of names
  std::vector<std::size_t> parties;  // positions of the party columns, in SELECT order
  std::size_t key = 0;               // position of t.key
  std::optional<std::size_t> owner;  // position of t.owner_key
  std::string suffix;                // "},\"kind\":\"KIND\"}"
};

// "t.a AS a, (SELECT x, y ...) AS b" -> {"a", "b"}: the alias after the last " AS " of each
// top-level, comma-separated expression.
std::vector<std::string> column_aliases(std::string_view columns) {
  std::vector<std::string> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= columns.size(); ++i) {
    if (i < columns.size()) {
      if (columns[i] == '(') ++depth;
      if (columns[i] == ')') --depth;
      if (columns[i] != ',' || depth != 0) continue;
    }
    const std::string_view expr = columns.substr(start, i - start);
    const std::size_t as = expr.rfind(" AS ");
    assert(as != std::string_view::npos && "every fact column is named with AS");
    out.emplace_back(expr.substr(as + 4));
    start = i + 1;
  }
  return out;
}

Layout make_layout(const FactTable& t) {
  Layout l;
  l.names = column_aliases(t.columns);
  for (std::size_t i = 0; i < l.names.size(); ++i) {
    std::string k;
    append_json_string(k, l.names[i]);
    l.keys.push_back(k + ':');
    l.sorted.push_back(i);
    if (l.names[i] == t.key) l.key = i;
    if (t.owner_key && l.names[i] == t.owner_key) l.owner = i;
    for (const char* p : t.parties) {
      if (p != nullptr && l.names[i] == p) l.parties.push_back(i);
    }
  }
  std::sort(l.sorted.begin(), l.sorted.end(), [&](std::size_t a, std::size_t b) { return l.names[a] < l.names[b]; });
  l.suffix = std::string(R"(},"kind":")") + std::string(to_string(t.kind)) + "\"}";
  return l;
}

const Layout& layout(std::size_t table) {
  static const std::array<Layout, std::size(kTables)> layouts = [] {
    std::array<Layout, std::size(kTables)> out;
    for (std::size_t i = 0; i < std::size(kTables); ++i) out[i] = make_layout(kTables[i]);
    return out;
  }();
  return layouts[table];
}

std::string cell_text(const Cell& c) {
  if (const auto* v = std::get_if<std::string_view>(&c)) return std::string(*v);
  if (const auto* v = std::get_if<std::int64_t>(&c)) return std::to_string(*v);
  return {};
}

// The leaf of a row of table `table` from its column values: the bytes make_entry gives for
// the object of those columns (canonical JSON, keys in byte order), written directly (the
// import path builds one per line); tests/log/test_fact_rows.cpp checks the equivalence.
Built build(std::size_t table, std::span<const Cell> cells, std::optional<std::int64_t> log_index) {
  const FactTable& t = kTables[table];
  const Layout& l = layout(table);
  assert(cells.size() == l.names.size());
  Built b{FactRow{t.kind, {}, std::nullopt, log_index, {}}, {}};
  std::string& out = b.row.opening;
  out.reserve(64 + l.suffix.size() + 24 * cells.size());
  out += R"({"fact":{)";
  bool first = true;
  for (std::size_t i : l.sorted) {
    if (!first) out += ',';
    first = false;
    out += l.keys[i];
    const Cell& c = cells[i];
    if (const auto* v = std::get_if<std::string_view>(&c)) {
      append_json_string(out, *v);
    } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
      append_json_int(out, *n);
    } else {
      out += "null";
    }
  }
  out += l.suffix;
  for (std::size_t i : l.parties) {
    if (std::holds_alternative<std::nullptr_t>(cells[i])) continue;
    std::string v = cell_text(cells[i]);
    if (std::find(b.parties.begin(), b.parties.end(), v) == b.parties.end()) b.parties.push_back(std::move(v));
  }
  if (t.integer_key) {
    const auto* id = std::get_if<std::int64_t>(&cells[l.key]);
    b.row.row = id ? std::optional<std::int64_t>(*id) : std::nullopt;
    b.row.ref = row_ref(b.row.row.value_or(0));
  } else if (l.owner) {
    const auto* owner = std::get_if<std::string_view>(&cells[*l.owner]);
    const auto* key = std::get_if<std::string_view>(&cells[l.key]);
    b.row.ref = owner && key ? std::string(*owner) + "/" + std::string(*key) : cell_text(cells[0]);
  } else {
    b.row.ref = cell_text(cells[0]);  // the key is each text-keyed table's first column
  }
  return b;
}

// The fact of the current row of `s` (its columns but the last, which is the log index).
// Its cells view the statement's buffers: the row is built before `s` moves on.
Built build(std::size_t table, const db::Stmt& s) {
  const int n = s.column_count() - 1;
  assert(static_cast<std::size_t>(n) == layout(table).names.size());
  std::array<Cell, 16> cells;
  assert(n <= static_cast<int>(cells.size()));
  for (int i = 0; i < n; ++i) {
    switch (s.column_type(i)) {
      case db::Stmt::ColumnType::kNull:
        cells[i] = nullptr;
        break;
      case db::Stmt::ColumnType::kInteger:
        cells[i] = s.int64(i);
        break;
      default:
        cells[i] = s.text_view(i);  // text (a blob or real would be an edit: read as text)
        break;
    }
  }
  return build(table, std::span<const Cell>(cells.data(), static_cast<std::size_t>(n)), s.opt_int64(n));
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
Result<std::int64_t> log_one(db::Db& db, Appender& appender, EntryKind kind, const Key& key) {
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
  Built b = build(i, *st);
  st->reset();
  auto index = t.is_public ? appender.append_public(kind, b.row.ref, b.row.opening)
                           : appender.append(kind, b.row.ref, b.row.opening, b.parties);
  if (!index) return index.error();
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

std::span<const std::string> fact_columns(EntryKind kind) { return layout(index_of(kind)).names; }

Result<std::int64_t> log_written_row(Appender& appender, EntryKind kind, std::span<const Cell> cells,
                                     std::int64_t stored_index) {
  const std::size_t i = index_of(kind);
  const FactTable& t = kTables[i];
  if (cells.size() != layout(i).names.size() || t.is_public) {
    return Error("INTERNAL", std::string(to_string(kind)) + " rows are not logged from " +
                                 std::to_string(cells.size()) + " written values");
  }
  Built b = build(i, cells, stored_index);
  return appender.append_at(stored_index, kind, b.row.ref, b.row.opening, b.parties);
}

std::string fact_opening(EntryKind kind, std::span<const Cell> cells) {
  return build(index_of(kind), cells, std::nullopt).row.opening;
}

namespace {
// The rows of the tables created by migration `up_to` or earlier.
Status each_fact_row_until(db::Db& db, int up_to, const std::function<Status(const FactRow&)>& fn) {
  for (std::size_t i = 0; i < std::size(kTables); ++i) {
    const FactTable& t = kTables[i];
    if (t.since_migration > up_to) continue;
    auto st = db.prepare(select_sql(t, false));
    if (!st) return st.error();
    if (auto s = db::each_row(*st, [&]() -> Status { return fn(build(i, *st).row); }); !s) return s;
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
