// Import and export of the other clauses' facts (KINDs rd_declarations, signoff_participants,
// compute_contracts, data_trades, datasets, dataset_calls, platform_recognitions,
// platform_expenses, events). A CSV row becomes the scenario object of its kind (each
// column a field of the same name, typed by the table in clause_csv.cpp, an empty cell
// absent), so one parser (fact_json.hpp) and one store (store/clause_facts.hpp) serve the
// scenario, HTTP and import alike. Columns: docs/IMPORT.md.
#pragma once

#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "importers/csv_facts.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::importers {

bool is_clause_kind(ImportKind kind);

// The scenario object of one CSV row. Errors: BAD_TYPE / MISSING_FIELD at the column.
Result<boost::json::value> clause_row_json(ImportKind kind, const CsvRow& row);

// Parses `v` as a fact of `kind` and stores it. REQUIRES: an open write transaction.
Status insert_clause_fact(db::Db& db, ImportKind kind, const boost::json::value& v);

// Every stored fact of `kind`, as CSV cells in the kind's column order.
Status export_clause_kind(db::Db& db, ImportKind kind, const std::function<void(std::vector<std::string>)>& record);

}  // namespace chipreg::importers
