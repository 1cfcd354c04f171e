// What a decided claim and its series are worth on today's facts: the reads objections
// (objections.hpp) and recovery (recoveries.hpp) share. Each runs the rules engine on
// load_facts exactly as filing does; nothing here writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// The engine's request for a stored claim.
ClaimRequest request_of_record(const ClaimRecord& c);

// The award claim `c` gets on the current facts, with the series' approvals as a re-filing
// would see them: for an approved claim those decided before it (what overpaid_fen
// compares with), for any other every approval of the series.
Result<std::int64_t> award_now(Db& db, const ClaimRecord& c);

// One approved claim of a series, with what was recovered of it.
struct SeriesApproval {
  std::string claim;
  std::int64_t approved_fen = 0;
  std::int64_t recovered_fen = 0;
  std::string decided_at;
};

// A series (RULES.md: the claims of one claimant, rule, year and group | dataset | event;
// a tape-out claim is a series of its own) and what its facts support now.
struct SeriesStanding {
  std::vector<SeriesApproval> approvals;  // in decision order
  std::int64_t approved_fen = 0;          // Σ approved
  std::int64_t recovered_fen = 0;         // Σ recovered
  // What the series' facts support now in all: the award of its latest approved claim on
  // the current facts with none of the series' own approvals subtracted (approvals outside
  // the series that share a cap still count, as when it was decided).
  std::int64_t supported_fen = 0;
  // max(0, approved − recovered − supported): what the bureau may still recover.
  std::int64_t due_fen = 0;
};

// The standing of the series of approved claim `c`. Errors: the engine's; MONEY_OVERFLOW.
Result<SeriesStanding> series_standing(Db& db, const ClaimRecord& c);

}  // namespace chipreg::store
