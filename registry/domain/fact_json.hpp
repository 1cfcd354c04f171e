// JSON <-> facts, in the contract's scenario object shapes. One parser and one writer per
// fact kind, shared by `chipreg evaluate`, the HTTP API, the JSON Lines importer, export
// and the transparency log (whose leaves are canonical_json(to_json(fact))).
//
// Parsers validate every field strictly (types, USCC check characters, dates, enums,
// pct range and precision, non-negative money) and fail with an Error whose `field` is
// the path of the bad value relative to the object ("date", "reverses.line").
// Unknown extra fields are rejected with code UNKNOWN_FIELD. References to other facts
// (a purchase's product) are not checked here; scenario_from_json checks them within a
// scenario, the store checks them against the database.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"

namespace chipreg::json_io {

Result<Enterprise> enterprise_from_json(const boost::json::value& v);
Result<Person> person_from_json(const boost::json::value& v);
Result<FamilyLink> family_link_from_json(const boost::json::value& v);
Result<EquityEdge> equity_from_json(const boost::json::value& v);
Result<ManualAffiliation> manual_affiliation_from_json(const boost::json::value& v);
Result<Product> product_from_json(const boost::json::value& v);
Result<Tapeout> tapeout_from_json(const boost::json::value& v);
Result<Purchase> purchase_from_json(const boost::json::value& v);
Result<RdDeclaration> rd_declaration_from_json(const boost::json::value& v);
Result<SignoffParticipant> signoff_participant_from_json(const boost::json::value& v);
Result<ComputeContract> compute_contract_from_json(const boost::json::value& v);
Result<DataTrade> data_trade_from_json(const boost::json::value& v);
Result<Dataset> dataset_from_json(const boost::json::value& v);
Result<DatasetCall> dataset_call_from_json(const boost::json::value& v);
Result<PlatformRecognition> platform_recognition_from_json(const boost::json::value& v);
Result<PlatformExpense> platform_expense_from_json(const boost::json::value& v);
Result<Event> event_from_json(const boost::json::value& v);
Result<OtherAward> other_award_from_json(const boost::json::value& v);
Result<PriorApproval> prior_approval_from_json(const boost::json::value& v);
Result<InvoiceVoid> void_from_json(const boost::json::value& v);
// `id` and `claimant` are optional here (the HTTP API takes them from the request; the
// claimant is then a placeholder the caller must overwrite); scenario claims require both.
// A tapeout claim's `year`, if given, must be its tape-out's year (checked in scenarios);
// so must an event claim's be its event's start year. Claim shapes (contract, "The other
// clauses"): {rule, year} for eda_rd, eda_purchase, equipment_rd, compute, data_platform
// and platform; {rule: dataset, year, dataset}; {rule: event, event}.
Result<ClaimRequest> claim_request_from_json(const boost::json::value& v);

boost::json::object to_json(const Enterprise& e);
boost::json::object to_json(const Person& p);
boost::json::object to_json(const FamilyLink& f);
boost::json::object to_json(const EquityEdge& e);  // pct as a JSON number (e.g. 24.99)
boost::json::object to_json(const ManualAffiliation& m);
boost::json::object to_json(const Product& p);
boost::json::object to_json(const Tapeout& t);
boost::json::object to_json(const Purchase& p);
boost::json::object to_json(const RdDeclaration& d);
boost::json::object to_json(const SignoffParticipant& p);
boost::json::object to_json(const ComputeContract& c);
boost::json::object to_json(const DataTrade& t);
boost::json::object to_json(const Dataset& d);
boost::json::object to_json(const DatasetCall& c);
boost::json::object to_json(const PlatformRecognition& r);
boost::json::object to_json(const PlatformExpense& x);
boost::json::object to_json(const Event& e);
boost::json::object to_json(const OtherAward& a);
boost::json::object to_json(const PriorApproval& a);
boost::json::object to_json(const InvoiceVoid& v);
boost::json::object to_json(const ClaimRequest& c);

// A whole scenario, with cross-references checked; error fields are full paths
// ("purchases[2].product"). parse_scenario also reports malformed JSON (code BAD_JSON,
// with the line and column).
// Also accepted: `claimed_lines` [{"invoice","line"}] -> Facts::claimed_elsewhere, and
// `parameters` checked against policy::check_override (UNKNOWN_PARAMETER, BAD_PARAMETER).
Result<Facts> scenario_from_json(const boost::json::value& v);
// The scenario object for `f`, every array present (empty ones too), in the order the
// facts hold them: what GET /v1/claims/{id}/facts serves and facts_sha256 digests.
// scenario_from_json(to_scenario_json(f)) gives back `f`.
boost::json::object to_scenario_json(const Facts& f);
// canonical_json(to_scenario_json(f)), with the purchases (nearly all of a large claim's
// facts) written directly instead of built as objects first: a claim's facts bundle.
std::string to_scenario_canonical(const Facts& f);
// canonical_json(to_json(p)) appended to `out`; without its platform status when
// `with_status` is false (the purchase's log leaf: tlog::purchase_entry).
void append_purchase_canonical(std::string& out, const Purchase& p, bool with_status = true);
Result<Facts> parse_scenario(std::string_view text);

}  // namespace chipreg::json_io
