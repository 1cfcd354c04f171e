// Clause 7 — data-trading platforms (数据交易平台), rule `data_platform`.
//
// A data exchange (role `data_exchange`) registered in the district gets up to 1% of the
// year's turnover (its `data_trades`), at most 5,000,000.00 元 per year. Turnover excludes
// trades in which the buyer or the seller is affiliated with the platform on the trade
// date. Parameters: data_platform.rate, data_platform.cap_fen, data_platform.exclude,
// affiliation.threshold, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - A trade to which the platform itself is a party is not turnover (AFFILIATED: a party
//   is trivially affiliated with itself).
// - `data_platform.exclude = platform_affiliates` keeps a trade between two parties that
//   are affiliated only with each other (the trace says so, naming the parameter);
//   `also_affiliated_pairs` drops it too.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include <boost/json.hpp>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

Result<ClaimEvaluation> evaluate_data_platform(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第7条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();
  const bool pairs = prm.data_platform_exclude == policy::DataExclude::kAlsoAffiliatedPairs;
  const std::string exclude = "data_platform.exclude = " + std::string(policy::to_string(prm.data_platform_exclude));

  // Step 1: the claimant is a data exchange in the district.
  check_claimant(c, "数据交易平台", c.claimant != nullptr && c.claimant->has_role(Role::kDataExchange));

  // Step 2: the platform's trades of the year, less those with its affiliates.
  for (const auto& t : ctx.facts.data_trades) {
    if (t.platform != claim.claimant || t.date.year() != claim.year) continue;
    ItemVerdict item;
    item.id = t.id;
    item.date = t.date;
    item.amount = t.amount;
    item.details["buyer"] = t.buyer.str();
    item.details["seller"] = t.seller.str();
    std::vector<std::string> notes;
    if (!policy_in_force(ctx, t.date)) {
      item.codes.push_back("POLICY_NOT_IN_FORCE");
      notes.push_back("交易日期早于政策施行日");
    }
    std::string proof;
    if (t.buyer == t.platform || t.seller == t.platform) {
      proof = "平台本身为交易一方, 不计入交易额";
    } else {
      for (const Uscc* party : {&t.buyer, &t.seller}) {
        auto v = affiliated(ctx, c, t.platform, *party, t.date);
        if (v.affiliated)
          proof +=
              (proof.empty() ? "" : "; ") + std::string(party == &t.buyer ? "买方" : "卖方") + "与平台关联: " + v.proof;
      }
      auto pair = affiliated(ctx, c, t.buyer, t.seller, t.date);
      if (proof.empty() && pair.affiliated) {
        if (pairs) {
          proof = "买卖双方相互关联 (" + exclude + "): " + pair.proof;
        } else {
          notes.push_back("买卖双方相互关联 (" + pair.proof + "), 但与平台无关联; " + exclude + ": 不排除");
        }
      }
    }
    if (!proof.empty()) {
      item.codes.push_back("AFFILIATED");
      item.affiliation = proof;
      notes.push_back(proof);
    }
    c.add_item(std::move(item), "数据交易 " + t.id, std::move(notes));
  }
  c.close_items("数据交易");
  auto basis = c.qualifying_sum();
  if (!basis) return basis.error();
  c.step("年度交易额 (剔除关联交易) " + basis->str());

  // Step 3: rate, cap, series, stacking.
  auto prior = prior_sums(
      ctx, claim, [&](const PriorApproval& a) { return a.year == claim.year ? PriorKind::kSeries : PriorKind::kNone; });
  if (!prior) return prior.error();
  if (auto st = finish_award(ctx, c,
                             {*basis, prm.data_platform_rate, "data_platform.rate", prm.data_platform_cap,
                              "每家平台每年最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
