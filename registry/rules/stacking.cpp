// 从高、从优、不重复 (seed §7.1): money from all levels together never exceeds the highest
// single entitlement. Parameter `stacking`: top_up pays max(0, award − granted elsewhere),
// exclusive pays nothing once another level granted anything.
#include <boost/json.hpp>

#include <algorithm>
#include <cassert>

#include "registry/rules/context.hpp"
#include "registry/rules/trace.hpp"

namespace chipreg::rules {

Reason reason(std::string code, boost::json::object details) { return Reason{std::move(code), std::move(details)}; }

// "本政策所涉补贴含省、市、区资金,同一项目按照“从高、从优、不重复”原则执行": the district
// tops up what other levels granted for the same project (top_up), or pays nothing once
// they granted anything (exclusive).
Result<Stacked> stack(const Context& ctx, const ClaimRequest& claim, policy::Stacking mode, Money award) {
  assert(!(award < Money()) && "a rule's award before stacking is non-negative");
  Stacked s;
  s.mode = mode;
  s.before = award;
  s.after = award;
  // Other levels' grants recorded on this claim or on an earlier claim of its series.
  auto in_series = [&](const std::string& id) {
    return id == claim.id || std::find(claim.series.begin(), claim.series.end(), id) != claim.series.end();
  };
  for (const auto& a : ctx.facts.other_awards) {
    if (!in_series(a.claim)) continue;
    auto sum = s.other.plus(a.amount);
    if (!sum) return sum.error();
    s.other = *sum;
    s.sources.push_back(&a);
  }
  // Nothing to offset against: the claim pays nothing on its own terms.
  s.applied = s.other.fen() != 0 && award.fen() != 0;
  if (!s.applied) return s;
  if (mode == policy::Stacking::kTopUp) {
    auto rest = award.minus(s.other);
    if (!rest) return rest.error();
    s.after = *rest < Money() ? Money() : *rest;
  } else {
    s.after = Money();
  }
  assert(!(s.after > s.before) && !(s.after < Money()));
  return s;
}

Reason stacking_reason(const Stacked& s) {
  assert(s.applied);
  return reason("OTHER_LEVEL_OFFSET", {{"other_levels_fen", s.other.fen()},
                                       {"stacking", std::string(policy::to_string(s.mode))},
                                       {"before_fen", s.before.fen()},
                                       {"after_fen", s.after.fen()}});
}

Status apply_stacking(const Context& ctx, const ClaimRequest& claim, const policy::Parameters& params,
                      ClaimEvaluation& e) {
  auto s = stack(ctx, claim, params.stacking, e.award);
  if (!s) return s.error();
  e.other_levels = s->other;
  e.award = s->after;
  if (s->applied) {
    e.trace.push_back(stacking_step(*s));
    e.reasons.push_back(stacking_reason(*s));
  }
  return Status::Ok();
}

}  // namespace chipreg::rules
