// Clause 16a — high-level platforms (高能级平台), rule `platform`.
//
// An enterprise recognized as a national or provincial high-level platform during the
// year gets up to 100% of its actual spending of the year on venue rent and project
// construction, at most 5,000,000.00 元 per year. Parameters: platform.rate,
// platform.cap_fen, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - The 100% rate is a parameter (`platform.rate`) and the trace names it.
// - Only expenses dated while a national or provincial recognition is valid count (an
//   expense outside it is NOT_HIGH_LEVEL_PLATFORM); a municipal recognition is none.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include <boost/json.hpp>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

namespace {

bool high_level(Level l) { return l == Level::kNational || l == Level::kProvincial; }

}  // namespace

Result<ClaimEvaluation> evaluate_platform(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第16条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: a district enterprise recognized as a high-level platform during the year.
  check_claimant(c, "", true);
  const Date first = Date::ymd(claim.year, 1, 1);
  const Date last = ctx.conventions.annual_date(claim.year);
  std::vector<const PlatformRecognition*> valid;
  std::string seen;
  for (const auto& r : ctx.facts.platform_recognitions) {
    if (r.enterprise != claim.claimant) continue;
    const bool overlaps = r.valid.from <= last && (!r.valid.to || first <= *r.valid.to);
    seen += (seen.empty() ? "" : ", ") + std::string(level_zh(r.level)) + " " + r.valid.from.str() + " 至 " +
            (r.valid.to ? r.valid.to->str() : std::string("今"));
    if (overlaps && high_level(r.level)) valid.push_back(&r);
  }
  if (valid.empty()) {
    c.fail("NOT_HIGH_LEVEL_PLATFORM", {},
           std::to_string(claim.year) + " 年度未被认定为国家级或省级高能级平台" +
               (seen.empty() ? "" : " (认定: " + seen + ")"));
  } else {
    c.step("高能级平台认定: " + seen);
  }

  // Step 2: the year's rent and construction expenses, while recognized.
  for (const auto& x : ctx.facts.platform_expenses) {
    if (x.enterprise != claim.claimant || x.date.year() != claim.year) continue;
    ItemVerdict item;
    item.id = x.id;
    item.date = x.date;
    item.amount = x.amount;
    item.details["kind"] = std::string(to_string(x.kind));
    std::vector<std::string> notes;
    if (!policy_in_force(ctx, x.date)) {
      item.codes.push_back("POLICY_NOT_IN_FORCE");
      notes.push_back("支出日期早于政策施行日");
    }
    bool recognized = false;
    for (const PlatformRecognition* r : valid) recognized = recognized || r->valid.contains(x.date);
    if (!recognized) {
      item.codes.push_back("NOT_HIGH_LEVEL_PLATFORM");
      notes.push_back("支出日期不在国家级或省级认定有效期内");
    }
    const char* kind = x.kind == ExpenseKind::kVenueRent ? "场地租金" : "项目建设";
    c.add_item(std::move(item), std::string("平台支出 ") + (x.id ? *x.id + " " : "") + kind, std::move(notes));
  }
  c.close_items("场地租金与项目建设支出");
  auto basis = c.qualifying_sum();
  if (!basis) return basis.error();
  c.step("年度实际支出 (场地租金与项目建设) " + basis->str());

  // Step 3: rate, cap, series, stacking.
  auto prior = prior_sums(
      ctx, claim, [&](const PriorApproval& a) { return a.year == claim.year ? PriorKind::kSeries : PriorKind::kNone; });
  if (!prior) return prior.error();
  if (auto st = finish_award(
          ctx, c, {*basis, prm.platform_rate, "platform.rate", prm.platform_cap, "每家企业每年最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
