// The leaf bytes and refs of each logged fact kind, built from the values a writer stores.
//
// Writers (tape-out intake, purchases, claims, decisions) call these builders with the
// values they write to the row, and `chipreg log audit` calls them with the values it
// reads back from the row: the log and the data agree by construction, and an edit made
// behind chipreg's back shows up as a leaf that no longer matches its row.
//
//   kind       ref              fact inside make_entry(kind, fact)
//   tapeout    tapeout id       {"id", "envelope": the stored DSSE envelope, parsed}
//   purchase   INVOICE#LINE     json_io::to_json(Purchase)
//   claim      claim id         {"id", "rule", "claimant", "year", "group" | "tapeout" |
//                                "dataset" | "event" (the rule's series key, when it has one),
//                                "evaluation": the stored evaluation, parsed, "facts_sha256"}
//   decision   claim id         {"claim", "outcome", "approve_fen", "note", "reviewer",
//                                "decided_at"}
//
// A claim is logged again after every (re-)evaluation; the latest leaf for its ref is the
// one that must match the row.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"

namespace chipreg::tlog {

std::string purchase_ref(const Purchase& p);
// A frozen format: a purchase logged since schema migration 3 is its own leaf, and its
// bytes are rebuilt from its row with this function whenever the leaf is served, proved or
// audited. Changing a byte here breaks every such leaf; a different format needs a new
// leaf kind. Pinned by tests/log/test_purchase_leaves.cpp (docs/LOG.md).
std::string purchase_entry(const Purchase& p);

// BAD_JSON if the envelope is not JSON (the intake stores only envelopes it parsed).
Result<std::string> tapeout_entry(std::string_view id, std::string_view envelope_json);

struct ClaimEntryFields {
  std::string id;
  std::string rule;      // the rule's name (RuleId)
  std::string claimant;  // USCC
  std::int64_t year = 0;
  std::optional<std::string> group;         // linkage
  std::optional<std::string> tapeout;       // tapeout
  std::optional<std::string> dataset;       // dataset
  std::optional<std::string> event;         // event
  std::string evaluation_json;              // as stored in claims.evaluation
  std::optional<std::string> facts_sha256;  // claim_facts.facts_sha256 (absent before migration 4)
};
// BAD_JSON if evaluation_json is not JSON.
Result<std::string> claim_entry(const ClaimEntryFields& c);
// The same with the evaluation given as the object whose serialization evaluation_json
// would be (c.evaluation_json is ignored): the writer that has just built it need not
// parse its text again.
Result<std::string> claim_entry(const ClaimEntryFields& c, const boost::json::object& evaluation);
// The same with the evaluation given as its canonical JSON (c.evaluation_json is ignored):
// the claims store keeps that text and puts it in the leaf as it is.
// REQUIRES: canonical_evaluation == canonical_json(the evaluation).
std::string claim_entry_canonical(const ClaimEntryFields& c, std::string_view canonical_evaluation);

struct DecisionEntryFields {
  std::string claim;
  std::string outcome;  // "approved" | "rejected"
  std::int64_t approve_fen = 0;
  std::string note;
  std::string reviewer;
  std::string decided_at;
};
std::string decision_entry(const DecisionEntryFields& d);

// A void's and a status's leaf name the buyer whose invoice it is (invoice numbers are
// the buyer's: schema migration 15); leaves logged before it have none, and keep it so.
struct VoidEntryFields {
  std::string invoice;
  std::string date;  // YYYY-MM-DD
  std::string source;
  std::optional<std::string> buyer;
};
std::string void_entry(const VoidEntryFields& v);

struct InvoiceStatusEntryFields {
  std::string invoice;
  std::string status;  // the platform's 发票状态, e.g. 已红冲-部分
  std::string source;
  std::optional<std::string> buyer;
};
std::string invoice_status_entry(const InvoiceStatusEntryFields& s);

// The other clauses' facts, one builder per kind (a kind's leaf may change on its own: a
// later design commits to private facts with a salt), each make_entry(kind,
// json_io::to_json(fact)). The ref is the fact's id; for the facts that have none (R&D
// declarations, sign-off participations, recognitions, expenses without an id) it is
// "#" + the row's id in its table, which the writer passes as `row`.
std::string rd_declaration_entry(const RdDeclaration& d);
std::string signoff_participant_entry(const SignoffParticipant& p);
std::string compute_contract_entry(const ComputeContract& c);
std::string data_trade_entry(const DataTrade& t);
std::string dataset_entry(const Dataset& d);
std::string dataset_call_entry(const DatasetCall& c);
std::string platform_recognition_entry(const PlatformRecognition& r);
std::string platform_expense_entry(const PlatformExpense& x);
std::string event_entry(const Event& e);
std::string row_ref(std::int64_t row);

}  // namespace chipreg::tlog
