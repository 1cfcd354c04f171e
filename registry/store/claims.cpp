// Claims: filing, (re-)evaluation, decisions, line locks, log leaves and audit rows.
#include "registry/store/claims.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <map>

#include "registry/canonical_json.hpp"
#include "registry/evaluation.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/clock.hpp"
#include "registry/store/load_facts.hpp"

namespace chipreg::store {
namespace json = boost::json;

namespace {

constexpr const char* kClaimColumns =
    "c.id, c.rule, c.claimant, c.year, c.grp, c.tapeout, c.branch, c.status, c.eligible, c.award_fen, "
    "c.computed_fen, c.evaluation, c.log_index, c.created_at, c.evaluated_at, "
    "d.outcome, d.approve_fen, d.note, d.reviewer, d.decided_at, d.log_index";

ClaimRecord read_claim(const Stmt& st, bool with_evaluation) {
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
  if (with_evaluation) {
    c.evaluation_text = st.text(11);
  }
  c.log_index = st.opt_int64(12);
  c.created_at = st.text(13);
  c.evaluated_at = st.text(14);
  if (auto outcome = st.opt_text(15)) {
    c.decision = DecisionRecord{c.id, *outcome, st.int64(16), st.text(17), st.text(18), st.text(19), st.opt_int64(20)};
  }
  return c;
}

Result<std::string> next_claim_id(Db& db) {
  auto st = db.prepare("SELECT count(*) FROM claims");
  if (!st) return st.error();
  if (auto r = st->step(); !r) return r.error();
  char buf[24];
  std::snprintf(buf, sizeof buf, "C%08lld", static_cast<long long>(st->int64(0) + 1));
  return std::string(buf);
}

Status check_not_pending(Db& db, const ClaimFiling& f) {
  auto st = db.prepare(
      "SELECT id, status FROM claims WHERE claimant = ? AND status <> 'rejected' AND "
      "((rule = 'linkage' AND ? = 'linkage' AND year = ? AND grp = ? AND status = 'submitted') OR "
      " (rule = 'tapeout' AND tapeout = ?)) ORDER BY id LIMIT 1");
  if (!st) return st.error();
  st->bind(1, f.claimant).bind(2, to_string(f.rule)).bind(3, f.year);
  if (f.group) st->bind(4, to_string(*f.group));
  else st->bind_null(4);
  st->bind(5, f.tapeout);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Status::Ok();
  const std::string other = st->text(0);
  if (st->text(1) == "approved") {
    return Error("DUPLICATE", "tape-out " + f.tapeout.value_or("") + " was already awarded in claim " + other);
  }
  return Error("PENDING_CLAIM", "claim " + other + " for the same " +
                                    (f.rule == RuleId::kLinkage ? "year and group" : "tape-out") +
                                    " awaits a decision; re-evaluate it instead of filing another");
}

// Runs the engine for `request` on the current facts.
Result<rules::ClaimEvaluation> run_engine(Db& db, const ClaimRequest& request) {
  auto facts = load_facts(db, request);
  if (!facts) return facts.error();
  return rules::evaluate_claim(*facts, facts->claims.front());
}

// Replaces the claim's counted lines with those of `e` that qualify.
Status store_lines(Db& db, const std::string& claim, const std::string& claimant, const rules::ClaimEvaluation& e) {
  auto del = db.prepare("DELETE FROM claim_lines WHERE claim = ? AND locked = 0");
  if (!del) return del.error();
  del->bind(1, claim);
  if (auto s = del->exec(); !s) return s;
  auto ins = db.prepare(
      "INSERT INTO claim_lines(claim, purchase) SELECT ?, id FROM purchases WHERE invoice = ? AND line = ? AND buyer = ?");
  if (!ins) return ins.error();
  for (const auto& l : e.lines) {
    if (!l.qualifies) continue;
    ins->reset();
    ins->bind(1, claim).bind(2, l.ref.invoice).bind(3, l.ref.line).bind(4, claimant);
    if (auto s = ins->exec(); !s) return s;
  }
  return Status::Ok();
}

// Stores `e` as the claim's current evaluation, logs the claim fact and returns the record.
Result<ClaimRecord> store_evaluation(Db& db, const std::string& id, const rules::ClaimEvaluation& e) {
  const std::string now = now_utc();
  const std::string text = json::serialize(rules::to_json(e));
  auto up = db.prepare(
      "UPDATE claims SET eligible = ?, award_fen = ?, computed_fen = ?, evaluation = ?, evaluated_at = ?, "
      "branch = ?, year = ? WHERE id = ?");
  if (!up) return up.error();
  std::optional<std::string> branch;
  if (e.branch) branch = std::string(to_string(*e.branch));
  up->bind(1, e.eligible).bind(2, e.award.fen()).bind(3, e.computed.fen()).bind(4, text).bind(5, now);
  up->bind(6, branch).bind(7, e.year).bind(8, id);
  if (auto s = up->exec(); !s) return s.error();
  auto stored = get_claim(db, id);
  if (!stored) return stored.error();
  if (!*stored) return Error("INTERNAL", "claim " + id + " vanished while being evaluated");
  if (auto s = store_lines(db, id, (*stored)->claimant, e); !s) return s.error();
  const ClaimRecord& c = **stored;
  auto entry = tlog::claim_entry({c.id, c.rule, c.claimant, c.year, c.group, c.tapeout, c.evaluation_text});
  if (!entry) return entry.error();
  auto index = tlog::append(db, tlog::EntryKind::kClaim, id, *entry);
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
  ClaimRequest r{c.id, c.rule == "tapeout" ? RuleId::kTapeout : RuleId::kLinkage, *claimant, c.year, std::nullopt, c.tapeout};
  if (c.group) {
    if (auto g = parse_enum<LinkageGroup>(*c.group)) r.group = *g;
  }
  return r;
}

json::object evaluation_summary(const ClaimRecord& c) {
  return json::object{{"eligible", c.eligible}, {"award_fen", c.award_fen}, {"computed_fen", c.computed_fen}};
}

}  // namespace

Result<ClaimRecord> file_claim(Db& db, const ClaimFiling& filing, const std::string& actor) {
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
  if (filing.rule == RuleId::kLinkage && (!filing.group || filing.year < 1900 || filing.year > 9999)) {
    return Error("BAD_VALUE", "a linkage claim needs a year (1900..9999) and a group", filing.group ? "year" : "group");
  }
  if (filing.rule == RuleId::kTapeout && !filing.tapeout) {
    return Error("MISSING_FIELD", "a tape-out claim names its tape-out", "tapeout");
  }
  if (auto s = check_not_pending(db, filing); !s) return s.error();
  auto id = next_claim_id(db);
  if (!id) return id.error();

  ClaimRequest request{*id, filing.rule, *claimant, filing.year, filing.group, filing.tapeout};
  auto e = run_engine(db, request);
  if (!e) return e.error();

  const std::string now = now_utc();
  auto ins = db.prepare(
      "INSERT INTO claims(id, rule, claimant, year, grp, tapeout, evaluation, created_at, evaluated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, *id).bind(2, to_string(filing.rule)).bind(3, filing.claimant).bind(4, e->year);
  if (filing.group) ins->bind(5, to_string(*filing.group));
  else ins->bind_null(5);
  ins->bind(6, filing.tapeout).bind(7, now).bind(8, now);
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
  if (c.status != "submitted") return Error("ALREADY_DECIDED", "claim " + id + " was already " + c.status + "; a decision is final");
  if (!d.reject && d.approve_fen < 0) return Error("BAD_AMOUNT", "approve_fen must not be negative", "approve_fen");

  // Decide only on what the engine says now: an evaluation that no longer matches the facts
  // (new purchases or awards, another claim approved) must be re-evaluated first.
  // A rejection awards nothing, so it does not need an evaluation that still runs: facts
  // the engine cannot sum any more (MONEY_OVERFLOW on data older than the intake bound)
  // must not leave a claim undecidable.
  auto fresh = run_engine(db, request_of(c));
  if (!fresh && !d.reject) return fresh.error();
  if (fresh && canonical_json(rules::to_json(*fresh)) != canonical_json(c.evaluation())) {
    return Error("STALE_EVALUATION", "the facts behind claim " + id + " changed since it was evaluated at " +
                                         c.evaluated_at + " (award now " + std::to_string(fresh->award.fen()) +
                                         " fen); re-evaluate it (POST /v1/claims/" + id + "/evaluate) before deciding");
  }
  if (!d.reject && d.approve_fen > c.award_fen) {
    return Error("ABOVE_AWARD", "approve_fen " + std::to_string(d.approve_fen) + " exceeds the evaluated award_fen " +
                                    std::to_string(c.award_fen), "approve_fen");
  }

  DecisionRecord rec{id, d.reject ? "rejected" : "approved", d.reject ? 0 : d.approve_fen, d.note, reviewer, now_utc(), std::nullopt};
  auto ins = db.prepare("INSERT INTO decisions(claim, outcome, approve_fen, note, reviewer, decided_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, id).bind(2, rec.outcome).bind(3, rec.approve_fen).bind(4, rec.note).bind(5, rec.reviewer).bind(6, rec.decided_at);
  if (auto s = ins->exec(); !s) {
    if (s.error().code == "CONSTRAINT") return Error("ALREADY_DECIDED", "claim " + id + " was already decided");
    return s.error();
  }
  auto status = db.prepare("UPDATE claims SET status = ? WHERE id = ? AND status = 'submitted'");
  if (!status) return status.error();
  status->bind(1, rec.outcome).bind(2, id);
  if (auto s = status->exec(); !s) return s.error();
  if (!d.reject) {
    auto lock = db.prepare("UPDATE claim_lines SET locked = 1 WHERE claim = ?");
    if (!lock) return lock.error();
    lock->bind(1, id);
    if (auto s = lock->exec(); !s) {
      if (s.error().code == "CONSTRAINT") {
        return Error("LINE_LOCKED", "a purchase line of claim " + id + " is already counted in another approved claim");
      }
      return s.error();
    }
  }
  auto index = tlog::append(db, tlog::EntryKind::kDecision, id,
                            tlog::decision_entry({rec.claim, rec.outcome, rec.approve_fen, rec.note, rec.reviewer, rec.decided_at}));
  if (!index) return index.error();
  auto set = db.prepare("UPDATE decisions SET log_index = ? WHERE claim = ?");
  if (!set) return set.error();
  set->bind(1, *index).bind(2, id);
  if (auto s = set->exec(); !s) return s.error();
  if (auto s = audit(db, reviewer, "claim.decide", id,
                     json::object{{"outcome", rec.outcome}, {"approve_fen", rec.approve_fen}, {"note", rec.note},
                                  {"award_fen", c.award_fen}});
      !s) {
    return s.error();
  }
  auto stored = get_claim(db, id);
  if (!stored) return stored.error();
  return std::move(**stored);
}

Result<std::optional<ClaimRecord>> get_claim(Db& db, const std::string& id) {
  auto st = db.prepare(std::string("SELECT ") + kClaimColumns +
                       " FROM claims c LEFT JOIN decisions d ON d.claim = c.id WHERE c.id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ClaimRecord>();
  return std::optional<ClaimRecord>(read_claim(*st, true));
}

Result<std::vector<ClaimRecord>> list_claims(Db& db, const ClaimFilter& f) {
  auto st = db.prepare(std::string("SELECT ") + kClaimColumns +
                       " FROM claims c LEFT JOIN decisions d ON d.claim = c.id "
                       "WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.claimant = ?2) "
                       "AND (?3 IS NULL OR c.year = ?3) AND (?4 IS NULL OR c.id > ?4) ORDER BY c.id LIMIT ?5");
  if (!st) return st.error();
  st->bind(1, f.status).bind(2, f.claimant);
  if (f.year) st->bind(3, *f.year);
  else st->bind_null(3);
  st->bind(4, f.after_id).bind(5, f.limit);
  std::vector<ClaimRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_claim(*st, f.with_evaluation));
  }
  return out;
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
  if (c.branch) o["branch"] = *c.branch;
  o["status"] = c.status;
  o["eligible"] = c.eligible;
  o["award_fen"] = c.award_fen;
  o["computed_fen"] = c.computed_fen;
  o["log_index"] = c.log_index ? json::value(*c.log_index) : json::value(nullptr);
  o["created_at"] = c.created_at;
  o["evaluated_at"] = c.evaluated_at;
  if (c.decision) {
    const auto& d = *c.decision;
    o["decision"] = json::object{{"outcome", d.outcome},   {"approve_fen", d.approve_fen}, {"note", d.note},
                                 {"reviewer", d.reviewer}, {"decided_at", d.decided_at},   {"log_index", d.log_index ? json::value(*d.log_index) : json::value(nullptr)}};
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
  o["evaluation"] = c.evaluation();
  return o;
}

json::object decision_log_fact(const DecisionRecord& d) {
  return json::object{{"claim", d.claim},       {"outcome", d.outcome},       {"approve_fen", d.approve_fen},
                      {"note", d.note},         {"reviewer", d.reviewer},     {"decided_at", d.decided_at}};
}

}  // namespace chipreg::store
