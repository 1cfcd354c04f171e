// Thin RAII wrappers over the SQLite C API: a connection (Db), a prepared statement
// (Stmt) and a transaction (Tx). Statements are always prepared and bound; SQL text
// never contains values. Every failure becomes an Error whose message is SQLite's.
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

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace chipreg::store {

class Db;
class StmtCache;  // a connection's idle statements (sqlite.cpp)

inline constexpr std::size_t kStmtCacheSize = 256;

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_), cache_(std::move(o.cache_)) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  // Binders take 1-based parameter indexes and return *this for chaining.
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
  // "CONSTRAINT" for constraint violations, "BUSY" when locked, "DB_ERROR" otherwise.
  Result<bool> step();
  // Runs to completion, ignoring rows.
  Status exec();
  // Resets for re-use and clears bindings.
  void reset();

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::vector<unsigned char> blob(int col) const;
  // The column's bytes in SQLite's buffer: valid until the next step, reset or column
  // read of another type on this statement.
  std::span<const unsigned char> blob_view(int col) const;
  bool is_null(int col) const;

  sqlite3_stmt* raw() { return stmt_; }

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* s, std::shared_ptr<StmtCache> cache)
      : db_(db), stmt_(s), cache_(std::move(cache)) {}
  void release();  // back to the cache, or finalized
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::shared_ptr<StmtCache> cache_;  // outlives the Db if this Stmt does (then it finalizes)
};

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
  WriteScope(WriteScope&& o) noexcept : db_(o.db_), tx_(std::move(o.tx_)), savepoint_(o.savepoint_) {
    o.savepoint_ = false;
  }
  WriteScope& operator=(WriteScope&&) = delete;
  ~WriteScope();
  Status commit();

 private:
  explicit WriteScope(Db& db) : db_(&db) {}
  Db* db_;
  std::optional<Tx> tx_;
  bool savepoint_ = false;
};

// Maps a SQLite result code to an Error with SQLite's message for that connection.
Error sqlite_error(sqlite3* db, int rc, std::string_view context);

}  // namespace chipreg::store
