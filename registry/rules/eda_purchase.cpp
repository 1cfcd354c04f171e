// Clause 2b — EDA tool purchases (购买 EDA 工具), rule `eda_purchase`.
//
// A district enterprise buying EDA tools (products of kind `eda_tool`) developed by a
// participant of a provincial or national semiconductor sign-off centre (签核中心) gets up
// to 50% of the year's purchases, at most 2,500,000.00 元 per year. Parameters:
// eda_purchase.rate, eda_purchase.cap_fen, eda_purchase.amount_basis, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - The participant is the tool's product owner (its developer, 研发), on the purchase
//   date; a reseller may sell it. A municipal centre does not count.
// - Amounts follow eda_purchase.amount_basis (价税合计 by default). Red-letter lines net
//   against the line they reverse, in that line's year, share its verdict, and a line's
//   net never goes below zero — as in clause 12. A voided invoice (Facts::voids) counts for
//   nothing (INVOICE_VOIDED), and a voided red invoice no longer nets. The platform's
//   已红冲 status (REVERSAL_MISSING) is clause 12's only, not read here yet.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include <boost/json.hpp>

#include <map>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

namespace {

struct LineCheck {
  std::vector<std::string> codes;
  std::vector<std::string> notes;
};

// The conditions of one (non-red) purchase line.
LineCheck check_line(const Context& ctx, const Purchase& p, const Product& tool) {
  LineCheck v;
  if (!policy_in_force(ctx, p.date)) {
    v.codes.push_back("POLICY_NOT_IN_FORCE");
    v.notes.push_back("采购日 " + p.date.str() + " 早于政策施行日");
  }
  if (auto it = ctx.voids.find(p.invoice); it != ctx.voids.end()) {
    v.codes.push_back("INVOICE_VOIDED");
    v.notes.push_back("发票已作废 (" + it->second->date.str() + ", " + it->second->source + ")");
  }
  std::string found;
  bool participant = false;
  for (const auto& s : ctx.facts.signoff_participants) {
    if (s.enterprise != tool.owner || !s.valid.contains(p.date)) continue;
    found += (found.empty() ? "" : ", ") + std::string(level_zh(s.level)) + "签核中心";
    if (s.level == Level::kNational || s.level == Level::kProvincial) participant = true;
  }
  if (!participant) {
    v.codes.push_back("SELLER_NOT_SIGNOFF_PARTICIPANT");
    v.notes.push_back("工具研发方 " + tool.owner.str() + " 于 " + p.date.str() + " 不是省级或国家级签核中心参与单位" +
                      (found.empty() ? "" : " (仅参与" + found + ")"));
  } else {
    v.notes.push_back("工具研发方 " + tool.owner.str() + " 为" + found + "参与单位");
  }
  return v;
}

}  // namespace

Result<ClaimEvaluation> evaluate_eda_purchase(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第2条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();
  const bool inclusive = prm.eda_purchase_amount_basis == policy::AmountBasis::kTaxInclusive;

  // Step 1: any district enterprise.
  check_claimant(c, "", true);

  // Step 2: each EDA-tool line of the claimant in the year (a red line: in the year of the
  // line it reverses), with the verdict of its base line.
  std::map<const Purchase*, LineCheck> verdicts;
  std::map<InvoiceLineRef, Money> net;  // per qualifying base line, in line order
  if (auto it = ctx.purchases_by_buyer.find(c.e.claimant); it != ctx.purchases_by_buyer.end()) {
    for (const Purchase* p : it->second) {
      const Purchase* base = p;
      if (p->reverses) {
        if (auto b = ctx.purchases.find(*p->reverses); b != ctx.purchases.end()) base = b->second;
      }
      const Product* tool = ctx.product(base->product);
      if (tool == nullptr || tool->kind != ProductKind::kEdaTool || base->date.year() != claim.year) continue;
      auto v = verdicts.find(base);
      if (v == verdicts.end()) v = verdicts.emplace(base, check_line(ctx, *base, *tool)).first;
      auto amount = inclusive ? p->amount.plus(p->tax) : Result<Money>(p->amount);
      if (!amount) return amount.error();
      ItemVerdict item;
      item.ref = p->ref();
      item.date = p->date;
      item.amount = *amount;
      item.codes = v->second.codes;
      // A voided red invoice no longer nets against the line it reversed.
      if (p != base && ctx.voids.count(p->invoice) != 0) item.codes.push_back("INVOICE_VOIDED");
      item.details["product"] = p->product;
      item.details["seller"] = p->seller.str();
      if (p->reverses) item.details["reverses"] = json_ref(*p->reverses);
      std::string label = "发票 " + p->invoice + " 第" + std::to_string(p->line) + "行 EDA 工具 " + p->product;
      if (p->reverses)
        label += " (红字发票, 冲减 " + p->reverses->invoice + " 第" + std::to_string(p->reverses->line) + "行)";
      if (item.codes.empty()) {
        Money& base_net = net[base->ref()];
        auto sum = base_net.plus(*amount);
        if (!sum) return sum.error();
        base_net = *sum;
      }
      c.add_item(std::move(item), label, v->second.notes);
    }
  }
  c.close_items("EDA 工具采购");

  // Step 3: the basis: each qualifying line's net, never below zero.
  Money basis;
  for (const auto& [base, amount] : net) {
    if (amount < Money()) {
      c.step("发票 " + base.invoice + " 第" + std::to_string(base.line) + "行 冲红后净额为负, 按 0.00 元计");
      continue;
    }
    auto sum = basis.plus(amount);
    if (!sum) return sum.error();
    basis = *sum;
  }
  c.step(std::string("年度合格 EDA 工具采购额 (") + (inclusive ? "价税合计" : "不含税金额") +
         ", eda_purchase.amount_basis = " + std::string(policy::to_string(prm.eda_purchase_amount_basis)) + ") " +
         basis.str());

  // Step 4: rate, cap, series, stacking.
  auto prior = prior_sums(
      ctx, claim, [&](const PriorApproval& a) { return a.year == claim.year ? PriorKind::kSeries : PriorKind::kNone; });
  if (!prior) return prior.error();
  if (auto st = finish_award(
          ctx, c,
          {basis, prm.eda_purchase_rate, "eda_purchase.rate", prm.eda_purchase_cap, "每家企业每年最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
