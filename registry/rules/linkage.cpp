// Clause 12 — chip-machine linkage (芯机联动), rule `linkage`.
//
// A terminal manufacturer or system integrator in the district buying self-developed,
// first-listed chips/modules (or devices/materials) from non-affiliated IC enterprises
// gets, per calendar year and group: chip_module — up to 30% of the qualifying amount
// once it reaches 3,000,000.00 元, cap 1,500,000.00 元; device_material — 100,000.00 元 per
// full 5,000,000.00 元, cap 1,000,000.00 元. Parameters: linkage.*, affiliation.threshold.
//
// Interpretations (docs/RULES-ENGINE.md):
// - The annual figures use the version in force on 31 December of the claim year
//   (policy::Conventions::annual_date); each line's own conditions (window, affiliation
//   threshold) use the version in force on the line's date, and a line dated before any
//   version is POLICY_NOT_IN_FORCE.
// - A red-letter line nets against the line it reverses, in that line's year and group,
//   and shares its verdict: reversing a non-qualifying line changes nothing. A line's net
//   amount never goes below zero (over-reversal is not a negative purchase).
// - Claims are cumulative per (claimant, year, group): pay max(0, min(computed, cap) −
//   approved already). `claimed_lines` are lines counted outside that series.
// - A voided invoice (作废, Facts::voids) counts for nothing: its blue lines are
//   INVOICE_VOIDED, and a voided red invoice no longer nets.
// - A blue line the platform shows as 已红冲 with no registered red line reversing it:
//   REVERSAL_MISSING. 已红冲-全额 (or an unqualified 已红冲) does not count; 已红冲-部分
//   counts in full and flags the claim, which a reviewer approves only with a note.
//
// The rule as steps, each opening with the words of the clause it implements:
//   check_claimant → collect_lines → judge_lines → net_red_lines → apply_formula →
//   apply_cap_and_priors → stack (stacking.cpp). They return plain results (trace.hpp);
//   evaluate_linkage writes the evaluation from them and trace.cpp narrates them.
#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <map>
#include <string_view>
#include <unordered_map>

#include "registry/rules/clause.hpp"
#include "registry/rules/context.hpp"
#include "registry/rules/trace.hpp"

namespace chipreg::rules {

namespace json = boost::json;

namespace {

// How the platform's 发票状态 reads for reversal: none, 部分 (part) or 全额 (whole).
enum class PlatformReversal { kNone, kPartial, kFull };
PlatformReversal platform_reversal(const std::optional<std::string>& status) {
  if (!status || status->find("红冲") == std::string::npos) return PlatformReversal::kNone;
  return status->find("部分") != std::string::npos ? PlatformReversal::kPartial : PlatformReversal::kFull;
}

// The conditions that depend on the seller and the product only, the same for every line
// of the pair: the product is one the claim collected (so it exists).
struct ProductChecks {
  const Product* product = nullptr;
  bool supplier_not_ic = false;        // SUPPLIER_NOT_IC_ENTERPRISE
  bool not_owned = false;              // PRODUCT_NOT_OWNED_BY_SUPPLIER
  bool not_self_developed = false;     // NOT_SELF_DEVELOPED
  std::optional<LineFinding> tapeout;  // CHIP_WITHOUT_TAPEOUT, TAPEOUT_AFTER_MARKET
};

// "集成电路企业自主研发 … 芯片": the seller is an IC enterprise owning the product, which
// it developed itself; a chip was first taped out for it, at a registered foundry, no
// later than its first market date.
ProductChecks product_checks(const Context& ctx, const Purchase& p) {
  ProductChecks s;
  const Enterprise* seller = ctx.enterprise(p.seller.str());
  s.supplier_not_ic = seller == nullptr || !seller->is_ic();
  const Product* prod = ctx.product(p.product);
  assert(prod != nullptr && "collect_lines keeps only lines of known products");
  s.product = prod;
  s.not_owned = prod->owner != p.seller;
  s.not_self_developed = !prod->self_developed;
  if (prod->kind == ProductKind::kChip) {
    // The earliest attestation of `index` for this product that a registered foundry
    // issued to the seller.
    auto earliest = [&](const auto& index) -> const Tapeout* {
      const Tapeout* first = nullptr;
      if (auto tl = index.find(prod->id); tl != index.end()) {
        for (const Tapeout* t : tl->second) {
          const Enterprise* foundry = ctx.enterprise(t->foundry.str());
          if (t->design_owner != p.seller || foundry == nullptr || !foundry->has_role(Role::kFoundry)) continue;
          if (first == nullptr || t->date < first->date) first = t;
        }
      }
      return first;
    };
    const Tapeout* first = earliest(ctx.tapeouts_by_product);
    // An earlier attestation that a revocation took away is named, so that the finding
    // says why the chip lost it.
    const Tapeout* revoked = earliest(ctx.untrusted_by_product);
    if (revoked != nullptr && first != nullptr && !(revoked->date < first->date)) revoked = nullptr;
    if (first == nullptr) {
      s.tapeout = LineFinding{.code = LineCode::kChipWithoutTapeout, .untrusted = revoked};
    } else if (prod->first_market_date && *prod->first_market_date < first->date) {
      s.tapeout = LineFinding{.code = LineCode::kTapeoutAfterMarket,
                              .first = first->date,
                              .last = *prod->first_market_date,
                              .untrusted = revoked};
    }
  }
  return s;
}

// What one claim's lines share, computed once per claim instead of once per line.
struct LineCaches {
  // The policy (with overrides applied) per version in force; null: none in force.
  std::map<const policy::Version*, Result<Policy>> policies;
  // Affiliation verdicts per (buyer, seller, validity period, threshold): verdicts are
  // constant between two days on which some edge starts or stops being valid.
  struct AffiliationKey {
    const std::string* buyer;  // USCCs owned by the facts, compared by value
    const std::string* seller;
    std::size_t period;
    std::int64_t threshold;
    bool operator==(const AffiliationKey& o) const {
      return period == o.period && threshold == o.threshold && *buyer == *o.buyer && *seller == *o.seller;
    }
  };
  struct AffiliationKeyHash {
    std::size_t operator()(const AffiliationKey& k) const {
      const std::hash<std::string> h;
      return h(*k.buyer) ^ (h(*k.seller) * 31) ^ (k.period * 1'000'003) ^ static_cast<std::size_t>(k.threshold);
    }
  };
  std::unordered_map<AffiliationKey, affiliation::Verdict, AffiliationKeyHash> affiliation;
  // The seller/product checks per (seller, product), keyed by value like the above.
  struct PairKey {
    const std::string* seller;
    const std::string* product;
    bool operator==(const PairKey& o) const { return *seller == *o.seller && *product == *o.product; }
  };
  struct PairKeyHash {
    std::size_t operator()(const PairKey& k) const {
      const std::hash<std::string> h;
      return h(*k.seller) ^ (h(*k.product) * 31);
    }
  };
  std::unordered_map<PairKey, ProductChecks, PairKeyHash> products;

  const Result<Policy>& policy(const Context& ctx, Date d) {
    const auto& all = ctx.versions;
    const policy::Version* version = all.empty() ? nullptr : policy::in_force(all, d);
    auto it = policies.find(version);
    if (it == policies.end()) it = policies.emplace(version, policy_on(ctx, d)).first;
    return it->second;
  }
  const ProductChecks& checks(const Context& ctx, const Purchase& p) {
    const PairKey key{&p.seller.str(), &p.product};
    auto it = products.find(key);
    if (it == products.end()) it = products.emplace(key, product_checks(ctx, p)).first;
    return it->second;
  }
  const affiliation::Verdict& affiliated(const Context& ctx, const Purchase& p, Rate threshold) {
    const AffiliationKey key{&p.buyer.str(), &p.seller.str(), ctx.period_of(p.date), threshold.units()};
    auto it = affiliation.find(key);
    if (it == affiliation.end()) {
      it = affiliation.emplace(key, ctx.graph.affiliated(p.buyer.str(), p.seller.str(), p.date, threshold)).first;
    }
    return it->second;
  }
};

// "鼓励终端厂商、系统集成商试用 …" (and §3: 在高新区(滨江)内): the claimant is a terminal
// manufacturer or a system integrator registered in the district.
LinkageClaimant check_claimant(const Context& ctx, const std::string& uscc) {
  LinkageClaimant c;
  c.enterprise = ctx.enterprise(uscc);
  c.oem = c.enterprise && (c.enterprise->has_role(Role::kOem) || c.enterprise->has_role(Role::kSystemIntegrator));
  c.in_district = c.enterprise && c.enterprise->in_district;
  return c;
}

// A line of the claim and the blue line it counts with.
struct Collected {
  const Purchase* line;
  const Purchase* base;
};

// "设备、材料类 / 芯片、模组类当年度采购金额": the claimant's lines of the claim year and of
// the group's product kinds, in line-ref order. A red line belongs where the line it
// reverses belongs, whatever its own date.
std::vector<Collected> collect_lines(const Context& ctx, const std::string& claimant, int year, LinkageGroup group) {
  struct Entry {
    Collected c;
    std::uint32_t invoice_rank = 0;  // the line's invoice among the distinct ones, sorted
  };
  std::vector<Entry> entries;
  if (auto it = ctx.purchases_by_buyer.find(claimant); it != ctx.purchases_by_buyer.end()) {
    for (const Purchase* p : it->second) {
      const Purchase* base = p;
      if (p->reverses) {
        if (auto b = ctx.purchases.find(*p->reverses); b != ctx.purchases.end()) base = b->second;
      }
      const Product* prod = ctx.product(base->product);
      if (base->date.year() != year || prod == nullptr || prod->kind == ProductKind::kEdaTool ||
          group_of(prod->kind) != group) {
        continue;
      }
      entries.push_back({{p, base}, 0});
    }
  }
  // Line-ref order (invoice, then line) with the strings compared once per distinct
  // invoice instead of once per comparison: invoices carry several lines each.
  std::unordered_map<std::string_view, std::uint32_t> rank;
  rank.reserve(entries.size());
  for (const Entry& en : entries) rank.emplace(en.c.line->invoice, 0);
  std::vector<std::string_view> invoices;
  invoices.reserve(rank.size());
  for (const auto& [invoice, r] : rank) invoices.push_back(invoice);
  std::sort(invoices.begin(), invoices.end());
  for (std::size_t i = 0; i < invoices.size(); ++i) rank[invoices[i]] = static_cast<std::uint32_t>(i);
  for (Entry& en : entries) en.invoice_rank = rank[en.c.line->invoice];
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.invoice_rank != b.invoice_rank ? a.invoice_rank < b.invoice_rank : a.c.line->line < b.c.line->line;
  });
  std::vector<Collected> out;
  out.reserve(entries.size());
  for (const Entry& en : entries) out.push_back(en.c);
  return out;
}

// "试用非关联集成电路企业自主研发、首次上市的设备、材料、芯片或模组": every condition of
// RULES.md on one blue line of the claim year, in the order of its codes.
Result<LineJudgement> judge_line(const Context& ctx, const Purchase& p, const std::string& claimant, int year,
                                 LineCaches& caches) {
  assert(p.date.year() == year && "collect_lines keeps only base lines of the claim year");
  (void)year;
  LineJudgement v;
  const Result<Policy>& pol = caches.policy(ctx, p.date);
  if (!pol) return pol.error();
  if (pol->version == nullptr) v.findings.push_back({.code = LineCode::kPolicyNotInForce});
  const policy::Parameters& prm = pol->params;
  if (p.buyer.str() != claimant) v.findings.push_back({.code = LineCode::kNotClaimantsPurchase});
  const ProductChecks& pc = caches.checks(ctx, p);
  if (pc.supplier_not_ic) v.findings.push_back({.code = LineCode::kSupplierNotIcEnterprise});
  if (pc.not_owned) v.findings.push_back({.code = LineCode::kProductNotOwnedBySupplier});
  const affiliation::Verdict& aff = caches.affiliated(ctx, p, prm.affiliation_threshold);
  if (aff.affiliated) {
    v.findings.push_back({.code = LineCode::kAffiliated, .threshold = prm.affiliation_threshold});
    v.affiliation = aff.proof;
  }
  if (pc.not_self_developed) v.findings.push_back({.code = LineCode::kNotSelfDeveloped});
  if (!pc.product->first_market_date) {
    v.findings.push_back({.code = LineCode::kNoFirstMarketDate});
  } else {
    // 首次上市: within linkage.first_listed_window_months of the first market date, both
    // ends included (以内).
    const Date first = *pc.product->first_market_date;
    const Date last = first.add_months(prm.linkage_window_months);
    assert(!(last < first) && "the window is a non-negative number of months");
    if (p.date < first || last < p.date) {
      v.findings.push_back(
          {.code = LineCode::kNotFirstListed, .first = first, .last = last, .months = prm.linkage_window_months});
    }
  }
  if (pc.tapeout) v.findings.push_back(*pc.tapeout);
  if (!ctx.claimed_elsewhere.empty() && ctx.claimed_elsewhere.count(p.ref()) != 0) {
    v.findings.push_back({.code = LineCode::kAlreadyClaimed});
  }
  if (auto it = ctx.voids.find(p.invoice); it != ctx.voids.end()) {
    v.findings.push_back({.code = LineCode::kInvoiceVoided, .voided = it->second});
  }
  const PlatformReversal shown = platform_reversal(p.platform_status);
  if (shown != PlatformReversal::kNone && ctx.reversed.count(p.ref()) == 0) {
    if (shown == PlatformReversal::kFull) {
      v.findings.push_back({.code = LineCode::kReversalMissing});
    } else {
      v.reversal_missing_partial = true;
    }
  }
  assert(!(v.affiliation.has_value()) || std::any_of(v.findings.begin(), v.findings.end(), [](const LineFinding& f) {
    return f.code == LineCode::kAffiliated;
  }));
  return v;
}

Result<Money> basis_amount(const Purchase& p, policy::AmountBasis basis) {
  if (basis == policy::AmountBasis::kTaxExclusive) return p.amount;
  return p.amount.plus(p.tax);
}

// Judges every collected line: its base line once (red lines share the verdict), the
// line's own amount on the basis, and whether the line counts.
// The judgements are keyed by the base line itself: invoice + line is unique among the
// facts (the scenario parser and the store reject a second one), so this keys by its ref
// without copying and comparing refs on every line. Node-based: pointers stay valid.
using Judgements = std::unordered_map<const Purchase*, LineJudgement>;
Result<std::vector<JudgedLine>> judge_lines(const Context& ctx, const std::vector<Collected>& collected,
                                            const std::string& claimant, int year, const policy::Parameters& prm,
                                            Judgements& judgements) {
  LineCaches caches;
  judgements.reserve(collected.size());
  std::vector<JudgedLine> out;
  out.reserve(collected.size());
  for (const Collected& c : collected) {
    auto v = judgements.find(c.base);
    if (v == judgements.end()) {
      auto judged = judge_line(ctx, *c.base, claimant, year, caches);
      if (!judged) return judged.error();
      v = judgements.emplace(c.base, std::move(*judged)).first;
    }
    auto amount = basis_amount(*c.line, prm.linkage_amount_basis);
    if (!amount) return amount.error();
    JudgedLine j;
    j.line = c.line;
    j.base = c.base;
    j.judgement = &v->second;
    j.amount = *amount;
    // A voided red invoice no longer nets against the line it reversed.
    j.red_voided = c.line != c.base && ctx.voids.count(c.line->invoice) != 0;
    j.qualifies = v->second.findings.empty() && !j.red_voided;
    j.flagged = j.qualifies && c.line == c.base && v->second.reversal_missing_partial;
    assert((c.line == c.base || c.line->reverses) && "only a red line counts with another line");
    out.push_back(j);
  }
  return out;
}

// "当年度采购金额累计": the lines that count, each blue line netted with the red lines
// that reverse it; a net below zero counts as zero.
Result<Netted> net_red_lines(const std::vector<JudgedLine>& lines) {
  std::unordered_map<const Purchase*, Money> net;  // per counted base line
  net.reserve(lines.size());
  for (const JudgedLine& j : lines) {
    if (!j.qualifies) continue;
    Money& base_net = net[j.base];
    auto sum = base_net.plus(j.amount);
    if (!sum) return sum.error();
    base_net = *sum;
  }
  // Negative nets are noted in line order; the sum of the rest does not depend on order
  // (all terms are non-negative, so it overflows exactly when the total does).
  Netted out;
  for (const auto& [base, amount] : net) {
    if (amount < Money()) {
      out.negative.push_back(base);
      continue;
    }
    auto sum = out.qualifying.plus(amount);
    if (!sum) return sum.error();
    out.qualifying = *sum;
  }
  std::sort(out.negative.begin(), out.negative.end(), [](const Purchase* a, const Purchase* b) {
    const int c = a->invoice.compare(b->invoice);
    return c != 0 ? c < 0 : a->line < b->line;
  });
  assert(!(out.qualifying < Money()));
  return out;
}

// "设备、材料类当年度采购金额累计达500万元以上,按当年采购金额每500万元补贴10万元的标准 …;
// 芯片、模组类当年度采购金额累计达300万元以上,按照最高不超过当年采购金额的30%给予补贴":
// the threshold (以上: reached at the threshold itself) and the group's formula.
Result<LinkageFormula> apply_formula(const policy::Parameters& prm, LinkageGroup group, Money qualifying) {
  assert(!(qualifying < Money()));
  LinkageFormula f;
  f.group = group;
  f.basis = prm.linkage_amount_basis;
  f.qualifying = qualifying;
  const bool chips = group == LinkageGroup::kChipModule;
  f.threshold = chips ? prm.linkage_chip_threshold : prm.linkage_device_threshold;
  f.below = qualifying < f.threshold;
  if (f.below) return f;
  if (chips) {
    f.rate = prm.linkage_chip_rate;
    auto c = qualifying.apply(f.rate);
    if (!c) return c.error();
    f.computed = *c;
    assert(!(f.computed > qualifying) && "a rate is at most 100%");
  } else {
    f.step = prm.linkage_device_step;
    f.per_step = prm.linkage_device_award_per_step;
    assert(f.step.fen() > 0 && "linkage.device_material.step_fen is positive (policy.cpp)");
    f.steps = qualifying.fen() / f.step.fen();
    auto c = f.per_step.times(f.steps);
    if (!c) return c.error();
    f.computed = *c;
  }
  assert(!(f.computed < Money()));
  return f;
}

// "每家企业最高补贴100万元 / 150万元": the cap holds for the year, so the claim pays what the
// capped figure leaves after the series' approvals.
Result<CapAndPrior> apply_cap_and_priors(const Context& ctx, const ClaimRequest& claim, const policy::Parameters& prm,
                                         LinkageGroup group, Money computed, const std::vector<JudgedLine>& lines) {
  assert(!(computed < Money()));
  CapAndPrior c;
  c.cap = group == LinkageGroup::kChipModule ? prm.linkage_chip_cap : prm.linkage_device_cap;
  assert(!(c.cap < Money()) && "caps are non-negative (policy.cpp)");
  c.computed = computed;
  c.capped = computed > c.cap;
  c.within_cap = c.capped ? c.cap : computed;
  for (const auto& a : ctx.facts.prior_approvals) {
    if (a.rule == RuleId::kLinkage && a.claimant == claim.claimant && a.year == claim.year && a.group == group) {
      auto sum = c.prior.plus(a.amount);
      if (!sum) return sum.error();
      c.prior = *sum;
    }
  }
  // "按全年累计计算" only where the whole year was counted: no line of the year was left
  // out as counted by a claim outside the series.
  for (const JudgedLine& j : lines) {
    if (j.qualifies) continue;
    for (const LineFinding& f : j.judgement->findings) {
      if (f.code == LineCode::kAlreadyClaimed) c.whole_year = false;
    }
  }
  c.pay = c.within_cap;
  if (c.prior.fen() > 0) {
    auto rest = c.within_cap.minus(c.prior);
    if (!rest) return rest.error();
    c.pay = *rest < Money() ? Money() : *rest;
  }
  assert(!(c.within_cap > c.cap) && !(c.within_cap > c.computed));
  assert(!(c.pay < Money()) && !(c.pay > c.within_cap));
  return c;
}

// The contract's lines[] from the judged lines, and one reason per code that excluded
// lines (sorted by code) and REVERSAL_MISSING for the lines counted but flagged.
void write_lines(const std::vector<JudgedLine>& lines, ClaimEvaluation& e) {
  std::map<std::string, std::vector<json::value>> excluded_by_code;
  std::vector<json::value> reversal_flagged;  // 已红冲-部分 lines counted without their red line
  e.lines.reserve(lines.size());
  for (const JudgedLine& j : lines) {
    LineVerdict lv;
    lv.ref = j.line->ref();
    lv.date = j.line->date;
    lv.product = j.line->product;
    lv.amount = j.amount;
    lv.codes.reserve(j.judgement->findings.size() + 1);
    for (const LineFinding& f : j.judgement->findings) lv.codes.emplace_back(to_code(f.code));
    if (j.red_voided) lv.codes.emplace_back(to_code(LineCode::kInvoiceVoided));
    lv.qualifies = j.qualifies;
    assert(lv.qualifies == lv.codes.empty());
    if (j.flagged) {
      lv.codes.emplace_back(to_code(LineCode::kReversalMissing));
      reversal_flagged.push_back(json_ref(lv.ref));
    }
    if (!lv.qualifies) {
      for (const auto& code : lv.codes) excluded_by_code[code].push_back(json_ref(lv.ref));
    }
    lv.reverses = j.line->reverses;
    lv.affiliation = j.judgement->affiliation;
    e.lines.push_back(std::move(lv));
  }
  for (auto& [code, refs] : excluded_by_code) {
    e.reasons.push_back(reason(code, {{"scope", "lines"}, {"lines", json::array(refs.begin(), refs.end())}}));
  }
  if (!reversal_flagged.empty()) {
    e.reasons.push_back(
        reason("REVERSAL_MISSING", {{"scope", "lines"},
                                    {"counted", true},
                                    {"lines", json::array(reversal_flagged.begin(), reversal_flagged.end())}}));
  }
}

}  // namespace

Result<ClaimEvaluation> evaluate_linkage(const Context& ctx, const ClaimRequest& claim) {
  ClaimEvaluation e;
  e.id = claim.id;
  e.rule = RuleId::kLinkage;
  e.claimant = claim.claimant.str();
  e.year = claim.year;
  e.group = claim.group.value_or(LinkageGroup::kChipModule);
  const LinkageGroup group = *e.group;

  if (!ctx.conventions.year_in_range(claim.year)) return Error("BAD_VALUE", "claim year out of range", "year");
  LinkageSteps s;
  s.year = claim.year;
  s.claimant_uscc = &e.claimant;
  s.policy_date = ctx.conventions.annual_date(claim.year);
  auto pol = policy_on(ctx, s.policy_date);
  if (!pol) return pol.error();
  s.policy = &*pol;
  const policy::Parameters& prm = pol->params;
  s.claimant = check_claimant(ctx, e.claimant);

  const std::vector<Collected> collected = collect_lines(ctx, e.claimant, claim.year, group);
  Judgements judgements;
  auto lines = judge_lines(ctx, collected, e.claimant, claim.year, prm, judgements);
  if (!lines) return lines.error();
  s.lines = std::move(*lines);
  auto net = net_red_lines(s.lines);
  if (!net) return net.error();
  s.net = std::move(*net);
  auto formula = apply_formula(prm, group, s.net.qualifying);
  if (!formula) return formula.error();
  s.formula = *formula;

  s.eligible = pol->version != nullptr && s.claimant.oem && s.claimant.in_district && !s.formula.below;
  auto paid = apply_cap_and_priors(ctx, claim, prm, group, s.eligible ? s.formula.computed : Money(), s.lines);
  if (!paid) return paid.error();
  s.paid = *paid;
  auto stacked = stack(ctx, claim, prm.stacking, s.paid.pay);
  if (!stacked) return stacked.error();
  s.stacked = std::move(*stacked);
  s.award = s.stacked.after;
  assert(!(s.award > s.paid.pay) && !(s.award > s.paid.cap) && !(s.award < Money()));
  assert(s.eligible || s.paid.computed.fen() == 0);

  // The evaluation, written from the steps' results.
  e.policy_version = pol->version ? pol->version->id : "";
  e.parameters = prm;
  if (pol->version == nullptr) e.reasons.push_back(reason("POLICY_NOT_IN_FORCE", {{"year", claim.year}}));
  if (!s.claimant.oem) e.reasons.push_back(reason("CLAIMANT_NOT_OEM"));
  if (!s.claimant.in_district) e.reasons.push_back(reason("CLAIMANT_NOT_IN_DISTRICT"));
  write_lines(s.lines, e);
  e.qualifying = s.net.qualifying;
  if (s.formula.below) {
    e.reasons.push_back(reason(
        "BELOW_THRESHOLD", {{"qualifying_fen", s.net.qualifying.fen()}, {"threshold_fen", s.formula.threshold.fen()}}));
  }
  if (s.paid.capped) {
    e.reasons.push_back(reason("CAPPED", {{"cap_fen", s.paid.cap.fen()}, {"computed_fen", s.paid.computed.fen()}}));
  }
  if (s.stacked.applied) e.reasons.push_back(stacking_reason(s.stacked));
  e.eligible = s.eligible;
  e.computed = s.paid.computed;
  e.cap = s.paid.cap;
  e.prior_approved = s.paid.prior;
  e.other_levels = s.stacked.other;
  e.award = s.award;
  e.trace = linkage_trace(ctx.facts, s);
  return e;
}

}  // namespace chipreg::rules
