// The transparency log kept in SQLite: appends inside the writer's transaction, reads for
// roots and proofs, the log key, and the answers of the /v1/log endpoints.
//
// Where a leaf lives (schema migrations 1-3):
//   log_entries(idx, kind, ref, entry, leaf_hash, created_at)
//                                a tape-out, claim or decision leaf (and a purchase logged
//                                before migration 3): `entry` is the exact leaf bytes and
//                                `leaf_hash` their RFC 9162 leaf hash
//   purchases(id, ..., log_index, leaf_hash)
//                                a purchase is its own leaf: row id = log_index + 1, the
//                                leaf bytes are rebuilt from the row (purchase_entry, a
//                                frozen format) and must hash to the stored leaf_hash
//   log_nodes(level, idx, hash)  every complete subtree of level kStoredLevel (4) or more:
//                                (L, i) covers leaves [i·2^L, (i+1)·2^L)
//   meta('log_origin')           the checkpoint origin and key name
// The tree size is one past the last leaf in either place.
//
// So a purchase, the registry's most frequent write, costs the log nothing outside its own
// row but one subtree row once every 16 leaves; a tape-out, claim or decision adds its
// log_entries row. A subtree below level 4 spans at most 8 leaves, and is folded from their
// hashes read in one range scan of each table. A root, an inclusion proof or a consistency
// proof for any size up to the current one is therefore O(log n) indexed reads (at most 16
// leaf hashes plus one row per level above 4) and never a pass over the leaves. Stored
// subtrees never change: a proof for an older size reads the same rows later.
//
// The log key is a C2SP note signer key (note.hpp) in the file DB_PATH + ".logkey", mode
// 0600, created by `chipreg init`. Its name is the log's origin, by default
// kDefaultOrigin, chosen with `chipreg init --log-origin NAME` and kept in meta.
//
// Thread-safety: like db::Db, everything here belongs to one thread at a time.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/log/log.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/note.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::tlog {

using db::ReadSnapshot;

// The prepared reads of a range of leaf hashes from both places a leaf lives.
struct LeafStmts {
  db::Stmt entries;
  db::Stmt purchases;
};

inline constexpr std::string_view kDefaultOrigin = "chipreg.binjiang.example/log";

// The lowest level kept in log_nodes; lower subtrees are folded from leaf hashes.
inline constexpr int kStoredLevel = 4;

// Appends with statements prepared once: for writers that append many leaves on one
// connection (the repository, importers). tlog::append(db, ...) is the one-shot form.
class Appender {
 public:
  explicit Appender(db::Db& db) : db_(&db) {}
  // Appends `entry` as the next leaf and returns its 0-based index. Fails (leaving the
  // statement effects to the caller's transaction rollback) only on storage errors.
  // REQUIRES: the Db is inside an open write transaction.
  // `opening` is the fact's bytes; the leaf is their v2 commitment (log.hpp), readable in
  // the clear by `parties` and the bureau.
  Result<std::int64_t> append(EntryKind kind, std::string_view ref, std::string_view opening, const Parties& parties);

  // Appends a v1 leaf: `entry` itself, readable by anyone. For a fact that is public by
  // nature, and for the layouts before schema migration 9 (their tests).
  Result<std::int64_t> append_public(EntryKind kind, std::string_view ref, std::string_view entry);

  // append() for a writer that read next_index() itself and stored it in its row, with no
  // append since: the leaf takes `index` without the tree size being read again (a bulk
  // import logs a row per line). The log_entries key catches an index already taken.
  // REQUIRES: index == next_index(), in the same transaction.
  Result<std::int64_t> append_at(std::int64_t index, EntryKind kind, std::string_view ref, std::string_view opening,
                                 const Parties& parties);

  // For a writer whose row is itself the leaf (a purchase: see schema migration 3): it has
  // stored leaf `index` (its hash `leaf`) in its own row; this stores the subtrees that
  // leaf completes (once every kStoredLevel-th power of two leaves; usually nothing).
  // REQUIRES: index == next_index() before that row was written, in the same transaction.
  Status close_subtrees(std::int64_t index, const Hash& leaf);

  // The index the next append will take (the current tree size), for a writer that
  // stores it in its own row before appending.
  // REQUIRES: the Db is inside an open write transaction.
  Result<std::int64_t> next_index();

 private:
  Result<db::Stmt*> ready(db::Stmt& slot, const char* sql);
  Result<std::int64_t> insert(std::optional<std::int64_t> index, EntryKind kind, std::string_view ref,
                              std::string_view opening, std::span<const unsigned char> salt, std::string_view parties);
  db::Db* db_;
  db::Stmt ends_, insert_entry_, insert_public_entry_, read_node_, insert_node_;
  LeafStmts read_leaves_;
};

// The current number of leaves.
Result<std::uint64_t> tree_size(db::Db& db);

// Reads complete subtrees: from log_nodes at level kStoredLevel and up, folded from the
// leaf hashes in log_entries below it (error LOG_CORRUPT if a row is missing). The source
// keeps prepared statements on `db` and the last block of leaf hashes it read; it must not
// outlive `db`, and is meant for one snapshot (one proof or root).
NodeSource db_node_source(db::Db& db);

// MTH of the first `size` leaves. Errors: NOT_FOUND when size exceeds the tree.
Result<Hash> tree_root(db::Db& db, std::uint64_t size);

// The purchase columns a purchase (and its leaf) is read from, in this order, and the
// purchase they hold from column `first` of a row on (CORRUPT_ROW quoting a stored date or
// USCC that no longer parses). The repository reads purchases with it too.
inline constexpr const char* kPurchaseLeafColumns =
    "invoice, line, date, buyer, seller, product, amount_fen, tax_fen, reverses_invoice, reverses_line";
Result<Purchase> purchase_from_columns(const db::Stmt& s, int first);

struct StoredEntry {
  std::int64_t index = 0;
  std::string kind;
  std::string ref;
  std::string entry;  // the leaf bytes: the opening (v1) or its commitment (v2)
  std::string created_at;
  std::string opening;              // the fact's bytes (make_entry)
  std::vector<unsigned char> salt;  // empty for a v1 leaf
  Parties parties;                  // who besides the bureau may read a v2 leaf's opening
  int version() const { return salt.empty() ? 1 : 2; }
};
// The leaf at `index`: its log_entries row, or the purchase row that is the leaf, rebuilt.
// Errors: NOT_FOUND when index >= tree size; LOG_CORRUPT when the leaf is missing or its
// row no longer matches the leaf hash it was logged with.
Result<StoredEntry> read_entry(db::Db& db, std::uint64_t index);

// The parties of a log_entries row's `parties` column (USCCs separated by spaces).
Parties split_parties(std::string_view text);

// The log's origin: meta 'log_origin', or kDefaultOrigin when unset.
Result<std::string> log_origin(db::Db& db);

// The current tree as a checkpoint (size and root read in one snapshot).
Result<Checkpoint> current_checkpoint(db::Db& db);

// ---- the log key --------------------------------------------------------------------

std::string log_key_path(const std::string& db_path);

// For `chipreg init`: loads DB_PATH.logkey if it exists, otherwise creates it (mode 0600)
// named `origin` (or the stored origin, or kDefaultOrigin), and records the origin in
// meta. An existing key is always kept; asking for a different origin than the stored
// one is LOG_ORIGIN_MISMATCH. If meta names an origin but the key file is gone, the
// answer is LOG_KEY_MISSING (a new key would fork the log's identity).
// REQUIRES: `db` is inside an open write transaction.
Result<NoteSigner> ensure_log_key(db::Db& db, const std::string& db_path, std::optional<std::string> origin);

// For `chipreg serve`: loads DB_PATH.logkey and checks it names the stored origin.
// Errors: LOG_KEY_MISSING (run chipreg init), BAD_KEY, LOG_ORIGIN_MISMATCH.
Result<NoteSigner> load_log_key(db::Db& db, const std::string& db_path);

}  // namespace chipreg::tlog
