// The db layer (library chipreg_db): thin RAII wrappers over the SQLite C API, and the one
// transaction vocabulary of the project. A connection (Db), a prepared statement (Stmt), a
// transaction (Tx), a savepoint inside one (Savepoint), and the writes of one operation
// wherever it runs (WriteScope: a Tx of its own, or a Savepoint in the caller's). Rows are
// read with each_row / collect. Statements are always prepared and bound; SQL text never
// contains values. Every failure becomes an Error whose message is SQLite's; a failed bind
// is kept by the statement and returned by its next step(), so no caller can lose it.
//
// This header does not include <sqlite3.h>: only the db layer speaks SQLite's C API
// (cmake/check_layers.cmake makes that a build rule); raw() is there for tests.
//
// Statements are cached per connection. A Stmt that ends goes back to its Db, reset and
// with its bindings cleared, instead of being finalized. The next prepare() of the same SQL
// text takes it back rather than compiling the SQL again: compiling costs far more than
// running most of chipreg's statements, and a writer that builds its statements for one
// request (an HTTP purchase) would otherwise compile them every time. A statement is
// handed to one Stmt at a time; preparing SQL whose cached statement is in use compiles
// a second one. At most kStmtCacheSize statements are kept idle per connection.
//
// Thread-safety: a Db and its Stmts belong to one thread at a time (SQLite is built
// serialized on Debian, but chipreg gives each worker its own connection under WAL).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace chipreg::db {

class Db;
class StmtCache;  // a connection's idle statements (sqlite.cpp)

inline constexpr std::size_t kStmtCacheSize = 256;

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept
      : db_(o.db_),
        stmt_(o.stmt_),
        cache_(std::move(o.cache_)),
        sql_(std::move(o.sql_)),
        bind_rc_(o.bind_rc_),
        bind_index_(o.bind_index_) {
    o.stmt_ = nullptr;
    o.bind_rc_ = 0;
  }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  // Binders take 1-based parameter indexes and return *this for chaining. A bind that
  // SQLite refuses (SQLITE_RANGE: no such parameter; SQLITE_TOOBIG: over the length limit)
  // is remembered: the next step() or exec() fails with it, naming the parameter, and runs
  // nothing. reset() forgets it.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind_blob(int i, const void* data, std::size_t n);
  // Without SQLite's private copy, for hot inserts: REQUIRES the bytes stay valid and
  // unchanged until the statement is reset (reset() also clears the bindings).
  Stmt& bind_view(int i, std::string_view v);
  Stmt& bind_blob_view(int i, const void* data, std::size_t n);
  Stmt& bind_null(int i);
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  // Steps once: true when a row is available, false when done. Errors carry code
  // "CONSTRAINT" for constraint violations, "BUSY" when locked, "TOO_BIG" for a value over
  // SQLite's length limit, "DB_ERROR" otherwise (a bind error included).
  Result<bool> step();
  // Runs to completion, ignoring rows, and resets the statement so that it can be bound and
  // run again (a loop of inserts); the bindings stay until rebound.
  Status exec();
  // Resets for re-use and clears bindings.
  void reset();

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  // The column as text in SQLite's buffer: valid as blob_view's bytes are.
  std::string_view text_view(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::vector<unsigned char> blob(int col) const;
  // The column's bytes in SQLite's buffer: valid until the next step, reset or column
  // read of another type on this statement.
  std::span<const unsigned char> blob_view(int col) const;
  bool is_null(int col) const;
  // For readers of rows whose shape the statement decides (registry/log/fact_rows.cpp).
  enum class ColumnType { kNull, kInteger, kText, kOther };
  ColumnType column_type(int col) const;
  int column_count() const;
  std::string column_name(int col) const;

  bool empty() const { return stmt_ == nullptr; }
  sqlite3_stmt* raw() { return stmt_; }

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* s, std::shared_ptr<StmtCache> cache, std::string sql)
      : db_(db), stmt_(s), cache_(std::move(cache)), sql_(std::move(sql)) {}
  void release();  // back to the cache, or finalized
  Stmt& bound(int rc, int i);  // records the first failed bind
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::shared_ptr<StmtCache> cache_;  // outlives the Db if this Stmt does (then it finalizes)
  std::string sql_;     // the text it was prepared from: its key in the cache
  int bind_rc_ = 0;     // SQLITE_OK, or the first failed bind's code
  int bind_index_ = 0;  // ... and its parameter
};

// Steps `s` to the end, calling `row()` (-> Status) for each row; stops at the first error
// of either.
template <typename F>
Status each_row(Stmt& s, F&& row) {
  for (;;) {
    auto r = s.step();
    if (!r) return r.error();
    if (!*r) return Status::Ok();
    if (auto st = row(); !st) return st;
  }
}

// The one row of `s` read by `parse` (const Stmt& -> Result<T>), or nothing when it has
// none (a lookup by key).
template <typename T, typename Parse>
Result<std::optional<T>> optional_row(Stmt& s, Parse&& parse) {
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return std::optional<T>();
  auto v = parse(static_cast<const Stmt&>(s));
  if (!v) return v.error();
  return std::optional<T>(std::move(*v));
}

// The rows of `s`, each read by `parse` (const Stmt& -> Result<T>); the first parse error
// ends the read and is returned.
template <typename T, typename Parse>
Result<std::vector<T>> collect(Stmt& s, Parse&& parse) {
  std::vector<T> out;
  auto st = each_row(s, [&]() -> Status {
    auto v = parse(static_cast<const Stmt&>(s));
    if (!v) return v.error();
    out.push_back(std::move(*v));
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

struct DbOptions {
  bool create = true;          // create the file if missing
  bool read_only = false;
  int busy_timeout_ms = 5000;  // how long a writer waits for the lock
  bool synchronous_full = true;  // FULL: acknowledged writes survive power loss, not only a crash
};

class Db {
 public:
  static Result<Db> open(const std::string& path, const DbOptions& options = {});

  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& o) noexcept : db_(o.db_), cache_(std::move(o.cache_)), on_compile_(std::move(o.on_compile_)) {
    o.db_ = nullptr;
  }
  Db& operator=(Db&& o) noexcept;
  ~Db();

  // A statement for `sql` (one statement), from this connection's cache when it has one.
  Result<Stmt> prepare(std::string_view sql);
  // Runs one statement without parameters through prepare() (BEGIN, COMMIT, SAVEPOINT...).
  Status run(std::string_view sql);
  // Runs one or more statements without parameters (schema, pragmas only).
  Status exec_script(const char* sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  // True while a transaction is open on this connection (BEGIN ran and neither COMMIT nor
  // ROLLBACK has ended it, nor SQLite itself after an error that rolls back).
  bool in_transaction() const;
  sqlite3* raw() { return db_; }
  // Called with the SQL text each time this connection compiles a statement (a cache miss),
  // so tests can check the plan of every statement that real work prepared. Empty: no call.
  void set_compile_observer(std::function<void(std::string_view)> fn) { on_compile_ = std::move(fn); }

 private:
  explicit Db(sqlite3* db);
  void close();
  sqlite3* db_ = nullptr;
  std::shared_ptr<StmtCache> cache_;
  std::function<void(std::string_view)> on_compile_;
};

// A transaction that rolls back unless commit() succeeded. BEGIN IMMEDIATE takes the
// write lock up front so two writers never deadlock on upgrade.
class Tx {
 public:
  static Result<Tx> begin(Db& db);
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  Tx(Tx&& o) noexcept : db_(o.db_), open_(o.open_) { o.open_ = false; }
  Tx& operator=(Tx&&) = delete;
  ~Tx();
  Status commit();

 private:
  explicit Tx(Db& db) : db_(&db), open_(true) {}
  Db* db_;
  bool open_;
};

// A savepoint: inside the connection's open transaction, or (SQLite's rule) starting one
// that its release() commits. Undone unless released.
// `name` is an SQL identifier written by the caller's code (never a value).
//   release()   the writes since open() join the enclosing transaction;
//   rollback()  they are undone (ROLLBACK TO) and the savepoint ends;
//   undo()      they are undone and the savepoint stays open for more writes.
// Destruction without release() is rollback().
class Savepoint {
 public:
  static Result<Savepoint> open(Db& db, std::string_view name);
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  Savepoint(Savepoint&& o) noexcept : db_(o.db_), name_(std::move(o.name_)), open_(o.open_) { o.open_ = false; }
  Savepoint& operator=(Savepoint&&) = delete;
  ~Savepoint();
  Status release();
  Status rollback();
  Status undo();
  bool is_open() const { return open_; }

 private:
  Savepoint(Db& db, std::string_view name) : db_(&db), name_(name), open_(true) {}
  Db* db_;
  std::string name_;
  bool open_;
};

// The writes of one operation, all or nothing, wherever it runs: its own transaction
// (BEGIN IMMEDIATE) when the connection has none open, a savepoint inside the caller's
// transaction otherwise (a bulk import, or the HTTP service committing several requests
// together). commit() commits the transaction or releases the savepoint into the caller's;
// destruction without commit() undoes the writes either way.
class WriteScope {
 public:
  static Result<WriteScope> open(Db& db);
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  WriteScope(WriteScope&& o) noexcept = default;
  WriteScope& operator=(WriteScope&&) = delete;
  Status commit();

 private:
  WriteScope() = default;
  std::optional<Tx> tx_;
  std::optional<Savepoint> savepoint_;
};

// A read snapshot across several statements when the caller has no transaction open
// (under WAL each statement alone could see a different commit). Inside a caller's
// transaction it does nothing.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db), own_(!db.in_transaction()) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();
  Status begin();

 private:
  Db& db_;
  bool own_;
};

// ---- online backup -----------------------------------------------------------------

struct BackupOptions {
  // Replace an existing `out` (its stale `out`-wal and `out`-shm are removed first: a WAL
  // left by the old file must never be applied to the new one). Default: refuse, EXISTS.
  bool replace = false;
  // Pages copied per step; progress is reported after each step.
  int pages_per_step = 256;
  // Called after each step with the pages copied so far and the total. Empty: no call.
  std::function<void(int done, int total)> progress;
};

// Copies the whole database of `src` to a new file `out` with SQLite's online backup API,
// as of one moment: the copy runs inside one read transaction on `src`, so writers on
// other connections (a running `chipreg serve`) go on committing under WAL and none of
// their later commits is in the copy. The copy is written to a temporary file next to
// `out` (mode 0600), synced, and only then linked or renamed to `out` (and the directory
// synced): `out` is either absent, or the old file, or the whole copy, never a part.
// Returns the number of pages copied.
// REQUIRES: `src` has no transaction open.
// Errors: EXISTS (`out` exists and !replace), IO_ERROR (the file system),
// BUSY / DB_ERROR (SQLite, with its message).
Result<int> backup_to(Db& src, const std::string& out, const BackupOptions& options = {});

// Maps a SQLite result code to an Error with SQLite's message for that connection.
Error sqlite_error(sqlite3* db, int rc, std::string_view context);

}  // namespace chipreg::db
