// The registry's reference facts as log leaves (schema migration 11): enterprises with
// their roles, persons, family links, equity, manual affiliations, products, foundry keys,
// key revocations and other levels' awards. Each accepted row is a leaf, so `chipreg log
// audit` names a field edited, a row deleted or a row inserted behind chipreg's back.
//
// One road for writer and audit: a leaf is built from the row *as stored*, read back with
// the same SELECT the audit runs, never from the values the writer meant to store. The
// fact is the object of the row's columns (docs/LOG.md lists them per kind), integers as
// integers, text as strings, NULL as null:
//
//   kind                ref            fact columns                                   readers
//   enterprise          USCC           uscc, name, in_district, roles ("a b", sorted)  the enterprise
//   person              person id      id, name                                       bureau only
//   family_link         #id            id, a, b, relation                             bureau only
//   equity              #id            id, holder_enterprise, holder_person, held,    holder (an enterprise), held
//                                      pct_units, valid_from, valid_to
//   manual_affiliation  #id            id, a, b, valid_from, valid_to, basis          a, b
//   product             OWNER/ID       id, kind, owner, self_developed,               owner
//                                      first_market_date, focus_area, model
//   foundry_key         keyid          keyid, foundry, alg, public_key_pem,           public (v1)
//                                      valid_from, valid_to
//   key_revocation      keyid          keyid, revoked_from                            public (v1)
//   other_award         #id            id, claim, claimant, level, amount_fen, source the claimant
// Since schema migration 16 (objections and recovery):
//   manual_non_affiliation #id         id, a, b, valid_from, valid_to, basis,         a, b
//                                      objection
//   objection           objection id   id, claim, claimant, against, text, lines,     the claimant
//                                      reasons, evidence, filed_at, deadline
//   objection_answer    objection id   objection, claim, claimant, answer, note,      the claimant
//                                      fact_log_index, reviewer, answered_at,
//                                      award_before_fen, award_after_fen
//   recovery            #id            id, claim, claimant, amount_fen, date,         the claimant
//                                      reference, note, recorded_by, recorded_at
//
// Private kinds are v2 commitments (log.hpp); a foundry's public key and its revocation are
// public by nature, so their leaves are v1. A revocation moved earlier is a new leaf: the
// latest one must match the row.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/log.hpp"

namespace chipreg::tlog {
class Appender;  // store_log.hpp
}

namespace chipreg::tlog {

// The kinds this file logs, in the order the audit and the backfill read them.
std::span<const EntryKind> reference_kinds();

// Logs the row of `kind` named by `key` (its text key: a USCC, a person or key id, or a
// product's "OWNER/ID")
// or `row` (its integer id): reads it back, appends its leaf and stores the leaf's index in
// the row. Returns the index. NOT_FOUND if there is no such row.
// REQUIRES: `db` is inside an open write transaction, after the row was written.
Result<std::int64_t> log_fact_row(db::Db& db, EntryKind kind, std::string_view key);
Result<std::int64_t> log_fact_row(db::Db& db, EntryKind kind, std::int64_t row);
// The same through `appender`, a writer's own (store_log.hpp): a bulk writer that logs a row
// per line keeps its statements prepared instead of taking them from the cache each time.
// REQUIRES: `appender` appends to `db`.
Result<std::int64_t> log_fact_row(db::Db& db, Appender& appender, EntryKind kind, std::string_view key);
Result<std::int64_t> log_fact_row(db::Db& db, Appender& appender, EntryKind kind, std::int64_t row);
// One value of a fact row: NULL, an integer or text (viewed: the caller's bytes).
using Cell = std::variant<std::nullptr_t, std::int64_t, std::string_view>;
// The fact columns of `kind` (as each_fact_row reads them), in the order the cells of
// log_written_row name them.
std::span<const std::string> fact_columns(EntryKind kind);
// For a writer that knows what it wrote: logs the row whose columns held `cells` (in
// fact_columns order, each as the table stores it: an INTEGER column's value as an integer,
// a TEXT column's as text) as leaf `stored_index`, with no read-back and no second write of
// the row, which already records that index. The leaf is the one log_fact_row would build
// from the row (tests/log/test_fact_rows.cpp proves it over generated rows).
// REQUIRES: stored_index == appender.next_index() read before the row was written, with no
// append since, in the same transaction.
Result<std::int64_t> log_written_row(Appender& appender, EntryKind kind, std::span<const Cell> cells,
                                     std::int64_t stored_index);
// The fact's bytes (make_entry's) for a row of `kind` that holds `cells`.
std::string fact_opening(EntryKind kind, std::span<const Cell> cells);

// One stored reference row, as the audit and the backfill see it.
struct FactRow {
  EntryKind kind;
  std::string ref;
  std::optional<std::int64_t> row;        // the integer id, for the tables keyed by one
  std::optional<std::int64_t> log_index;  // as the row records it
  std::string opening;                    // the fact's bytes, rebuilt from the row
};
// Calls fn for every row of every reference kind, in reference_kinds() order, then key order.
Status each_fact_row(db::Db& db, const std::function<Status(const FactRow&)>& fn);

// For schema migration 11: logs every reference row that has no leaf yet and returns how
// many. REQUIRES: an open write transaction.
Result<std::int64_t> log_unlogged_fact_rows(db::Db& db);

}  // namespace chipreg::tlog
