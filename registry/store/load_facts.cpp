// load_facts: the database → Facts step in front of the rules engine.
#include "registry/store/load_facts.hpp"

#include <set>

#include "registry/store/repository.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::store {

Result<std::vector<PriorApprovalRow>> prior_approvals(Db& db, const Uscc& claimant, int year,
                                                      const std::string& except_claim) {
  auto st = db.prepare(
      "SELECT c.id, c.rule, c.grp, c.branch, d.approve_fen FROM claims c JOIN decisions d ON d.claim = c.id "
      "WHERE c.claimant = ? AND c.year = ? AND c.id <> ? AND d.outcome = 'approved' ORDER BY d.decided_at, c.id");
  if (!st) return st.error();
  st->bind(1, claimant.str()).bind(2, year).bind(3, except_claim);
  std::vector<PriorApprovalRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string claim = st->text(0);
    auto rule = parse_enum<RuleId>(st->text(1));
    if (!rule) return Error("CORRUPT_ROW", "claim " + claim + ": " + rule.error().message);
    std::optional<LinkageGroup> group;
    if (auto g = st->opt_text(2)) {
      auto parsed = parse_enum<LinkageGroup>(*g);
      if (!parsed) return Error("CORRUPT_ROW", "claim " + claim + ": " + parsed.error().message);
      group = *parsed;
    }
    std::optional<TapeoutBranch> branch;
    if (auto b = st->opt_text(3)) {
      auto parsed = parse_enum<TapeoutBranch>(*b);
      if (!parsed) return Error("CORRUPT_ROW", "claim " + claim + ": " + parsed.error().message);
      branch = *parsed;
    }
    PriorApprovalRow r{PriorApproval{claimant, *rule, group, year, branch, Money::fen(st->int64(4))}, claim};
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

Status load_reference_facts(Db& db, Facts& f) {
  if (auto s = for_each_enterprise(db, [&](const Enterprise& e) { f.enterprises.push_back(e); return Status::Ok(); }); !s) return s;
  if (auto s = for_each_person(db, [&](const Person& p) { f.persons.push_back(p); return Status::Ok(); }); !s) return s;
  if (auto s = for_each_family_link(db, [&](const FamilyLink& l) { f.family.push_back(l); return Status::Ok(); }); !s) return s;
  if (auto s = for_each_equity(db, [&](const EquityEdge& e) { f.equity.push_back(e); return Status::Ok(); }); !s) return s;
  if (auto s = for_each_manual_affiliation(db, [&](const ManualAffiliation& m) { f.manual_affiliations.push_back(m); return Status::Ok(); }); !s) return s;
  if (auto s = for_each_product(db, [&](const Product& p) { f.products.push_back(p); return Status::Ok(); }); !s) return s;
  auto tapeouts = load_tapeouts(db);
  if (!tapeouts) return tapeouts.error();
  f.tapeouts = std::move(*tapeouts);
  return Status::Ok();
}

Status load_purchases(Db& db, const Uscc& claimant, int year, Facts& f) {
  PurchaseFilter filter;
  filter.buyer = claimant;
  filter.year = year;
  filter.limit = 10000;
  std::set<InvoiceLineRef> have;
  for (;;) {
    auto rows = list_purchases(db, filter);
    if (!rows) return rows.error();
    for (auto& r : *rows) {
      have.insert(r.purchase.ref());
      f.purchases.push_back(std::move(r.purchase));
    }
    if (rows->size() < static_cast<std::size_t>(filter.limit)) break;
    filter.after_id = rows->back().id;
  }
  // A red-letter line in Y may reverse a line of an earlier year: the engine needs it to net.
  std::vector<InvoiceLineRef> missing;
  for (const auto& p : f.purchases) {
    if (p.reverses && have.count(*p.reverses) == 0) missing.push_back(*p.reverses);
  }
  for (const auto& ref : missing) {
    if (have.count(ref) != 0) continue;
    auto p = get_purchase(db, ref.invoice, ref.line);
    if (!p) return p.error();
    if (*p) {
      have.insert(ref);
      f.purchases.push_back((*p)->purchase);
    }
  }
  return Status::Ok();
}

Status load_claimed_elsewhere(Db& db, const Uscc& claimant, const std::string& claim, Facts& f) {
  auto st = db.prepare(
      "SELECT p.invoice, p.line FROM claim_lines cl JOIN purchases p ON p.id = cl.purchase "
      "WHERE cl.locked = 1 AND cl.claim <> ? AND p.buyer = ? ORDER BY p.id");
  if (!st) return st.error();
  st->bind(1, claim).bind(2, claimant.str());
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    f.claimed_elsewhere.push_back({st->text(0), st->int64(1)});
  }
  return Status::Ok();
}

}  // namespace

Result<Facts> load_facts(Db& db, ClaimRequest claim) {
  Facts f;
  if (auto s = load_reference_facts(db, f); !s) return s.error();
  if (claim.rule == RuleId::kTapeout) {
    const Tapeout* found = nullptr;
    for (const auto& t : f.tapeouts) {
      if (claim.tapeout && t.id == *claim.tapeout) found = &t;
    }
    if (found == nullptr) {
      return Error("UNKNOWN_TAPEOUT", "no trusted tape-out attestation '" + claim.tapeout.value_or("") + "'", "tapeout");
    }
    claim.year = found->date.year();
  } else {
    if (auto s = load_purchases(db, claim.claimant, claim.year, f); !s) return s.error();
  }
  auto awards = list_other_awards(db, claim.id);
  if (!awards) return awards.error();
  for (auto& a : *awards) f.other_awards.push_back(std::move(a.award));
  auto priors = prior_approvals(db, claim.claimant, claim.year, claim.id);
  if (!priors) return priors.error();
  for (auto& p : *priors) f.prior_approvals.push_back(std::move(p.approval));
  if (auto s = load_claimed_elsewhere(db, claim.claimant, claim.id, f); !s) return s.error();
  f.claims.push_back(std::move(claim));
  return f;
}

}  // namespace chipreg::store
