// Assembles, from the database, the Facts the rules engine needs to evaluate one claim, so
// that a claim filed over HTTP is decided by the same pure engine as `chipreg evaluate`.
//
// What is loaded for claim C of claimant E in year Y:
//   enterprises, persons, family links, equity, manual affiliations   all (affiliation is
//                                                        a graph question; any edge may matter)
//   products                                             all
//   tapeouts                                             every trusted attestation (first-ness
//                                                        and the claim's own tape-out)
//   purchases (linkage)                                  E's lines dated in Y, plus any line
//                                                        they reverse that lies outside Y
//   other_awards                                         those recorded for C
//   prior_approvals                                      approved decisions on E's other claims
//                                                        of year Y (rule, group or branch,
//                                                        approved amount)
//   claimed_elsewhere                                    E's lines locked by another approved
//                                                        claim (claim_lines.locked = 1)
//   claims                                               [C]
// Policy parameters are the policy version's defaults (none overridden).
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "registry/facts.hpp"
#include "registry/store/sqlite.hpp"

namespace chipreg::store {

// The facts for `claim`. For a tape-out claim, claim.year is set here from the tape-out's
// date (UNKNOWN_TAPEOUT, 422, when `claim.tapeout` names no trusted attestation).
// REQUIRES: claim.id is set (a new claim's id may not be stored yet).
Result<Facts> load_facts(Db& db, ClaimRequest claim);

// The tape-out branch recorded with an approved tape-out claim ("small"/"large"), as the
// evaluation reported it; kept in claims.branch so later claims see the prior approval.
struct PriorApprovalRow {
  PriorApproval approval;
  std::string claim;
};

// Approved decisions on claims of `claimant` in `year`, except `except_claim`.
Result<std::vector<PriorApprovalRow>> prior_approvals(Db& db, const Uscc& claimant, int year,
                                                      const std::string& except_claim);

}  // namespace chipreg::store
