// The bulk import driver: streams rows from CSV or JSON Lines, writes each through the
// repository in batched transactions, and collects per-row errors (see import.hpp).
#include "importers/import.hpp"

#include "importers/clause_csv.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/strict_json.hpp"
#include "importers/csv_reader.hpp"
#include "importers/einvoice.hpp"
#include "importers/prefetch.hpp"
#include "importers/xlsx_reader.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/db/clock.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/tapeouts.hpp"
#include "registry/store/voids.hpp"

namespace chipreg::importers {
namespace {

namespace json = boost::json;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool fatal(const Error& e) { return e.code == "DB_ERROR" || e.code == "BUSY"; }

// Owns the transaction and the counters while rows stream through.
//
// Rows are written without the repository's per-row savepoint. Instead every
// `kChunkRows` rows share one savepoint, and the rows written since it are kept in a
// small arena (their cells, or the JSON line). If a write fails after writing part of
// itself (the repository says so), the chunk is rolled back to its savepoint and its
// rows are written again one by one with per-row savepoints, so the good rows stay and
// only the bad one is reported; the rest of the file then goes on as before. A row that
// its checks refuse writes nothing and needs no undo at all.
class Importer {
 public:
  // Re-writes one saved row: its cells (CSV) or its one JSON line, with its line number.
  using Redo = std::function<Status(const std::vector<std::string>&, long)>;
  static constexpr std::int64_t kChunkRows = 1000;

  Importer(db::Db& db, const ImportOptions& options) : db_(db), repo_(db), options_(options) {
    repo_.set_row_savepoints(false);
  }

  store::Repository& repo() { return repo_; }
  ImportReport& report() { return report_; }
  void set_redo(Redo redo) { redo_ = std::move(redo); }

  // Writes one row with `write` (which returns the row's Status) inside the current batch;
  // `keep`, read after `write` returns, is what set_redo's function needs to write the
  // row again.
  Status row(long line, const std::function<Status()>& write, const std::vector<std::string>& keep) {
    if (!tx_) {
      auto tx = db::Tx::begin(db_);
      if (!tx) return tx.error();
      tx_.emplace(std::move(*tx));
    }
    if (!chunk_) {
      auto sp = db::Savepoint::open(db_, "import_chunk");
      if (!sp) return sp.error();
      chunk_.emplace(std::move(*sp));
    }
    Status st = write();
    if (!st && repo_.take_partial_write()) {
      if (fatal(st.error())) return st;
      if (auto redone = redo_chunk(line, keep); !redone) return redone;  // counts the row
    } else if (st) {
      ++report_.imported;
      ++pending_;
      save(line, keep);
    } else {
      if (auto counted = count_failure(line, st); !counted) return counted;
    }
    ++rows_;
    if (options_.progress && fraction_ && rows_ % 1000 == 0) {
      draw_bar(false);
    } else if (options_.progress && rows_ % options_.progress_every == 0) {
      std::fprintf(options_.progress, "\rimport: %lld rows read, %lld imported, %lld rejected",
                   static_cast<long long>(rows_), static_cast<long long>(report_.imported),
                   static_cast<long long>(report_.rejected));
      std::fflush(options_.progress);
    }
    if (++chunk_rows_ >= kChunkRows) {
      if (auto released = end_chunk(); !released) return released;
    }
    if (!options_.atomic && pending_ >= options_.batch_rows) return commit();
    return Status::Ok();
  }

  void reject(long line, const Error& e) {
    ++report_.rejected;
    if (report_.errors.size() >= options_.max_errors) {
      report_.errors_truncated = true;
      return;
    }
    report_.errors.push_back(RowIssue{line, e.field, e.code, e.message});
  }

  void skip(long line, const Error& e) {
    auto& n = report_.skip_counts[e.code];
    if (++n <= ImportReport::kSkipExamples) report_.skipped.push_back(RowIssue{line, e.field, e.code, e.message});
  }

  // A progress bar (rows, rate, ETA) from `fraction`, the share of the input read so far.
  void set_fraction(std::function<double()> fraction) { fraction_ = std::move(fraction); }

  // Runs `fn` inside the import's transaction, after the rows: facts about invoices
  // (voids, platform statuses) that need every line of the file registered first. A
  // failure is fatal to the import (the open batch rolls back).
  Status after_rows(const std::function<Status()>& fn) {
    if (auto released = end_chunk(); !released) return released;
    if (!tx_) {
      auto tx = db::Tx::begin(db_);
      if (!tx) return tx.error();
      tx_.emplace(std::move(*tx));
    }
    return fn();
  }

  Status commit() {
    pending_ = 0;
    Status released = end_chunk();
    if (!tx_) return released;
    Status st = released ? tx_->commit() : released;
    tx_.reset();  // rolls back if the commit did not happen
    return st;
  }

  // Ends the import: commits, or with --atomic rolls everything back if a row failed.
  Status finish() {
    if (options_.progress && fraction_ && drawn_) {
      draw_bar(true);
      std::fputc('\n', options_.progress);
    } else if (options_.progress && !fraction_ && rows_ >= options_.progress_every) {
      std::fputc('\n', options_.progress);
    }
    auto by_line = [](const RowIssue& a, const RowIssue& b) { return a.line < b.line; };
    std::stable_sort(report_.errors.begin(), report_.errors.end(), by_line);  // deferred red rows come last
    std::stable_sort(report_.skipped.begin(), report_.skipped.end(), by_line);
    if (options_.atomic && report_.rejected > 0) {
      forget_chunk();
      tx_.reset();  // rollback
      repo_.forget_cached();
      report_.imported = 0;
      return Status::Ok();
    }
    return commit();
  }

  // A fatal storage error: the open batch rolls back; earlier batches stay committed.
  Error abort(const Error& e, long line) {
    forget_chunk();
    tx_.reset();
    repo_.forget_cached();
    report_.imported -= pending_;
    Error out = e;
    out.line = line;
    out.message = "import stopped at line " + std::to_string(line) + ": " + e.message + " (" +
                  std::to_string(options_.atomic ? 0 : report_.imported) + " rows of earlier batches were imported)";
    return out;
  }

 private:
  struct Saved {
    long line;
    std::size_t first;  // index into ends_ of its first part
    std::size_t parts;
  };

  // At most every 200 ms: "\r导入 [####......] 42% 420,000 行 35,000 行/秒 剩余 0:17".
  void draw_bar(bool last) {
    using clock = std::chrono::steady_clock;
    const auto now = clock::now();
    if (!drawn_) start_ = now;
    if (drawn_ && !last && now - drawn_at_ < std::chrono::milliseconds(200)) return;
    drawn_ = true;
    drawn_at_ = now;
    const double f = last ? 1.0 : std::clamp(fraction_(), 0.0, 1.0);
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(rows_) / secs : 0;
    const double eta = f > 0.001 ? secs * (1 - f) / f : 0;
    char bar[31];
    const int filled = static_cast<int>(f * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = 0;
    const long e = static_cast<long>(eta + 0.5);
    std::fprintf(options_.progress, "\r导入 [%s] %3d%% %lld 行 %.0f 行/秒 剩余 %ld:%02ld ", bar,
                 static_cast<int>(f * 100), static_cast<long long>(rows_), rate, e / 60, e % 60);
    std::fflush(options_.progress);
  }

  Status count_failure(long line, const Status& st) {
    if (EinvoiceMapper::is_skip(st.error().code)) {
      skip(line, st.error());
    } else {
      if (fatal(st.error())) return st;
      reject(line, st.error());
    }
    return Status::Ok();
  }

  void save(long line, const std::vector<std::string>& keep) {
    saved_.push_back(Saved{line, ends_.size(), keep.size()});
    for (const auto& part : keep) {
      arena_.append(part);
      ends_.push_back(arena_.size());
    }
  }

  // Ends the chunk's bookkeeping; a savepoint still open is rolled back.
  void forget_chunk() {
    chunk_.reset();
    chunk_rows_ = 0;
    saved_.clear();
    ends_.clear();
    arena_.clear();
  }

  Status end_chunk() {
    if (!chunk_) return Status::Ok();
    Status st = chunk_->release();
    forget_chunk();
    return st;
  }

  // Rolls the chunk back and writes its good rows and then the failing one again, each
  // all or nothing. A row that fails now (it should not: the state is the same as when it
  // passed) is reported like any rejected row.
  Status redo_chunk(long line, const std::vector<std::string>& current) {
    if (auto st = chunk_->undo(); !st) return st;
    repo_.forget_cached();
    repo_.set_row_savepoints(true);
    std::vector<Saved> rows;
    rows.swap(saved_);
    std::vector<std::string> parts;
    Status outcome = Status::Ok();
    for (const Saved& r : rows) {
      parts.clear();
      for (std::size_t i = r.first; i < r.first + r.parts; ++i) {
        const std::size_t from = i == 0 ? 0 : ends_[i - 1];
        parts.emplace_back(arena_, from, ends_[i] - from);
      }
      Status st = redo_(parts, r.line);
      if (!st) {
        --report_.imported;
        --pending_;
        if (outcome = count_failure(r.line, st); !outcome) break;
      }
    }
    if (outcome) {
      Status st = redo_(current, line);
      if (st) {
        ++report_.imported;
        ++pending_;
      } else {
        outcome = count_failure(line, st);
      }
    }
    repo_.set_row_savepoints(false);
    if (!outcome) return outcome;
    return end_chunk();
  }

  db::Db& db_;
  store::Repository repo_;
  const ImportOptions& options_;
  ImportReport report_;
  Redo redo_;
  std::function<double()> fraction_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, drawn_at_;
  std::optional<db::Tx> tx_;
  std::optional<db::Savepoint> chunk_;  // inside tx_: the rows since the last chunk end
  std::int64_t pending_ = 0;  // rows imported in the open transaction
  std::int64_t rows_ = 0;
  std::int64_t chunk_rows_ = 0;
  std::vector<Saved> saved_;      // rows written since the chunk savepoint
  std::vector<std::size_t> ends_;  // end offset in arena_ of each saved part
  std::string arena_;
};

Status submit_envelope(db::Db& db, std::string_view text) {
  auto r = store::submit_tapeout(db, text, std::nullopt, db::now_utc());
  if (!r) return r.error();
  return Status::Ok();
}

// FORBIDDEN unless `p` was bought by `only_buyer` (when set: an enterprise's own upload).
Status check_buyer(const Purchase& p, const std::optional<std::string>& only_buyer) {
  if (!only_buyer || p.buyer.str() == *only_buyer) return Status::Ok();
  return Error("FORBIDDEN", "购买方 " + p.buyer.str() + " 不是本企业 (the buyer must be " + *only_buyer + ")", "buyer");
}

// The CSV writer for one kind: parses a row and inserts it.

std::function<Status(const CsvRow&)> csv_writer(ImportKind kind, store::Repository& repo, db::Db& db,
                                                const std::optional<std::string>& only_buyer) {
  if (is_clause_kind(kind)) {
    return [&db, kind](const CsvRow& row) -> Status {
      auto v = clause_row_json(kind, row);
      if (!v) return v.error();
      return insert_clause_fact(db, kind, *v);
    };
  }
  auto via = [&repo](auto parse, auto insert) {
    return [&repo, parse, insert](const CsvRow& row) -> Status {
      auto fact = parse(row);
      if (!fact) return fact.error();
      auto r = insert(repo, *fact);
      if (!r) return r.error();
      return Status::Ok();
    };
  };
  switch (kind) {
    case ImportKind::kEnterprises:
      return via(enterprise_from_csv, [](store::Repository& r, const Enterprise& e) { return r.insert_enterprise(e); });
    case ImportKind::kPersons:
      return via(person_from_csv, [](store::Repository& r, const Person& p) { return r.insert_person(p); });
    case ImportKind::kFamily:
      return via(family_link_from_csv,
                 [](store::Repository& r, const FamilyLink& f) { return r.insert_family_link(f); });
    case ImportKind::kEquity:
      return via(equity_from_csv, [](store::Repository& r, const EquityEdge& e) { return r.insert_equity(e); });
    case ImportKind::kManualAffiliations:
      return via(manual_affiliation_from_csv,
                 [](store::Repository& r, const ManualAffiliation& m) { return r.insert_manual_affiliation(m); });
    case ImportKind::kProducts:
      return via(product_from_csv, [](store::Repository& r, const Product& p) { return r.insert_product(p); });
    case ImportKind::kPurchases:
      return [&repo, &only_buyer](const CsvRow& row) -> Status {
        auto p = purchase_from_csv(row);
        if (!p) return p.error();
        if (auto st = check_buyer(*p, only_buyer); !st) return st;
        auto r = repo.insert_purchase(*p);
        if (!r) {
          Error e = r.error();
          if (e.field == "reverses") e.field = "reverses_invoice";
          return e;
        }
        return Status::Ok();
      };
    case ImportKind::kTapeouts:
      return [&db](const CsvRow& row) { return submit_envelope(db, row.cell(0)); };
    default: break;  // the other clauses' kinds: above
  }
  return {};
}

// The JSON Lines writer for one kind.
std::function<Status(const json::value&, std::string_view)> jsonl_writer(ImportKind kind, store::Repository& repo,
                                                                        db::Db& db,
                                                                        const std::optional<std::string>& only_buyer) {
  if (is_clause_kind(kind)) {
    return [&db, kind](const json::value& v, std::string_view) { return insert_clause_fact(db, kind, v); };
  }
  auto via = [&repo](auto parse, auto insert) {
    return [&repo, parse, insert](const json::value& v, std::string_view) -> Status {
      auto fact = parse(v);
      if (!fact) return fact.error();
      auto r = insert(repo, *fact);
      if (!r) return r.error();
      return Status::Ok();
    };
  };
  switch (kind) {
    case ImportKind::kEnterprises:
      return via(json_io::enterprise_from_json,
                 [](store::Repository& r, const Enterprise& e) { return r.insert_enterprise(e); });
    case ImportKind::kPersons:
      return via(json_io::person_from_json, [](store::Repository& r, const Person& p) { return r.insert_person(p); });
    case ImportKind::kFamily:
      return via(json_io::family_link_from_json,
                 [](store::Repository& r, const FamilyLink& f) { return r.insert_family_link(f); });
    case ImportKind::kEquity:
      return via(json_io::equity_from_json,
                 [](store::Repository& r, const EquityEdge& e) { return r.insert_equity(e); });
    case ImportKind::kManualAffiliations:
      return via(json_io::manual_affiliation_from_json,
                 [](store::Repository& r, const ManualAffiliation& m) { return r.insert_manual_affiliation(m); });
    case ImportKind::kProducts:
      return via(json_io::product_from_json, [](store::Repository& r, const Product& p) { return r.insert_product(p); });
    case ImportKind::kPurchases:
      return via(json_io::purchase_from_json,
                 [&only_buyer](store::Repository& r, const Purchase& p) -> Result<store::StoredPurchase> {
                   if (auto st = check_buyer(p, only_buyer); !st) return st.error();
                   return r.insert_purchase(p);
                 });
    case ImportKind::kTapeouts:
      // The envelope goes in verbatim: the store verifies the exact bytes it was given.
      return [&db](const json::value&, std::string_view text) { return submit_envelope(db, text); };
    default: break;  // the other clauses' kinds: above
  }
  return {};
}

// The export's word on invoices already registered (or registered by this file): a void
// (作废) of a registered invoice, and every platform status, are recorded as facts of their
// own; a blue invoice shown as 已红冲 whose red invoice is not registered is reported
// (REVERSAL_MISSING in the claims that count it).
Status record_invoice_facts(db::Db& db, SpillStore& seen, ImportReport& report) {
  const std::string source = "einvoice-import";
  auto today = Date::parse(db::today_shanghai());
  if (!today) return today.error();
  return seen.for_each_fact([&](const SpillStore::Fact& s) -> Status {
    const std::string& invoice = s.invoice;
    if (s.voided) {
      auto v = store::void_invoice(db, s.buyer, invoice, *today, source, "import");
      if (!v && v.error().code == "UNKNOWN_INVOICE") return Status::Ok();  // never registered: skipped above
      if (!v) return v.error();
      if (v->changed) report.voids.push_back({s.line, invoice, s.status, v->claims});
      return Status::Ok();
    }
    if (s.status.empty()) return Status::Ok();
    auto st = store::set_platform_status(db, s.buyer, invoice, s.status, source, "import");
    if (!st && st.error().code == "UNKNOWN_INVOICE") return Status::Ok();  // its rows were rejected
    if (!st) return st.error();
    if (st->changed) report.statuses.push_back({s.line, invoice, s.status, st->claims});
    if (s.status.find("红冲") == std::string::npos) return Status::Ok();
    // A red invoice of its own: a discount line (折扣行) reverses a line of the same invoice.
    auto red = db.prepare("SELECT 1 FROM purchases WHERE buyer = ? AND reverses_invoice = ? AND invoice <> ? LIMIT 1");
    if (!red) return red.error();
    red->bind(1, s.buyer).bind(2, invoice).bind(3, invoice);
    auto row = red->step();
    if (!row) return row.error();
    if (!*row) report.reversal_missing.push_back({s.line, invoice, s.status, st->claims});
    return Status::Ok();
  });
}

// Red-letter e-invoice rows wait here, in a temporary file, until the blue rows of the
// file are written: memory stays flat however many there are. Record layout (native
// endianness, the file never outlives the import):
//   int64 line | uint32 cell count | per cell: uint32 byte length, bytes
class RowSpool {
 public:
  RowSpool() = default;
  RowSpool(const RowSpool&) = delete;
  RowSpool& operator=(const RowSpool&) = delete;
  ~RowSpool() {
    if (f_) std::fclose(f_);
  }
  bool empty() const { return rows_ == 0; }

  Status put(long line, const std::vector<std::string>& cells) {
    if (!f_ && !(f_ = std::tmpfile())) return Error("IO", "cannot create a temporary file for the red-letter rows");
    const std::int64_t l = line;
    const auto n = static_cast<std::uint32_t>(cells.size());
    bool ok = std::fwrite(&l, sizeof l, 1, f_) == 1 && std::fwrite(&n, sizeof n, 1, f_) == 1;
    for (const auto& c : cells) {
      const auto len = static_cast<std::uint32_t>(c.size());
      ok = ok && std::fwrite(&len, sizeof len, 1, f_) == 1 && std::fwrite(c.data(), 1, c.size(), f_) == c.size();
    }
    if (!ok) return Error("IO", "cannot write the temporary file of red-letter rows (disk full?)");
    ++rows_;
    return Status::Ok();
  }

  Status rewind() {
    if (f_ && (std::fflush(f_) != 0 || std::fseek(f_, 0, SEEK_SET) != 0)) {
      return Error("IO", "cannot read back the temporary file of red-letter rows");
    }
    return Status::Ok();
  }

  // The next spooled row; false after the last.
  Result<bool> get(long& line, std::vector<std::string>& cells) {
    if (!f_ || read_ == rows_) return false;
    std::int64_t l = 0;
    std::uint32_t n = 0;
    bool ok = std::fread(&l, sizeof l, 1, f_) == 1 && std::fread(&n, sizeof n, 1, f_) == 1;
    cells.resize(ok ? n : 0);
    for (auto& c : cells) {
      std::uint32_t len = 0;
      ok = ok && std::fread(&len, sizeof len, 1, f_) == 1;
      c.resize(ok ? len : 0);
      ok = ok && std::fread(c.data(), 1, c.size(), f_) == c.size();
    }
    if (!ok) return Error("IO", "cannot read back the temporary file of red-letter rows");
    line = static_cast<long>(l);
    ++read_;
    return true;
  }

 private:
  std::FILE* f_ = nullptr;
  std::int64_t rows_ = 0;
  std::int64_t read_ = 0;
};

bool same_purchase(const Purchase& a, const Purchase& b) {
  const bool rev = a.reverses.has_value() == b.reverses.has_value() &&
                   (!a.reverses || (a.reverses->invoice == b.reverses->invoice && a.reverses->line == b.reverses->line));
  return rev && a.invoice == b.invoice && a.line == b.line && a.date == b.date && a.buyer == b.buyer &&
         a.seller == b.seller && a.product == b.product && a.amount == b.amount && a.tax == b.tax;
}

// The rows of a CSV file or an xlsx sheet (both readers have next / record_line /
// set_column_names), through the kind's writer or the e-invoice mapper. `fraction`, when
// set, is the share of the input read so far (for the progress bar).
template <typename Reader>
Result<ImportReport> import_rows(db::Db& db, ImportKind kind, Reader& reader, const ImportOptions& options,
                                 std::function<double()> fraction, SerialDates dates = SerialDates::kNone) {
  std::vector<std::string> cells;
  auto header = reader.next(cells);
  if (!header) return header.error();
  if (!*header) return Error("BAD_HEADER", "the file is empty: expected a header row", "", 1);
  std::vector<std::string> names = cells;
  reader.set_column_names(names);

  Importer imp(db, options);
  if (fraction) imp.set_fraction(std::move(fraction));
  std::optional<EinvoiceMapper> einvoice;
  std::optional<CsvLayout> layout;
  if (kind == ImportKind::kPurchases && looks_like_einvoice(names)) {
    auto m = EinvoiceMapper::bind(names, dates);
    if (!m) return m.error();
    einvoice.emplace(std::move(*m));
    imp.report().einvoice = true;
  } else {
    auto l = CsvLayout::bind(kind, names);
    if (!l) return l.error();
    layout.emplace(std::move(*l));
  }
  auto write = layout ? csv_writer(kind, imp.repo(), db, options.only_buyer) : nullptr;
  // The e-invoice mapper numbers the lines of each invoice as it sees them, so mapping a
  // row again would number it again: an e-invoice row is kept for a chunk redo as the
  // purchase it mapped to, in chipreg's own purchases columns, and redone from those.
  std::optional<CsvLayout> mapped_layout;
  std::vector<std::string> mapped;
  if (einvoice) {
    auto l = CsvLayout::bind(ImportKind::kPurchases, {"invoice", "line", "date", "buyer", "seller", "product",
                                                      "amount_fen", "tax_fen", "reverses_invoice", "reverses_line"});
    if (!l) return l.error();
    mapped_layout.emplace(std::move(*l));
  }
  // What the export says of each invoice (its 发票状态), by invoice, for after the rows: a
  // void of a registered invoice, or a platform status, is a fact of its own. Only invoices
  // whose status is not 正常 (or empty) are noted, in the mapper's SpillStore (on disk past
  // a bounded cache, not in the heap).
  std::string status_checked;  // the last invoice looked up in invoice_status
  long current_line = 0;
  auto write_cells = [&](const std::vector<std::string>& row) -> Status {
    if (!einvoice) return write(CsvRow{*layout, row});
    auto outcome = einvoice->map(row, imp.repo());
    if (!outcome) return outcome.error();
    const bool says_something = !outcome->status.empty() && outcome->status != "正常";
    if (says_something && !outcome->invoice.empty() &&
        (!outcome->purchase || !outcome->purchase->reverses || outcome->purchase->reverses->invoice == outcome->invoice)) {
      const bool voided = outcome->skipped && outcome->skipped->code == "VOIDED";
      if (auto st = einvoice->spill().note(outcome->buyer, outcome->invoice, current_line, outcome->status, voided); !st) {
        return st;
      }
    }
    if (outcome->skipped) return *outcome->skipped;
    const Purchase& p = *outcome->purchase;
    if (auto st = check_buyer(p, options.only_buyer); !st) return st;
    mapped = {p.invoice, std::to_string(p.line), p.date.str(), p.buyer.str(), p.seller.str(), p.product,
              std::to_string(p.amount.fen()), std::to_string(p.tax.fen()), p.reverses ? p.reverses->invoice : "",
              p.reverses ? std::to_string(p.reverses->line) : ""};
    auto r = imp.repo().insert_purchase(p);
    if (!r) {
      if (r.error().code == "DUPLICATE") {
        // An overlapping export: the same line with the same values is stored already.
        auto stored = imp.repo().get_purchase(p.buyer, p.invoice, p.line);
        if (!stored) return stored.error();
        if (*stored && same_purchase((*stored)->purchase, p)) {
          // 正常 again for an invoice stored with a status clears it (record_invoice_facts).
          if (outcome->status == "正常" && p.buyer.str() + "/" + p.invoice != status_checked) {
            status_checked = p.buyer.str() + "/" + p.invoice;
            auto had = db.prepare("SELECT 1 FROM invoice_status WHERE buyer = ? AND invoice = ?");
            if (!had) return had.error();
            had->bind(1, p.buyer.str()).bind(2, p.invoice);
            auto row = had->step();
            if (!row) return row.error();
            if (*row) {
              if (auto st = einvoice->spill().note(p.buyer.str(), p.invoice, current_line, "正常", false); !st) return st;
            }
          }
          return Error("ALREADY_IMPORTED", "invoice " + p.invoice + " line " + std::to_string(p.line) +
                                               " is stored already with the same values: skipped", "");
        }
      }
      return r.error();
    }
    return Status::Ok();
  };
  auto redo_mapped = [&](const std::vector<std::string>& row) -> Status {
    auto p = purchase_from_csv(CsvRow{*mapped_layout, row});
    if (!p) return p.error();
    auto r = imp.repo().insert_purchase(*p);
    if (!r) return r.error();
    return Status::Ok();
  };
  imp.set_redo([&](const std::vector<std::string>& row, long) {
    return einvoice ? redo_mapped(row) : write_cells(row);
  });

  RowSpool red_rows;
  for (;;) {
    auto more = reader.next(cells);
    const long line = reader.record_line();
    if (!more) {
      if (more.error().code == "BAD_XLSX" && more.error().line == 0) return imp.abort(more.error(), line);
      if (more.error().code == "XLSX_TOO_LARGE" || more.error().code == "IO") return imp.abort(more.error(), line);
      // A malformed record is that row's error; the reader has moved past it.
      auto st = imp.row(line, [&]() -> Status { return more.error(); }, cells);
      if (!st) return imp.abort(st.error(), line);
      continue;
    }
    if (!*more) break;
    if (einvoice && einvoice->is_red(cells)) {
      if (auto st = red_rows.put(line, cells); !st) return imp.abort(st.error(), line);
      continue;
    }
    current_line = line;
    Status st = imp.row(line, [&]() -> Status { return write_cells(cells); }, einvoice ? mapped : cells);
    if (!st) return imp.abort(st.error(), line);
  }
  // The red-letter rows, in file order, now that every blue line they may reverse is written.
  if (!red_rows.empty()) {
    if (auto st = red_rows.rewind(); !st) return imp.abort(st.error(), 0);
    long line = 0;
    for (;;) {
      auto more = red_rows.get(line, cells);
      if (!more) return imp.abort(more.error(), line);
      if (!*more) break;
      current_line = line;
      Status st = imp.row(line, [&]() -> Status { return write_cells(cells); }, mapped);
      if (!st) return imp.abort(st.error(), line);
    }
  }
  if (einvoice && einvoice->spill().facts() > 0) {
    Status st = imp.after_rows([&]() -> Status { return record_invoice_facts(db, einvoice->spill(), imp.report()); });
    if (!st) return imp.abort(st.error(), current_line);
  }
  if (auto st = imp.finish(); !st) return st.error();
  return std::move(imp.report());
}

Result<ImportReport> import_csv(db::Db& db, ImportKind kind, std::FILE* file, const ImportOptions& options) {
  CsvReader reader = CsvReader::from_file(file);
  std::function<double()> fraction;
  if (options.progress && std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    std::rewind(file);
    if (size > 0) fraction = [file, size] { return static_cast<double>(std::ftell(file)) / static_cast<double>(size); };
  }
  auto r = import_rows(db, kind, reader, options, std::move(fraction));
  if (!r && r.error().code == "BAD_CSV" && r.error().line == 1) {
    // The header is not UTF-8: almost always Excel's "CSV (逗号分隔)" in GB18030 / GBK.
    return Error("NOT_UTF8",
                 "第 1 行不是 UTF-8 编码（多半是 GB18030/GBK）：请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后再导入。"
                 " / Line 1 is not UTF-8 (a GB18030 file?): save it as \"CSV UTF-8\" and import that.",
                 "", 1);
  }
  return r;
}

// A workbook from a file (`path`) or, with `bytes`, from memory (a web upload).
Result<ImportReport> import_xlsx(db::Db& db, ImportKind kind, const std::string& path,
                                 const ImportOptions& options, std::optional<std::string> bytes = std::nullopt) {
  if (kind != ImportKind::kPurchases) {
    return Error("USAGE", "a workbook (.xlsx) is read for purchases only (the e-invoice export); save '" + path +
                              "' as CSV UTF-8 for " + std::string(to_string(kind)));
  }
  auto reader = bytes ? XlsxReader::open_memory(std::move(*bytes)) : XlsxReader::open_file(path);
  if (!reader) return reader.error();
  XlsxReader& r = **reader;
  std::function<double()> fraction;
  if (r.sheet_bytes() > 0) {
    fraction = [&r] { return static_cast<double>(r.sheet_bytes_read()) / static_cast<double>(r.sheet_bytes()); };
  }
  const SerialDates dates = r.date1904() ? SerialDates::k1904 : SerialDates::k1900;
  // Inflating and parsing the sheet runs on its own thread, ahead of the writes.
  Prefetched<XlsxReader> rows(r, std::move(fraction));
  std::function<double()> shown;
  if (options.progress) shown = [&rows] { return rows.fraction(); };
  return import_rows(db, kind, rows, options, std::move(shown), dates);
}

Result<ImportReport> import_jsonl(db::Db& db, ImportKind kind, std::FILE* file, const ImportOptions& options) {
  Importer imp(db, options);
  auto write = jsonl_writer(kind, imp.repo(), db, options.only_buyer);
  auto write_text = [&](std::string_view text, long line) -> Status {
    if (!valid_utf8(text)) return Error("BAD_JSON", "line " + std::to_string(line) + ": invalid UTF-8");
    // Strict: a repeated key or an over-precise number is refused, not decided by the parser.
    auto parsed = parse_strict_json(text);
    if (!parsed && parsed.error().code != "BAD_JSON") {
      Error e = parsed.error();
      e.message = "line " + std::to_string(line) + ": " + e.message;
      e.line = 0;
      return e;
    }
    if (!parsed) return Error("BAD_JSON", "line " + std::to_string(line) + ": not a JSON value (" + parsed.error().message + ")");
    json::value v = std::move(*parsed);
    if (!v.is_object()) return Error("BAD_JSON", "line " + std::to_string(line) + ": expected a JSON object");
    return write(v, text);
  };
  imp.set_redo([&](const std::vector<std::string>& parts, long line) { return write_text(parts.at(0), line); });
  std::vector<std::string> keep(1);  // the line being written, for a chunk redo
  char* buf = nullptr;
  std::size_t cap = 0;
  struct Free {
    char** p;
    ~Free() { std::free(*p); }
  } free_buf{&buf};
  long line = 0;
  for (;;) {
    const ssize_t n = ::getline(&buf, &cap, file);
    if (n < 0) break;
    ++line;
    std::string_view text(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (line == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    keep[0].assign(text);
    Status st = imp.row(line, [&]() -> Status { return write_text(text, line); }, keep);
    if (!st) return imp.abort(st.error(), line);
  }
  if (std::ferror(file)) return Error("IO", "cannot read the file");
  if (auto st = imp.finish(); !st) return st.error();
  return std::move(imp.report());
}

json::array issues_json(const std::vector<RowIssue>& issues) {
  json::array a;
  a.reserve(issues.size());
  for (const auto& e : issues) {
    a.push_back(json::object{{"line", e.line}, {"field", e.field}, {"message", e.message}, {"code", e.code}});
  }
  return a;
}

}  // namespace

json::object to_json(const ImportReport& r) {
  json::object o{{"imported", r.imported}, {"rejected", r.rejected}, {"errors", issues_json(r.errors)}};
  if (!r.skipped.empty()) {
    o["skipped"] = issues_json(r.skipped);
    json::object counts;
    for (const auto& [code, n] : r.skip_counts) counts[code] = n;
    o["skip_counts"] = std::move(counts);
  }
  auto facts = [](const std::vector<ImportReport::InvoiceFact>& v) {
    json::array a;
    for (const auto& f : v) {
      a.push_back(json::object{{"line", f.line}, {"invoice", f.invoice}, {"status", f.status},
                               {"claims", json::array(f.claims.begin(), f.claims.end())}});
    }
    return a;
  };
  if (!r.voids.empty()) o["voids"] = facts(r.voids);
  if (!r.statuses.empty()) o["statuses"] = facts(r.statuses);
  if (!r.reversal_missing.empty()) o["reversal_missing"] = facts(r.reversal_missing);
  if (r.errors_truncated) o["errors_truncated"] = true;
  return o;
}

Result<ImportReport> import_file(db::Db& db, ImportKind kind, const std::string& path, const ImportOptions& options) {
  const bool csv = ends_with(path, ".csv") || ends_with(path, ".CSV");
  const bool jsonl = ends_with(path, ".jsonl") || ends_with(path, ".JSONL");
  const bool xlsx = ends_with(path, ".xlsx") || ends_with(path, ".XLSX");
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) return Error("IO", "cannot open '" + path + "' for reading");
  // A workbook by its name, or by its zip signature whatever it is called.
  char head[4] = {};
  const std::size_t got = std::fread(head, 1, sizeof head, file.get());
  std::rewind(file.get());
  if (xlsx || looks_like_zip(std::string_view(head, got))) {
    file.reset();
    return import_xlsx(db, kind, path, options);
  }
  if (!csv && !jsonl) {
    return Error("USAGE", "cannot tell the format of '" + path + "': the file name must end in .csv, .jsonl or .xlsx");
  }
  if (csv) {
    auto r = import_csv(db, kind, file.get(), options);
    if (r && std::ferror(file.get())) return Error("IO", "cannot read '" + path + "'");
    return r;
  }
  return import_jsonl(db, kind, file.get(), options);
}

ImportFormat sniff_format(std::string_view bytes) {
  if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) return ImportFormat::kXlsx;
  std::string_view rest = bytes;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  const auto first = rest.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && rest[first] == '{') return ImportFormat::kJsonl;
  return ImportFormat::kCsv;
}

Result<ImportReport> import_bytes(db::Db& db, ImportKind kind, std::string_view bytes, const ImportOptions& options) {
  const ImportFormat format = sniff_format(bytes);
  if (format == ImportFormat::kXlsx) return import_xlsx(db, kind, "the uploaded workbook", options, std::string(bytes));
  if (bytes.empty()) return Error("BAD_HEADER", "the file is empty: expected a header row", "", 1);
  // fmemopen reads the caller's buffer in place; the import only reads.
  File file(::fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb"));
  if (!file) return Error("IO", "cannot read the uploaded file");
  if (format == ImportFormat::kCsv) return import_csv(db, kind, file.get(), options);
  return import_jsonl(db, kind, file.get(), options);
}

std::vector<std::string_view> tables_of(ImportKind kind) {
  switch (kind) {
    case ImportKind::kEnterprises:
      return {"enterprises", "enterprise_roles"};
    case ImportKind::kPersons:
      return {"persons"};
    case ImportKind::kFamily:
      return {"family_links"};
    case ImportKind::kEquity:
      return {"equity"};
    case ImportKind::kManualAffiliations:
      return {"manual_affiliations"};
    case ImportKind::kProducts:
      return {"products"};
    case ImportKind::kPurchases:
      return {"purchases", "voids", "invoice_status"};
    case ImportKind::kTapeouts:
      return {"tapeouts", "tapeout_envelopes"};
    case ImportKind::kRdDeclarations:
      return {"rd_declarations"};
    case ImportKind::kSignoffParticipants:
      return {"signoff_participants"};
    case ImportKind::kComputeContracts:
      return {"compute_contracts"};
    case ImportKind::kDataTrades:
      return {"data_trades"};
    case ImportKind::kDatasets:
      return {"datasets"};
    case ImportKind::kDatasetCalls:
      return {"dataset_calls"};
    case ImportKind::kPlatformRecognitions:
      return {"platform_recognitions"};
    case ImportKind::kPlatformExpenses:
      return {"platform_expenses"};
    case ImportKind::kEvents:
      return {"events"};
  }
  return {};
}

Status refresh_statistics(db::Db& db, ImportKind kind) {
  std::string sql = "PRAGMA analysis_limit = 1000;";
  for (std::string_view t : tables_of(kind)) sql += "ANALYZE " + std::string(t) + ";";
  return db.exec_script(sql.c_str());
}

}  // namespace chipreg::importers
