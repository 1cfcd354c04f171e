// The facts the rules engine decides on: plain values, no behaviour beyond small
// predicates. The scenario parser (chipreg evaluate) and the store (HTTP service) both
// produce a Facts; the engine is a pure function of it. Field meanings follow the
// contract's Scenario section and ../policy/RULES.md.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/domain/date.hpp"
#include "registry/domain/enums.hpp"
#include "registry/domain/money.hpp"
#include "registry/domain/rate.hpp"
#include "registry/domain/uscc.hpp"

namespace chipreg {

struct Enterprise {
  Uscc uscc;
  std::string name;
  bool in_district = false;
  std::vector<Role> roles;

  bool has_role(Role r) const {
    for (Role x : roles) if (x == r) return true;
    return false;
  }
  // 集成电路企业: any ic_* role, or a foundry.
  bool is_ic() const {
    for (Role x : roles) if (is_ic_role(x)) return true;
    return false;
  }
};

struct Person {
  std::string id;
  std::string name;
};

struct FamilyLink {
  std::string a;  // person ids
  std::string b;
  FamilyRelation relation = FamilyRelation::kSpouse;
};

// A date range [from, to], both ends included; `to` absent means open-ended.
struct Validity {
  Date from;
  std::optional<Date> to;
  bool contains(Date d) const { return from <= d && (!to || d <= *to); }
};

struct EquityEdge {
  std::string holder;        // a USCC or a person id
  bool holder_is_person = false;
  Uscc held;
  Rate pct;                  // of `held`'s shares, exact to 0.0001 %
  Validity valid;
};

struct ManualAffiliation {
  Uscc a;
  Uscc b;
  Validity valid;
  std::string basis;         // e.g. "same actual controller"
  // A reviewer's finding either way (异议, registry/store/objections.hpp): true records an
  // affiliation the holdings do not show; false a dated finding that the two were NOT
  // affiliated, which overrides every holding-based verdict on the days it covers (an
  // equity edge the registry still shows open after it ended, for instance). Scenario
  // field "affiliated": false; absent means true.
  bool affiliated = true;
};

struct Product {
  std::string id;
  ProductKind kind = ProductKind::kChip;
  Uscc owner;
  bool self_developed = false;
  std::optional<Date> first_market_date;
  std::string focus_area;
  std::optional<std::string> model;  // 规格型号, used to map e-invoice lines to products
};

struct Tapeout {
  std::string id;
  std::string product;
  Uscc foundry;
  Uscc design_owner;
  Date date;
  TapeoutKind kind = TapeoutKind::kMpw;
  std::string design_digest;  // "sha256:hex" or "sm3:hex"
  Money cost;
  std::optional<std::string> mask_set_id;
  // Filled by the store for attestations: which key signed and its status on the
  // tape-out date ("valid", "revoked from 2025-03-01 (after this tape-out)").
  std::optional<std::string> keyid;
  std::optional<std::string> key_status;
  // Set on an attestation that its key's revocation no longer lets anyone trust (the
  // revocation falls on or before the tape-out's date or its log day, store::key_status):
  // that revocation date. Such a tape-out counts for no rule; the line findings it would
  // have answered name it (CHIP_WITHOUT_TAPEOUT, TAPEOUT_AFTER_MARKET), with its key.
  std::optional<Date> untrusted_from;
};

struct InvoiceLineRef {
  std::string invoice;
  std::int64_t line = 0;
  friend auto operator<=>(const InvoiceLineRef&, const InvoiceLineRef&) = default;
};

struct Purchase {
  std::string invoice;
  std::int64_t line = 0;
  Date date;
  Uscc buyer;
  Uscc seller;
  std::string product;
  Money amount;   // tax-exclusive; negative on a red-letter line
  Money tax;
  std::optional<InvoiceLineRef> reverses;  // the line a red-letter line reverses
  // The e-invoice platform's 发票状态 of the invoice as last imported ("已红冲-部分",
  // "已红冲-全额", ...); absent means 正常. Not part of the purchase's log leaf: a status
  // is a later fact about the invoice (registry/store/voids.hpp).
  std::optional<std::string> platform_status;

  InvoiceLineRef ref() const { return {invoice, line}; }
};

// ---- The other clauses of the seed (RULES.md "The other clauses"; contract "The other
// clauses"). Money is fen; every fact is dated so that the policy's effective date and
// affiliation on the item's date can be judged.

// An annual R&D declaration (clause 2a: field eda; clause 4: field equipment_material),
// with the audit report (专项审计) that a reviewer checks. A later declaration for the same
// (enterprise, year, field) replaces the earlier one: in a scenario, the later entry of
// the array.
struct RdDeclaration {
  Uscc enterprise;
  int year = 0;
  RdField field = RdField::kEda;
  Money rd;      // the year's R&D spend
  Money sales;   // the year's actual sales (实际销售)
  std::string audit_ref;
};

// Participation of an enterprise in a semiconductor sign-off centre (签核中心), clause 2b.
struct SignoffParticipant {
  Uscc enterprise;
  Level level = Level::kProvincial;
  Validity valid;
};

// A service contract for compute (clause 6) with the compute voucher (算力券) applied to it.
struct ComputeContract {
  std::string id;
  Uscc customer;
  Uscc provider;
  Date date;
  Money amount;
  Money voucher;
};

// A trade on a data-trading platform (clause 7).
struct DataTrade {
  std::string id;
  Uscc platform;
  Uscc buyer;
  Uscc seller;
  Date date;
  Money amount;
};

struct Dataset {
  std::string id;
  Uscc owner;
};

// One circulation (流通, a call) of a dataset, with its income (单次流通收益), clause 8.
struct DatasetCall {
  std::string id;
  std::string dataset;
  Uscc caller;
  Date date;
  Money income;
};

// Recognition of an enterprise as a high-level platform (高能级平台), clause 16a.
struct PlatformRecognition {
  Uscc enterprise;
  Level level = Level::kProvincial;
  Validity valid;
};

// Actual spending of a platform on venue rent or project construction, clause 16a.
// `id` is optional (the contract names none); it labels the item in the evaluation.
struct PlatformExpense {
  std::optional<std::string> id;
  Uscc enterprise;
  Date date;
  ExpenseKind kind = ExpenseKind::kVenueRent;
  Money amount;
};

// An event (exhibition, forum) and its prior approval (事前报批), clause 16b.
struct Event {
  std::string id;
  Uscc organizer;
  Date start;
  bool in_district = false;
  std::string focus_area;
  std::optional<Date> approval_date;
  std::optional<std::string> approval_ref;
  Money venue_rent;
};

// A registered invoice that became void (作废): every line of `invoice` stops counting.
// A fact of its own, never an edit of the purchase rows.
struct InvoiceVoid {
  std::string invoice;
  Date date;
  std::string source;  // "einvoice-import:FILE", "api", ...
};

struct OtherAward {
  std::string claim;   // the claim (project) the other level funded
  std::string level;   // "province", "city", ...
  Money amount;
};

struct PriorApproval {
  Uscc claimant;
  RuleId rule = RuleId::kLinkage;
  std::optional<LinkageGroup> group;    // linkage
  int year = 0;
  std::optional<TapeoutBranch> branch;  // tapeout
  Money amount;
  std::optional<std::string> dataset;   // dataset: the series is per dataset
  std::optional<std::string> event;     // event: each event is its own series
};

struct ClaimRequest {
  std::string id;
  RuleId rule = RuleId::kLinkage;
  Uscc claimant;
  int year = 0;                         // linkage: the claim year; tapeout: derived from the tape-out
  std::optional<LinkageGroup> group;    // linkage
  std::optional<std::string> tapeout;   // tapeout
  std::optional<std::string> dataset;   // dataset
  std::optional<std::string> event;     // event (the year is the event's start year)
  // The earlier claims of the same series (claimant, rule, year, group): other levels'
  // grants recorded on any of them count against this claim too (§7.1).
  std::vector<std::string> series;
};

struct Facts {
  std::vector<Enterprise> enterprises;
  std::vector<Person> persons;
  std::vector<FamilyLink> family;
  std::vector<EquityEdge> equity;
  std::vector<ManualAffiliation> manual_affiliations;
  std::vector<Product> products;
  std::vector<Tapeout> tapeouts;
  std::vector<Purchase> purchases;
  std::vector<RdDeclaration> rd_declarations;
  std::vector<SignoffParticipant> signoff_participants;
  std::vector<ComputeContract> compute_contracts;
  std::vector<DataTrade> data_trades;
  std::vector<Dataset> datasets;
  std::vector<DatasetCall> dataset_calls;
  std::vector<PlatformRecognition> platform_recognitions;
  std::vector<PlatformExpense> platform_expenses;
  std::vector<Event> events;
  std::vector<InvoiceVoid> voids;
  std::vector<OtherAward> other_awards;
  std::vector<PriorApproval> prior_approvals;
  // Invoice lines already counted in another (approved) claim: ALREADY_CLAIMED.
  std::vector<InvoiceLineRef> claimed_elsewhere;
  // Policy parameter overrides by name ("linkage.amount_basis" -> "tax_exclusive").
  std::map<std::string, boost::json::value> parameters;
  std::vector<ClaimRequest> claims;
};

}  // namespace chipreg
