// The one way from the store to the rules engine: the Facts (a scenario) that one claim is
// evaluated on, read literally as ../shared/policy/RULES.md states the rules, and nothing
// more. `GET /v1/claims/{id}/facts` serves exactly this scenario, `chipreg evaluate` on it
// gives the claim's evaluation, and the claim's log leaf carries its RFC 8785 SHA-256.
//
// What is read for a linkage claim C of claimant E, year Y, group G (every read an
// indexed query; nothing grows with the registry beyond what C names):
//   purchases      E's blue lines dated in Y whose product is of G (the series' earlier
//                  claims' lines included: a series is computed on the whole year), and the
//                  red lines of any date that reverse them (a red line belongs to the year
//                  and group of the line it reverses), each with the platform status of its
//                  invoice (purchases[].platform_status)
//   voids          the voids of those lines' invoices
//   products       the lines' products
//   tapeouts       the trusted attestations of those products (cost_fen 0: the linkage
//                  rule never reads a tape-out's cost, and it is the design owner's secret)
//   ownership      the equity edges into E, the sellers and every ancestor they reach
//                  (H(X,Y) > 0 needs X to be an ancestor of Y, and a common holder is an
//                  ancestor of both), the persons holding them with their family closure,
//                  and the manual affiliations between E and each seller
//   enterprises    every enterprise the facts above name
//   claimed_lines  lines of those locked by an approved claim OUTSIDE the series
// For a tape-out claim on tape-out T: T, the trusted attestations sharing its product or
// its design digest (first-ness), its product, claimant, design owners and foundries.
// For both:
//   prior_approvals the approved awards of the series: for a submitted claim every approved
//                  claim of the claimant's (year, rule, group | branch), for an approved
//                  claim those decided before it (so the bundle reproduces what the series'
//                  facts support now, overpaid_fen), each net of the recoveries (追回)
//                  recorded on it (recoveries.hpp)
//   other_awards   other levels' grants recorded on C or on an earlier claim of its series
//                  (the series' ids go in claims[0].series)
//   parameters     the policy version's defaults (none overridden)
//   claims         [C]
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// The facts for `claim`. For a tape-out claim, claim.year is set here from the tape-out's
// date (UNKNOWN_TAPEOUT, 422, when `claim.tapeout` names no trusted attestation).
// `decided_before`: for an approved claim, its decision time; only approvals decided
// before it are prior approvals.
// REQUIRES: claim.id is set (a new claim's id may not be stored yet).
Result<Facts> load_facts(Db& db, ClaimRequest claim, const std::optional<std::string>& decided_before = std::nullopt);

// The facts bundle as served and digested: json_io::to_scenario_json(facts), canonical
// (RFC 8785), and its lowercase hex SHA-256.
struct FactsBundle {
  std::string canonical;
  std::string sha256;
};
FactsBundle bundle_of(const Facts& facts);

// The tape-out branch recorded with an approved tape-out claim ("small"/"large"), as the
// evaluation reported it; kept in claims.branch so later claims see the prior approval.
struct PriorApprovalRow {
  PriorApproval approval;
  std::string claim;
};

// Approved decisions on claims of `claimant` in `year` (every year when `year` is empty),
// except `except_claim` (and, with `decided_before`, only those decided before that time),
// in decision order.
Result<std::vector<PriorApprovalRow>> prior_approvals(Db& db, const Uscc& claimant, std::optional<int> year,
                                                      const std::string& except_claim,
                                                      const std::optional<std::string>& decided_before = std::nullopt);

}  // namespace chipreg::store
