// `chipreg log audit`: recomputes the log from its stored leaves and checks every logged
// fact against the data rows it records.
//
// Where leaves live (store_log.hpp): tape-outs, claims and decisions (and purchases logged
// before schema migration 3) are log_entries rows holding their leaf bytes; a purchase
// logged since is its own leaf, its row holding the leaf hash it was logged with.
//
// Tree checks: leaf indexes are 0..n-1 without gaps, each in exactly one place; every
// stored leaf hash of a log_entries row equals the hash of its entry; every stored subtree
// hash in log_nodes equals the hash recomputed from the leaves (one streaming pass over
// both places merged by index, O(log n) memory for the tree, the root and a checkpoint's
// root taken from it on the way; the refs of log_entries leaves are kept to match their
// rows, the purchases' are not: each is checked where it is read); log_nodes holds exactly the
// complete subtrees of level kStoredLevel and up of a tree of size n. The tree is built
// from what was logged: a log_entries row's entry, a purchase row's stored leaf hash.
//
// Fact checks, with the builders of entries.hpp (the ones the writers use):
//   tapeouts, purchases, decisions  the row's fact must equal its leaf (found by ref; a
//                                   purchase that is its own leaf: its stored leaf hash)
//   claims                          the row must equal the latest leaf for its id
// and each row's log_index must name that leaf. A row without a leaf, or a leaf whose row
// is gone, is reported too; a purchase that is its own leaf and is deleted leaves a gap.
//
// Against a checkpoint (optional): the log must still hold the checkpoint's tree, that is
// at least its size, with the first `size` leaves hashing to its root. This is what
// catches leaves cut off the end of the log, which nothing inside the database can.
//
// Problem codes: LOG_GAP, DUPLICATE_LEAF, LEAF_HASH_MISMATCH, NODE_MISMATCH, NODE_MISSING,
// EXTRA_NODES, ROW_MISMATCH, UNLOGGED_ROW, ROW_MISSING, LOG_INDEX_MISMATCH, UNREADABLE_ROW,
// LOG_TRUNCATED, CHECKPOINT_MISMATCH.
#pragma once

#include <boost/json/object.hpp>

#include <optional>

#include "base/result.hpp"
#include "registry/log/note.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::tlog {

// The audit report:
//   {"ok": bool, "tree_size": n, "root": hex, "nodes_checked": k,
//    "checked": {"tapeout": a, "purchase": b, "claim": c, "decision": d},
//    "checkpoint"?: {"tree_size": m, "root": hex, "held": bool},
//    "problems": [{"problem": CODE, "kind"?, "ref"?, "log_index"?, "row"?, "message"}]}
// "ok" is true exactly when "problems" is empty. `against`, a checkpoint whose signature
// the caller has verified, adds "checkpoint". Errors only for storage failures.
Result<boost::json::object> audit_log(db::Db& db, const std::optional<Checkpoint>& against = std::nullopt);

}  // namespace chipreg::tlog
