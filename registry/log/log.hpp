// The transparency log's write side, as the rest of the registry sees it.
//
// Every accepted tape-out envelope, purchase, claim and decision is appended as one leaf,
// inside the same SQLite transaction as the write it records, so data and log commit or
// roll back together. The leaf bytes are the exact canonical bytes of the fact.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"
#include "registry/store/sqlite.hpp"

namespace chipreg::tlog {

enum class EntryKind { kTapeout, kPurchase, kClaim, kDecision };
std::string_view to_string(EntryKind kind);

// Appends `entry` as the next leaf and returns its 0-based index.
// REQUIRES: `db` is inside an open write transaction (Tx).
Result<std::int64_t> append(store::Db& db, EntryKind kind, std::string_view ref, std::string_view entry);

}  // namespace chipreg::tlog
