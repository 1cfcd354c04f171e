// WalCheckpointer: see checkpointer.hpp.
#include "registry/db/checkpointer.hpp"

#include <sqlite3.h>

#include <cassert>
#include <utility>

namespace chipreg::db {

WalCheckpointer::WalCheckpointer(std::string path, int pages) : path_(std::move(path)), pages_(pages) {
  assert(pages_ > 0);
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::watch(Db& db) { sqlite3_wal_hook(db.raw(), &WalCheckpointer::on_commit, this); }

std::string WalCheckpointer::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

// Runs on the committing thread, inside its COMMIT: a flag and a notification, or past the
// hard bound a checkpoint of its own.
int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  if (pages < me->pages_) return SQLITE_OK;
  if (pages >= kHardBound * me->pages_) {
    // Writes outrun the thread: its passive checkpoints never find the log complete, so the
    // log never restarts. This writer checkpoints now, as SQLite itself would; nothing
    // writes until it returns, so the next transaction restarts the log.
    int log = 0, copied = 0;
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    ++me->inline_checkpoints_;
    if (copied > 0) me->frames_copied_ += copied;
    return SQLITE_OK;
  }
  {
    std::lock_guard<std::mutex> lock(me->mu_);
    if (me->due_) return SQLITE_OK;
    me->due_ = true;
  }
  me->wake_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  DbOptions options;
  options.create = false;
  auto opened = Db::open(path_, options);
  if (!opened) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = opened.error().message;
    return;
  }
  Db db = std::move(*opened);
  // This connection writes nothing; its own close must not checkpoint behind the others.
  sqlite3_wal_autocheckpoint(db.raw(), 0);
  auto checkpoint = [&] {
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = sqlite3_errmsg(db.raw());
      return;
    }
    ++checkpoints_;
    if (copied > 0) frames_copied_ += copied;
  };
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return due_ || stopping_; });
    const bool last = stopping_;
    due_ = false;
    lock.unlock();
    checkpoint();
    lock.lock();
    if (last) return;
  }
}

}  // namespace chipreg::db
