#include "registry/db/sqlite.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <functional>
#include <string>
#include <unordered_map>

namespace chipreg::db {

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
  const int primary = rc & 0xff;
  std::string code = "DB_ERROR";
  if (primary == SQLITE_CONSTRAINT) code = "CONSTRAINT";
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = "BUSY";
  if (primary == SQLITE_TOOBIG) code = "TOO_BIG";
  std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return Error(std::move(code), std::move(msg));
}

// A connection's idle prepared statements, one per SQL text. Belongs to the connection's
// thread, like the Db. A statement's text travels with it (Stmt::sql_) while it is in use
// and comes back as its key, in a map node kept from its last stay: in the steady state a
// statement's trip out and back allocates nothing and hashes a few words, not its text.
class StmtCache {
 public:
  // An idle statement prepared from exactly `sql`, now the caller's, with its text moved
  // into `key`; nullptr if none.
  sqlite3_stmt* take(std::string_view sql, std::string& key) {
    auto it = idle_.find(sql);
    if (it == idle_.end()) return nullptr;
    auto node = idle_.extract(it);
    sqlite3_stmt* s = node.mapped();
    key = std::move(node.key());
    spare_.push_back(std::move(node));
    return s;
  }

  // Takes back a statement that is done with, under its text `key`: reset (which ends any
  // read it held open) and with its bindings cleared (they may point at the caller's
  // memory). Finalized instead when the connection is closing, when one is already idle
  // for its text, or when full.
  void give(sqlite3_stmt* s, std::string&& key) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (closed_ || key.empty() || idle_.size() >= kStmtCacheSize) {
      sqlite3_finalize(s);
      return;
    }
    if (spare_.empty()) {
      if (!idle_.emplace(std::move(key), s).second) sqlite3_finalize(s);
      return;
    }
    auto node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = std::move(key);
    node.mapped() = s;
    auto put = idle_.insert(std::move(node));
    if (!put.inserted) {  // one is already idle for this text
      sqlite3_finalize(s);
      spare_.push_back(std::move(put.node));
    }
  }

  // The connection closes: every idle statement is finalized, later ones are not kept.
  void close() {
    for (auto& [sql, s] : idle_) sqlite3_finalize(s);
    idle_.clear();
    spare_.clear();
    closed_ = true;
  }

 private:
  // SQL texts of one program differ in length or in their first, middle or last words;
  // equal hashes are told apart by comparing the texts. Short texts hash whole.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const {
      if (v.size() < 24) return std::hash<std::string_view>{}(v);
      auto word = [&v](std::size_t at) {
        std::uint64_t w;
        std::memcpy(&w, v.data() + at, sizeof w);
        return w;
      };
      std::uint64_t h = v.size() * 0x9e3779b97f4a7c15ULL;
      for (std::uint64_t w : {word(0), word(v.size() / 2 - 4), word(v.size() - 8)}) {
        h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      }
      return static_cast<std::size_t>(h);
    }
  };
  using Map = std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>>;
  Map idle_;
  std::vector<Map::node_type> spare_;  // nodes of statements now in use
  bool closed_ = false;
};

void Stmt::release() {
  if (stmt_ == nullptr) return;
  if (cache_) {
    cache_->give(stmt_, std::move(sql_));
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  cache_.reset();
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    release();
    db_ = o.db_;
    stmt_ = o.stmt_;
    cache_ = std::move(o.cache_);
    sql_ = std::move(o.sql_);
    bind_rc_ = o.bind_rc_;
    bind_index_ = o.bind_index_;
    o.stmt_ = nullptr;
    o.bind_rc_ = 0;
  }
  return *this;
}

Stmt::~Stmt() { release(); }

Stmt& Stmt::bound(int rc, int i) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
    bind_index_ = i;
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) { return bound(sqlite3_bind_int64(stmt_, i, v), i); }

Stmt& Stmt::bind(int i, std::string_view v) {
  return bound(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8), i);
}

Stmt& Stmt::bind_blob(int i, const void* data, std::size_t n) {
  return bound(sqlite3_bind_blob64(stmt_, i, data, n, SQLITE_TRANSIENT), i);
}

Stmt& Stmt::bind_view(int i, std::string_view v) {
  return bound(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8), i);
}

Stmt& Stmt::bind_blob_view(int i, const void* data, std::size_t n) {
  return bound(sqlite3_bind_blob64(stmt_, i, data, n, SQLITE_STATIC), i);
}

Stmt& Stmt::bind_null(int i) { return bound(sqlite3_bind_null(stmt_, i), i); }

Result<bool> Stmt::step() {
  assert(stmt_ != nullptr && "step() on an empty Stmt");
  if (bind_rc_ != SQLITE_OK) {
    Error e = sqlite_error(nullptr, bind_rc_, "binding parameter ?" + std::to_string(bind_index_));
    if ((bind_rc_ & 0xff) != SQLITE_TOOBIG) e.code = "DB_ERROR";
    return e;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = sqlite_error(db_, rc, "statement failed");
  sqlite3_reset(stmt_);
  return e;
}

Status Stmt::exec() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) break;
  }
  sqlite3_reset(stmt_);  // ready to be bound and run again (the bindings stay until rebound)
  return Status::Ok();
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
  bind_index_ = 0;
}

std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::string_view Stmt::text_view(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<std::int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::vector<unsigned char> Stmt::blob(int col) const {
  const auto v = blob_view(col);
  return std::vector<unsigned char>(v.begin(), v.end());
}

std::span<const unsigned char> Stmt::blob_view(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::span<const unsigned char>(p, static_cast<std::size_t>(n)) : std::span<const unsigned char>();
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Stmt::ColumnType Stmt::column_type(int col) const {
  switch (sqlite3_column_type(stmt_, col)) {
    case SQLITE_NULL: return ColumnType::kNull;
    case SQLITE_INTEGER: return ColumnType::kInteger;
    case SQLITE_TEXT: return ColumnType::kText;
    default: return ColumnType::kOther;
  }
}

int Stmt::column_count() const { return sqlite3_column_count(stmt_); }

std::string Stmt::column_name(int col) const {
  const char* name = sqlite3_column_name(stmt_, col);
  return name ? std::string(name) : std::string();
}

Db::Db(sqlite3* db) : db_(db), cache_(std::make_shared<StmtCache>()) {}

void Db::close() {
  if (cache_) cache_->close();
  cache_.reset();
  sqlite3_close_v2(db_);  // a Stmt still alive keeps the connection until it is finalized
  db_ = nullptr;
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    close();
    db_ = o.db_;
    cache_ = std::move(o.cache_);
    on_compile_ = std::move(o.on_compile_);
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() { close(); }

namespace {

// Process-wide settings, applied once before the first connection opens. Memory statistics
// take a global mutex on every SQLite allocation, and chipreg never reads them.
void configure_sqlite() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // fails harmlessly if SQLite is already initialized
    return sqlite3_initialize() == SQLITE_OK;
  }();
  (void)configured;
}

}  // namespace

Result<Db> Db::open(const std::string& path, const DbOptions& options) {
  configure_sqlite();
  sqlite3* raw = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // owns raw even on failure
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open database '" + path + "'");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  std::string pragmas = "PRAGMA foreign_keys = ON;";
  if (!options.read_only) {
    pragmas += "PRAGMA journal_mode = WAL;";
    pragmas += options.synchronous_full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;";
  }
  if (auto st = db.exec_script(pragmas.c_str()); !st) return st.error();
  return db;
}

Result<Stmt> Db::prepare(std::string_view sql) {
  if (cache_) {
    std::string key;
    if (sqlite3_stmt* s = cache_->take(sql, key)) return Stmt(db_, s, cache_, std::move(key));
  }
  if (on_compile_) on_compile_(sql);
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, "cannot prepare statement");
  if (s == nullptr) return Error("DB_ERROR", "cannot prepare statement: no SQL statement in the text");
  return Stmt(db_, s, cache_, std::string(sql));
}

Status Db::run(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  return st->exec();
}

Status Db::exec_script(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = sqlite_error(nullptr, rc, "");
    e.message = msg;
    return e;
  }
  return Status::Ok();
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
bool Db::in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

Result<Tx> Tx::begin(Db& db) {
  assert(!db.in_transaction() && "Tx::begin inside a transaction: use a Savepoint or a WriteScope");
  if (auto st = db.run("BEGIN IMMEDIATE"); !st) return st.error();
  return Tx(db);
}

Tx::~Tx() {
  if (open_) (void)db_->run("ROLLBACK");
}

Status Tx::commit() {
  if (auto st = db_->run("COMMIT"); !st) return st;
  open_ = false;
  return Status::Ok();
}

Result<Savepoint> Savepoint::open(Db& db, std::string_view name) {
  assert(!name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
  Savepoint sp(db, name);
  if (auto st = db.run("SAVEPOINT " + sp.name_); !st) {
    sp.open_ = false;
    return st.error();
  }
  return sp;
}

Savepoint::~Savepoint() {
  if (open_) (void)rollback();
}

Status Savepoint::release() {
  assert(open_ && "release() of a savepoint that has ended");
  open_ = false;
  return db_->run("RELEASE " + name_);
}

Status Savepoint::undo() {
  assert(open_ && "undo() of a savepoint that has ended");
  // After an error that rolled back the whole transaction, SQLite has no savepoint left to
  // return to; the writes are gone either way.
  if (!db_->in_transaction()) {
    open_ = false;
    return Error("DB_ERROR", "the transaction ended with an error; its writes were rolled back");
  }
  return db_->run("ROLLBACK TO " + name_);
}

Status Savepoint::rollback() {
  Status st = undo();
  if (!open_) return st;
  open_ = false;
  if (Status rel = db_->run("RELEASE " + name_); !rel && st) return rel;
  return st;
}

Status ReadSnapshot::begin() {
  if (!own_) return Status::Ok();
  auto st = db_.run("BEGIN");
  if (!st) own_ = false;
  return st;
}

ReadSnapshot::~ReadSnapshot() {
  if (own_) (void)db_.run("COMMIT");
}

Result<WriteScope> WriteScope::open(Db& db) {
  WriteScope w;
  if (!db.in_transaction()) {
    auto tx = Tx::begin(db);
    if (!tx) return tx.error();
    w.tx_.emplace(std::move(*tx));
  } else {
    auto sp = Savepoint::open(db, "write_scope");
    if (!sp) return sp.error();
    w.savepoint_.emplace(std::move(*sp));
  }
  return w;
}

Status WriteScope::commit() {
  if (tx_) return tx_->commit();
  if (savepoint_ && savepoint_->is_open()) return savepoint_->release();
  return Status::Ok();
}

namespace {

Error io_error(const std::string& path, int err) { return Error("IO_ERROR", path + ": " + std::strerror(err)); }

// fsync of a file or directory by path.
Status sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error(path, errno);
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return io_error(path, err);
  return Status::Ok();
}

// Copies every page of `src` into the (empty) database file `path`, in steps.
Result<int> copy_pages(Db& src, const std::string& path, const BackupOptions& options) {
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> own(dest, sqlite3_close_v2);
  if (rc != SQLITE_OK) return sqlite_error(dest, rc, "cannot open backup file '" + path + "'");
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", src.raw(), "main");
  if (b == nullptr) return sqlite_error(dest, sqlite3_errcode(dest), "cannot start the backup");
  int total = 0;
  do {
    rc = sqlite3_backup_step(b, options.pages_per_step);
    total = sqlite3_backup_pagecount(b);
    if (options.progress && (rc == SQLITE_OK || rc == SQLITE_DONE)) {
      options.progress(total - sqlite3_backup_remaining(b), total);
    }
  } while (rc == SQLITE_OK);
  sqlite3_backup_finish(b);  // its error, if any, is the one `rc` holds
  if (rc != SQLITE_DONE) return sqlite_error(dest, rc, "backup failed");
  // The copy is one self-contained file: pages come with the source's WAL mark, and a WAL
  // file cannot travel with it.
  rc = sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(dest, rc, "backup file '" + path + "'");
  return total;
}

}  // namespace

Result<int> backup_to(Db& src, const std::string& out, const BackupOptions& options) {
  assert(!src.in_transaction() && "backup_to inside a transaction");
  assert(options.pages_per_step > 0);
  if (!options.replace && ::access(out.c_str(), F_OK) == 0) {
    return Error("EXISTS", out + " exists");
  }
  std::string dir = std::filesystem::path(out).parent_path().string();
  if (dir.empty()) dir = ".";
  std::string tmp = out + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) return io_error(tmp, errno);
  ::close(fd);
  auto discard = [&tmp](Error e) -> Result<int> {
    for (const char* suffix : {"", "-journal"}) ::unlink((tmp + suffix).c_str());
    return e;
  };

  // One read transaction over every step: the copy is of a single snapshot, and other
  // connections' commits cannot make the backup start over.
  if (auto st = src.run("BEGIN"); !st) return discard(st.error());
  Result<int> pages = [&]() -> Result<int> {
    if (auto st = src.run("SELECT count(*) FROM sqlite_schema"); !st) return st.error();
    return copy_pages(src, tmp, options);
  }();
  (void)src.run("COMMIT");
  if (!pages) return discard(pages.error());
  if (auto st = sync_path(tmp, O_RDONLY); !st) return discard(st.error());

  if (options.replace) {
    for (const char* suffix : {"-wal", "-shm"}) {
      if (::unlink((out + suffix).c_str()) != 0 && errno != ENOENT) return discard(io_error(out + suffix, errno));
    }
    if (::rename(tmp.c_str(), out.c_str()) != 0) return discard(io_error(out, errno));
  } else {
    // link() refuses an existing name, so a file that appeared meanwhile is kept too.
    if (::link(tmp.c_str(), out.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) return discard(Error("EXISTS", out + " exists"));
      return discard(io_error(out, err));
    }
    ::unlink(tmp.c_str());
  }
  if (auto st = sync_path(dir, O_RDONLY | O_DIRECTORY); !st) return st.error();
  return pages;
}

}  // namespace chipreg::db
