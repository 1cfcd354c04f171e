// The bulk import driver behind `chipreg import --db PATH KIND FILE [--atomic]`.
//
// Reads FILE as CSV (`.csv`) or JSON Lines (`.jsonl`), streaming, and writes each row
// through store::Repository (or store::submit_tapeout for tape-outs), so every row gets
// exactly the checks the HTTP API applies. A rejected row is reported and the import goes
// on; a row already in the database, or earlier in the same file, is rejected as
// DUPLICATE and never counted twice.
//
// Transactions: rows are written in batches of `batch_rows`, one transaction each. Rows
// refused by their checks write nothing; a row whose write fails half-way is undone by
// rolling its chunk of rows back to a savepoint and writing the chunk again row by row
// (import.cpp), so the good rows of the batch stay. With
// `atomic`, the whole file is one transaction that is rolled back if any row was
// rejected: then nothing is imported (`imported` reports 0).
//
// Tape-outs: each row is one DSSE envelope (a JSON Lines object, or the `envelope` column
// of a CSV), accepted by store::submit_tapeout as a trusted operator import: with no
// submitting foundry token, an envelope verifying under any registered key of its
// predicate's foundry is accepted, with every other check as for POST /v1/tapeouts.
//
// Purchases in the e-invoice platform's export format (Chinese header, see einvoice.hpp)
// are recognized automatically, as CSV or as the platform's .xlsx workbook (xlsx_reader.hpp;
// told by the .xlsx extension or the zip signature). Rows that cannot be a subsidised
// purchase are skipped, counted per reason in `skip_counts` with the first few of each in
// `skipped`. Red-letter rows are spooled to a temporary file and written after the file's
// blue rows, so their order in the export does not matter. A row whose invoice line is
// stored already with the same values is skipped as ALREADY_IMPORTED (an overlapping
// second export), one stored with other values is still rejected as DUPLICATE.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "base/result.hpp"
#include "importers/csv_facts.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::importers {

struct ImportOptions {
  bool atomic = false;                // one transaction; any rejected row imports nothing
  std::int64_t batch_rows = 50'000;   // rows per transaction when not atomic
  std::FILE* progress = nullptr;      // where to print a progress line every progress_every rows
  std::int64_t progress_every = 100'000;
  std::size_t max_errors = 100'000;   // errors kept in the report (all are counted)
  // Set for an enterprise's own upload (POST /v1/imports/purchases): a purchase whose buyer
  // is any other enterprise is rejected (FORBIDDEN, field "buyer").
  std::optional<std::string> only_buyer;
};

struct RowIssue {
  long line = 0;
  std::string field;
  std::string code;
  std::string message;
};

struct ImportReport {
  std::int64_t imported = 0;
  std::int64_t rejected = 0;
  std::vector<RowIssue> errors;   // at most max_errors; rejected counts them all
  static constexpr std::int64_t kSkipExamples = 5;  // rows listed per skip reason
  std::vector<RowIssue> skipped;  // e-invoice rows skipped on purpose: the first few per reason
  std::map<std::string, std::int64_t> skip_counts;  // reason code -> rows skipped
  // E-invoice facts learned about invoices already registered: a void (作废) or a platform
  // status (已红冲-部分 ...), each a logged fact (registry/store/voids.hpp), with the claims
  // it touched; and blue invoices shown as 已红冲 whose red invoice is not registered.
  struct InvoiceFact {
    long line = 0;                   // the row that showed it
    std::string invoice;
    std::string status;
    std::vector<std::string> claims;
  };
  std::vector<InvoiceFact> voids;
  std::vector<InvoiceFact> statuses;
  std::vector<InvoiceFact> reversal_missing;
  bool errors_truncated = false;
  bool einvoice = false;          // the file was read as an e-invoice export
};

// {"imported", "rejected", "errors": [{"line", "field", "message", "code"}]} plus
// "skipped" and "skip_counts" ({"VOIDED": 3, ...}) when rows were skipped, and
// "errors_truncated" (when true).
boost::json::object to_json(const ImportReport& r);

// Imports `path` into `db`. Errors (code, exit status 2 at the CLI): USAGE for an
// unsupported extension (or a workbook for another KIND than purchases), IO for an
// unreadable file, BAD_HEADER for a header that does not fit KIND, NOT_UTF8 for a CSV
// whose header is not UTF-8 (GB18030: save it as "CSV UTF-8"), BAD_XLSX / XLSX_TOO_LARGE
// for a workbook that cannot be read (see xlsx_reader.hpp; mid-sheet, the open batch rolls
// back). DB_ERROR / BUSY when storage fails (nothing of the failing batch stays).
Result<ImportReport> import_file(db::Db& db, ImportKind kind, const std::string& path,
                                 const ImportOptions& options = {});

// How import_bytes reads a file it was handed without a name (a web upload).
enum class ImportFormat { kCsv, kJsonl, kXlsx };
// By content: a zip archive ("PK\3\4") is an xlsx workbook, a first character '{' (after
// an optional BOM and blanks) JSON Lines, anything else CSV.
ImportFormat sniff_format(std::string_view bytes);

// Imports `bytes` (a whole file) as import_file does, reading its format from its content
// (sniff_format): an xlsx workbook is read from memory by the same reader and mapper as a
// workbook file. Errors as for import_file.
// REQUIRES: no transaction open on `db` (the import owns its transactions).
Result<ImportReport> import_bytes(db::Db& db, ImportKind kind, std::string_view bytes, const ImportOptions& options = {});

// The tables an import of `kind` writes rows into (besides the log's).
std::vector<std::string_view> tables_of(ImportKind kind);

// After a bulk import of `kind`: refreshes the planner's statistics (sqlite_stat1) for the
// tables the rows went into (tables_of), so later statements are planned on the grown
// tables' shape. Bounded: `PRAGMA analysis_limit = 1000` samples about 1,000 rows per
// index, so a table of millions costs milliseconds; the other tables are left alone (an
// ANALYZE of every table cost an import of 30,000 edges a fifth of its time). (A plain
// `PRAGMA optimize` of SQLite 3.40 skips the tables never analyzed, which after a first
// import is all of them.) Every import road calls it: the CLI's `chipreg import` and the
// upload route POST /v1/imports/purchases.
// REQUIRES: no transaction open on `db` (ANALYZE writes sqlite_stat1 in its own).
Status refresh_statistics(db::Db& db, ImportKind kind);

}  // namespace chipreg::importers
