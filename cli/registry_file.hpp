// Opening a registry database that `chipreg init` made, for the admin commands (backup,
// restore, token, key): never creates a file, and tells a missing file, a file that is not
// SQLite and a SQLite file that is not a registry apart, each with its own code.
#pragma once

#include <string>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::cli {

// The registry at `path`, read-only when asked (a copy to be checked is opened read-only
// so that checking it writes nothing, not even a WAL). `option` names the command-line
// option that gave the path, for the error's field.
// Errors: NO_DATABASE (no such file), NOT_A_REGISTRY (not SQLite, or never initialized),
// SCHEMA_TOO_NEW (written by a newer chipreg), DB_ERROR.
Result<db::Db> open_registry(const std::string& path, const std::string& option, bool read_only = false);

}  // namespace chipreg::cli
