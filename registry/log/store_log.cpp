// The SQLite-backed transparency log (see store_log.hpp).
#include "registry/log/store_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <span>
#include <vector>
#include <sstream>

#include "crypto/encoding.hpp"
#include "registry/log/entries.hpp"
#include "registry/db/clock.hpp"

namespace chipreg::tlog {
namespace {

// The tree size is one past the last leaf, which is either a log_entries row or the newest
// purchase (a purchase that is its own leaf has id = log_index + 1; one logged before
// schema migration 3 has an id no greater than its log index + 1, below the log's size).
// Two rows, each a max() that SQLite reads off the right edge of a rowid B-tree.
constexpr const char* kEndsSql =
    "SELECT coalesce(max(idx) + 1, 0) FROM log_entries UNION ALL SELECT coalesce(max(id), 0) FROM purchases";
constexpr const char* kNodeSql = "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?";
// Leaf hashes of leaves [?1, ?2) in each place a leaf lives, in index order. Two
// statements merged here rather than one UNION ALL: SQLite sorts the union through a
// temporary B-tree that it opens and closes on every run.
constexpr const char* kEntryLeavesSql = "SELECT idx, leaf_hash FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx";
constexpr const char* kPurchaseLeavesSql =
    "SELECT log_index, leaf_hash FROM purchases WHERE id > ?1 AND id <= ?2 AND leaf_hash IS NOT NULL ORDER BY id";
constexpr std::uint64_t kBlock = std::uint64_t{1} << kStoredLevel;  // leaves under one stored subtree

Error corrupt(int level, std::uint64_t index) {
  return Error("LOG_CORRUPT", "log_nodes has no subtree at level " + std::to_string(level) + " index " +
                                  std::to_string(index));
}

Hash to_hash(std::span<const unsigned char> blob) {
  Hash h{};
  std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

Result<Hash> read_node(db::Stmt& st, int level, std::uint64_t index) {
  st.reset();
  st.bind(1, level).bind(2, static_cast<std::int64_t>(index));
  auto row = st.step();
  if (!row) return row.error();
  if (!*row) return corrupt(level, index);
  const auto blob = st.blob_view(0);
  if (blob.size() != 32) return Error("LOG_CORRUPT", "log_nodes hash is not 32 bytes");
  const Hash h = to_hash(blob);
  st.reset();
  return h;
}

Result<LeafStmts> prepare_leaf_stmts(db::Db& db) {
  auto e = db.prepare(kEntryLeavesSql);
  if (!e) return e.error();
  auto p = db.prepare(kPurchaseLeavesSql);
  if (!p) return p.error();
  return LeafStmts{std::move(*e), std::move(*p)};
}

// Appends to `out` the leaf hashes of leaves [first, end), which must all exist exactly
// once between the two places.
Status read_leaf_hashes(LeafStmts& st, std::uint64_t first, std::uint64_t end, std::vector<Hash>& out) {
  for (db::Stmt* s : {&st.entries, &st.purchases}) {
    s->reset();
    s->bind(1, static_cast<std::int64_t>(first)).bind(2, static_cast<std::int64_t>(end));
  }
  auto step = [](db::Stmt& s, bool& has) -> Status {
    auto row = s.step();
    if (!row) return row.error();
    has = *row;
    return Status::Ok();
  };
  auto done = [&](Status result) {
    st.entries.reset();
    st.purchases.reset();
    return result;
  };
  bool has_entry = false, has_purchase = false;
  if (auto s = step(st.entries, has_entry); !s) return done(s);
  if (auto s = step(st.purchases, has_purchase); !s) return done(s);
  for (std::uint64_t want = first; want < end; ++want) {
    const bool entry_here = has_entry && static_cast<std::uint64_t>(st.entries.int64(0)) == want;
    const bool purchase_here = has_purchase && static_cast<std::uint64_t>(st.purchases.int64(0)) == want;
    if (entry_here && purchase_here) {
      return done(Error("LOG_CORRUPT", "leaf " + std::to_string(want) + " is both a log_entries row and a purchase row"));
    }
    if (!entry_here && !purchase_here) {
      return done(Error("LOG_CORRUPT", "the log has no leaf " + std::to_string(want) +
                                           " (neither a log_entries row nor a purchase row)"));
    }
    db::Stmt& s = entry_here ? st.entries : st.purchases;
    const auto blob = s.blob_view(1);
    if (blob.size() != 32) {
      return done(Error("LOG_CORRUPT", "the leaf hash of leaf " + std::to_string(want) + " is not 32 bytes"));
    }
    out.push_back(to_hash(blob));
    if (auto r = step(s, entry_here ? has_entry : has_purchase); !r) return done(r);
  }
  return done(Status::Ok());
}

// The tree size: the larger of the two rows of kEndsSql.
Result<std::int64_t> read_size(db::Stmt& ends) {
  ends.reset();
  std::int64_t size = 0;
  auto st = db::each_row(ends, [&]() -> Status {
    size = std::max(size, ends.int64(0));
    return Status::Ok();
  });
  ends.reset();
  if (!st) return st.error();
  return size;
}

// The subtree (level, index) over `leaves`, which starts at leaf `first`.
// REQUIRES: the subtree lies within the leaves given.
Hash fold(const std::vector<Hash>& leaves, std::uint64_t first, int level, std::uint64_t index) {
  const std::uint64_t width = std::uint64_t{1} << level;
  std::vector<Hash> row(leaves.begin() + static_cast<std::ptrdiff_t>(index * width - first),
                        leaves.begin() + static_cast<std::ptrdiff_t>((index + 1) * width - first));
  while (row.size() > 1) {
    for (std::size_t i = 0; i < row.size() / 2; ++i) row[i] = node_hash(row[2 * i], row[2 * i + 1]);
    row.resize(row.size() / 2);
  }
  return row.front();
}

// The node source over the database: stored subtrees from log_nodes, lower ones folded from
// one block of kBlock leaf hashes, remembered while requests stay in that block (a proof
// asks for up to four subtrees below kStoredLevel, all in one block).
class DbNodes {
 public:
  explicit DbNodes(db::Db& db) : nodes_(db.prepare(kNodeSql)), leaves_(prepare_leaf_stmts(db)) {}

  Result<Hash> operator()(int level, std::uint64_t index) {
    if (level >= kStoredLevel) {
      if (!nodes_) return nodes_.error();
      return read_node(*nodes_, level, index);
    }
    if (!leaves_) return leaves_.error();
    const std::uint64_t first = (index << level);
    const std::uint64_t end = first + (std::uint64_t{1} << level);
    const std::uint64_t block = first / kBlock;
    if (!cached_ || block_ != block || block_hashes_.size() < end - block * kBlock) {
      // Read the block up to the end of this subtree (a complete subtree never needs more,
      // and the block may be the right edge of the tree).
      cached_ = false;
      block_hashes_.clear();
      if (auto st = read_leaf_hashes(*leaves_, block * kBlock, end, block_hashes_); !st) return st.error();
      block_ = block;
      cached_ = true;
    }
    return fold(block_hashes_, block * kBlock, level, index);
  }

 private:
  Result<db::Stmt> nodes_;
  Result<LeafStmts> leaves_;
  bool cached_ = false;
  std::uint64_t block_ = 0;
  std::vector<Hash> block_hashes_;  // leaf hashes from block_ * kBlock on
};

Result<std::string> read_meta(db::Db& db, const char* key) {
  auto st = db.prepare("SELECT value FROM meta WHERE key = ?");
  if (!st) return st.error();
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.error();
  return *row ? st->text(0) : std::string();
}

Status write_meta(db::Db& db, const char* key, const std::string& value) {
  auto st = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st) return st.error();
  st->bind(1, key).bind(2, value);
  return st->exec();
}

// Writes the key file with O_EXCL and mode 0600 (fchmod: the umask must not widen or
// narrow it), fsynced before init reports success.
Status write_key_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error("IO_ERROR", "cannot create log key " + path + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Error("IO_ERROR", "cannot write log key " + path + ": " + std::strerror(saved));
  }
  return Status::Ok();
}

Result<NoteSigner> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("LOG_KEY_MISSING", "no log key at " + path + "; run chipreg init");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto signer = parse_note_signer(text);
  if (!signer) return Error(signer.error().code, path + ": " + signer.error().message);
  return signer;
}

}  // namespace

// ---- appends ------------------------------------------------------------------------

constexpr const char* kInsertEntrySql =
    "INSERT INTO log_entries(idx, kind, ref, entry, leaf_hash, created_at, salt, parties) VALUES (?, ?, ?, ?, ?, ?, ?, "
    "?)";
// A v1 leaf names only the columns every layout since migration 2 has.
constexpr const char* kInsertPublicEntrySql =
    "INSERT INTO log_entries(idx, kind, ref, entry, leaf_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertNodeSql = "INSERT INTO log_nodes(level, idx, hash) VALUES (?, ?, ?)";

// Each statement is prepared on its first use: a writer that builds an Appender for one
// purchase (an HTTP request) prepares the one statement that needs, not all six.
Result<db::Stmt*> Appender::ready(db::Stmt& slot, const char* sql) {
  if (slot.empty()) {
    auto st = db_->prepare(sql);
    if (!st) return st.error();
    slot = std::move(*st);
  }
  return &slot;
}

Result<std::int64_t> Appender::next_index() {
  assert(db_->in_transaction() && "tlog::Appender outside a transaction");
  auto ends = ready(ends_, kEndsSql);
  if (!ends) return ends.error();
  return read_size(**ends);
}

Result<std::int64_t> Appender::append(EntryKind kind, std::string_view ref, std::string_view opening,
                                      const Parties& parties) {
  auto salt = new_salt();
  if (!salt) return salt.error();
  return insert(std::nullopt, kind, ref, opening, *salt, parties_text(parties));
}

Result<std::int64_t> Appender::append_at(std::int64_t index, EntryKind kind, std::string_view ref,
                                         std::string_view opening, const Parties& parties) {
  auto salt = new_salt();
  if (!salt) return salt.error();
  return insert(index, kind, ref, opening, *salt, parties_text(parties));
}

Result<std::int64_t> Appender::append_public(EntryKind kind, std::string_view ref, std::string_view entry) {
  return insert(std::nullopt, kind, ref, entry, {}, {});
}

Result<std::int64_t> Appender::insert(std::optional<std::int64_t> index, EntryKind kind, std::string_view ref,
                                      std::string_view opening, std::span<const unsigned char> salt,
                                      std::string_view parties) {
  assert(db_->in_transaction() && "tlog::append outside a transaction");
  if (!index) {
    auto next = next_index();
    if (!next) return next.error();
    index = *next;
  }
  const std::int64_t idx = *index;
  auto ins = salt.empty() ? ready(insert_public_entry_, kInsertPublicEntrySql) : ready(insert_entry_, kInsertEntrySql);
  if (!ins) return ins.error();
  // The row keeps the opening in `entry` and the salt beside it; the leaf is the
  // commitment (v2), or the opening itself when there is no salt (v1).
  const Hash leaf = leaf_hash(leaf_bytes(to_string(kind), salt, opening));
  const std::string created_at = db::now_utc();
  // Bound without copies: the caller's bytes and these locals outlive the statement's use.
  db::Stmt& insert = **ins;
  insert.reset();
  insert.bind(1, idx).bind_view(2, to_string(kind)).bind_view(3, ref).bind_blob_view(4, opening.data(), opening.size());
  insert.bind_blob_view(5, leaf.data(), leaf.size()).bind_view(6, created_at);
  if (!salt.empty()) insert.bind_blob_view(7, salt.data(), salt.size()).bind_view(8, parties);
  Status inserted = insert.exec();
  insert.reset();
  if (!inserted) return inserted.error();
  if (auto st = close_subtrees(idx, leaf); !st) return st.error();
  return idx;
}

Status Appender::close_subtrees(std::int64_t idx, const Hash& leaf) {
  assert(db_->in_transaction() && "tlog::Appender outside a transaction");
  // The last leaf of a block completes its level-kStoredLevel subtree: fold the block, store
  // it, then each subtree above that this one completes (while the node just written is a
  // right child, combine it with its stored left sibling).
  auto index = static_cast<std::uint64_t>(idx);
  if ((index + 1) % kBlock != 0) return Status::Ok();
  auto entries = ready(read_leaves_.entries, kEntryLeavesSql);
  if (!entries) return entries.error();
  auto purchases = ready(read_leaves_.purchases, kPurchaseLeavesSql);
  if (!purchases) return purchases.error();
  auto insert_node = ready(insert_node_, kInsertNodeSql);
  if (!insert_node) return insert_node.error();
  auto read_node_stmt = ready(read_node_, kNodeSql);
  if (!read_node_stmt) return read_node_stmt.error();
  std::vector<Hash> block;
  block.reserve(kBlock);
  if (auto st = read_leaf_hashes(read_leaves_, index + 1 - kBlock, index, block); !st) return st;
  block.push_back(leaf);
  Hash h = fold(block, index + 1 - kBlock, kStoredLevel, index / kBlock);
  int level = kStoredLevel;
  index /= kBlock;
  for (;;) {
    insert_node_.reset();
    insert_node_.bind(1, level).bind(2, static_cast<std::int64_t>(index)).bind_blob(3, h.data(), h.size());
    if (auto st = insert_node_.exec(); !st) return st;
    if ((index & 1) == 0) break;
    auto left = read_node(read_node_, level, index - 1);
    if (!left) return left.error();
    h = node_hash(*left, h);
    ++level;
    index >>= 1;
  }
  return Status::Ok();
}

Result<std::int64_t> append(db::Db& db, EntryKind kind, std::string_view ref, std::string_view opening,
                            const Parties& parties) {
  Appender appender(db);
  return appender.append(kind, ref, opening, parties);
}

// ---- reads --------------------------------------------------------------------------

Result<std::uint64_t> tree_size(db::Db& db) {
  auto ends = db.prepare(kEndsSql);
  if (!ends) return ends.error();
  auto size = read_size(*ends);
  if (!size) return size.error();
  return static_cast<std::uint64_t>(*size);
}

NodeSource db_node_source(db::Db& db) {
  auto nodes = std::make_shared<DbNodes>(db);
  return [nodes](int level, std::uint64_t index) { return (*nodes)(level, index); };
}

Result<Hash> tree_root(db::Db& db, std::uint64_t size) {
  auto have = tree_size(db);
  if (!have) return have.error();
  if (size > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(size) + " is beyond the log's " + std::to_string(*have), "size");
  }
  return root(db_node_source(db), size);
}

Result<Purchase> purchase_from_columns(const db::Stmt& s, int first) {
  auto date = Date::parse(s.text(first + 2));
  if (!date) return Error("CORRUPT_ROW", "stored date '" + s.text(first + 2) + "' is invalid");
  auto buyer = Uscc::parse(s.text(first + 3));
  if (!buyer) return Error("CORRUPT_ROW", "stored USCC '" + s.text(first + 3) + "' is invalid");
  auto seller = Uscc::parse(s.text(first + 4));
  if (!seller) return Error("CORRUPT_ROW", "stored USCC '" + s.text(first + 4) + "' is invalid");
  std::optional<InvoiceLineRef> reverses;
  if (!s.is_null(first + 8)) reverses = InvoiceLineRef{s.text(first + 8), s.int64(first + 9)};
  return Purchase{s.text(first),     s.int64(first + 1), *date, *buyer, *seller, s.text(first + 5),
                  Money::fen(s.int64(first + 6)), Money::fen(s.int64(first + 7)), std::move(reverses)};
}

Result<StoredEntry> read_entry(db::Db& db, std::uint64_t index) {
  ReadSnapshot snap(db);
  if (auto st = snap.begin(); !st) return st.error();
  auto st = db.prepare("SELECT idx, kind, ref, entry, created_at, salt, parties, leaf_hash FROM log_entries WHERE idx = ?");
  if (!st) return st.error();
  st->bind(1, static_cast<std::int64_t>(index));
  auto row = st->step();
  if (!row) return row.error();
  const std::string at = "log entry " + std::to_string(index);
  // The leaf rebuilt from its stored opening and salt must hash to the leaf hash the tree
  // holds; otherwise the row was edited behind chipreg's back.
  auto checked = [&](StoredEntry e, std::span<const unsigned char> stored) -> Result<StoredEntry> {
    const Hash leaf = leaf_hash(e.entry);
    if (stored.size() != leaf.size() || !std::equal(stored.begin(), stored.end(), leaf.begin())) {
      return Error("LOG_CORRUPT", at + ": " + e.kind + " " + e.ref +
                                      " no longer matches the leaf it was logged as (see chipreg log audit)");
    }
    return e;
  };
  if (*row) {
    const auto blob = st->blob_view(3);
    StoredEntry e{st->int64(0), st->text(1), st->text(2), {}, st->text(4), std::string(blob.begin(), blob.end()), {}, {}};
    if (!st->is_null(5)) {
      const auto salt = st->blob_view(5);
      e.salt.assign(salt.begin(), salt.end());
      e.parties = split_parties(st->text(6));
    }
    e.entry = leaf_bytes(e.kind, e.salt, e.opening);
    return checked(std::move(e), st->blob_view(7));
  }
  // Not in log_entries: a purchase that is its own leaf, rebuilt from its row and checked
  // against the leaf hash it was logged with.
  auto p = db.prepare(std::string("SELECT ") + kPurchaseLeafColumns +
                      ", leaf_hash, created_at, salt FROM purchases WHERE id = ? AND leaf_hash IS NOT NULL");
  if (!p) return p.error();
  p->bind(1, static_cast<std::int64_t>(index) + 1);
  row = p->step();
  if (!row) return row.error();
  if (*row) {
    auto purchase = purchase_from_columns(*p, 0);
    if (!purchase) return Error("LOG_CORRUPT", at + ": its purchase row no longer reads: " + purchase.error().message);
    StoredEntry e{static_cast<std::int64_t>(index), std::string(to_string(EntryKind::kPurchase)), purchase_ref(*purchase),
                  {}, p->text(11), purchase_entry(*purchase), {}, {}};
    if (!p->is_null(12)) {
      const auto salt = p->blob_view(12);
      e.salt.assign(salt.begin(), salt.end());
      e.parties = {purchase->buyer.str(), purchase->seller.str()};
    }
    e.entry = leaf_bytes(e.kind, e.salt, e.opening);
    return checked(std::move(e), p->blob_view(10));
  }
  auto size = tree_size(db);
  if (!size) return size.error();
  if (index < *size) return Error("LOG_CORRUPT", at + " is missing: no log_entries row and no purchase row");
  return Error("NOT_FOUND", "no log entry at index " + std::to_string(index), "index");
}

Parties split_parties(std::string_view text) {
  Parties out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (!word.empty()) out.emplace_back(word);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

Result<std::string> log_origin(db::Db& db) {
  auto origin = read_meta(db, "log_origin");
  if (!origin) return origin;
  if (origin->empty()) return std::string(kDefaultOrigin);
  return origin;
}

Result<Checkpoint> current_checkpoint(db::Db& db) {
  ReadSnapshot snap(db);
  if (auto st = snap.begin(); !st) return st.error();
  auto origin = log_origin(db);
  if (!origin) return origin.error();
  auto size = tree_size(db);
  if (!size) return size.error();
  auto r = root(db_node_source(db), *size);
  if (!r) return r.error();
  Checkpoint cp;
  cp.origin = *origin;
  cp.size = *size;
  cp.root = *r;
  return cp;
}

// ---- the log key --------------------------------------------------------------------

std::string log_key_path(const std::string& db_path) { return db_path + ".logkey"; }

Result<NoteSigner> ensure_log_key(db::Db& db, const std::string& db_path, std::optional<std::string> origin) {
  auto stored = read_meta(db, "log_origin");
  if (!stored) return stored.error();
  if (origin && !stored->empty() && *origin != *stored) {
    return Error("LOG_ORIGIN_MISMATCH", "the log's origin is already '" + *stored + "'", "log-origin");
  }
  const std::string path = log_key_path(db_path);
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0;
  std::string name = origin ? *origin : (stored->empty() ? std::string(kDefaultOrigin) : *stored);
  Result<NoteSigner> signer = Error("INTERNAL", "unset");
  if (exists) {
    signer = read_key_file(path);
    if (!signer) return signer.error();
    if (!stored->empty() && signer->name != *stored) {
      return Error("LOG_ORIGIN_MISMATCH", path + " names '" + signer->name + "' but the log's origin is '" + *stored + "'");
    }
    if (origin && signer->name != *origin) {
      return Error("LOG_ORIGIN_MISMATCH", path + " already names '" + signer->name + "'", "log-origin");
    }
  } else {
    if (!stored->empty()) {
      return Error("LOG_KEY_MISSING", "the log key " + path + " is missing; restore it (a new key would fork the log)");
    }
    signer = generate_note_signer(name);
    if (!signer) return Error(signer.error().code, "log origin: " + signer.error().message, "log-origin");
    if (auto st = write_key_file(path, signer->key_string() + "\n"); !st) return st.error();
  }
  if (stored->empty()) {
    if (auto st = write_meta(db, "log_origin", signer->name); !st) return st.error();
  }
  return signer;
}

Result<NoteSigner> load_log_key(db::Db& db, const std::string& db_path) {
  auto signer = read_key_file(log_key_path(db_path));
  if (!signer) return signer.error();
  auto origin = log_origin(db);
  if (!origin) return origin.error();
  if (signer->name != *origin) {
    return Error("LOG_ORIGIN_MISMATCH", "log key names '" + signer->name + "' but the log's origin is '" + *origin + "'");
  }
  return signer;
}

}  // namespace chipreg::tlog
