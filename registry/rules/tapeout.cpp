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
//
// The rule as steps, each opening with the words of the clause it implements:
//   check_conditions → prior_awards → choose_row (threshold, formula and caps) → stack
//   (stacking.cpp). They return plain results (trace.hpp); evaluate_tapeout writes the
//   evaluation from them and trace.cpp narrates them.
#include <boost/json.hpp>

#include <algorithm>
#include <cassert>

#include "registry/rules/clause.hpp"
#include "registry/rules/context.hpp"
#include "registry/rules/trace.hpp"

namespace chipreg::rules {

namespace json = boost::json;

namespace {

Money clamp0(Money m) { return m < Money() ? Money() : m; }

// "对重点支持领域的关键芯片产品,首次流片 …" (§6.2: 首次流片为首次在集成电路生产线上完成
// 流片,不含正式量产后批量流片; §3: 在高新区(滨江)内): the claimant designed the product,
// is registered in the district, the product is in the key industry direction, and the
// tape-out is its first and not a production run. Findings in the order of RULES.md.
std::vector<TapeoutFinding> check_conditions(const Context& ctx, const ClaimRequest& claim, const Tapeout& t,
                                             const Policy& pol) {
  std::vector<TapeoutFinding> out;
  if (pol.version == nullptr) out.push_back({.code = TapeoutCode::kPolicyNotInForce});
  const Product* prod = ctx.product(t.product);
  if (t.design_owner != claim.claimant || (prod != nullptr && prod->owner != claim.claimant)) {
    out.push_back({.code = TapeoutCode::kNotDesignOwner});
  }
  const Enterprise* claimant = ctx.enterprise(claim.claimant.str());
  if (claimant == nullptr || !claimant->in_district) out.push_back({.code = TapeoutCode::kClaimantNotInDistrict});
  std::string area = prod ? prod->focus_area : "";
  if (!is_key_area(area)) out.push_back({.code = TapeoutCode::kNotKeyArea, .focus_area = std::move(area)});
  for (const auto& u : ctx.facts.tapeouts) {
    if (u.untrusted_from || u.id == t.id || (u.product != t.product && u.design_digest != t.design_digest)) continue;
    if (u.date < t.date || (u.date == t.date && u.id < t.id)) {
      out.push_back({.code = TapeoutCode::kNotFirstTapeout, .earlier = &u});
      break;
    }
  }
  if (t.kind == TapeoutKind::kProduction) out.push_back({.code = TapeoutCode::kProductionTapeout});
  return out;
}

struct PriorAwards {
  Money all;    // every approved tape-out award of the claimant's year
  Money small;  // of which the small row's
};

// "每家企业年度最高补贴2000万元 / 300万元": earlier approvals of the year all count against
// the large cap, small-row ones also against the small cap.
Result<PriorAwards> prior_awards(const Context& ctx, const ClaimRequest& claim, int year) {
  PriorAwards p;
  for (const auto& a : ctx.facts.prior_approvals) {
    if (a.rule != RuleId::kTapeout || a.claimant != claim.claimant || a.year != year) continue;
    auto s = p.all.plus(a.amount);
    if (!s) return s.error();
    p.all = *s;
    if (a.branch == TapeoutBranch::kSmall) {
      auto s2 = p.small.plus(a.amount);
      if (!s2) return s2.error();
      p.small = *s2;
    }
  }
  assert(!(p.small > p.all) && "the small row's approvals are some of the year's");
  return p;
}

// "首次流片费用1000万元以上的,按照不超过其流片费用的15%给予补贴,每家企业年度最高补贴2000万元;
// 首次流片费用1000万元以下的,按照不超过其流片费用的30%给予补贴,每家企业年度最高补贴300万元":
// one row's figure and what its caps leave.
Result<RowPay> row_pay(const policy::Parameters& prm, const PriorAwards& prior, Money cost, TapeoutBranch b) {
  RowPay out;
  out.branch = b;
  out.rate = b == TapeoutBranch::kLarge ? prm.tapeout_large_rate : prm.tapeout_small_rate;
  auto c = cost.apply(out.rate);
  if (!c) return c.error();
  out.computed = *c;
  auto room_large = prm.tapeout_large_cap.minus(prior.all);
  if (!room_large) return room_large.error();
  out.room = clamp0(*room_large);
  if (b == TapeoutBranch::kSmall) {
    auto room_small = prm.tapeout_small_cap.minus(prior.small);
    if (!room_small) return room_small.error();
    out.room = std::min(out.room, clamp0(*room_small));
  }
  out.pay = std::min(out.computed, out.room);
  assert(!(out.room < Money()) && !(out.pay < Money()));
  assert(!(out.pay > out.computed) && !(out.pay > out.room) && !(out.pay > prm.tapeout_large_cap));
  assert(b == TapeoutBranch::kLarge || !(out.pay > prm.tapeout_small_cap));
  return out;
}

// "1000万元以上 … 1000万元以下" (以上、以下 include the number): the row of the cost; at
// exactly tapeout.split_fen both apply and tapeout.boundary chooses.
Result<TapeoutRow> choose_row(const policy::Parameters& prm, const PriorAwards& prior, Money cost) {
  TapeoutRow r;
  r.boundary = prm.tapeout_boundary;
  const Money split = prm.tapeout_split;
  r.at_split = cost == split;
  if (!r.at_split) {
    auto bp = row_pay(prm, prior, cost, cost > split ? TapeoutBranch::kLarge : TapeoutBranch::kSmall);
    if (!bp) return bp.error();
    r.chosen = *bp;
    return r;
  }
  auto small = row_pay(prm, prior, cost, TapeoutBranch::kSmall);
  if (!small) return small.error();
  auto large = row_pay(prm, prior, cost, TapeoutBranch::kLarge);
  if (!large) return large.error();
  r.small = *small;
  r.large = *large;
  switch (r.boundary) {
    case policy::Boundary::kFavorable:
      r.chosen = large->pay > small->pay ? *large : *small;
      break;
    case policy::Boundary::kSmall:
      r.chosen = *small;
      break;
    case policy::Boundary::kLarge:
      r.chosen = *large;
      break;
  }
  return r;
}

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

  // A tape-out is decided by the version in force on its date.
  auto pol = policy_on(ctx, t.date);
  if (!pol) return pol.error();
  const policy::Parameters& prm = pol->params;
  TapeoutSteps s;
  s.policy = &*pol;
  s.tapeout = &t;
  s.claimant_uscc = &e.claimant;
  s.findings = check_conditions(ctx, claim, t, *pol);
  s.eligible = s.findings.empty();
  auto prior = prior_awards(ctx, claim, e.year);
  if (!prior) return prior.error();
  s.prior_all = prior->all;
  s.prior_small = prior->small;
  auto row = choose_row(prm, *prior, t.cost);
  if (!row) return row.error();
  s.row = *row;
  const RowPay& chosen = s.row.chosen;
  assert(s.row.at_split || (chosen.branch == TapeoutBranch::kLarge) == (t.cost > prm.tapeout_split));
  if (s.eligible) {
    auto stacked = stack(ctx, claim, prm.stacking, chosen.pay);
    if (!stacked) return stacked.error();
    s.stacked = std::move(*stacked);
    s.award = s.stacked.after;
  }
  assert(!(s.award > chosen.pay) && !(s.award < Money()));
  assert(s.eligible || s.award.fen() == 0);

  // The evaluation, written from the steps' results.
  e.policy_version = pol->version ? pol->version->id : "";
  e.parameters = prm;
  for (const TapeoutFinding& f : s.findings) {
    json::object details;
    switch (f.code) {
      case TapeoutCode::kPolicyNotInForce:
        details = {{"date", t.date.str()}};
        break;
      case TapeoutCode::kNotKeyArea:
        details = {{"focus_area", f.focus_area}};
        break;
      case TapeoutCode::kNotFirstTapeout:
        details = {{"earlier", f.earlier->id}, {"earlier_date", f.earlier->date.str()}};
        break;
      case TapeoutCode::kNotDesignOwner:
      case TapeoutCode::kClaimantNotInDistrict:
      case TapeoutCode::kProductionTapeout:
        break;
    }
    e.reasons.push_back(reason(to_code(f.code), std::move(details)));
  }
  if (s.row.at_split) {
    e.reasons.push_back(reason("BOUNDARY_AMBIGUOUS", {{"boundary", std::string(policy::to_string(s.row.boundary))},
                                                      {"small_fen", s.row.small.pay.fen()},
                                                      {"large_fen", s.row.large.pay.fen()},
                                                      {"chosen", std::string(to_string(chosen.branch))}}));
  }
  const bool large = chosen.branch == TapeoutBranch::kLarge;
  e.branch = chosen.branch;
  e.eligible = s.eligible;
  if (s.eligible) {
    e.computed = chosen.computed;
    e.cap = large ? prm.tapeout_large_cap : prm.tapeout_small_cap;
    e.prior_approved = large ? s.prior_all : s.prior_small;
    if (chosen.pay < chosen.computed) {
      e.reasons.push_back(
          reason("CAPPED",
                 {{"cap_fen", e.cap.fen()}, {"room_fen", chosen.room.fen()}, {"computed_fen", chosen.computed.fen()}}));
    }
    e.other_levels = s.stacked.other;
    if (s.stacked.applied) e.reasons.push_back(stacking_reason(s.stacked));
  }
  e.award = s.award;
  assert(!s.eligible || !(e.award > e.cap));
  e.trace = tapeout_trace(ctx.facts, s);
  return e;
}

}  // namespace chipreg::rules
