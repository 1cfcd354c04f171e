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
#include <sstream>

#include "crypto/encoding.hpp"
#include "registry/store/clock.hpp"

namespace chipreg::tlog {
namespace {

constexpr const char* kSizeSql = "SELECT coalesce(max(idx) + 1, 0) FROM log_entries";
constexpr const char* kNodeSql = "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?";

Error corrupt(int level, std::uint64_t index) {
  return Error("LOG_CORRUPT", "log_nodes has no subtree at level " + std::to_string(level) + " index " +
                                  std::to_string(index));
}

Result<Hash> read_node(store::Stmt& st, int level, std::uint64_t index) {
  st.reset();
  st.bind(1, level).bind(2, static_cast<std::int64_t>(index));
  auto row = st.step();
  if (!row) return row.error();
  if (!*row) return corrupt(level, index);
  const auto blob = st.blob(0);
  st.reset();
  if (blob.size() != 32) return Error("LOG_CORRUPT", "log_nodes hash is not 32 bytes");
  Hash h{};
  std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

Error bad_request(const std::string& message, std::string_view field) {
  return Error("BAD_REQUEST", message, std::string(field));
}

boost::json::array hex_path(const std::vector<Hash>& path) {
  boost::json::array out;
  out.reserve(path.size());
  for (const auto& h : path) out.emplace_back(crypto::hex(h));
  return out;
}

Result<std::string> read_meta(store::Db& db, const char* key) {
  auto st = db.prepare("SELECT value FROM meta WHERE key = ?");
  if (!st) return st.error();
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.error();
  return *row ? st->text(0) : std::string();
}

Status write_meta(store::Db& db, const char* key, const std::string& value) {
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

Status ReadSnapshot::begin() {
  if (!own_) return Status::Ok();
  auto st = db_.exec_script("BEGIN");
  if (!st) own_ = false;
  return st;
}

ReadSnapshot::~ReadSnapshot() {
  if (own_) (void)db_.exec_script("COMMIT");
}

// ---- appends ------------------------------------------------------------------------

Status Appender::prepare() {
  auto size = db_->prepare(kSizeSql);
  if (!size) return size.error();
  auto ins = db_->prepare("INSERT INTO log_entries(idx, kind, ref, entry, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  auto node = db_->prepare(kNodeSql);
  if (!node) return node.error();
  auto ins_node = db_->prepare("INSERT INTO log_nodes(level, idx, hash) VALUES (?, ?, ?)");
  if (!ins_node) return ins_node.error();
  size_ = std::move(*size);
  insert_entry_ = std::move(*ins);
  read_node_ = std::move(*node);
  insert_node_ = std::move(*ins_node);
  prepared_ = true;
  return Status::Ok();
}

Result<std::int64_t> Appender::next_index() {
  assert(sqlite3_get_autocommit(db_->raw()) == 0 && "tlog::Appender outside a transaction");
  if (!prepared_) {
    if (auto st = prepare(); !st) return st.error();
  }
  size_.reset();
  auto row = size_.step();
  if (!row) return row.error();
  const std::int64_t idx = size_.int64(0);
  size_.reset();
  return idx;
}

Result<std::int64_t> Appender::append(EntryKind kind, std::string_view ref, std::string_view entry) {
  assert(sqlite3_get_autocommit(db_->raw()) == 0 && "tlog::append outside a transaction");
  auto next = next_index();
  if (!next) return next.error();
  const std::int64_t idx = *next;

  insert_entry_.reset();
  insert_entry_.bind(1, idx).bind(2, to_string(kind)).bind(3, ref).bind_blob(4, entry.data(), entry.size());
  insert_entry_.bind(5, store::now_utc());
  if (auto st = insert_entry_.exec(); !st) return st.error();

  // Store the leaf, then each subtree this leaf completes: while the node just written is
  // a right child, combine it with its stored left sibling.
  Hash h = leaf_hash(entry);
  int level = 0;
  auto index = static_cast<std::uint64_t>(idx);
  for (;;) {
    insert_node_.reset();
    insert_node_.bind(1, level).bind(2, static_cast<std::int64_t>(index)).bind_blob(3, h.data(), h.size());
    if (auto st = insert_node_.exec(); !st) return st.error();
    if ((index & 1) == 0) break;
    auto left = read_node(read_node_, level, index - 1);
    if (!left) return left.error();
    h = node_hash(*left, h);
    ++level;
    index >>= 1;
  }
  return idx;
}

Result<std::int64_t> append(store::Db& db, EntryKind kind, std::string_view ref, std::string_view entry) {
  Appender appender(db);
  return appender.append(kind, ref, entry);
}

// ---- reads --------------------------------------------------------------------------

Result<std::uint64_t> tree_size(store::Db& db) {
  auto st = db.prepare(kSizeSql);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return static_cast<std::uint64_t>(st->int64(0));
}

NodeSource db_node_source(store::Db& db) {
  auto holder = std::make_shared<Result<store::Stmt>>(db.prepare(kNodeSql));
  return [holder](int level, std::uint64_t index) -> Result<Hash> {
    if (!*holder) return holder->error();
    return read_node(**holder, level, index);
  };
}

Result<Hash> tree_root(store::Db& db, std::uint64_t size) {
  auto have = tree_size(db);
  if (!have) return have.error();
  if (size > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(size) + " is beyond the log's " + std::to_string(*have), "size");
  }
  return root(db_node_source(db), size);
}

Result<StoredEntry> read_entry(store::Db& db, std::uint64_t index) {
  auto st = db.prepare("SELECT idx, kind, ref, entry, created_at FROM log_entries WHERE idx = ?");
  if (!st) return st.error();
  st->bind(1, static_cast<std::int64_t>(index));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error("NOT_FOUND", "no log entry at index " + std::to_string(index), "index");
  const auto blob = st->blob(3);
  return StoredEntry{st->int64(0), st->text(1), st->text(2), std::string(blob.begin(), blob.end()), st->text(4)};
}

Result<std::string> log_origin(store::Db& db) {
  auto origin = read_meta(db, "log_origin");
  if (!origin) return origin;
  if (origin->empty()) return std::string(kDefaultOrigin);
  return origin;
}

Result<Checkpoint> current_checkpoint(store::Db& db) {
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

Result<NoteSigner> ensure_log_key(store::Db& db, const std::string& db_path, std::optional<std::string> origin) {
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

Result<NoteSigner> load_log_key(store::Db& db, const std::string& db_path) {
  auto signer = read_key_file(log_key_path(db_path));
  if (!signer) return signer.error();
  auto origin = log_origin(db);
  if (!origin) return origin.error();
  if (signer->name != *origin) {
    return Error("LOG_ORIGIN_MISMATCH", "log key names '" + signer->name + "' but the log's origin is '" + *origin + "'");
  }
  return signer;
}

// ---- endpoints ----------------------------------------------------------------------

Result<std::uint64_t> parse_log_number(std::string_view text, std::string_view field) {
  if (text.empty()) return bad_request("missing parameter " + std::string(field), field);
  if (text.size() > 18) return bad_request(std::string(field) + ": number too large", field);
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad_request(std::string(field) + ": not a non-negative decimal integer", field);
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

Result<std::string> checkpoint_response(store::Db& db, const NoteSigner& signer) {
  auto cp = current_checkpoint(db);
  if (!cp) return cp.error();
  return sign_note(cp->body(), signer);
}

std::string key_response(const NoteSigner& signer) { return signer.verifier().key_string(); }

Result<boost::json::object> entry_response(store::Db& db, std::string_view index) {
  auto i = parse_log_number(index, "index");
  if (!i) return i.error();
  auto e = read_entry(db, *i);
  if (!e) return e.error();
  return boost::json::object{{"index", e->index}, {"entry", crypto::base64(e->entry)}};
}

Result<boost::json::object> inclusion_response(store::Db& db, std::string_view index, std::string_view size) {
  auto i = parse_log_number(index, "index");
  if (!i) return i.error();
  auto n = parse_log_number(size, "size");
  if (!n) return n.error();
  if (*i >= *n) {
    return bad_request("index " + std::to_string(*i) + " is not below size " + std::to_string(*n), "index");
  }
  auto have = tree_size(db);
  if (!have) return have.error();
  if (*n > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(*n) + " is beyond the log's " + std::to_string(*have), "size");
  }
  auto nodes = db_node_source(db);
  auto leaf = nodes(0, *i);
  if (!leaf) return leaf.error();
  auto path = inclusion_proof(nodes, *i, *n);
  if (!path) return path.error();
  return boost::json::object{{"leaf_hash", crypto::hex(*leaf)}, {"path", hex_path(*path)}};
}

Result<boost::json::object> consistency_response(store::Db& db, std::string_view from, std::string_view to) {
  auto m = parse_log_number(from, "from");
  if (!m) return m.error();
  auto n = parse_log_number(to, "to");
  if (!n) return n.error();
  if (*m > *n) return bad_request("from " + std::to_string(*m) + " is greater than to " + std::to_string(*n), "from");
  auto have = tree_size(db);
  if (!have) return have.error();
  if (*n > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(*n) + " is beyond the log's " + std::to_string(*have), "to");
  }
  auto path = consistency_proof(db_node_source(db), *m, *n);
  if (!path) return path.error();
  return boost::json::object{{"path", hex_path(*path)}};
}

}  // namespace chipreg::tlog
