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

#include "registry/date.hpp"
#include "registry/enums.hpp"
#include "registry/money.hpp"
#include "registry/rate.hpp"
#include "registry/uscc.hpp"

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
};

struct ClaimRequest {
  std::string id;
  RuleId rule = RuleId::kLinkage;
  Uscc claimant;
  int year = 0;                         // linkage: the claim year; tapeout: derived from the tape-out
  std::optional<LinkageGroup> group;    // linkage
  std::optional<std::string> tapeout;   // tapeout
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
