// Objections and their answers (see objections.hpp).
#include "registry/store/objections.hpp"
#include "registry/store/notifications.hpp"

#include <boost/json.hpp>

#include <cassert>
#include <cctype>
#include <cstdio>
#include <set>

#include "registry/domain/fact_json.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/claim_series.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/repository.hpp"

namespace chipreg::store {
namespace json = boost::json;

const char* to_string(AnswerKind k) {
  switch (k) {
    case AnswerKind::kFactCorrected: return "fact_corrected";
    case AnswerKind::kAffiliationFinding: return "affiliation_finding";
    case AnswerKind::kRejected: return "rejected";
  }
  return "?";
}

Result<AnswerKind> parse_answer_kind(std::string_view s) {
  for (AnswerKind k : {AnswerKind::kFactCorrected, AnswerKind::kAffiliationFinding, AnswerKind::kRejected}) {
    if (s == to_string(k)) return k;
  }
  return Error("BAD_VALUE", "answer must be fact_corrected, affiliation_finding or rejected", "answer");
}

std::string ObjectionRecord::status() const {
  if (!answer) return "open";
  return answer->answer == "rejected" ? "rejected" : "answered";
}

namespace {

constexpr const char* kSelect =
    "SELECT o.id, o.claim, o.claimant, o.against, o.text, o.lines, o.reasons, o.evidence, o.filed_at, o.deadline, "
    "o.log_index, a.answer, a.note, a.fact_log_index, a.reviewer, a.answered_at, a.award_before_fen, "
    "a.award_after_fen, a.log_index FROM objections o LEFT JOIN objection_answers a ON a.objection = o.id";

ObjectionRecord read_objection(const Stmt& s) {
  ObjectionRecord o{s.text(0), s.text(1), s.text(2), s.text(3),      s.text(4),       s.text(5),
                    s.text(6), s.text(7), s.text(8), s.opt_text(9), s.opt_int64(10), std::nullopt};
  if (auto kind = s.opt_text(11)) {
    o.answer = ObjectionAnswer{*kind,       s.text(12),  s.opt_int64(13), s.text(14),
                               s.text(15),  s.int64(16), s.int64(17),     s.opt_int64(18)};
  }
  return o;
}

// "O" + 8 digits, one more than the largest.
Result<std::string> next_objection_id(Db& db) {
  auto st = db.prepare("SELECT max(id) FROM objections WHERE id GLOB 'O[0-9]*'");
  if (!st) return st.error();
  if (auto r = st->step(); !r) return r.error();
  long long last = 0;
  if (auto id = st->opt_text(0)) last = std::strtoll(id->c_str() + 1, nullptr, 10);
  char buf[24];
  std::snprintf(buf, sizeof buf, "O%08lld", last + 1);
  return std::string(buf);
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

// The lines and the reason codes of a claim's stored evaluation.
struct Disputable {
  std::set<InvoiceLineRef> lines;
  std::set<std::string> reasons;
};
Disputable disputable(Db& db, const ClaimRecord& c) {
  Disputable d;
  const json::object e = c.evaluation();
  if (auto* reasons = e.if_contains("reasons"); reasons && reasons->is_array()) {
    for (const auto& r : reasons->as_array()) {
      if (auto* code = r.as_object().if_contains("code"); code && code->is_string()) d.reasons.emplace(code->as_string());
    }
  }
  // The lines as stored per claim (schema migration 10), or within the evaluation.
  auto add_line = [&d](const json::value& v) {
    if (!v.is_object()) return;
    const auto& o = v.as_object();
    auto* inv = o.if_contains("invoice");
    auto* line = o.if_contains("line");
    if (inv && line && inv->is_string() && line->is_int64()) {
      d.lines.insert(InvoiceLineRef{std::string(inv->as_string()), line->as_int64()});
    }
  };
  if (auto* lines = e.if_contains("lines"); lines && lines->is_array()) {
    for (const auto& l : lines->as_array()) add_line(l);
  }
  if (auto* items = e.if_contains("items"); items && items->is_array()) {
    for (const auto& l : items->as_array()) add_line(l);
  }
  (void)db;
  return d;
}

json::array lines_json(const std::vector<InvoiceLineRef>& lines) {
  json::array a;
  for (const auto& l : lines) a.push_back(json::object{{"invoice", l.invoice}, {"line", l.line}});
  return a;
}

Status log_row(Db& db, tlog::EntryKind kind, std::string_view key) {
  auto index = tlog::log_fact_row(db, kind, key);
  if (!index) return index.error();
  return Status::Ok();
}

// The leaf index a manual finding was logged at.
Result<std::int64_t> finding_leaf(Db& db, const char* table, std::int64_t row) {
  auto st = db.prepare(std::string("SELECT log_index FROM ") + table + " WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, row);
  auto r = st->step();
  if (!r) return r.error();
  if (!*r || !st->opt_int64(0)) return Error("INTERNAL", std::string(table) + " row was not logged");
  return *st->opt_int64(0);
}

// Records the finding; returns its leaf index.
Result<std::int64_t> record_finding(Db& db, const ManualAffiliation& m, const std::string& objection) {
  if (m.affiliated) {
    // The existing road (POST /v1/manual-affiliations): checks, the row, its leaf.
    auto id = insert_manual_affiliation(db, m);
    if (!id) return id.error();
    return finding_leaf(db, "manual_affiliations", *id);
  }
  if (m.a == m.b) return Error("BAD_VALUE", "a finding is between two different enterprises", "finding.b");
  if (m.basis.empty()) return Error("MISSING_FIELD", "a finding states its basis", "finding.basis");
  if (m.valid.to && *m.valid.to < m.valid.from) return Error("BAD_VALUE", "to is before from", "finding.to");
  for (const auto& [u, field] : {std::pair{&m.a, "finding.a"}, std::pair{&m.b, "finding.b"}}) {
    auto e = get_enterprise(db, *u);
    if (!e) return e.error();
    if (!*e) return Error("UNKNOWN_ENTERPRISE", "no enterprise " + u->str() + " is registered", field);
  }
  auto ins = db.prepare(
      "INSERT INTO manual_non_affiliations(a, b, valid_from, valid_to, basis, objection) VALUES (?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  std::optional<std::string> to;
  if (m.valid.to) to = m.valid.to->str();
  ins->bind(1, m.a.str()).bind(2, m.b.str()).bind(3, m.valid.from.str()).bind(4, to).bind(5, m.basis).bind(6, objection);
  if (auto s = ins->exec(); !s) return s.error();
  return tlog::log_fact_row(db, tlog::EntryKind::kManualNonAffiliation, db.last_insert_rowid());
}

}  // namespace

Result<ObjectionRecord> file_objection(Db& db, const ObjectionFiling& f, const std::string& actor,
                                       const ObjectionPolicy& policy, const Date& today) {
  assert(policy.days_after_decision >= 0);
  auto claim = get_claim(db, f.claim);
  if (!claim) return claim.error();
  if (!*claim || (*claim)->claimant != f.claimant) return Error("NOT_FOUND", "claim " + f.claim + " not found");
  const ClaimRecord& c = **claim;
  if (f.text.empty()) return Error("MISSING_FIELD", "an objection says what is disputed, in text", "text");
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    const std::string at = "evidence[" + std::to_string(i) + "]";
    if (f.evidence[i].name.empty()) return Error("BAD_VALUE", "an evidence document has a name", at + ".name");
    if (!is_sha256_hex(f.evidence[i].sha256)) {
      return Error("BAD_VALUE", "sha256 is 64 lowercase hex digits", at + ".sha256");
    }
  }
  const Disputable d = disputable(db, c);
  for (std::size_t i = 0; i < f.lines.size(); ++i) {
    if (d.lines.count(f.lines[i]) == 0) {
      return Error("UNKNOWN_LINE", "invoice " + f.lines[i].invoice.substr(0, 64) + " line " +
                                       std::to_string(f.lines[i].line) + " is not a line of claim " + c.id + "'s evaluation",
                   "lines[" + std::to_string(i) + "]");
    }
  }
  for (std::size_t i = 0; i < f.reasons.size(); ++i) {
    if (d.reasons.count(f.reasons[i]) == 0) {
      return Error("UNKNOWN_REASON", "claim " + c.id + "'s evaluation gives no reason " + f.reasons[i].substr(0, 64),
                   "reasons[" + std::to_string(i) + "]");
    }
  }
  std::string against = "evaluation";
  std::optional<std::string> deadline;
  if (c.status != "submitted") {
    against = "decision";
    assert(c.decision && "a decided claim has its decision");
    auto decided = shanghai_date_of(c.decision->decided_at);
    if (!decided) return decided.error();
    const Date last = decided->add_days(policy.days_after_decision);
    deadline = last.str();
    if (today > last) {
      return Error("OBJECTION_LATE", "claim " + c.id + " was decided on " + decided->str() + "; objections to a decision " +
                                         "are taken for " + std::to_string(policy.days_after_decision) +
                                         " days, until " + last.str());
    }
  }
  {
    auto open = db.prepare("SELECT o.id FROM objections o JOIN open_objections q ON q.objection = o.id WHERE o.claim = ?");
    if (!open) return open.error();
    open->bind(1, c.id);
    auto row = open->step();
    if (!row) return row.error();
    if (*row) return Error("OBJECTION_PENDING", "objection " + open->text(0) + " on claim " + c.id + " awaits its answer");
  }
  auto id = next_objection_id(db);
  if (!id) return id.error();
  json::array reasons(f.reasons.begin(), f.reasons.end());
  json::array evidence;
  for (const auto& e : f.evidence) evidence.push_back(json::object{{"name", e.name}, {"sha256", e.sha256}});
  auto ins = db.prepare(
      "INSERT INTO objections(id, claim, claimant, against, text, lines, reasons, evidence, filed_at, deadline) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, *id).bind(2, c.id).bind(3, c.claimant).bind(4, against).bind(5, f.text);
  ins->bind(6, json::serialize(lines_json(f.lines))).bind(7, json::serialize(reasons)).bind(8, json::serialize(evidence));
  ins->bind(9, now_utc()).bind(10, deadline);
  if (auto s = ins->exec(); !s) return s.error();
  auto queue = db.prepare("INSERT INTO open_objections(objection) VALUES (?)");
  if (!queue) return queue.error();
  queue->bind(1, *id);
  if (auto s = queue->exec(); !s) return s.error();
  if (auto s = log_row(db, tlog::EntryKind::kObjection, *id); !s) return s.error();
  if (auto s = audit(db, actor, "objection.file", *id,
                     json::object{{"claim", c.id}, {"against", against}, {"lines", f.lines.size()},
                                  {"reasons", f.reasons.size()}, {"evidence", f.evidence.size()}});
      !s) {
    return s.error();
  }
  auto stored = get_objection(db, *id);
  if (!stored) return stored.error();
  json::object event = claim_event_head(c);
  event["objection"] = *id;
  event["against"] = against;
  event["filed_at"] = (*stored)->filed_at;
  event["deadline"] = deadline ? json::value(*deadline) : json::value(nullptr);
  if (auto n = notify(db, c.claimant, NotificationKind::kObjectionFiled, *id, event); !n) return n.error();
  return std::move(**stored);
}

Result<ObjectionRecord> answer_objection(Db& db, const std::string& id, const ObjectionAnswerInput& in,
                                         const std::string& reviewer) {
  auto found = get_objection(db, id);
  if (!found) return found.error();
  if (!*found) return Error("NOT_FOUND", "objection " + id + " not found");
  const ObjectionRecord& o = **found;
  if (o.answer) return Error("ALREADY_ANSWERED", "objection " + id + " was already answered (" + o.answer->answer + ")");
  if (in.note.empty()) return Error("MISSING_FIELD", "an answer says why, in a note", "note");
  auto claim = get_claim(db, o.claim);
  if (!claim) return claim.error();
  if (!*claim) return Error("INTERNAL", "objection " + id + " names no claim");
  const std::int64_t before = (*claim)->award_fen;

  std::optional<std::int64_t> fact_leaf;
  switch (in.kind) {
    case AnswerKind::kRejected:
      if (in.fact_log_index || in.finding) {
        return Error("BAD_VALUE", "a rejection names no fact and records no finding", in.finding ? "finding" : "fact_log_index");
      }
      break;
    case AnswerKind::kFactCorrected: {
      if (!in.fact_log_index) return Error("MISSING_FIELD", "name the correcting fact's log index", "fact_log_index");
      if (in.finding) return Error("BAD_VALUE", "a correction names a fact; a finding is its own answer", "finding");
      auto size = tlog::tree_size(db);
      if (!size) return size.error();
      // The correcting fact came in answer to the objection: after its leaf.
      if (*in.fact_log_index < 0 || static_cast<std::uint64_t>(*in.fact_log_index) >= *size ||
          !o.log_index || *in.fact_log_index <= *o.log_index) {
        return Error("UNKNOWN_LEAF", "log index " + std::to_string(*in.fact_log_index) +
                                         " is no leaf appended after objection " + id + "'s (" +
                                         (o.log_index ? std::to_string(*o.log_index) : std::string("?")) + ")",
                     "fact_log_index");
      }
      fact_leaf = *in.fact_log_index;
      break;
    }
    case AnswerKind::kAffiliationFinding: {
      if (!in.finding) return Error("MISSING_FIELD", "a finding names a, b, from, basis and affiliated", "finding");
      if (in.fact_log_index) return Error("BAD_VALUE", "a finding is logged here; it names no other fact", "fact_log_index");
      auto leaf = record_finding(db, *in.finding, id);
      if (!leaf) return leaf.error();
      fact_leaf = *leaf;
      break;
    }
  }

  // The claim on the facts as they are now.
  std::int64_t after = before;
  if (in.kind != AnswerKind::kRejected) {
    if ((*claim)->status == "submitted") {
      auto again = reevaluate_claim(db, o.claim, reviewer);
      if (!again) return again.error();
      after = again->award_fen;
    } else {
      auto now = award_now(db, **claim);
      if (!now) return now.error();
      after = *now;
    }
  }
  auto ins = db.prepare(
      "INSERT INTO objection_answers(objection, answer, note, fact_log_index, reviewer, answered_at, award_before_fen, "
      "award_after_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, id).bind(2, to_string(in.kind)).bind(3, in.note).bind(4, fact_leaf).bind(5, reviewer).bind(6, now_utc());
  ins->bind(7, before).bind(8, after);
  if (auto s = ins->exec(); !s) return s.error();
  auto dequeue = db.prepare("DELETE FROM open_objections WHERE objection = ?");
  if (!dequeue) return dequeue.error();
  dequeue->bind(1, id);
  if (auto s = dequeue->exec(); !s) return s.error();
  if (auto s = log_row(db, tlog::EntryKind::kObjectionAnswer, id); !s) return s.error();
  json::object detail{{"claim", o.claim}, {"answer", to_string(in.kind)}, {"note", in.note},
                      {"award_before_fen", before}, {"award_after_fen", after}};
  detail["fact_log_index"] = fact_leaf ? json::value(*fact_leaf) : json::value(nullptr);
  if (auto s = audit(db, reviewer, "objection.answer", id, detail); !s) return s.error();
  auto stored = get_objection(db, id);
  if (!stored) return stored.error();
  // What the claimant may read of the answer (GET /v1/objections/{id}); a finding names
  // another enterprise and stays out.
  json::object event = claim_event_head(**claim);
  event["objection"] = id;
  event["answer"] = to_string(in.kind);
  event["note"] = in.note;
  event["award_before_fen"] = before;
  event["award_after_fen"] = after;
  if (auto n = notify(db, o.claimant, NotificationKind::kObjectionAnswered, id, event); !n) return n.error();
  return std::move(**stored);
}

Result<std::optional<ObjectionRecord>> get_objection(Db& db, const std::string& id) {
  auto st = db.prepare(std::string(kSelect) + " WHERE o.id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  return optional_row<ObjectionRecord>(*st, [](const Stmt& r) -> Result<ObjectionRecord> { return read_objection(r); });
}

Result<std::vector<ObjectionRecord>> list_objections(Db& db, const ObjectionFilter& f) {
  std::string sql;
  if (f.status && *f.status == "open") {
    // The queue: one range of open_objections, whatever has been answered before.
    sql = std::string(kSelect) + " JOIN open_objections q ON q.objection = o.id WHERE q.objection > ?1";
  } else {
    sql = std::string(kSelect) + " WHERE o.id > ?1";
    if (f.status && *f.status == "rejected") sql += " AND a.answer = 'rejected'";
    if (f.status && *f.status == "answered") sql += " AND a.answer IS NOT NULL AND a.answer <> 'rejected'";
  }
  if (f.claimant) sql += " AND o.claimant = ?2";
  if (f.claim) sql += " AND o.claim = ?3";
  auto st = db.prepare(sql + " ORDER BY o.id LIMIT ?4");
  if (!st) return st.error();
  st->bind(1, f.after_id.value_or("")).bind(4, f.limit);
  if (f.claimant) st->bind(2, *f.claimant);
  if (f.claim) st->bind(3, *f.claim);
  return collect<ObjectionRecord>(*st, [](const Stmt& r) -> Result<ObjectionRecord> { return read_objection(r); });
}

json::object to_json(const ObjectionRecord& o) {
  auto parsed = [](const std::string& text) -> json::value {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    return ec ? json::value(json::array()) : v;
  };
  json::object out{{"id", o.id},
                   {"claim", o.claim},
                   {"claimant", o.claimant},
                   {"against", o.against},
                   {"status", o.status()},
                   {"text", o.text},
                   {"lines", parsed(o.lines)},
                   {"reasons", parsed(o.reasons)},
                   {"evidence", parsed(o.evidence)},
                   {"filed_at", o.filed_at}};
  out["deadline"] = o.deadline ? json::value(*o.deadline) : json::value(nullptr);
  out["log_index"] = o.log_index ? json::value(*o.log_index) : json::value(nullptr);
  if (o.answer) {
    const ObjectionAnswer& a = *o.answer;
    json::object ans{{"answer", a.answer},           {"note", a.note},
                     {"reviewer", a.reviewer},       {"answered_at", a.answered_at},
                     {"award_before_fen", a.award_before_fen}, {"award_after_fen", a.award_after_fen}};
    ans["fact_log_index"] = a.fact_log_index ? json::value(*a.fact_log_index) : json::value(nullptr);
    ans["log_index"] = a.log_index ? json::value(*a.log_index) : json::value(nullptr);
    out["answer"] = std::move(ans);
  } else {
    out["answer"] = nullptr;
  }
  return out;
}

}  // namespace chipreg::store
