// Test support: writes small .xlsx workbooks with libzip, shaped like the ones Apache POI
// writes for the e-invoice platform, so the importer's tests never need real exports.
//
// A sheet is rows of cell texts. A cell is written by its text's prefix:
//   ""           no <c> element at all (a missing cell; later cells keep their `r`)
//   "#n:1.2E7"   a numeric cell <c t="n"><v>1.2E7</v> (the lexical verbatim)
//   "#b:1"       a boolean cell;  "#e:#N/A" an error cell;  "#f:text" a formula string result
//   "#rich:a|b"  a shared rich-text string of runs "a", "b" and a phonetic run that a reader
//                must skip (only with Strings::kShared)
//   anything else  a string: shared (xl/sharedStrings.xml) or inline (<is><t>), per options
// Sheet XML is streamed to a temporary file, so a million-row workbook (the benchmark) never
// sits in memory.
#pragma once

#include <string>
#include <vector>

namespace chipreg::testing {

struct XlsxSheet {
  std::string name;
  std::vector<std::vector<std::string>> rows;
};

enum class XlsxStrings { kShared, kInline };

struct XlsxOptions {
  XlsxStrings strings = XlsxStrings::kShared;
  bool omit_row_refs = false;   // <row> without r= (readers must count)
  std::string first_row = "1";  // the first row's number (exports start at 1)
};

// Writes `sheets` as a workbook at `path`. Throws std::runtime_error on failure.
void write_xlsx(const std::string& path, const std::vector<XlsxSheet>& sheets, const XlsxOptions& options = {});

// Writes an archive of the given parts (name, content) verbatim: for hostile inputs.
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parts);

// A workbook streamed row by row (for large ones): one sheet, the rows given by `row(i)`
// for i in [0, count), strings inline or shared as in `options`.
class XlsxStreamWriter {
 public:
  XlsxStreamWriter(std::string path, std::string sheet_name, XlsxOptions options = {});
  ~XlsxStreamWriter();
  XlsxStreamWriter(const XlsxStreamWriter&) = delete;
  XlsxStreamWriter& operator=(const XlsxStreamWriter&) = delete;
  void add_row(const std::vector<std::string>& cells);
  void finish();  // writes the archive; REQUIRES called once

 private:
  struct Impl;
  Impl* impl_;
};

// "A", "B", ..., "Z", "AA", ... for a 0-based column.
std::string column_letters(std::size_t col);

}  // namespace chipreg::testing
