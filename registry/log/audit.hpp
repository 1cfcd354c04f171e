// `chipreg log audit`: recomputes the log from its stored leaves and checks every logged
// fact against the data rows it records.
//
// Tree checks: leaf indexes are 0..n-1 without gaps; every stored leaf hash equals the hash
// of its entry; every stored subtree hash in log_nodes equals the hash recomputed from the
// leaves (one streaming pass, O(log n) memory for the tree); log_nodes holds exactly the
// complete subtrees of level kStoredLevel and up of a tree of size n.
//
// Fact checks, with the builders of entries.hpp (the ones the writers use):
//   tapeouts, purchases, decisions  the row's fact must equal its leaf (found by ref)
//   claims                          the row must equal the latest leaf for its id
// and each row's log_index must name that leaf. A row without a leaf, or a leaf whose row
// is gone, is reported too.
//
// Problem codes: LOG_GAP, LEAF_HASH_MISMATCH, NODE_MISMATCH, NODE_MISSING, EXTRA_NODES,
// ROW_MISMATCH, UNLOGGED_ROW, ROW_MISSING, LOG_INDEX_MISMATCH, UNREADABLE_ROW.
#pragma once

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "registry/store/sqlite.hpp"

namespace chipreg::tlog {

// The audit report:
//   {"ok": bool, "tree_size": n, "root": hex, "nodes_checked": k,
//    "checked": {"tapeout": a, "purchase": b, "claim": c, "decision": d},
//    "problems": [{"problem": CODE, "kind"?, "ref"?, "log_index"?, "row"?, "message"}]}
// "ok" is true exactly when "problems" is empty. Errors only for storage failures.
Result<boost::json::object> audit_log(store::Db& db);

}  // namespace chipreg::tlog
