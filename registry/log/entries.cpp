// Leaf builders shared by the writers and the audit (see entries.hpp).
#include "registry/log/entries.hpp"

#include <boost/json.hpp>

#include "registry/fact_json.hpp"
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

std::string purchase_entry(const Purchase& p) { return make_entry(EntryKind::kPurchase, json_io::to_json(p)); }

Result<std::string> tapeout_entry(std::string_view id, std::string_view envelope_json) {
  auto env = parse_json(envelope_json, "envelope");
  if (!env) return env.error();
  return make_entry(EntryKind::kTapeout, boost::json::object{{"id", id}, {"envelope", std::move(*env)}});
}

Result<std::string> claim_entry(const ClaimEntryFields& c) {
  auto eval = parse_json(c.evaluation_json, "evaluation");
  if (!eval) return eval.error();
  boost::json::object fact{{"id", c.id},
                           {"rule", c.rule},
                           {"claimant", c.claimant},
                           {"year", c.year},
                           {"evaluation", std::move(*eval)}};
  if (c.group) fact["group"] = *c.group;
  if (c.tapeout) fact["tapeout"] = *c.tapeout;
  return make_entry(EntryKind::kClaim, fact);
}

std::string decision_entry(const DecisionEntryFields& d) {
  return make_entry(EntryKind::kDecision, boost::json::object{{"claim", d.claim},
                                                              {"outcome", d.outcome},
                                                              {"approve_fen", d.approve_fen},
                                                              {"note", d.note},
                                                              {"reviewer", d.reviewer},
                                                              {"decided_at", d.decided_at}});
}

}  // namespace chipreg::tlog
