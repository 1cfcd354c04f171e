// WalCheckpointer: WAL checkpoints off the commit path, on a thread of their own.
//
// By default SQLite checkpoints inside the COMMIT that takes the write-ahead log past 1,000
// pages: that request pays for copying every page of the log into the database file and
// for its fsync. Under a steady load of claims (a 1,000-line claim writes about 400 pages)
// every third claim took 20 ms longer than the others, which was its p99 (issue 15).
//
// A server hands each of its connections to watch(). From then on that connection's
// commits never checkpoint (a WAL hook replaces SQLite's automatic one); they only report
// the log's size, and once it passes `pages` this thread runs a PASSIVE checkpoint on its
// own connection. A passive checkpoint takes no lock that readers or the writer wait for:
// it copies what no reader still needs and returns. The log restarts from its beginning
// when a writer begins after a complete checkpoint, so its size stays bounded while no
// reader holds a snapshot for long. Under writes faster than the thread's checkpoints a
// complete checkpoint never happens between two transactions and the log would grow
// without end: at kHardBound × `pages` the committing connection checkpoints itself, as
// SQLite would have, and the log restarts. Nothing acknowledged depends on a checkpoint: a commit
// is durable in the log (synchronous = FULL) before the client hears of it.
//
// Thread-safety: watch() and checkpoints() may be called from any thread. A watched
// connection must be closed before its checkpointer is destroyed (declare the checkpointer
// before the connection pool).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "registry/db/sqlite.hpp"

namespace chipreg::db {

class WalCheckpointer {
 public:
  static constexpr int kHardBound = 4;

  // Checkpoints the database at `path` whenever a watched commit leaves more than `pages`
  // pages in its log. The thread opens its connection on start; an error there is
  // reported by last_error() and the checkpointer then does nothing (SQLite's own
  // checkpoint at the last close still runs).
  explicit WalCheckpointer(std::string path, int pages = 1000);
  ~WalCheckpointer();  // stops the thread after a last passive checkpoint
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Turns off `db`'s automatic checkpoint and has its commits report to this thread.
  void watch(Db& db);

  // Checkpoints this thread ran so far, and the frames all checkpoints (this thread's and
  // the commits' own) copied into the database file.
  std::int64_t checkpoints() const { return checkpoints_.load(); }
  std::int64_t frames_copied() const { return frames_copied_.load(); }
  // Checkpoints a commit ran itself because the log reached kHardBound × pages.
  std::int64_t inline_checkpoints() const { return inline_checkpoints_.load(); }
  std::string last_error() const;

 private:
  static int on_commit(void* self, struct sqlite3* db, const char* schema, int pages);
  void run();

  const std::string path_;
  const int pages_;
  std::atomic<std::int64_t> checkpoints_{0};
  std::atomic<std::int64_t> frames_copied_{0};
  std::atomic<std::int64_t> inline_checkpoints_{0};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool due_ = false;       // GUARDED_BY(mu_): a commit left the log past pages_
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::string error_;      // GUARDED_BY(mu_)
  std::thread thread_;     // last: started once the members above exist
};

}  // namespace chipreg::db
