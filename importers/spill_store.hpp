// What an e-invoice import must remember about every invoice of the file, kept out of the
// heap so that memory stays flat however long the export is.
//
// A private temporary SQLite database (sqlite3_open_v2 of "": deleted when closed), on its
// own connection, holds two tables:
//   lines(invoice PRIMARY KEY, n)                  lines numbered so far, per invoice
//   facts(invoice PRIMARY KEY, line, status, voided)  the first non-正常 发票状态 seen
// SQLite keeps at most kCacheKiB of its pages in memory and writes the rest to its
// temporary file. Being a connection of its own, nothing here is undone when the
// import's transaction (or a chunk's savepoint) of the registry rolls back: a row that is
// written again after a chunk redo keeps the line number it was given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::importers {

class SpillStore {
 public:
  static constexpr int kCacheKiB = 4096;

  // Opens the temporary database. DB_ERROR when SQLite cannot.
  static Result<SpillStore> open();

  // Lines numbered so far for `invoice` (0 when never seen).
  Result<std::int64_t> lines(std::string_view invoice);
  Status set_lines(std::string_view invoice, std::int64_t n);

  // Remembers `status` (and whether it voids) as the first word on `buyer`'s invoice,
  // unless one was remembered already.
  Status note(std::string_view buyer, std::string_view invoice, long line, std::string_view status, bool voided);
  struct Fact {
    std::string buyer;
    std::string invoice;
    long line = 0;
    std::string status;
    bool voided = false;
  };
  // Every remembered fact, by (buyer, invoice) (byte order). Stops at the first failing `fn`.
  Status for_each_fact(const std::function<Status(const Fact&)>& fn);
  std::int64_t facts() const { return facts_; }

 private:
  explicit SpillStore(db::Db db) : db_(std::move(db)) {}
  db::Db db_;
  std::int64_t facts_ = 0;
};

}  // namespace chipreg::importers
