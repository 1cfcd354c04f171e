// Clause 16b — events (展会、论坛等活动), rule `event`.
//
// The organizer of an event held in the district, on a topic in the key industry
// direction, approved before it starts (事前报批), gets up to 50% of the event's venue
// rent, at most 1,000,000.00 元 per event. Parameters: event.rate, event.cap_fen, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - 事前 means an approval dated strictly before the start day: approved on the first
//   day is NO_PRIOR_APPROVAL.
// - The event counts by its start date (POLICY_NOT_IN_FORCE before 2024-06-25; its
//   approval may be older); the claim's year is the start's year.
// - Each event is its own series: pay the remainder within the per-event cap.
#include <boost/json.hpp>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

namespace json = boost::json;

Result<ClaimEvaluation> evaluate_event(const Context& ctx, const ClaimRequest& claim) {
  auto eit = claim.event ? ctx.events.find(*claim.event) : ctx.events.end();
  if (eit == ctx.events.end())
    return Error("UNKNOWN_REFERENCE", "no event '" + claim.event.value_or("") + "'", "event");
  const Event& ev = *eit->second;
  auto opened = open_claim(ctx, claim, "第16条", ev.start.year(), ev.start);
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: the claimant organized the event and is in the district.
  check_claimant(c, "活动 " + ev.id + " 的主办方", ev.organizer == claim.claimant);
  c.step("活动 " + ev.id + ": " + ev.start.str() + " 开始, 场地租金 " + ev.venue_rent.str());
  // Step 2: the event's own conditions.
  if (!ev.approval_date || !(*ev.approval_date < ev.start)) {
    c.fail("NO_PRIOR_APPROVAL",
           {{"approval_date", ev.approval_date ? json::value(ev.approval_date->str()) : json::value(nullptr)}},
           ev.approval_date
               ? "报批日期 " + ev.approval_date->str() + " 不早于活动开始日 " + ev.start.str() + ", 非事前报批"
               : std::string("无事前报批"));
  } else {
    c.step("事前报批 " + ev.approval_ref.value_or("") + " 于 " + ev.approval_date->str() + ", 早于活动开始日 " +
           ev.start.str());
  }
  if (!ev.in_district) c.fail("NOT_IN_DISTRICT", {}, "活动未在高新区(滨江)举办");
  if (!is_key_area(ev.focus_area)) {
    c.fail("NOT_KEY_AREA", {{"focus_area", ev.focus_area}}, "活动主题 '" + ev.focus_area + "' 不属于区重点产业导向");
  }

  // Step 3: rate, the per-event cap, the event's series, stacking.
  auto prior = prior_sums(ctx, claim, [&](const PriorApproval& a) {
    return a.event == claim.event ? PriorKind::kSeries : PriorKind::kNone;
  });
  if (!prior) return prior.error();
  if (auto st = finish_award(ctx, c,
                             {ev.venue_rent, prm.event_rate, "event.rate", prm.event_cap, "每个活动最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
