// What every rule reads while deciding one claim: the facts, indexed once per Engine, and
// the affiliation graph. Internal to the engine (registry/rules/evaluation.cpp builds it).
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.hpp"
#include "registry/rules/affiliation.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/domain/facts.hpp"
#include "registry/domain/policy.hpp"

namespace chipreg::rules {

struct InvoiceLineRefHash {
  std::size_t operator()(const InvoiceLineRef& r) const {
    return std::hash<std::string>{}(r.invoice) ^ (static_cast<std::size_t>(r.line) * 0x9e3779b97f4a7c15ULL);
  }
};

struct Context {
  // REQUIRES: `f` and `versions` outlive the Context.
  Context(const Facts& f, const std::vector<policy::Version>& versions);

  const Facts& facts;
  // The policy versions the engine was given, ordered by effective date (never a
  // process-wide table read behind the caller's back).
  const std::vector<policy::Version>& versions;
  // Which version decides a claim year, and the years a claim may name.
  const policy::Conventions& conventions = policy::kConventions;
  affiliation::Graph graph;
  std::unordered_map<std::string, const Enterprise*> enterprises;
  std::unordered_map<std::string, const Product*> products;
  std::unordered_map<std::string, const Tapeout*> tapeouts;
  std::unordered_map<InvoiceLineRef, const Purchase*, InvoiceLineRefHash> purchases;  // the first per ref
  std::unordered_set<InvoiceLineRef, InvoiceLineRefHash> claimed_elsewhere;
  std::unordered_map<std::string, const InvoiceVoid*> voids;  // by invoice
  // Lines that some red-letter line of the facts (on an invoice not voided) reverses.
  std::unordered_set<InvoiceLineRef, InvoiceLineRefHash> reversed;
  std::unordered_map<std::string, std::vector<const Purchase*>> purchases_by_buyer;
  std::unordered_map<std::string, std::vector<const Tapeout*>> tapeouts_by_product;
  // Attestations a key revocation made untrusted (Tapeout::untrusted_from): in neither
  // map above, only named in the findings they would have answered.
  std::unordered_map<std::string, std::vector<const Tapeout*>> untrusted_by_product;
  std::unordered_map<std::string, const Dataset*> datasets;
  std::unordered_map<std::string, std::vector<const DatasetCall*>> calls_by_dataset;
  std::unordered_map<std::string, const Event*> events;
  // Days on which some equity edge or manual affiliation starts or stops being valid,
  // sorted: affiliation verdicts are constant between two of them, so they are cached
  // per (pair, period) instead of per day.
  std::vector<Date> validity_changes;
  std::size_t period_of(Date d) const;

  const Enterprise* enterprise(const std::string& uscc) const;
  const Product* product(const std::string& id) const;
};

// The policy version in force on `d` with the scenario's overrides applied; `version` is
// null (and params the first version's, overridden) when no version is in force on `d`.
struct Policy {
  const policy::Version* version = nullptr;
  policy::Parameters params;
};
Result<Policy> policy_on(const Context& ctx, Date d);

// "binjiang-ic-2024 (2024-06-25 起施行)" and the overrides, for the trace.
std::string policy_trace(const Facts& facts, const Policy& p, Date d);

Result<ClaimEvaluation> evaluate_linkage(const Context& ctx, const ClaimRequest& claim);
Result<ClaimEvaluation> evaluate_tapeout(const Context& ctx, const ClaimRequest& claim);
// The other clauses of the seed, one file each under rules/ (shared steps: clause.hpp).
Result<ClaimEvaluation> evaluate_eda_rd(const Context& ctx, const ClaimRequest& claim);        // 2a
Result<ClaimEvaluation> evaluate_eda_purchase(const Context& ctx, const ClaimRequest& claim);  // 2b
Result<ClaimEvaluation> evaluate_equipment_rd(const Context& ctx, const ClaimRequest& claim);  // 4
Result<ClaimEvaluation> evaluate_compute(const Context& ctx, const ClaimRequest& claim);       // 6
Result<ClaimEvaluation> evaluate_data_platform(const Context& ctx, const ClaimRequest& claim); // 7
Result<ClaimEvaluation> evaluate_dataset(const Context& ctx, const ClaimRequest& claim);       // 8
Result<ClaimEvaluation> evaluate_platform(const Context& ctx, const ClaimRequest& claim);      // 16a
Result<ClaimEvaluation> evaluate_event(const Context& ctx, const ClaimRequest& claim);         // 16b

// 从高、从优、不重复 (seed §7.1): reduces e.award by what other levels granted for the
// same claim or an earlier claim of its series (claim.series), per `stacking`; adds
// OTHER_LEVEL_OFFSET and the trace step.
Status apply_stacking(const Context& ctx, const ClaimRequest& claim, const policy::Parameters& params,
                      ClaimEvaluation& e);

// Reason with details.
Reason reason(std::string code, boost::json::object details = {});

}  // namespace chipreg::rules
