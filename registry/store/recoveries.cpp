// Recoveries (追回): recording, what is due per series, listings (see recoveries.hpp).
#include "registry/store/recoveries.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <set>

#include "registry/log/fact_rows.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/notifications.hpp"

namespace chipreg::store {
namespace json = boost::json;

namespace {

constexpr const char* kSelect =
    "SELECT id, claim, claimant, amount_fen, date, reference, note, recorded_by, recorded_at, log_index "
    "FROM recoveries";

RecoveryRecord read_recovery(const Stmt& s) {
  return RecoveryRecord{s.int64(0), s.text(1), s.text(2), s.int64(3), s.text(4), s.text(5),
                        s.text(6),  s.text(7), s.text(8), s.opt_int64(9)};
}

// The series key of a claim, for telling series apart in a listing.
std::string series_key(const ClaimRecord& c) {
  if (c.rule == "tapeout") return c.claimant + "|tapeout|" + c.tapeout.value_or("");
  if (c.rule == "event") return c.claimant + "|event|" + c.event.value_or("");
  return c.claimant + "|" + c.rule + "|" + std::to_string(c.year) + "|" + c.group.value_or("") + "|" +
         c.dataset.value_or("");
}

// The claims the recovery changes the facts of: the series' later claims read the lowered
// approval (stale when submitted, overpaid_fen recomputed when approved).
Status series_changed(Db& db, const ClaimRecord& c) {
  auto rule = parse_enum<RuleId>(c.rule);
  if (!rule) return rule.error();
  if (*rule == RuleId::kLinkage || *rule == RuleId::kEdaPurchase) {
    auto touched = invoice_lines_changed(db, c.claimant, c.year, /*can_lower=*/true);
    if (!touched) return touched.error();
    return Status::Ok();
  }
  auto touched = clause_facts_changed(db, *rule, c.claimant, c.year, c.dataset);
  if (!touched) return touched.error();
  return Status::Ok();
}

}  // namespace

Result<RecoveryRecord> record_recovery(Db& db, const RecoveryInput& in, const std::string& actor) {
  if (in.amount_fen <= 0) return Error("BAD_AMOUNT", "amount_fen must be more than 0", "amount_fen");
  if (in.reference.empty()) return Error("MISSING_FIELD", "a recovery names the bureau's receipt", "reference");
  const std::string now = now_utc();
  if (auto s = check_not_future(in.date, now, "date"); !s) return s.error();
  auto claim = get_claim(db, in.claim, ClaimView::kSummary);
  if (!claim) return claim.error();
  if (!*claim) return Error("NOT_FOUND", "claim " + in.claim + " not found");
  const ClaimRecord& c = **claim;
  if (c.status != "approved") {
    return Error("NOT_APPROVED", "claim " + c.id + " is " + c.status + ": only an approved award can be recovered");
  }
  auto standing = series_standing(db, c);
  if (!standing) return standing.error();
  auto mine = std::find_if(standing->approvals.begin(), standing->approvals.end(),
                           [&c](const SeriesApproval& a) { return a.claim == c.id; });
  assert(mine != standing->approvals.end() && "an approved claim is in its own series");
  const std::int64_t left = mine->approved_fen - mine->recovered_fen;
  const std::int64_t most = std::min(left, standing->due_fen);
  if (in.amount_fen > most) {
    return Error("ABOVE_DUE", "claim " + c.id + ": " + std::to_string(in.amount_fen) + " fen is more than is due (" +
                                  std::to_string(standing->due_fen) + " fen in the series, " + std::to_string(left) +
                                  " fen left of this approval)",
                 "amount_fen");
  }
  auto ins = db.prepare(
      "INSERT INTO recoveries(claim, claimant, amount_fen, date, reference, note, recorded_by, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, c.id).bind(2, c.claimant).bind(3, in.amount_fen).bind(4, in.date.str()).bind(5, in.reference);
  ins->bind(6, in.note).bind(7, actor).bind(8, now);
  if (auto s = ins->exec(); !s) return s.error();
  const std::int64_t row = db.last_insert_rowid();
  auto leaf = tlog::log_fact_row(db, tlog::EntryKind::kRecovery, row);
  if (!leaf) return leaf.error();
  if (auto s = series_changed(db, c); !s) return s.error();
  if (auto s = audit(db, actor, "recovery.record", c.id,
                     json::object{{"recovery", row}, {"amount_fen", in.amount_fen}, {"due_fen", standing->due_fen},
                                  {"reference", in.reference}});
      !s) {
    return s.error();
  }
  json::object event = claim_event_head(c);
  event["recovery"] = row;
  event["amount_fen"] = in.amount_fen;
  event["date"] = in.date.str();
  event["reference"] = in.reference;
  if (auto n = notify(db, c.claimant, NotificationKind::kRecovery, c.id, event); !n) return n.error();
  auto st = db.prepare(std::string(kSelect) + " WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, row);
  auto r = st->step();
  if (!r) return r.error();
  if (!*r) return Error("INTERNAL", "recovery vanished");
  return read_recovery(*st);
}

Result<DuePage> list_recoveries_due(Db& db, const std::optional<std::string>& claimant,
                                    const std::optional<std::string>& after, int limit) {
  std::string sql = "SELECT id FROM claims WHERE overpaid_fen > 0 AND id > ?1";
  if (claimant) sql += " AND claimant = ?2";
  auto st = db.prepare(sql + " ORDER BY id LIMIT ?3");
  if (!st) return st.error();
  st->bind(1, after.value_or("")).bind(3, limit);
  if (claimant) st->bind(2, *claimant);
  auto ids = collect<std::string>(*st, [](const Stmt& r) -> Result<std::string> { return r.text(0); });
  if (!ids) return ids.error();
  DuePage page;
  if (static_cast<int>(ids->size()) == limit && !ids->empty()) page.next = ids->back();
  std::set<std::string> seen;
  for (const std::string& id : *ids) {
    auto c = get_claim(db, id, ClaimView::kSummary);
    if (!c) return c.error();
    if (!*c || (*c)->status != "approved") continue;
    if (!seen.insert(series_key(**c)).second) continue;
    auto standing = series_standing(db, **c);
    if (!standing) return standing.error();
    if (standing->due_fen <= 0) continue;
    const ClaimRecord& k = **c;
    page.items.push_back(RecoveryDue{standing->approvals.back().claim, k.claimant, k.rule, k.year, k.group, k.tapeout,
                                     k.dataset, k.event, std::move(*standing)});
  }
  return page;
}

Result<std::vector<RecoveryRecord>> list_recoveries(Db& db, const std::optional<std::string>& claimant,
                                                    std::int64_t after, int limit) {
  std::string sql = std::string(kSelect) + " WHERE id > ?1";
  if (claimant) sql += " AND claimant = ?2";
  auto st = db.prepare(sql + " ORDER BY id LIMIT ?3");
  if (!st) return st.error();
  st->bind(1, after).bind(3, limit);
  if (claimant) st->bind(2, *claimant);
  return collect<RecoveryRecord>(*st, [](const Stmt& r) -> Result<RecoveryRecord> { return read_recovery(r); });
}

json::object to_json(const RecoveryRecord& r) {
  json::object o{{"id", r.id},
                 {"claim", r.claim},
                 {"claimant", r.claimant},
                 {"amount_fen", r.amount_fen},
                 {"date", r.date},
                 {"reference", r.reference},
                 {"note", r.note},
                 {"recorded_by", r.recorded_by},
                 {"recorded_at", r.recorded_at}};
  o["log_index"] = r.log_index ? json::value(*r.log_index) : json::value(nullptr);
  return o;
}

json::object to_json(const RecoveryDue& d) {
  json::object o{{"claim", d.claim}, {"claimant", d.claimant}, {"rule", d.rule}, {"year", d.year}};
  if (d.group) o["group"] = *d.group;
  if (d.tapeout) o["tapeout"] = *d.tapeout;
  if (d.dataset) o["dataset"] = *d.dataset;
  if (d.event) o["event"] = *d.event;
  json::array claims;
  for (const auto& a : d.standing.approvals) {
    claims.push_back(json::object{{"claim", a.claim},
                                  {"approved_fen", a.approved_fen},
                                  {"recovered_fen", a.recovered_fen},
                                  {"decided_at", a.decided_at}});
  }
  o["claims"] = std::move(claims);
  o["approved_fen"] = d.standing.approved_fen;
  o["recovered_fen"] = d.standing.recovered_fen;
  o["supported_fen"] = d.standing.supported_fen;
  o["due_fen"] = d.standing.due_fen;
  return o;
}

}  // namespace chipreg::store
