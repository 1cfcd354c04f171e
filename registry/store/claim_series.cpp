// A decided claim's worth on today's facts, and its series' standing (claim_series.hpp).
#include "registry/store/claim_series.hpp"

#include <algorithm>
#include <cassert>

#include "registry/rules/evaluation.hpp"
#include "registry/store/load_facts.hpp"

namespace chipreg::store {

ClaimRequest request_of_record(const ClaimRecord& c) {
  auto claimant = Uscc::parse(c.claimant);  // stored claimants are checked USCCs
  assert(claimant);
  auto rule = parse_enum<RuleId>(c.rule);  // the claims CHECK admits only known rules
  ClaimRequest r{c.id, rule ? *rule : RuleId::kLinkage, *claimant, c.year, std::nullopt,
                 c.tapeout, c.dataset, c.event, {}};
  if (c.group) {
    if (auto g = parse_enum<LinkageGroup>(*c.group)) r.group = *g;
  }
  return r;
}

namespace {

std::optional<std::string> decided_at_of(const ClaimRecord& c) {
  if (c.decision && c.decision->outcome == "approved") return c.decision->decided_at;
  return std::nullopt;
}

// Whether prior approval `p` belongs to the series of `claim` (load_facts already keeps
// only the approvals that concern the claim: these are the ones of its own series).
bool same_series(const PriorApproval& p, const ClaimRequest& claim) {
  if (claim.rule == RuleId::kTapeout) return false;  // a tape-out is a series of its own
  return p.rule == claim.rule && p.year == claim.year && p.group == claim.group && p.dataset == claim.dataset &&
         p.event == claim.event;
}

}  // namespace

Result<std::int64_t> award_now(Db& db, const ClaimRecord& c) {
  auto facts = load_facts(db, request_of_record(c), decided_at_of(c));
  if (!facts) return facts.error();
  auto e = rules::evaluate_claim(*facts, facts->claims.front(), policy::versions());
  if (!e) return e.error();
  return e->award.fen();
}

Result<SeriesStanding> series_standing(Db& db, const ClaimRecord& c) {
  assert(c.status == "approved" && "only an approved claim has a standing to recover from");
  SeriesStanding out;
  auto st = db.prepare(
      "SELECT c.id, d.approve_fen, coalesce((SELECT sum(r.amount_fen) FROM recoveries r WHERE r.claim = c.id), 0), "
      "d.decided_at FROM claims c JOIN decisions d ON d.claim = c.id "
      "WHERE c.claimant = ?1 AND c.rule = ?2 AND d.outcome = 'approved' AND "
      "((c.rule = 'tapeout' AND c.tapeout = ?3) OR (c.rule <> 'tapeout' AND "
      " ((c.rule = 'event' AND c.event = ?4) OR (c.rule <> 'event' AND c.year = ?5 AND c.grp IS ?6 AND c.dataset IS ?7)))) "
      "ORDER BY d.decided_at, c.id");
  if (!st) return st.error();
  st->bind(1, c.claimant).bind(2, c.rule).bind(3, c.tapeout).bind(4, c.event).bind(5, c.year).bind(6, c.group);
  st->bind(7, c.dataset);
  auto rows = collect<SeriesApproval>(*st, [](const Stmt& r) -> Result<SeriesApproval> {
    return SeriesApproval{r.text(0), r.int64(1), r.int64(2), r.text(3)};
  });
  if (!rows) return rows.error();
  out.approvals = std::move(*rows);
  if (out.approvals.empty()) return out;
  Money approved, recovered;
  for (const auto& a : out.approvals) {
    auto p = approved.plus(Money::fen(a.approved_fen));
    if (!p) return p.error();
    approved = *p;
    auto q = recovered.plus(Money::fen(a.recovered_fen));
    if (!q) return q.error();
    recovered = *q;
  }
  out.approved_fen = approved.fen();
  out.recovered_fen = recovered.fen();

  // The latest approval, evaluated as when it was decided but without the series' own
  // approvals: the whole of what the series' facts support.
  const SeriesApproval& latest = out.approvals.back();
  auto last = get_claim(db, latest.claim);
  if (!last) return last.error();
  if (!*last) return Error("INTERNAL", "claim " + latest.claim + " vanished");
  auto facts = load_facts(db, request_of_record(**last), latest.decided_at);
  if (!facts) return facts.error();
  const ClaimRequest& req = facts->claims.front();
  std::erase_if(facts->prior_approvals, [&req](const PriorApproval& p) { return same_series(p, req); });
  auto e = rules::evaluate_claim(*facts, facts->claims.front(), policy::versions());
  if (!e) return e.error();
  out.supported_fen = e->award.fen();
  auto kept = approved.minus(recovered);
  if (!kept) return kept.error();
  auto due = kept->minus(e->award);
  if (!due) return due.error();
  out.due_fen = std::max<std::int64_t>(0, due->fen());
  return out;
}

}  // namespace chipreg::store
