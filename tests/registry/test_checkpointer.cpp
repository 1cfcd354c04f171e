// Specifications of the WAL checkpointer (registry/db/checkpointer.hpp): a watched
// connection's commits never checkpoint the log themselves; the checkpointer's thread does.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "registry/db/checkpointer.hpp"
#include "registry/db/sqlite.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using chipreg::db::Db;

namespace {

constexpr std::uintmax_t kPage = 4096;
constexpr std::uintmax_t kFrame = kPage + 24;  // a page in the WAL, with its frame header

// Thirty commits of a hundred 4 KiB rows each: about 3,000 pages through the log.
void write_pages(Db& db) {
  REQUIRE(db.run("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  for (int c = 0; c < 30; ++c) {
    REQUIRE(db.run("BEGIN IMMEDIATE").ok());
    for (int r = 0; r < 100; ++r) REQUIRE(db.run("INSERT INTO t(body) VALUES (randomblob(4000))").ok());
    REQUIRE(db.run("COMMIT").ok());
  }
}

std::uintmax_t size_of(const std::string& path) { return std::filesystem::file_size(path); }

}  // namespace

TEST_CASE("wal checkpointer: a watched connection's commits leave the log to grow until the checkpointer runs") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  // A threshold no commit reaches: the checkpointer's thread is never woken before the end.
  db::WalCheckpointer idle(path, 1 << 30);
  idle.watch(*db);
  write_pages(*db);
  // SQLite's own checkpoint (at 1,000 pages) would have copied the rows into the database
  // file and restarted the log; here every page is still in the log alone.
  CHECK(size_of(path + "-wal") > 2900 * kFrame);
  CHECK(size_of(path) < 100 * kPage);
  CHECK(idle.checkpoints() == 0);
}

TEST_CASE("wal checkpointer: past its threshold, its thread copies the log into the database file") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  db::WalCheckpointer checkpointer(path, 200);
  checkpointer.watch(*db);
  write_pages(*db);
  // The thread runs behind the commits; give it a bounded while to catch up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((size_of(path) < 2500 * kPage || checkpointer.checkpoints() < 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(checkpointer.last_error() == "");
  CHECK(checkpointer.checkpoints() >= 1);
  CHECK(checkpointer.frames_copied() >= 2500);
  CHECK(size_of(path) >= 2500 * kPage);
  // Whether the thread kept up or a commit reached 4 x 200 pages and checkpointed itself,
  // the log restarted instead of holding all 3,000 pages. (A commit's checkpoint that meets
  // the thread's running one is busy and leaves the log to the next commit: a few hundred
  // frames more at worst.)
  CHECK(size_of(path + "-wal") < 1500 * kFrame);
}

TEST_CASE("wal checkpointer: a commit that finds the log at 4x the threshold checkpoints it itself") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  // The checkpointer's thread works on another database, so only the commits' own
  // checkpoints can keep this log bounded: the thread never catches up here.
  auto other = Db::open(dir.file("other.db"));
  REQUIRE(other.ok());
  db::WalCheckpointer elsewhere(dir.file("other.db"), 200);
  elsewhere.watch(*db);
  write_pages(*db);
  CHECK(elsewhere.inline_checkpoints() >= 3);  // 3,000 pages, one at each 800
  CHECK(size_of(path) >= 2000 * kPage);
  CHECK(size_of(path + "-wal") < 1000 * kFrame);
}

TEST_CASE("wal checkpointer: under a write load it keeps up with, commits never checkpoint") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  auto db = Db::open(path);
  REQUIRE(db.ok());
  db::WalCheckpointer checkpointer(path, 200);
  checkpointer.watch(*db);
  REQUIRE(db->run("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  // A hundred pages a commit with a pause after each (as requests come): the thread runs
  // its passive checkpoint in the pause, the log restarts, and no commit reaches 800 pages.
  for (int c = 0; c < 30; ++c) {
    REQUIRE(db->run("BEGIN IMMEDIATE").ok());
    for (int r = 0; r < 100; ++r) REQUIRE(db->run("INSERT INTO t(body) VALUES (randomblob(4000))").ok());
    REQUIRE(db->run("COMMIT").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(c % 2 == 1 ? 200 : 0));
  }
  CHECK(checkpointer.inline_checkpoints() == 0);
  CHECK(checkpointer.checkpoints() >= 5);
  CHECK(size_of(path + "-wal") < 800 * kFrame);
}
