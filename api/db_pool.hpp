// DbPool: SQLite connections for the request handlers, one per concurrently running
// request. Each worker thread ends up holding its own connection (opened on first use), so
// under WAL readers never wait for each other and a slow request never blocks the others;
// writers serialize on SQLite's write lock with the busy timeout of DbOptions.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/db/checkpointer.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::api {

class DbPool {
 public:
  // Connections open `path` with `options` (never creating the file: `chipreg init` does).
  // With a `checkpointer`, each connection's commits leave WAL checkpoints to it
  // (checkpointer.hpp); it must outlive the pool.
  DbPool(std::string path, db::DbOptions options, db::WalCheckpointer* checkpointer = nullptr);
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // A connection checked out of the pool; returned to it on destruction.
  class Lease {
   public:
    Lease(Lease&& o) noexcept : pool_(o.pool_), db_(std::move(o.db_)) { o.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    db::Db& db() { return *db_; }

   private:
    friend class DbPool;
    Lease(DbPool* pool, std::unique_ptr<db::Db> db) : pool_(pool), db_(std::move(db)) {}
    DbPool* pool_;
    std::unique_ptr<db::Db> db_;
  };

  // An idle connection, or a newly opened one when none is idle. Thread-safe.
  Result<Lease> acquire();

  // Checks that the database opens and is at the schema version this build expects.
  Status check();

 private:
  void release(std::unique_ptr<db::Db> db);

  const std::string path_;
  const db::DbOptions options_;
  db::WalCheckpointer* const checkpointer_;
  std::mutex mu_;
  std::vector<std::unique_ptr<db::Db>> idle_;  // protected by mu_
};

}  // namespace chipreg::api
