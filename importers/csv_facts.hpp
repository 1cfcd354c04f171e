// CSV rows -> facts, for the scenario-shaped CSV files of `chipreg import` (and the
// files `chipreg export` writes).
//
// The header row names scenario fields, in any order. Each kind has required columns
// (must be present) and optional ones (may be absent; an empty cell is null). Unknown
// column names are rejected, so a typo is not silently ignored.
//
//   kind                 required columns                       optional columns
//   enterprises          uscc, name, in_district                roles (joined with '|')
//   persons              id, name
//   family               a, b, relation
//   equity               holder, held, pct, from                to
//   manual_affiliations  a, b, from, basis                      to
//   products             id, kind, owner, self_developed        first_market_date,
//                                                               focus_area, model
//   purchases            invoice, line, date, buyer, seller,    reverses_invoice,
//                        product, amount_fen, tax_fen           reverses_line
//   tapeouts             envelope (the DSSE envelope JSON)
//
// Cell syntax: booleans `true`/`false` (also `1`/`0`); integers in decimal with an
// optional '-'; dates YYYY-MM-DD; pct a decimal percent with at most four decimals
// ("24.99"); enum values by their wire names. A field is validated exactly as the JSON
// parsers in registry/domain/fact_json.hpp validate it (same domain parsers, same codes:
// BAD_USCC, BAD_DATE, BAD_ENUM, BAD_PERCENT, BAD_AMOUNT, BAD_VALUE, MISSING_FIELD); the
// Error's `field` is the column name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"

namespace chipreg::importers {

enum class ImportKind {
  kEnterprises,
  kPersons,
  kFamily,
  kEquity,
  kManualAffiliations,
  kProducts,
  kPurchases,
  kTapeouts,
  // The other clauses (importers/clause_csv.hpp).
  kRdDeclarations,
  kSignoffParticipants,
  kComputeContracts,
  kDataTrades,
  kDatasets,
  kDatasetCalls,
  kPlatformRecognitions,
  kPlatformExpenses,
  kEvents,
};

// "enterprises", ..., "manual_affiliations" (also "manual-affiliations"), "tapeouts".
Result<ImportKind> parse_import_kind(std::string_view name);
std::string_view to_string(ImportKind kind);

// The canonical column order for `kind` (what export writes).
const std::vector<std::string>& csv_columns(ImportKind kind);

// Column positions of one file's header for one kind. index(i) is the position of the
// i-th canonical column in the file, or -1 when the file lacks that (optional) column.
class CsvLayout {
 public:
  // Fails (code BAD_HEADER, line 1) on an unknown, repeated or missing required column.
  static Result<CsvLayout> bind(ImportKind kind, const std::vector<std::string>& header);
  int index(std::size_t canonical) const { return index_[canonical]; }

 private:
  std::vector<int> index_;
};

// One CSV record viewed through a layout: cell(i) is the i-th canonical column's text,
// "" when the column is absent.
struct CsvRow {
  const CsvLayout& layout;
  const std::vector<std::string>& cells;
  std::string_view cell(std::size_t canonical) const {
    const int i = layout.index(canonical);
    return i < 0 ? std::string_view() : std::string_view(cells[static_cast<std::size_t>(i)]);
  }
};

Result<Enterprise> enterprise_from_csv(const CsvRow& row);
Result<Person> person_from_csv(const CsvRow& row);
Result<FamilyLink> family_link_from_csv(const CsvRow& row);
Result<EquityEdge> equity_from_csv(const CsvRow& row);
Result<ManualAffiliation> manual_affiliation_from_csv(const CsvRow& row);
Result<Product> product_from_csv(const CsvRow& row);
Result<Purchase> purchase_from_csv(const CsvRow& row);

// Facts -> CSV cells in canonical column order (export); re-import yields equal facts.
std::vector<std::string> to_csv(const Enterprise& e);
std::vector<std::string> to_csv(const Person& p);
std::vector<std::string> to_csv(const FamilyLink& f);
std::vector<std::string> to_csv(const EquityEdge& e);
std::vector<std::string> to_csv(const ManualAffiliation& m);
std::vector<std::string> to_csv(const Product& p);
std::vector<std::string> to_csv(const Purchase& p);

// Appends one RFC 4180 record (CRLF-free: LF line ends) to `out`, quoting cells that
// contain a comma, quote, CR or LF, or that start or end with a space.
void append_csv_record(std::string& out, const std::vector<std::string>& cells);

// Helpers shared with the e-invoice mapping.
Result<std::int64_t> parse_int64(std::string_view text, const char* field);

}  // namespace chipreg::importers
