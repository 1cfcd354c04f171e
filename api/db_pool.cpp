// DbPool: lazily opened SQLite connections handed out one request at a time.
#include "api/db_pool.hpp"

#include "registry/store/schema.hpp"

namespace chipreg::api {

DbPool::DbPool(std::string path, db::DbOptions options, db::WalCheckpointer* checkpointer)
    : path_(std::move(path)), options_(options), checkpointer_(checkpointer) {}

DbPool::Lease::~Lease() {
  if (pool_ != nullptr && db_) pool_->release(std::move(db_));
}

Result<DbPool::Lease> DbPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  auto db = db::Db::open(path_, options_);
  if (!db) return db.error();
  if (checkpointer_ != nullptr) checkpointer_->watch(*db);
  return Lease(this, std::make_unique<db::Db>(std::move(*db)));
}

Status DbPool::check() {
  auto lease = acquire();
  if (!lease) return lease.error();
  auto st = lease->db().prepare("PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  const auto version = st->int64(0);
  if (version != store::latest_schema_version()) {
    return Error("SCHEMA_MISMATCH", "database schema version " + std::to_string(version) + ", this chipreg needs " +
                                        std::to_string(store::latest_schema_version()) + " (run chipreg init --db)");
  }
  return Status::Ok();
}

void DbPool::release(std::unique_ptr<db::Db> db) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(db));
}

}  // namespace chipreg::api
