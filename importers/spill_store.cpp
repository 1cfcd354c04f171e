// The import's temporary per-invoice tables (see spill_store.hpp).
#include "importers/spill_store.hpp"

namespace chipreg::importers {

Result<SpillStore> SpillStore::open() {
  db::DbOptions o;
  o.synchronous_full = false;
  auto db = db::Db::open("", o);
  if (!db) return db.error();
  // A scratch database: no journal, no syncs, a bounded page cache.
  const std::string pragmas = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -" +
                              std::to_string(kCacheKiB) +
                              ";"
                              "CREATE TABLE lines (invoice TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
                              "CREATE TABLE facts (buyer TEXT NOT NULL, invoice TEXT NOT NULL, line INTEGER NOT NULL,"
                              " status TEXT NOT NULL, voided INTEGER NOT NULL, PRIMARY KEY (buyer, invoice))"
                              " WITHOUT ROWID;"
                              // One transaction for the whole import, never committed: nothing
                              // here needs to outlive it, and each write is then only a B-tree
                              // insert (pages past the cache go to the temporary file).
                              "BEGIN;";
  if (auto st = db->exec_script(pragmas.c_str()); !st) return st.error();
  return SpillStore(std::move(*db));
}

Result<std::int64_t> SpillStore::lines(std::string_view invoice) {
  auto q = db_.prepare("SELECT n FROM lines WHERE invoice = ?");
  if (!q) return q.error();
  q->bind_view(1, invoice);
  auto row = q->step();
  if (!row) return row.error();
  return *row ? q->int64(0) : 0;
}

Status SpillStore::set_lines(std::string_view invoice, std::int64_t n) {
  auto q = db_.prepare("INSERT INTO lines (invoice, n) VALUES (?, ?) ON CONFLICT (invoice) DO UPDATE SET n = excluded.n");
  if (!q) return q.error();
  q->bind_view(1, invoice).bind(2, n);
  return q->exec();
}

Status SpillStore::note(std::string_view buyer, std::string_view invoice, long line, std::string_view status,
                        bool voided) {
  auto q = db_.prepare(
      "INSERT INTO facts (invoice, line, status, voided, buyer) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  if (!q) return q.error();
  q->bind_view(1, invoice).bind(2, static_cast<std::int64_t>(line)).bind_view(3, status).bind(4, voided);
  q->bind_view(5, buyer);
  if (auto st = q->exec(); !st) return st;
  facts_ += db_.changes();
  return Status::Ok();
}

Status SpillStore::for_each_fact(const std::function<Status(const Fact&)>& fn) {
  auto q = db_.prepare("SELECT invoice, line, status, voided, buyer FROM facts ORDER BY buyer, invoice");
  if (!q) return q.error();
  Fact f;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    f.invoice = q->text(0);
    f.line = static_cast<long>(q->int64(1));
    f.status = q->text(2);
    f.voided = q->int64(3) != 0;
    f.buyer = q->text(4);
    if (auto st = fn(f); !st) return st;
  }
}

}  // namespace chipreg::importers
