// Whether a purchase line is valid: the one owner of these rules. The scenario parser
// (fact_json), the CSV and e-invoice mappers (importers/) and the repository all call
// these functions, so the same bad line gets the same code and words on every road
// (RULES.md clause 12: 蓝字 and 红字 lines; contract: "purchases").
//
// Fields named in errors are the contract's: invoice, line, amount_fen, tax_fen, date,
// buyer, seller, product, reverses. Callers on a path prefix them (Error::at).
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"

namespace chipreg {

// The highest line number of one invoice that intake takes.
inline constexpr std::int64_t kMaxInvoiceLine = 1'000'000'000;

// A line on its own, before anything is looked up:
//   BAD_VALUE         invoice empty; line outside 1..kMaxInvoiceLine; buyer = seller
//   AMOUNT_TOO_LARGE  amount or tax beyond ±Money::kMaxIntakeFen (100 亿元)
//   BAD_AMOUNT        a negative amount or tax on a blue line (one that reverses nothing);
//                     a positive one on a red-letter line, or a red line of zero and zero
//   BAD_REVERSAL      a line that reverses itself
Status check_purchase_line(const Purchase& p);

// A red-letter line against the blue line it names (`original`), of which earlier red
// lines have already reversed `reversed_amount` and `reversed_tax` (sums of their
// negative amounts, so zero or less):
//   BAD_REVERSAL  the original is itself a red-letter line; the buyer, seller or product
//                 differ; the red line is dated before the original; it reverses more
//                 amount or tax than remains of the original.
// REQUIRES: red.reverses names `original`.
Status check_reversal(const Purchase& red, const Purchase& original, Money reversed_amount, Money reversed_tax);

}  // namespace chipreg
