// What a leaf of the log must be, computed here independently of registry/log's builders:
// the v2 commitment {"commitment": hex(SHA-256(salt || opening)), "kind", "v": 2} under the
// salt the log stored for leaf `index` (docs/LOG.md "Leaf versions").
#pragma once

#include <cstdint>
#include <string>

#include "registry/db/sqlite.hpp"

namespace chipreg::testing {

// The salt stored with leaf `index` (its log_entries row, or the purchase row that is the
// leaf), as raw bytes; empty for a v1 leaf. Works inside a write transaction.
std::string stored_salt(db::Db& db, std::int64_t index);

// The v2 leaf bytes for `opening` under `salt`, spelled out byte by byte.
std::string expected_commitment(const std::string& kind, const std::string& salt, const std::string& opening);

// The bytes leaf `index` must have: expected_commitment under its stored salt (which
// must be 32 bytes: the test fails otherwise).
std::string expected_leaf(db::Db& db, std::int64_t index, const std::string& kind, const std::string& opening);

}  // namespace chipreg::testing
