// A streaming reader of one worksheet of an .xlsx workbook (Office Open XML, as Apache POI
// writes the e-invoice platform's 全量发票查询导出结果.xlsx), built on libzip and expat.
//
// Which sheet: the one named `信息汇总表` (names trimmed of blanks), found through
// xl/workbook.xml and xl/_rels/workbook.xml.rels; else the first sheet whose first row has
// both 销方识别号 and 规格型号. A workbook with neither (for instance only the invoice-level
// `发票基础信息` sheet) is refused with BAD_HEADER, line 1.
//
// Cells: shared strings (rich-text runs concatenated, phonetic <rPh> runs skipped), inline
// strings, formula string results, numbers (the lexical exactly as stored, e.g. "1.2E7";
// never converted through a double), booleans ("TRUE" / "FALSE") and errors ("#N/A").
// Each cell is placed by its `r` reference (A1 style), so missing cells read as "". Rows are
// as wide as the first row returned (the header); cells right of it are ignored. Rows with
// no non-empty cell are skipped. record_line() is the sheet's row number (<row r="N">).
//
// Memory: the sheet XML is fed to expat in fixed-size chunks straight from zip_fread, and
// the parser is suspended at the end of each row, so one row is held at a time. The shared
// strings table goes to an unlinked temporary file and is read back through a bounded
// block cache (string_table.hpp), so memory does not grow with it either.
//
// Hostile input (XlsxLimits): at most max_entries archive entries; no entry inflates past
// max_entry_bytes, all parts read together past max_total_bytes, and an entry past 64 MiB may
// not inflate more than max_ratio times its compressed size (a zip bomb). Bytes are counted
// as actually inflated, not trusted from the directory. Any DOCTYPE is refused, so no entity
// can be declared or expanded. Errors:
//   BAD_XLSX        not a zip, a part missing, malformed XML, a DOCTYPE, a bad cell
//                   reference, a shared-string index out of range (the last two name the row
//                   and are per-row: next() then goes on with the following row)
//   XLSX_TOO_LARGE  a cap above was reached
//   BAD_HEADER      no line-level sheet (see above)
// After an error that is not per-row, next() returns false.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace chipreg::importers {

struct XlsxLimits {
  std::int64_t max_entries = 10'000;              // archive entries (a real export has ~10)
  std::uint64_t max_entry_bytes = 8ull << 30;     // one part, inflated
  std::uint64_t max_total_bytes = 16ull << 30;    // all parts read, inflated
  std::uint64_t max_ratio = 1'000;                // inflated : compressed, past 64 MiB
  std::uint64_t max_shared_strings = 50'000'000;  // entries of the shared strings table
  std::size_t max_columns = 16'384;               // Excel's last column, XFD
};

// The workbook name of the line-level sheet of the e-invoice export.
inline constexpr const char* kEinvoiceLineSheet = "信息汇总表";

// True when `head` (the first bytes of a file) starts like a zip archive ("PK\3\4").
bool looks_like_zip(std::string_view head);

class XlsxReader {
 public:
  // Opens `path` and selects the sheet (see above). IO when the file cannot be opened.
  static Result<std::unique_ptr<XlsxReader>> open_file(const std::string& path, const XlsxLimits& limits = {});
  // Opens a workbook held in memory (tests, the fuzzer).
  static Result<std::unique_ptr<XlsxReader>> open_memory(std::string bytes, const XlsxLimits& limits = {});
  ~XlsxReader();
  XlsxReader(const XlsxReader&) = delete;
  XlsxReader& operator=(const XlsxReader&) = delete;

  // Reads the next non-empty row into `cells`. Returns true when a row was read, false at
  // the end of the sheet, or an Error (line = the sheet row when the error is the row's).
  Result<bool> next(std::vector<std::string>& cells);

  // The sheet row number of the last row returned or rejected.
  long record_line() const;
  // Interface parity with CsvReader (names are not used in xlsx messages).
  void set_column_names(std::vector<std::string>) {}

  const std::string& sheet_name() const;
  // True when xl/workbook.xml's <workbookPr> has date1904="1" (or "true"): date serials
  // count days from 1904-01-01, not from 1900 (see einvoice.hpp's date_from_serial).
  bool date1904() const;
  // The sheet part's inflated size from the zip directory, and how much of it was read:
  // what a progress bar needs.
  std::uint64_t sheet_bytes() const;
  std::uint64_t sheet_bytes_read() const;

  struct Impl;

 private:
  explicit XlsxReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace chipreg::importers
