// Claims: filing, (re-)evaluation, decisions, line locks, log leaves and audit rows.
#include "registry/store/claims.hpp"

#include <boost/json.hpp>

#include <cassert>
#include <cstdio>
#include <map>

#include "registry/domain/canonical_json.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/db.hpp"
#include "registry/store/load_facts.hpp"
#include "registry/store/notifications.hpp"

namespace chipreg::store {
namespace json = boost::json;

namespace {

// What a read of claims selects as the evaluation (column 25) and the line count (26): the
// whole stored evaluation, its summary, or nothing (a listing: SQLite then never reads the
// large column at all). Column 27 is whether the claim was filed proactively.
enum class EvaluationPart { kWhole, kSummary, kNone };

// The SELECT of claims c LEFT JOIN decisions d that read_claim reads.
std::string select_claims(EvaluationPart part) {
  const char* evaluation = part == EvaluationPart::kWhole     ? "e.evaluation, NULL"
                           : part == EvaluationPart::kSummary ? "s.evaluation, s.line_count"
                                                              : "'', NULL";
  return std::string(
             "SELECT c.id, c.rule, c.claimant, c.year, c.grp, c.tapeout, c.branch, c.status, c.eligible, "
             "c.award_fen, c.computed_fen, c.log_index, c.created_at, c.evaluated_at, "
             "d.outcome, d.approve_fen, d.note, d.reviewer, d.decided_at, d.log_index, c.stale, c.overpaid_fen, "
             "(SELECT f.facts_sha256 FROM claim_facts f WHERE f.claim = c.id), c.dataset, c.event, ") +
         evaluation + ", EXISTS (SELECT 1 FROM claim_origins o WHERE o.claim = c.id AND o.origin = 'proactive')" +
         " FROM claims c LEFT JOIN decisions d ON d.claim = c.id" +
         (part == EvaluationPart::kSummary ? " LEFT JOIN claim_summaries s ON s.claim = c.id"
          : part == EvaluationPart::kWhole ? " LEFT JOIN claim_evaluations e ON e.claim = c.id"
                                           : "");
}

ClaimRecord read_claim(const Stmt& st) {
  ClaimRecord c;
  c.id = st.text(0);
  c.rule = st.text(1);
  c.claimant = st.text(2);
  c.year = static_cast<int>(st.int64(3));
  c.group = st.opt_text(4);
  c.tapeout = st.opt_text(5);
  c.branch = st.opt_text(6);
  c.status = st.text(7);
  c.eligible = st.int64(8) != 0;
  c.award_fen = st.int64(9);
  c.computed_fen = st.int64(10);
  c.log_index = st.opt_int64(11);
  c.created_at = st.text(12);
  c.evaluated_at = st.text(13);
  if (auto outcome = st.opt_text(14)) {
    c.decision = DecisionRecord{c.id, *outcome, st.int64(15), st.text(16), st.text(17), st.text(18), st.opt_int64(19)};
  }
  c.stale = st.int64(20) != 0;
  c.overpaid_fen = st.int64(21);
  c.facts_sha256 = st.opt_text(22);
  c.dataset = st.opt_text(23);
  c.event = st.opt_text(24);
  c.evaluation_text = st.text(25);
  c.line_count = st.opt_int64(26);
  c.proactive = st.int64(27) != 0;
  return c;
}

// "C" + 8 digits, one more than the largest: the primary key's last entry, not a count of
// every claim.
Result<std::string> next_claim_id(Db& db) {
  auto st = db.prepare("SELECT max(id) FROM claims WHERE id GLOB 'C[0-9]*'");
  if (!st) return st.error();
  if (auto r = st->step(); !r) return r.error();
  long long last = 0;
  if (auto id = st->opt_text(0)) last = std::strtoll(id->c_str() + 1, nullptr, 10);
  char buf[24];
  std::snprintf(buf, sizeof buf, "C%08lld", last + 1);
  return std::string(buf);
}

Status check_not_pending(Db& db, const ClaimFiling& f) {
  // A tape-out is awarded once; every other series takes one submitted claim at a time
  // (an approved one is followed by a claim for the remainder).
  auto st = db.prepare(
      "SELECT id, status FROM claims WHERE claimant = ?1 AND rule = ?2 AND status <> 'rejected' AND "
      "((rule = 'tapeout' AND tapeout = ?5) OR "
      " (rule <> 'tapeout' AND status = 'submitted' AND "
      "  ((rule = 'event' AND event = ?7) OR (rule <> 'event' AND year = ?3 AND grp IS ?4 AND dataset IS ?6)))) "
      "ORDER BY id LIMIT 1");
  if (!st) return st.error();
  st->bind(1, f.claimant).bind(2, to_string(f.rule)).bind(3, f.year);
  if (f.group)
    st->bind(4, to_string(*f.group));
  else
    st->bind_null(4);
  st->bind(5, f.tapeout).bind(6, f.dataset).bind(7, f.event);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Status::Ok();
  const std::string other = st->text(0);
  if (st->text(1) == "approved") {
    return Error("DUPLICATE", "tape-out " + f.tapeout.value_or("") + " was already awarded in claim " + other);
  }
  const char* same = f.rule == RuleId::kLinkage   ? "year and group"
                     : f.rule == RuleId::kTapeout ? "tape-out"
                     : f.rule == RuleId::kDataset ? "year and dataset"
                     : f.rule == RuleId::kEvent   ? "event"
                                                  : "rule and year";
  return Error("PENDING_CLAIM", "claim " + other + " for the same " + std::string(same) +
                                    " awaits a decision; re-evaluate it instead of filing another");
}

// The engine's verdict on `request` over the current facts, and the facts bundle it used.
struct Evaluated {
  rules::ClaimEvaluation evaluation;
  FactsBundle facts;
};
Result<Evaluated> run_engine(Db& db, const ClaimRequest& request,
                             const std::optional<std::string>& decided_before = std::nullopt) {
  auto facts = load_facts(db, request, decided_before);
  if (!facts) return facts.error();
  auto e = rules::evaluate_claim(*facts, facts->claims.front(), policy::versions());
  if (!e) return e.error();
  // The engine's promises, which the claim row and its log leaf rely on.
  assert(e->award.fen() >= 0 && "an award is never negative");
  assert((e->eligible || e->award.fen() == 0) && "an ineligible claim pays nothing");
  return Evaluated{std::move(*e), bundle_of(*facts)};
}

// Replaces the claim's counted lines with those of `e` that qualify.
Status store_lines(Db& db, const std::string& claim, const std::string& claimant, const rules::ClaimEvaluation& e) {
  auto del = db.prepare("DELETE FROM claim_lines WHERE claim = ? AND locked = 0");
  if (!del) return del.error();
  del->bind(1, claim);
  if (auto s = del->exec(); !s) return s;
  auto ins = db.prepare(
      "INSERT INTO claim_lines(claim, purchase) SELECT ?, id FROM purchases WHERE invoice = ? AND line = ? AND buyer = "
      "?");
  if (!ins) return ins.error();
  for (const auto& l : e.lines) {
    if (!l.qualifies) continue;
    ins->reset();
    ins->bind(1, claim).bind(2, l.ref.invoice).bind(3, l.ref.line).bind(4, claimant);
    if (auto s = ins->exec(); !s) return s;
  }
  return Status::Ok();
}

// Replaces the claim's evaluation parts (schema migration 10) with those of `t`: each of
// its lines as serialized within it, and the rest with the line count.
Status store_parts(Db& db, const std::string& claim, const rules::EvaluationTexts& t) {
  auto del = db.prepare("DELETE FROM claim_line_verdicts WHERE claim = ?");
  if (!del) return del.error();
  del->bind(1, claim);
  if (auto s = del->exec(); !s) return s;
  auto ins = db.prepare("INSERT INTO claim_line_verdicts(claim, seq, line) VALUES (?, ?, ?)");
  if (!ins) return ins.error();
  const std::string_view text = t.text;
  std::int64_t count = 0;
  for (const auto& [at, size] : t.line_spans) {
    ins->bind_view(1, claim).bind(2, count++).bind_view(3, text.substr(at, size));
    if (auto s = ins->exec(); !s) return s;
  }
  auto sum = db.prepare(
      "INSERT INTO claim_summaries(claim, evaluation, line_count) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(claim) DO UPDATE SET evaluation = excluded.evaluation, line_count = excluded.line_count");
  if (!sum) return sum.error();
  sum->bind(1, claim).bind_view(2, t.summary).bind(3, count);
  return sum->exec();
}

// Stores `ev` as the claim's current evaluation with its facts bundle, logs the claim fact
// (carrying facts_sha256) and returns the record.
Result<ClaimRecord> store_evaluation(Db& db, const std::string& id, const Evaluated& ev) {
  const rules::ClaimEvaluation& e = ev.evaluation;
  const std::string now = now_utc();
  // The stored text in the engine's key order, as `chipreg evaluate` prints it; its parts;
  // and the leaf's canonical form: written from `e` without building its lines as objects.
  rules::EvaluationTexts texts = rules::evaluation_texts(e);
  if (auto s = store_parts(db, id, texts); !s) return s.error();
  auto facts = db.prepare(
      "INSERT INTO claim_facts(claim, facts_sha256, facts) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(claim) DO UPDATE SET facts_sha256 = excluded.facts_sha256, facts = excluded.facts");
  if (!facts) return facts.error();
  facts->bind(1, id).bind(2, ev.facts.sha256).bind_view(3, ev.facts.canonical);
  if (auto s = facts->exec(); !s) return s.error();
  auto claimant = claimant_of(db, id);
  if (!claimant) return claimant.error();
  if (!*claimant) return Error("INTERNAL", "claim " + id + " vanished while being evaluated");
  if (auto s = store_lines(db, id, **claimant, e); !s) return s.error();
  auto whole_text = db.prepare(
      "INSERT INTO claim_evaluations(claim, evaluation) VALUES (?1, ?2) "
      "ON CONFLICT(claim) DO UPDATE SET evaluation = excluded.evaluation");
  if (!whole_text) return whole_text.error();
  whole_text->bind(1, id).bind_view(2, texts.text);
  if (auto s = whole_text->exec(); !s) return s.error();
  auto up = db.prepare(
      "UPDATE claims SET eligible = ?, award_fen = ?, computed_fen = ?, evaluated_at = ?, "
      "branch = ?, year = ?, stale = 0 WHERE id = ?");
  if (!up) return up.error();
  std::optional<std::string> branch;
  if (e.branch) branch = std::string(to_string(*e.branch));
  up->bind(1, e.eligible).bind(2, e.award.fen()).bind(3, e.computed.fen()).bind(4, now);
  up->bind(5, branch).bind(6, e.year).bind(7, id);
  if (auto s = up->exec(); !s) return s.error();
  // The record without reading back the evaluation just written (for 200,000 lines, 40 MB
  // to read and parse again): its head and summary from the store, the whole text from here.
  auto stored = get_claim(db, id, ClaimView::kSummary);
  if (!stored) return stored.error();
  if (!*stored) return Error("INTERNAL", "claim " + id + " vanished while being evaluated");
  ClaimRecord& c = **stored;
  const std::string entry = tlog::claim_entry_canonical(
      {c.id, c.rule, c.claimant, c.year, c.group, c.tapeout, c.dataset, c.event, std::string(), ev.facts.sha256},
      texts.canonical);
  texts.canonical = std::string();
  c.evaluation_text = std::move(texts.text);  // its last use: claim_evaluations holds its copy
  c.line_count.reset();
  auto index = tlog::append(db, tlog::EntryKind::kClaim, id, entry, {c.claimant});
  if (!index) return index.error();
  auto set = db.prepare("UPDATE claims SET log_index = ? WHERE id = ?");
  if (!set) return set.error();
  set->bind(1, *index).bind(2, id);
  if (auto s = set->exec(); !s) return s.error();
  (*stored)->log_index = *index;
  return std::move(**stored);
}

ClaimRequest request_of(const ClaimRecord& c) {
  auto claimant = Uscc::parse(c.claimant);
  auto rule = parse_enum<RuleId>(c.rule);  // the claims CHECK admits only known rules
  ClaimRequest r{c.id, rule ? *rule : RuleId::kLinkage, *claimant, c.year, std::nullopt, c.tapeout, c.dataset, c.event,
                 {}};
  if (c.group) {
    if (auto g = parse_enum<LinkageGroup>(*c.group)) r.group = *g;
  }
  return r;
}

json::object evaluation_summary(const ClaimRecord& c) {
  return json::object{{"eligible", c.eligible}, {"award_fen", c.award_fen}, {"computed_fen", c.computed_fen}};
}

// The checks filing and previewing share; the request to evaluate, under `id`.
Result<ClaimRequest> checked_request(Db& db, const ClaimFiling& filing, const std::string& id) {
  auto claimant = Uscc::parse(filing.claimant);
  if (!claimant) return claimant.error().at("claimant");
  {
    auto st = db.prepare("SELECT 1 FROM enterprises WHERE uscc = ?");
    if (!st) return st.error();
    st->bind(1, filing.claimant);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Error("UNKNOWN_ENTERPRISE", "no enterprise " + filing.claimant + " is registered", "claimant");
  }
  if (filing.rule == RuleId::kLinkage && (!filing.group || !Date::year_in_range(filing.year))) {
    return Error("BAD_VALUE", "a linkage claim needs a year (" + Date::year_range() + ") and a group",
                 filing.group ? "year" : "group");
  }
  if (filing.rule == RuleId::kTapeout && !filing.tapeout) {
    return Error("MISSING_FIELD", "a tape-out claim names its tape-out", "tapeout");
  }
  if (filing.rule == RuleId::kEvent && !filing.event) {
    return Error("MISSING_FIELD", "an event claim names its event", "event");
  }
  if (filing.rule == RuleId::kDataset && !filing.dataset) {
    return Error("MISSING_FIELD", "a dataset claim names its dataset", "dataset");
  }
  const bool annual = filing.rule != RuleId::kTapeout && filing.rule != RuleId::kEvent;
  if (annual && (filing.year < 1900 || filing.year > 9999)) {
    return Error("BAD_VALUE", "a " + std::string(to_string(filing.rule)) + " claim needs a year (1900..9999)", "year");
  }
  if (auto s = check_not_pending(db, filing); !s) return s.error();
  return ClaimRequest{id,           filing.rule, *claimant, filing.year, filing.group, filing.tapeout, filing.dataset,
                      filing.event, {}};
}

}  // namespace

Result<json::object> preview_claim(Db& db, const ClaimFiling& filing) {
  auto request = checked_request(db, filing, "preview");
  if (!request) return request.error();
  auto e = run_engine(db, *request);
  if (!e) return e.error();
  return rules::to_json(e->evaluation);
}

Result<ClaimRecord> file_claim(Db& db, const ClaimFiling& filing, const std::string& actor) {
  auto id = next_claim_id(db);
  if (!id) return id.error();
  auto request = checked_request(db, filing, *id);
  if (!request) return request.error();
  auto e = run_engine(db, *request);
  if (!e) return e.error();

  const std::string now = now_utc();
  auto ins = db.prepare(
      "INSERT INTO claims(id, rule, claimant, year, grp, tapeout, created_at, evaluated_at, dataset, event) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, *id).bind(2, to_string(filing.rule)).bind(3, filing.claimant).bind(4, e->evaluation.year);
  if (filing.group)
    ins->bind(5, to_string(*filing.group));
  else
    ins->bind_null(5);
  ins->bind(6, filing.tapeout).bind(7, now).bind(8, now).bind(9, filing.dataset).bind(10, filing.event);
  if (auto s = ins->exec(); !s) return s.error();
  auto stored = store_evaluation(db, *id, *e);
  if (!stored) return stored.error();
  if (auto s = audit(db, actor, "claim.file", *id, evaluation_summary(*stored)); !s) return s.error();
  return stored;
}

Result<ClaimRecord> reevaluate_claim(Db& db, const std::string& id, const std::string& actor) {
  auto existing = get_claim(db, id);
  if (!existing) return existing.error();
  if (!*existing) return Error("NOT_FOUND", "claim " + id + " not found");
  if ((*existing)->status != "submitted") {
    return Error("ALREADY_DECIDED", "claim " + id + " was already " + (*existing)->status + "; a decision is final");
  }
  auto e = run_engine(db, request_of(**existing));
  if (!e) return e.error();
  // Nothing changed: the same facts give the same evaluation, and the log already holds
  // it. Append nothing (a re-evaluation loop must not grow the log).
  if ((*existing)->facts_sha256 == e->facts.sha256 &&
      canonical_json(rules::to_json(e->evaluation)) == canonical_json((*existing)->evaluation())) {
    auto clear = db.prepare("UPDATE claims SET stale = 0 WHERE id = ? AND stale = 1");
    if (!clear) return clear.error();
    clear->bind(1, id);
    if (auto s = clear->exec(); !s) return s.error();
    (*existing)->stale = false;
    return std::move(**existing);
  }
  auto stored = store_evaluation(db, id, *e);
  if (!stored) return stored.error();
  json::object detail = evaluation_summary(*stored);
  detail["previous_award_fen"] = (*existing)->award_fen;
  if (auto s = audit(db, actor, "claim.evaluate", id, detail); !s) return s.error();
  return stored;
}

Result<ClaimRecord> decide_claim(Db& db, const std::string& id, const DecisionInput& d, const std::string& reviewer) {
  auto existing = get_claim(db, id);
  if (!existing) return existing.error();
  if (!*existing) return Error("NOT_FOUND", "claim " + id + " not found");
  ClaimRecord& c = **existing;
  if (c.status != "submitted")
    return Error("ALREADY_DECIDED", "claim " + id + " was already " + c.status + "; a decision is final");
  if (!d.reject && d.approve_fen < 0) return Error("BAD_AMOUNT", "approve_fen must not be negative", "approve_fen");

  // An approval is made only on the facts as they are now: a claim whose facts bundle
  // changed since its evaluation (new lines, a void, a red line, another approval of the
  // series, an ownership edge) must be re-evaluated first. A rejection pays nothing and
  // needs no current evaluation: a claim can always be rejected.
  if (!d.reject) {
    auto fresh = run_engine(db, request_of(c));
    if (!fresh) return fresh.error();
    if (c.facts_sha256 != fresh->facts.sha256 ||
        canonical_json(rules::to_json(fresh->evaluation)) != canonical_json(c.evaluation())) {
      return Error("STALE_EVALUATION",
                   "the facts behind claim " + id + " changed since it was evaluated at " + c.evaluated_at +
                       " (award now " + std::to_string(fresh->evaluation.award.fen()) +
                       " fen); re-evaluate it (POST /v1/claims/" + id + "/evaluate) before deciding");
    }
    if (!c.eligible) {
      return Error("NOT_ELIGIBLE",
                   "claim " + id +
                       " does not meet the conditions of its rule (eligible: false); "
                       "reject it with a note instead",
                   "approve_fen");
    }
    if (d.approve_fen > c.award_fen) {
      return Error("ABOVE_AWARD",
                   "approve_fen " + std::to_string(d.approve_fen) + " exceeds the evaluated award_fen " +
                       std::to_string(c.award_fen),
                   "approve_fen");
    }
    if (fresh->evaluation.has_reason("REVERSAL_MISSING") && d.note.empty()) {
      return Error("NOTE_REQUIRED",
                   "claim " + id +
                       " counts a line the platform shows as partly red-flushed "
                       "without its red invoice (REVERSAL_MISSING); approving it needs a note",
                   "note");
    }
  }

  assert((d.reject || (d.approve_fen >= 0 && d.approve_fen <= c.award_fen)) && "checked above");
  DecisionRecord rec{
      id, d.reject ? "rejected" : "approved", d.reject ? 0 : d.approve_fen, d.note, reviewer, now_utc(), std::nullopt};
  auto ins = db.prepare(
      "INSERT INTO decisions(claim, outcome, approve_fen, note, reviewer, decided_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, id)
      .bind(2, rec.outcome)
      .bind(3, rec.approve_fen)
      .bind(4, rec.note)
      .bind(5, rec.reviewer)
      .bind(6, rec.decided_at);
  if (auto s = ins->exec(); !s) {
    if (s.error().code == "CONSTRAINT") return Error("ALREADY_DECIDED", "claim " + id + " was already decided");
    return s.error();
  }
  auto status = db.prepare("UPDATE claims SET status = ? WHERE id = ? AND status = 'submitted'");
  if (!status) return status.error();
  status->bind(1, rec.outcome).bind(2, id);
  if (auto s = status->exec(); !s) return s.error();
  if (!d.reject) {
    // Lines an earlier approved claim of the series locked stay its; this claim counted
    // them again (a series is computed on the whole year) and locks only the new ones.
    auto lock = db.prepare(
        "UPDATE claim_lines SET locked = 1 WHERE claim = ?1 AND NOT EXISTS "
        "(SELECT 1 FROM claim_lines o WHERE o.purchase = claim_lines.purchase AND o.locked = 1)");
    if (!lock) return lock.error();
    lock->bind(1, id);
    if (auto s = lock->exec(); !s) {
      if (s.error().code == "CONSTRAINT") {
        return Error("LINE_LOCKED", "a purchase line of claim " + id + " is already counted in another approved claim");
      }
      return s.error();
    }
  }
  auto index = tlog::append(
      db, tlog::EntryKind::kDecision, id,
      tlog::decision_entry({rec.claim, rec.outcome, rec.approve_fen, rec.note, rec.reviewer, rec.decided_at}),
      {c.claimant});
  if (!index) return index.error();
  auto set = db.prepare("UPDATE decisions SET log_index = ? WHERE claim = ?");
  if (!set) return set.error();
  set->bind(1, *index).bind(2, id);
  if (auto s = set->exec(); !s) return s.error();
  if (auto s = audit(db, reviewer, "claim.decide", id,
                     json::object{{"outcome", rec.outcome},
                                  {"approve_fen", rec.approve_fen},
                                  {"note", rec.note},
                                  {"award_fen", c.award_fen}});
      !s) {
    return s.error();
  }
  json::object event = claim_event_head(c);
  event["outcome"] = rec.outcome;
  event["approve_fen"] = rec.approve_fen;
  event["award_fen"] = c.award_fen;
  event["note"] = rec.note;
  event["decided_at"] = rec.decided_at;
  if (auto n = notify(db, c.claimant, NotificationKind::kDecision, id, event); !n) return n.error();
  auto stored = get_claim(db, id);
  if (!stored) return stored.error();
  return std::move(**stored);
}

Result<std::optional<ClaimRecord>> get_claim(Db& db, const std::string& id, ClaimView view) {
  auto st = db.prepare(select_claims(view == ClaimView::kSummary ? EvaluationPart::kSummary : EvaluationPart::kWhole) +
                       " WHERE c.id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  return optional_row<ClaimRecord>(*st, [](const Stmt& r) -> Result<ClaimRecord> { return read_claim(r); });
}

Result<std::optional<std::string>> claimant_of(Db& db, const std::string& id) {
  auto st = db.prepare("SELECT claimant FROM claims WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  return optional_row<std::string>(*st, [](const Stmt& r) -> Result<std::string> { return r.text(0); });
}

Result<std::vector<ClaimLine>> claim_lines_page(Db& db, const std::string& id, std::optional<std::int64_t> after,
                                                int limit) {
  auto st = db.prepare("SELECT seq, line FROM claim_line_verdicts WHERE claim = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  if (!st) return st.error();
  st->bind(1, id).bind(2, after.value_or(-1)).bind(3, limit);
  return collect<ClaimLine>(*st, [](const Stmt& r) -> Result<ClaimLine> { return ClaimLine{r.int64(0), r.text(1)}; });
}

Result<std::vector<ClaimRecord>> list_claims(Db& db, const ClaimFilter& f) {
  // Only the filters given are in the SQL: "(?1 IS NULL OR c.status = ?1)" is planned as a
  // walk over every claim. A page is then a range of the primary key, of claims_by_status
  // or of claims_by_claimant (whose entries end in the id).
  std::string sql =
      select_claims(f.with_evaluation ? EvaluationPart::kWhole : EvaluationPart::kNone) + " WHERE c.id > ?1";
  if (f.status) sql += " AND c.status = ?2";
  if (f.claimant) sql += " AND c.claimant = ?3";
  if (f.year) sql += " AND c.year = ?4";
  auto st = db.prepare(sql + " ORDER BY c.id LIMIT ?5");
  if (!st) return st.error();
  st->bind(1, f.after_id.value_or("")).bind(5, f.limit);
  if (f.status) st->bind(2, *f.status);
  if (f.claimant) st->bind(3, *f.claimant);
  if (f.year) st->bind(4, *f.year);
  return collect<ClaimRecord>(*st, [](const Stmt& r) -> Result<ClaimRecord> { return read_claim(r); });
}

Result<std::optional<StoredFacts>> claim_facts(Db& db, const std::string& id) {
  auto st = db.prepare("SELECT facts, facts_sha256 FROM claim_facts WHERE claim = ?");
  if (!st) return st.error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredFacts>();
  return std::optional<StoredFacts>(StoredFacts{st->text(0), st->text(1)});
}

Result<std::vector<std::string>> invoice_lines_changed(Db& db, const std::string& buyer, int year, bool can_lower) {
  auto st = db.prepare(
      "SELECT c.id, c.status, d.decided_at, d.approve_fen, c.overpaid_fen FROM claims c LEFT JOIN decisions d ON "
      "d.claim = c.id "
      "WHERE c.claimant = ?1 AND c.year = ?2 AND (c.rule = 'linkage' OR c.rule = 'eda_purchase') "
      "AND c.status <> 'rejected' ORDER BY c.id");
  if (!st) return st.error();
  st->bind(1, buyer).bind(2, year);
  struct Touched {
    std::string id;
    bool approved;
    std::optional<std::string> decided_at;
    std::int64_t approved_fen;
    std::int64_t overpaid_fen;
  };
  std::vector<Touched> rows;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    rows.push_back(
        {st->text(0), st->text(1) == "approved", st->opt_text(2), st->opt_int64(3).value_or(0), st->int64(4)});
  }
  std::vector<std::string> out;
  for (const auto& t : rows) {
    if (!t.approved) {
      auto mark = db.prepare("UPDATE claims SET stale = 1 WHERE id = ? AND stale = 0 RETURNING rule, year");
      if (!mark) return mark.error();
      mark->bind(1, t.id);
      auto marked = mark->step();
      if (!marked) return marked.error();
      if (*marked) {
        // Only the change from fresh to stale is an event: a claim already stale stays so.
        json::object event{{"claim", t.id}, {"rule", mark->text(0)}, {"year", mark->int64(1)}};
        mark->reset();
        if (auto n = notify(db, buyer, NotificationKind::kClaimStale, t.id, event); !n) return n.error();
      }
      out.push_back(t.id);
      continue;
    }
    if (!can_lower) continue;
    // What the series' facts support now for this approval: the claim evaluated on the
    // current facts with the approvals decided before it.
    auto c = get_claim(db, t.id);
    if (!c) return c.error();
    if (!*c) continue;
    auto now = run_engine(db, request_of(**c), t.decided_at);
    std::int64_t overpaid = t.overpaid_fen;
    if (now) overpaid = std::max<std::int64_t>(0, t.approved_fen - now->evaluation.award.fen());
    if (overpaid != t.overpaid_fen) {
      auto set = db.prepare("UPDATE claims SET overpaid_fen = ? WHERE id = ?");
      if (!set) return set.error();
      set->bind(1, overpaid).bind(2, t.id);
      if (auto s = set->exec(); !s) return s.error();
      if (auto s = audit(db, "registry", "claim.overpaid", t.id,
                         json::object{{"approved_fen", t.approved_fen}, {"overpaid_fen", overpaid}});
          !s) {
        return s.error();
      }
    }
    out.push_back(t.id);
  }
  return out;
}

Result<std::vector<std::string>> clause_facts_changed(Db& db, RuleId rule, const std::optional<std::string>& claimant,
                                                      std::optional<int> year,
                                                      const std::optional<std::string>& dataset) {
  // Only claims not stale yet are marked: the change from fresh to stale is an event.
  auto st = db.prepare(
      "UPDATE claims SET stale = 1 WHERE status = 'submitted' AND rule = ?1 AND (?2 IS NULL OR claimant = ?2) "
      "AND (?3 IS NULL OR year = ?3) AND (?4 IS NULL OR dataset = ?4) AND stale = 0 RETURNING id, claimant, year");
  if (!st) return st.error();
  st->bind(1, to_string(rule)).bind(2, claimant);
  if (year)
    st->bind(3, *year);
  else
    st->bind_null(3);
  st->bind(4, dataset);
  struct Marked {
    std::string id, claimant;
    std::int64_t year;
  };
  auto marked = collect<Marked>(*st, [](const Stmt& r) -> Result<Marked> {
    return Marked{r.text(0), r.text(1), r.int64(2)};
  });
  if (!marked) return marked.error();
  std::vector<std::string> out;
  for (const auto& m : *marked) {
    json::object event{{"claim", m.id}, {"rule", to_string(rule)}, {"year", m.year}};
    if (auto n = notify(db, m.claimant, NotificationKind::kClaimStale, m.id, event); !n) return n.error();
    out.push_back(m.id);
  }
  return out;
}

json::object claim_event_head(const ClaimRecord& c) {
  json::object o{{"claim", c.id}, {"rule", c.rule}, {"year", c.year}};
  if (c.group) o["group"] = *c.group;
  if (c.tapeout) o["tapeout"] = *c.tapeout;
  if (c.dataset) o["dataset"] = *c.dataset;
  if (c.event) o["event"] = *c.event;
  return o;
}

json::object ClaimRecord::evaluation() const {
  if (evaluation_text.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(evaluation_text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

namespace {

json::object claim_head(const ClaimRecord& c) {
  json::object o{{"id", c.id}, {"rule", c.rule}, {"claimant", c.claimant}, {"year", c.year}};
  if (c.group) o["group"] = *c.group;
  if (c.tapeout) o["tapeout"] = *c.tapeout;
  if (c.dataset) o["dataset"] = *c.dataset;
  if (c.event) o["event"] = *c.event;
  if (c.branch) o["branch"] = *c.branch;
  o["status"] = c.status;
  o["eligible"] = c.eligible;
  o["award_fen"] = c.award_fen;
  o["computed_fen"] = c.computed_fen;
  o["approved_fen"] = c.decision && c.decision->outcome == "approved" ? c.decision->approve_fen : 0;
  o["stale"] = c.stale;
  o["overpaid_fen"] = c.overpaid_fen;
  o["facts_sha256"] = c.facts_sha256 ? json::value(*c.facts_sha256) : json::value(nullptr);
  o["log_index"] = c.log_index ? json::value(*c.log_index) : json::value(nullptr);
  o["created_at"] = c.created_at;
  o["evaluated_at"] = c.evaluated_at;
  o["proactive"] = c.proactive;
  if (c.line_count) o["line_count"] = *c.line_count;
  if (c.decision) {
    const auto& d = *c.decision;
    o["decision"] = json::object{{"outcome", d.outcome},
                                 {"approve_fen", d.approve_fen},
                                 {"note", d.note},
                                 {"reviewer", d.reviewer},
                                 {"decided_at", d.decided_at},
                                 {"log_index", d.log_index ? json::value(*d.log_index) : json::value(nullptr)}};
  } else {
    o["decision"] = nullptr;
  }
  return o;
}

}  // namespace

json::object to_json(const ClaimRecord& c, bool with_evaluation) {
  json::object o = claim_head(c);
  if (with_evaluation) o["evaluation"] = c.evaluation();
  return o;
}

std::string to_json_text(const ClaimRecord& c) {
  // The stored evaluation is already JSON: splice it in rather than parse and re-serialize
  // it (a claim with a thousand lines is most of the response).
  std::string head = json::serialize(claim_head(c));
  head.pop_back();  // the closing '}'
  head += ",\"evaluation\":";
  head += c.evaluation_text.empty() ? "{}" : c.evaluation_text;
  head += '}';
  return head;
}

json::object claim_log_fact(const ClaimRecord& c) {
  json::object o{{"id", c.id}, {"rule", c.rule}, {"claimant", c.claimant}, {"year", c.year}};
  if (c.group) o["group"] = *c.group;
  if (c.tapeout) o["tapeout"] = *c.tapeout;
  if (c.dataset) o["dataset"] = *c.dataset;
  if (c.event) o["event"] = *c.event;
  o["evaluation"] = c.evaluation();
  return o;
}

json::object decision_log_fact(const DecisionRecord& d) {
  return json::object{{"claim", d.claim}, {"outcome", d.outcome},   {"approve_fen", d.approve_fen},
                      {"note", d.note},   {"reviewer", d.reviewer}, {"decided_at", d.decided_at}};
}

}  // namespace chipreg::store
