// Clause 3 — first tape-out (首次流片), rule `tapeout`.
//
// The design owner (in the district, product in the key industry direction) of a chip's
// first tape-out — the earliest verified one of that product and of that design digest at
// any foundry, not a production run (seed §6.2) — gets up to 15% of the attested cost when
// it is >= 10,000,000.00 元 (cap 20,000,000.00 元 for all its tape-out awards of the year),
// up to 30% when it is <= 10,000,000.00 元 (cap 3,000,000.00 元 for that row's awards of
// the year). Parameters: tapeout.*, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - Every earlier approved tape-out award of the year counts against the 20,000,000.00 元
//   cap; small-row awards also against the 3,000,000.00 元 cap. A small-row award is
//   bounded by both, so the year's total never exceeds 20,000,000.00 元.
// - Two tape-outs of the same product or digest on the same day: the smaller id is first.
// - At exactly tapeout.split_fen, `tapeout.boundary = favorable` pays the row that pays
//   more after caps (BOUNDARY_AMBIGUOUS); `small` / `large` pick that row.
#include <boost/json.hpp>

#include <algorithm>
#include <array>

#include "registry/rules/clause.hpp"
#include "registry/rules/context.hpp"

namespace chipreg::rules {

namespace {

struct BranchPay {
  TapeoutBranch branch;
  Money computed;
  Money room;  // what the caps leave
  Money pay;
};

Money clamp0(Money m) { return m < Money() ? Money() : m; }

}  // namespace

Result<ClaimEvaluation> evaluate_tapeout(const Context& ctx, const ClaimRequest& claim) {
  ClaimEvaluation e;
  e.id = claim.id;
  e.rule = RuleId::kTapeout;
  e.claimant = claim.claimant.str();
  e.tapeout = claim.tapeout;
  auto tit = claim.tapeout ? ctx.tapeouts.find(*claim.tapeout) : ctx.tapeouts.end();
  if (tit == ctx.tapeouts.end()) {
    return Error("UNKNOWN_REFERENCE", "no tape-out '" + claim.tapeout.value_or("") + "'", "tapeout");
  }
  const Tapeout& t = *tit->second;
  e.year = t.date.year();

  auto pol = policy_on(ctx.facts, t.date);
  if (!pol) return pol.error();
  const policy::Parameters& prm = pol->params;
  e.policy_version = pol->version ? pol->version->id : "";
  e.parameters = prm;
  e.trace.push_back(policy_trace(ctx.facts, *pol, t.date));

  bool ok = true;
  auto fail = [&](const char* code, boost::json::object details, const std::string& why) {
    ok = false;
    e.reasons.push_back(reason(code, std::move(details)));
    e.trace.push_back("第3条 " + why + " (" + code + ")");
  };
  e.trace.push_back("第3条 流片 " + t.id + ": 产品 " + t.product + ", 晶圆厂 " + t.foundry.str() + ", 设计方 " +
                    t.design_owner.str() + ", " + t.date.str() + ", " + std::string(to_string(t.kind)) + ", 费用 " +
                    t.cost.str());
  if (pol->version == nullptr) {
    fail("POLICY_NOT_IN_FORCE", {{"date", t.date.str()}}, "流片日期 " + t.date.str() + " 早于政策施行日或不在施行期内");
  }
  const Product* prod = ctx.product(t.product);
  if (t.design_owner != claim.claimant || (prod != nullptr && prod->owner != claim.claimant)) {
    fail("NOT_DESIGN_OWNER", {}, "申请人 " + e.claimant + " 不是该流片产品的设计方");
  }
  const Enterprise* claimant = ctx.enterprise(e.claimant);
  if (claimant == nullptr || !claimant->in_district) {
    fail("CLAIMANT_NOT_IN_DISTRICT", {}, "申请人未注册在高新区(滨江)");
  }
  const std::string area = prod ? prod->focus_area : "";
  if (!is_key_area(area)) {
    fail("NOT_KEY_AREA", {{"focus_area", area}}, "产品领域 '" + area + "' 不属于区重点产业导向");
  }
  for (const auto& u : ctx.facts.tapeouts) {
    if (u.id == t.id || (u.product != t.product && u.design_digest != t.design_digest)) continue;
    if (u.date < t.date || (u.date == t.date && u.id < t.id)) {
      fail("NOT_FIRST_TAPEOUT", {{"earlier", u.id}, {"earlier_date", u.date.str()}},
           "同一产品或同一设计摘要已有更早的流片 " + u.id + " (" + u.date.str() + ")");
      break;
    }
  }
  if (t.kind == TapeoutKind::kProduction) {
    fail("PRODUCTION_TAPEOUT", {}, "正式量产后批量流片不在支持范围 (§6.2)");
  }

  // Earlier approvals of the year: all count against the large cap, small-row ones also
  // against the small cap.
  Money prior_all;
  Money prior_small;
  for (const auto& a : ctx.facts.prior_approvals) {
    if (a.rule != RuleId::kTapeout || a.claimant != claim.claimant || a.year != e.year) continue;
    auto s = prior_all.plus(a.amount);
    if (!s) return s.error();
    prior_all = *s;
    if (a.branch == TapeoutBranch::kSmall) {
      auto s2 = prior_small.plus(a.amount);
      if (!s2) return s2.error();
      prior_small = *s2;
    }
  }

  auto branch_pay = [&](TapeoutBranch b) -> Result<BranchPay> {
    BranchPay out{b, {}, {}, {}};
    auto c = t.cost.apply(b == TapeoutBranch::kLarge ? prm.tapeout_large_rate : prm.tapeout_small_rate);
    if (!c) return c.error();
    out.computed = *c;
    auto room_large = prm.tapeout_large_cap.minus(prior_all);
    if (!room_large) return room_large.error();
    out.room = clamp0(*room_large);
    if (b == TapeoutBranch::kSmall) {
      auto room_small = prm.tapeout_small_cap.minus(prior_small);
      if (!room_small) return room_small.error();
      out.room = std::min(out.room, clamp0(*room_small));
    }
    out.pay = std::min(out.computed, out.room);
    return out;
  };

  const Money split = prm.tapeout_split;
  std::optional<BranchPay> chosen;
  if (t.cost > split) {
    auto bp = branch_pay(TapeoutBranch::kLarge);
    if (!bp) return bp.error();
    chosen = *bp;
  } else if (t.cost < split) {
    auto bp = branch_pay(TapeoutBranch::kSmall);
    if (!bp) return bp.error();
    chosen = *bp;
  } else {
    auto small = branch_pay(TapeoutBranch::kSmall);
    if (!small) return small.error();
    auto large = branch_pay(TapeoutBranch::kLarge);
    if (!large) return large.error();
    switch (prm.tapeout_boundary) {
      case policy::Boundary::kFavorable: chosen = large->pay > small->pay ? *large : *small; break;
      case policy::Boundary::kSmall: chosen = *small; break;
      case policy::Boundary::kLarge: chosen = *large; break;
    }
    e.reasons.push_back(reason("BOUNDARY_AMBIGUOUS", {{"boundary", std::string(policy::to_string(prm.tapeout_boundary))},
                                                      {"small_fen", small->pay.fen()},
                                                      {"large_fen", large->pay.fen()},
                                                      {"chosen", std::string(to_string(chosen->branch))}}));
    e.trace.push_back("第3条 流片费用恰为 " + split.str() + ", \"以上\"与\"以下\"两档均适用 (BOUNDARY_AMBIGUOUS, tapeout.boundary = " +
                      std::string(policy::to_string(prm.tapeout_boundary)) + "): " + prm.tapeout_small_rate.str() +
                      " 档封顶后 " + small->pay.str() + ", " + prm.tapeout_large_rate.str() + " 档封顶后 " +
                      large->pay.str() + "; 取 " + (chosen->branch == TapeoutBranch::kSmall ? "30%" : "15%") + " 档");
  }
  const bool large = chosen->branch == TapeoutBranch::kLarge;
  e.branch = chosen->branch;
  const Rate rate = large ? prm.tapeout_large_rate : prm.tapeout_small_rate;
  e.trace.push_back(std::string("第3条 首次流片费用 ") + t.cost.str() + (large ? " ≥ " : " ≤ ") + split.str() + "; " +
                    rate.str() + " = " + chosen->computed.str() + " (向下取整到分)");
  e.eligible = ok;
  if (!ok) {
    e.computed = Money();
    e.award = Money();
    e.trace.push_back("第3条 结论: 不符合条件, 奖励 0.00 元");
    return e;
  }
  e.computed = chosen->computed;
  e.cap = large ? prm.tapeout_large_cap : prm.tapeout_small_cap;
  e.prior_approved = large ? prior_all : prior_small;
  if (prior_all.fen() > 0) {
    e.trace.push_back("第3条 本年度已核准流片奖励 " + prior_all.str() + " (其中 30% 档 " + prior_small.str() + ")");
  }
  if (chosen->pay < chosen->computed) {
    e.reasons.push_back(reason("CAPPED", {{"cap_fen", e.cap.fen()},
                                          {"room_fen", chosen->room.fen()},
                                          {"computed_fen", chosen->computed.fen()}}));
    e.trace.push_back(std::string("第3条 年度上限: ") +
                      (large ? "全部流片奖励 " + prm.tapeout_large_cap.str()
                             : "30% 档 " + prm.tapeout_small_cap.str() + ", 且全部流片奖励 " + prm.tapeout_large_cap.str()) +
                      ", 尚余 " + chosen->room.str() + "; " + chosen->computed.str() + " → " + chosen->pay.str() +
                      " (CAPPED)");
  }
  e.award = chosen->pay;
  if (auto st = apply_stacking(ctx, claim, prm, e); !st) return st.error();
  e.trace.push_back("第3条 结论: 符合条件, 奖励 " + e.award.str());
  return e;
}

}  // namespace chipreg::rules
