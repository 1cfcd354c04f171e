// What the registry learns about a registered invoice after registering it: that it was
// voided (作废), and the e-invoice platform's 发票状态 as last imported (已红冲-部分 ...).
// Each is a fact of its own, logged as a leaf ('void', 'invoice_status'), never an edit of
// the purchase rows; the claims that count the invoice's lines react (claims.hpp,
// invoice_lines_changed): submitted ones become stale, approved ones show overpaid_fen.
//
// Transactions: REQUIRES an open write transaction (store::Tx); on an error the caller
// rolls back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "registry/domain/date.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct InvoiceFactOutcome {
  std::string invoice;
  std::string buyer;                   // USCC
  std::vector<std::int64_t> lines;     // the invoice's registered line numbers
  std::vector<std::string> claims;     // claims touched (stale, or re-checked for overpayment)
  bool changed = true;                 // false: already recorded as such, nothing written
  std::optional<std::int64_t> log_index;
};
// {"invoice", "buyer", "lines", "claims", "changed", "log_index"}
boost::json::object to_json(const InvoiceFactOutcome& o);

// An invoice is named by its buyer and its number (schema migration 15): both functions
// read and write only `buyer`'s lines of it, so no answer depends on another buyer's.

// Records that `buyer`'s `invoice` is void from `date`. UNKNOWN_INVOICE (404) when the
// buyer has no line of it; BAD_VALUE when `source` is empty; already void: changed = false.
Result<InvoiceFactOutcome> void_invoice(Db& db, const std::string& buyer, const std::string& invoice, Date date,
                                        const std::string& source, const std::string& actor);

// Records the platform's status of `buyer`'s `invoice` (anything but 正常, which clears it).
// The same status again: changed = false. UNKNOWN_INVOICE when no line is registered.
Result<InvoiceFactOutcome> set_platform_status(Db& db, const std::string& buyer, const std::string& invoice,
                                               const std::string& status, const std::string& source,
                                               const std::string& actor);

}  // namespace chipreg::store
