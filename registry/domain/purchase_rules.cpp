#include "registry/domain/purchase_rules.hpp"

#include <cassert>
#include <string>

namespace chipreg {
namespace {

std::string line_name(const InvoiceLineRef& r) { return "invoice " + r.invoice.substr(0, 64) + " line " + std::to_string(r.line); }

}  // namespace

Status check_purchase_line(const Purchase& p) {
  if (p.invoice.empty()) return Error("BAD_VALUE", "invoice: must not be empty", "invoice");
  if (p.line < 1 || p.line > kMaxInvoiceLine) {
    return Error("BAD_VALUE", "line: must be between 1 and " + std::to_string(kMaxInvoiceLine), "line");
  }
  if (p.buyer == p.seller) return Error("BAD_VALUE", "seller: buyer and seller are the same enterprise", "seller");
  for (const auto& [m, field] : {std::pair{p.amount, "amount_fen"}, std::pair{p.tax, "tax_fen"}}) {
    if (m.fen() > Money::kMaxIntakeFen || m.fen() < -Money::kMaxIntakeFen) {
      return Error("AMOUNT_TOO_LARGE",
                   std::string(field) + ": at most " + std::to_string(Money::kMaxIntakeFen) + " fen (100 亿元) per line",
                   field);
    }
  }
  if (!p.reverses) {
    for (const auto& [m, field] : {std::pair{p.amount, "amount_fen"}, std::pair{p.tax, "tax_fen"}}) {
      if (m.fen() < 0) {
        return Error("BAD_AMOUNT",
                     std::string(field) + ": must not be negative on a line that reverses nothing (only a red-letter line may be)",
                     field);
      }
    }
    return Status::Ok();
  }
  if (*p.reverses == p.ref()) return Error("BAD_REVERSAL", "reverses: a line cannot reverse itself", "reverses");
  for (const auto& [m, field] : {std::pair{p.amount, "amount_fen"}, std::pair{p.tax, "tax_fen"}}) {
    if (m.fen() > 0) {
      return Error("BAD_AMOUNT", std::string(field) + ": a red-letter line (with reverses) carries a negative amount", field);
    }
  }
  if (p.amount.fen() == 0 && p.tax.fen() == 0) {
    return Error("BAD_AMOUNT", "amount_fen: a red-letter line must reverse a non-zero amount", "amount_fen");
  }
  return Status::Ok();
}

Status check_reversal(const Purchase& red, const Purchase& original, Money reversed_amount, Money reversed_tax) {
  assert(red.reverses && *red.reverses == original.ref());
  assert(reversed_amount.fen() <= 0 && reversed_tax.fen() <= 0);
  const std::string what = line_name(original.ref());
  if (original.reverses) return Error("BAD_REVERSAL", "reverses: " + what + " is itself a red-letter line", "reverses");
  if (original.buyer != red.buyer) return Error("BAD_REVERSAL", "buyer: differs from the buyer of " + what, "buyer");
  if (original.seller != red.seller) return Error("BAD_REVERSAL", "seller: differs from the seller of " + what, "seller");
  if (original.product != red.product) return Error("BAD_REVERSAL", "product: differs from the product of " + what, "product");
  if (red.date < original.date) {
    return Error("BAD_REVERSAL", "date: before the date of " + what + " (" + original.date.str() + ")", "date");
  }
  // Every amount here is within ±Money::kMaxIntakeFen per line, and the reversed sums are
  // bounded by the original (each earlier red line passed this check): no overflow.
  // A remainder below zero (rows stored before this check existed) refuses any reversal.
  const std::int64_t amount_left = original.amount.fen() + reversed_amount.fen();
  const std::int64_t tax_left = original.tax.fen() + reversed_tax.fen();
  if (-red.amount.fen() > amount_left) {
    return Error("BAD_REVERSAL",
                 "amount_fen: reverses " + std::to_string(-red.amount.fen()) + " fen, more than the remaining " +
                     std::to_string(amount_left) + " fen of " + what,
                 "amount_fen");
  }
  if (-red.tax.fen() > tax_left) {
    return Error("BAD_REVERSAL",
                 "tax_fen: reverses " + std::to_string(-red.tax.fen()) + " fen of tax, more than the remaining " +
                     std::to_string(tax_left) + " fen of " + what,
                 "tax_fen");
  }
  return Status::Ok();
}

}  // namespace chipreg
