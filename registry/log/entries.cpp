// Leaf builders shared by the writers and the audit (see entries.hpp).
#include "registry/log/entries.hpp"

#include <boost/json.hpp>

#include "registry/domain/canonical_json.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/log/log.hpp"

namespace chipreg::tlog {
namespace {

Result<boost::json::value> parse_json(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return Error("BAD_JSON", std::string(what) + " is not JSON: " + ec.message(), std::string(what));
  return v;
}

}  // namespace

std::string purchase_ref(const Purchase& p) { return p.invoice + "#" + std::to_string(p.line); }

// The same bytes as make_entry(kPurchase, json_io::to_json(p)) for a purchase as registered
// (no platform status: a later fact), written directly: this runs once per imported
// purchase line, and building a JSON object first costs more than the rest of the append.
// Keys in canonical (byte) order; a test checks the equivalence.
std::string purchase_entry(const Purchase& p) {
  std::string out;
  out.reserve(256 + p.invoice.size() + p.product.size());
  out += R"({"fact":)";
  json_io::append_purchase_canonical(out, p, false);
  out += R"(,"kind":"purchase"})";
  return out;
}

Result<std::string> tapeout_entry(std::string_view id, std::string_view envelope_json) {
  auto env = parse_json(envelope_json, "envelope");
  if (!env) return env.error();
  return make_entry(EntryKind::kTapeout, boost::json::object{{"id", id}, {"envelope", std::move(*env)}});
}

std::string claim_entry_canonical(const ClaimEntryFields& c, std::string_view canonical_evaluation) {
  // make_entry(kClaim, fact) written directly: the evaluation of a 200,000-line claim is
  // 40 MB, and building and serializing an object around it cost a fifth of the filing.
  // Keys in byte order; tests/log/test_entries.cpp checks the equivalence.
  std::string out;
  out.reserve(canonical_evaluation.size() + 256);
  auto field = [&](const char* key, const std::optional<std::string>& v) {
    if (!v) return;
    out += key;
    append_json_string(out, *v);
  };
  out += R"({"fact":{"claimant":)";
  append_json_string(out, c.claimant);
  field(R"(,"dataset":)", c.dataset);
  out += R"(,"evaluation":)";
  out += canonical_evaluation;
  field(R"(,"event":)", c.event);
  field(R"(,"facts_sha256":)", c.facts_sha256);
  field(R"(,"group":)", c.group);
  out += R"(,"id":)";
  append_json_string(out, c.id);
  out += R"(,"rule":)";
  append_json_string(out, c.rule);
  field(R"(,"tapeout":)", c.tapeout);
  out += R"(,"year":)";
  append_json_int(out, c.year);
  out += R"(},"kind":"claim"})";
  return out;
}

Result<std::string> claim_entry(const ClaimEntryFields& c) {
  auto eval = parse_json(c.evaluation_json, "evaluation");
  if (!eval) return eval.error();
  return claim_entry_canonical(c, canonical_json(*eval));
}

Result<std::string> claim_entry(const ClaimEntryFields& c, const boost::json::object& evaluation) {
  return claim_entry_canonical(c, canonical_json(evaluation));
}

std::string decision_entry(const DecisionEntryFields& d) {
  return make_entry(EntryKind::kDecision, boost::json::object{{"claim", d.claim},
                                                              {"outcome", d.outcome},
                                                              {"approve_fen", d.approve_fen},
                                                              {"note", d.note},
                                                              {"reviewer", d.reviewer},
                                                              {"decided_at", d.decided_at}});
}

std::string void_entry(const VoidEntryFields& v) {
  boost::json::object fact{{"invoice", v.invoice}, {"date", v.date}, {"source", v.source}};
  if (v.buyer) fact["buyer"] = *v.buyer;
  return make_entry(EntryKind::kVoid, fact);
}

std::string invoice_status_entry(const InvoiceStatusEntryFields& s) {
  boost::json::object fact{{"invoice", s.invoice}, {"status", s.status}, {"source", s.source}};
  if (s.buyer) fact["buyer"] = *s.buyer;
  return make_entry(EntryKind::kInvoiceStatus, fact);
}

std::string rd_declaration_entry(const RdDeclaration& d) {
  return make_entry(EntryKind::kRdDeclaration, json_io::to_json(d));
}
std::string signoff_participant_entry(const SignoffParticipant& p) {
  return make_entry(EntryKind::kSignoffParticipant, json_io::to_json(p));
}
std::string compute_contract_entry(const ComputeContract& c) {
  return make_entry(EntryKind::kComputeContract, json_io::to_json(c));
}
std::string data_trade_entry(const DataTrade& t) { return make_entry(EntryKind::kDataTrade, json_io::to_json(t)); }
std::string dataset_entry(const Dataset& d) { return make_entry(EntryKind::kDataset, json_io::to_json(d)); }
std::string dataset_call_entry(const DatasetCall& c) {
  return make_entry(EntryKind::kDatasetCall, json_io::to_json(c));
}
std::string platform_recognition_entry(const PlatformRecognition& r) {
  return make_entry(EntryKind::kPlatformRecognition, json_io::to_json(r));
}
std::string platform_expense_entry(const PlatformExpense& x) {
  return make_entry(EntryKind::kPlatformExpense, json_io::to_json(x));
}
std::string event_entry(const Event& e) { return make_entry(EntryKind::kEvent, json_io::to_json(e)); }
std::string row_ref(std::int64_t row) { return "#" + std::to_string(row); }

}  // namespace chipreg::tlog
