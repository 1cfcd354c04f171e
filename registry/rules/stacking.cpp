// 从高、从优、不重复 (seed §7.1): money from all levels together never exceeds the highest
// single entitlement. Parameter `stacking`: top_up pays max(0, award − granted elsewhere),
// exclusive pays nothing once another level granted anything.
#include <boost/json.hpp>

#include <algorithm>

#include "registry/rules/context.hpp"

namespace chipreg::rules {

Reason reason(std::string code, boost::json::object details) { return Reason{std::move(code), std::move(details)}; }

Status apply_stacking(const Context& ctx, const ClaimRequest& claim, const policy::Parameters& params,
                      ClaimEvaluation& e) {
  Money other;
  std::string sources;
  // Other levels' grants recorded on this claim or on an earlier claim of its series.
  auto in_series = [&](const std::string& id) {
    return id == claim.id || std::find(claim.series.begin(), claim.series.end(), id) != claim.series.end();
  };
  for (const auto& a : ctx.facts.other_awards) {
    if (!in_series(a.claim)) continue;
    auto sum = other.plus(a.amount);
    if (!sum) return sum.error();
    other = *sum;
    sources += (sources.empty() ? "" : ", ") + a.level + " " + a.amount.str();
  }
  e.other_levels = other;
  const Money before = e.award;
  // Nothing to offset against: the claim pays nothing on its own terms.
  if (other.fen() == 0 || before.fen() == 0) return Status::Ok();
  if (params.stacking == policy::Stacking::kTopUp) {
    auto rest = before.minus(other);
    if (!rest) return rest.error();
    e.award = *rest < Money() ? Money() : *rest;
    e.trace.push_back("§7.1 从高、从优、不重复 (stacking = top_up): 其他层级已就本项目支持 " + other.str() + " (" +
                      sources + "); 区级补足 max(0, " + before.plain() + " − " + other.plain() +
                      ") = " + e.award.str());
  } else {
    e.award = Money();
    e.trace.push_back("§7.1 从高、从优、不重复 (stacking = exclusive): 其他层级已就本项目支持 " + other.str() + " (" +
                      sources + "); 区级不再支持, 0.00 元");
  }
  e.reasons.push_back(reason("OTHER_LEVEL_OFFSET", {{"other_levels_fen", other.fen()},
                                                    {"stacking", std::string(policy::to_string(params.stacking))},
                                                    {"before_fen", before.fen()},
                                                    {"after_fen", e.award.fen()}}));
  return Status::Ok();
}

}  // namespace chipreg::rules
