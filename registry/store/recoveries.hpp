// Recovery (追回) of overpaid awards. RULES.md: an approved claim keeps its decision and
// shows overpaid_fen = max(0, approved − what the series' facts support now); "recording a
// recovery lowers the approved amount that later claims of the series subtract".
//
// Semantics (docs/RULES-ENGINE.md, 追回):
//   - A recovery is money the claimant paid back on one approved claim: a fact (its row and
//     a `recovery` log leaf), never an edit of the decision.
//   - Every read of prior approvals counts an approval net of its recoveries
//     (load_facts.hpp), so the series' next claim pays min(computed, cap) − (approved −
//     recovered) − other levels: the recovered money is paid again only if the facts
//     support it again.
//   - What is due is judged per series, not per claim: due = max(0, Σ approved − Σ recovered
//     − supported), supported being what the series' facts support now in all
//     (claim_series.hpp). A later approval that was computed on the lowered facts has
//     already absorbed the overpayment (it paid that much less), and nothing is due then.
//   - A recovery may not exceed the series' due, nor what is left of its claim's approval
//     (ABOVE_DUE, 422); it marks the series' submitted claims stale and recomputes the
//     approved ones' overpaid_fen, as a void does.
//
// Transactions: record_recovery REQUIRES an open write transaction (store::Tx).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/date.hpp"
#include "registry/store/claim_series.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct RecoveryInput {
  std::string claim;       // an approved claim
  std::int64_t amount_fen = 0;  // > 0
  Date date;               // when the money came back (not after today + 1)
  std::string reference;   // the bureau's receipt (收款凭证) number, non-empty
  std::string note;
};

struct RecoveryRecord {
  std::int64_t id = 0;
  std::string claim;
  std::string claimant;
  std::int64_t amount_fen = 0;
  std::string date;
  std::string reference;
  std::string note;
  std::string recorded_by;
  std::string recorded_at;
  std::optional<std::int64_t> log_index;
};

// Records a recovery. Errors: NOT_FOUND, NOT_APPROVED (409), BAD_AMOUNT (422: not > 0),
// ABOVE_DUE (422), MISSING_FIELD (reference), FUTURE_DATE, the engine's.
Result<RecoveryRecord> record_recovery(Db& db, const RecoveryInput& input, const std::string& actor);

// One series with money due: its latest approved claim names it.
struct RecoveryDue {
  std::string claim;      // the series' latest approved claim
  std::string claimant;
  std::string rule;
  int year = 0;
  std::optional<std::string> group, tapeout, dataset, event;
  SeriesStanding standing;
};

// Series with money due (due_fen > 0), found from the approved claims flagged overpaid
// (claims_overpaid, schema migration 16) with id > after, at most `limit` candidates
// read; `next` is the last candidate read when more may follow.
struct DuePage {
  std::vector<RecoveryDue> items;
  std::optional<std::string> next;
};
Result<DuePage> list_recoveries_due(Db& db, const std::optional<std::string>& claimant,
                                    const std::optional<std::string>& after, int limit);

// Recorded recoveries in id order (id > after), of `claimant` when given.
Result<std::vector<RecoveryRecord>> list_recoveries(Db& db, const std::optional<std::string>& claimant,
                                                    std::int64_t after, int limit);

boost::json::object to_json(const RecoveryRecord& r);
boost::json::object to_json(const RecoveryDue& d);

}  // namespace chipreg::store
