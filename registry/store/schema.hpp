// The registry's relational schema and its versioned migrations.
//
// The database's PRAGMA user_version is the number of migrations applied. migrate()
// applies the missing ones, each in its own transaction, so a database is always at a
// whole version. The schema itself refuses impossible states (CHECK, UNIQUE, FOREIGN KEY):
// application code validates first for good messages, and the database is the backstop.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// The version a fully migrated database reports.
int latest_schema_version();

// The version `db` is at: the number of migrations applied, 0 for a database that no
// chipreg has initialized. Errors: DB_ERROR (for instance, the file is not a database).
Result<int> schema_version(Db& db);

// Brings `db` to latest_schema_version() (or to `up_to`, for tests that build an older
// layout). Returns the version found before migrating. Fails (code SCHEMA_TOO_NEW) on a
// database written by a newer chipreg. A migration that rebuilds a referenced table
// (migration 8) runs with foreign keys off and checks them before it commits; inside a
// caller's transaction on a database holding rows it REQUIRES foreign keys already off
// (FOREIGN_KEYS_ON otherwise: the pragma cannot change inside a transaction).
//
// What a migration did that its caller should tell the operator: migration 11 logs every
// existing reference row (enterprises, equity, products, ...) as a leaf.
struct MigrationNotes {
  std::int64_t reference_facts_logged = 0;
};
Result<int> migrate(Db& db, int up_to = -1, MigrationNotes* notes = nullptr);

}  // namespace chipreg::store
