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

// Records that `invoice` is void from `date`. UNKNOWN_INVOICE (404) when no line of it is
// registered; BAD_VALUE when `source` is empty; already void: changed = false. `buyer`,
// when given, must be the invoice's buyer (NOT_FOUND otherwise, so that another
// enterprise's invoices cannot be probed).
Result<InvoiceFactOutcome> void_invoice(Db& db, const std::string& invoice, Date date, const std::string& source,
                                        const std::string& actor, const std::optional<std::string>& buyer = std::nullopt);

// Records the platform's status of `invoice` (anything but 正常, which clears it). The
// same status again: changed = false. UNKNOWN_INVOICE when no line is registered.
Result<InvoiceFactOutcome> set_platform_status(Db& db, const std::string& invoice, const std::string& status,
                                               const std::string& source, const std::string& actor);

}  // namespace chipreg::store
