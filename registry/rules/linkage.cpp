// Clause 12 — chip-machine linkage (芯机联动), rule `linkage`.
//
// A terminal manufacturer or system integrator in the district buying self-developed,
// first-listed chips/modules (or devices/materials) from non-affiliated IC enterprises
// gets, per calendar year and group: chip_module — up to 30% of the qualifying amount
// once it reaches 3,000,000.00 元, cap 1,500,000.00 元; device_material — 100,000.00 元 per
// full 5,000,000.00 元, cap 1,000,000.00 元. Parameters: linkage.*, affiliation.threshold.
//
// Interpretations (docs/RULES-ENGINE.md):
// - The annual figures use the version in force on 31 December of the claim year; each
//   line's own conditions (window, affiliation threshold) use the version in force on the
//   line's date, and a line dated before any version is POLICY_NOT_IN_FORCE.
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
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include "registry/rules/context.hpp"

namespace chipreg::rules {

namespace json = boost::json;

namespace {

const char* group_zh(LinkageGroup g) { return g == LinkageGroup::kChipModule ? "芯片/模组类" : "设备/材料类"; }

struct BaseVerdict {
  std::vector<std::string> codes;
  std::optional<std::string> affiliation;
  std::vector<std::string> notes;  // why, per code, for the trace
  bool reversal_missing_partial = false;  // counts, but flags the claim (REVERSAL_MISSING)
};

// How the platform's 发票状态 reads for reversal: none, 部分 (part) or 全额 (whole).
enum class PlatformReversal { kNone, kPartial, kFull };
PlatformReversal platform_reversal(const std::optional<std::string>& status) {
  if (!status || status->find("红冲") == std::string::npos) return PlatformReversal::kNone;
  return status->find("部分") != std::string::npos ? PlatformReversal::kPartial : PlatformReversal::kFull;
}


// The checks that depend on the seller and the product only, in the order their codes
// appear: `before` goes ahead of AFFILIATED, `self_developed` after it, `tapeout` after
// the first-listed window.
struct Coded {
  std::vector<std::string> codes;
  std::vector<std::string> notes;
  void add(std::string code, std::string note) {
    codes.push_back(std::move(code));
    notes.push_back(std::move(note));
  }
  void append_to(BaseVerdict& v) const {
    v.codes.insert(v.codes.end(), codes.begin(), codes.end());
    v.notes.insert(v.notes.end(), notes.begin(), notes.end());
  }
};
struct StaticChecks {
  const Product* product = nullptr;
  Coded before;          // SUPPLIER_NOT_IC_ENTERPRISE, PRODUCT_NOT_OWNED_BY_SUPPLIER
  Coded self_developed;  // NOT_SELF_DEVELOPED
  Coded tapeout;         // CHIP_WITHOUT_TAPEOUT, TAPEOUT_AFTER_MARKET
};

StaticChecks static_checks(const Context& ctx, const Purchase& p) {
  StaticChecks s;
  const Enterprise* seller = ctx.enterprise(p.seller.str());
  if (seller == nullptr || !seller->is_ic()) {
    s.before.add("SUPPLIER_NOT_IC_ENTERPRISE", "销售方 " + p.seller.str() + " 不是集成电路企业");
  }
  const Product* prod = ctx.product(p.product);
  s.product = prod;
  if (prod == nullptr || prod->owner != p.seller) {
    s.before.add("PRODUCT_NOT_OWNED_BY_SUPPLIER", "产品 " + p.product + " 不属于销售方");
  }
  if (prod == nullptr) return s;
  if (!prod->self_developed) s.self_developed.add("NOT_SELF_DEVELOPED", "产品非自主研发");
  if (prod->kind == ProductKind::kChip) {
    std::optional<Date> first_tapeout;
    if (auto tl = ctx.tapeouts_by_product.find(prod->id); tl != ctx.tapeouts_by_product.end()) {
      for (const Tapeout* t : tl->second) {
        const Enterprise* foundry = ctx.enterprise(t->foundry.str());
        if (t->design_owner != p.seller || foundry == nullptr || !foundry->has_role(Role::kFoundry)) continue;
        if (!first_tapeout || t->date < *first_tapeout) first_tapeout = t->date;
      }
    }
    if (!first_tapeout) {
      s.tapeout.add("CHIP_WITHOUT_TAPEOUT", "芯片无登记晶圆厂为销售方出具的流片证明");
    } else if (prod->first_market_date && *prod->first_market_date < *first_tapeout) {
      s.tapeout.add("TAPEOUT_AFTER_MARKET",
                    "首次流片 " + first_tapeout->str() + " 晚于首次上市 " + prod->first_market_date->str());
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
  std::unordered_map<PairKey, StaticChecks, PairKeyHash> statics;

  const Result<Policy>& policy(const Context& ctx, Date d) {
    const auto& all = policy::versions();
    const policy::Version* version = all.empty() ? nullptr : policy::in_force(all, d);
    auto it = policies.find(version);
    if (it == policies.end()) it = policies.emplace(version, policy_on(ctx.facts, d)).first;
    return it->second;
  }
  const StaticChecks& checks(const Context& ctx, const Purchase& p) {
    const PairKey key{&p.seller.str(), &p.product};
    auto it = statics.find(key);
    if (it == statics.end()) it = statics.emplace(key, static_checks(ctx, p)).first;
    return it->second;
  }
};

Result<BaseVerdict> check_line(const Context& ctx, const Purchase& p, const std::string& claimant, int year,
                               LineCaches& caches) {
  BaseVerdict v;
  const Result<Policy>& pol = caches.policy(ctx, p.date);
  if (!pol) return pol.error();
  if (pol->version == nullptr || p.date.year() != year) {
    v.codes.push_back("POLICY_NOT_IN_FORCE");
    v.notes.push_back("日期 " + p.date.str() + " 不在政策施行期内或不在申报年度");
  }
  const policy::Parameters& prm = pol->params;
  if (p.buyer.str() != claimant) {
    v.codes.push_back("NOT_CLAIMANTS_PURCHASE");
    v.notes.push_back("购买方 " + p.buyer.str() + " 不是申请人");
  }
  const StaticChecks& sc = caches.checks(ctx, p);
  sc.before.append_to(v);
  const LineCaches::AffiliationKey key{&p.buyer.str(), &p.seller.str(), ctx.period_of(p.date),
                                       prm.affiliation_threshold.units()};
  auto it = caches.affiliation.find(key);
  if (it == caches.affiliation.end()) {
    it = caches.affiliation
             .emplace(key, ctx.graph.affiliated(p.buyer.str(), p.seller.str(), p.date, prm.affiliation_threshold))
             .first;
  }
  if (it->second.affiliated) {
    v.codes.push_back("AFFILIATED");
    v.affiliation = it->second.proof;
    v.notes.push_back("购销双方关联 (阈值 " + prm.affiliation_threshold.str() + "): " + it->second.proof);
  }
  if (const Product* prod = sc.product; prod != nullptr) {
    sc.self_developed.append_to(v);
    if (!prod->first_market_date) {
      v.codes.push_back("NO_FIRST_MARKET_DATE");
      v.notes.push_back("产品无首次上市日期");
    } else {
      const Date first = *prod->first_market_date;
      const Date last = first.add_months(prm.linkage_window_months);
      if (p.date < first || last < p.date) {
        v.codes.push_back("NOT_FIRST_LISTED");
        v.notes.push_back("采购日 " + p.date.str() + " 不在首次上市 " + first.str() + " 起 " +
                          std::to_string(prm.linkage_window_months) + " 个月以内 (至 " + last.str() + ")");
      }
    }
    sc.tapeout.append_to(v);
  }
  if (!ctx.claimed_elsewhere.empty() && ctx.claimed_elsewhere.count(p.ref()) != 0) {
    v.codes.push_back("ALREADY_CLAIMED");
    v.notes.push_back("该发票行已计入其他申报");
  }
  if (auto it = ctx.voids.find(p.invoice); it != ctx.voids.end()) {
    v.codes.push_back("INVOICE_VOIDED");
    v.notes.push_back("发票已作废 (" + it->second->date.str() + ", " + it->second->source + ")");
  }
  const PlatformReversal shown = platform_reversal(p.platform_status);
  if (shown != PlatformReversal::kNone && ctx.reversed.count(p.ref()) == 0) {
    if (shown == PlatformReversal::kFull) {
      v.codes.push_back("REVERSAL_MISSING");
      v.notes.push_back("平台显示 " + *p.platform_status + ", 但未登记对应红字发票, 不计入");
    } else {
      v.reversal_missing_partial = true;
    }
  }
  return v;
}

Result<Money> basis_amount(const Purchase& p, policy::AmountBasis basis) {
  if (basis == policy::AmountBasis::kTaxExclusive) return p.amount;
  return p.amount.plus(p.tax);
}

// The order of InvoiceLineRef, without building the refs.
bool ref_less(const Purchase& a, const Purchase& b) {
  const int c = a.invoice.compare(b.invoice);
  return c != 0 ? c < 0 : a.line < b.line;
}

void append_line_name(std::string& out, const InvoiceLineRef& r) {
  out += "发票 ";
  out += r.invoice;
  out += " 第";
  out += std::to_string(r.line);
  out += "行";
}

std::string line_name(const InvoiceLineRef& r) { return "发票 " + r.invoice + " 第" + std::to_string(r.line) + "行"; }

}  // namespace

Result<ClaimEvaluation> evaluate_linkage(const Context& ctx, const ClaimRequest& claim) {
  ClaimEvaluation e;
  e.id = claim.id;
  e.rule = RuleId::kLinkage;
  e.claimant = claim.claimant.str();
  e.year = claim.year;
  e.group = claim.group.value_or(LinkageGroup::kChipModule);
  const LinkageGroup group = *e.group;
  const bool chips = group == LinkageGroup::kChipModule;

  if (claim.year < 1900 || claim.year > 9999) {
    return Error("BAD_VALUE", "claim year out of range", "year");
  }
  const Date year_end = Date::ymd(claim.year, 12, 31);
  auto pol = policy_on(ctx.facts, year_end);
  if (!pol) return pol.error();
  const policy::Parameters& prm = pol->params;
  e.policy_version = pol->version ? pol->version->id : "";
  e.parameters = prm;
  e.trace.push_back(policy_trace(ctx.facts, *pol, year_end));

  bool ok = true;
  if (pol->version == nullptr) {
    ok = false;
    e.reasons.push_back(reason("POLICY_NOT_IN_FORCE", {{"year", claim.year}}));
    e.trace.push_back("第12条: " + std::to_string(claim.year) + " 年度不在任何政策版本施行期内 (POLICY_NOT_IN_FORCE)");
  }
  const Enterprise* claimant = ctx.enterprise(e.claimant);
  const bool oem = claimant && (claimant->has_role(Role::kOem) || claimant->has_role(Role::kSystemIntegrator));
  const bool in_district = claimant && claimant->in_district;
  e.trace.push_back(std::string("第12条 申请人 ") + (claimant ? claimant->name + " " : "") + e.claimant +
                    ": 终端厂商/系统集成商 " + (oem ? "是" : "否 (CLAIMANT_NOT_OEM)") + "; 注册在高新区(滨江) " +
                    (in_district ? "是" : "否 (CLAIMANT_NOT_IN_DISTRICT)"));
  if (!oem) {
    ok = false;
    e.reasons.push_back(reason("CLAIMANT_NOT_OEM"));
  }
  if (!in_district) {
    ok = false;
    e.reasons.push_back(reason("CLAIMANT_NOT_IN_DISTRICT"));
  }

  // The claimant's lines of the year and group. A red line belongs where the line it
  // reverses belongs.
  struct Entry {
    const Purchase* line;
    const Purchase* base;
    std::uint32_t invoice_rank = 0;  // the line's invoice among the distinct ones, sorted
  };
  std::vector<Entry> entries;
  if (auto it = ctx.purchases_by_buyer.find(e.claimant); it != ctx.purchases_by_buyer.end()) {
    for (const Purchase* p : it->second) {
      const Purchase* base = p;
      if (p->reverses) {
        if (auto b = ctx.purchases.find(*p->reverses); b != ctx.purchases.end()) base = b->second;
      }
      const Product* prod = ctx.product(base->product);
      if (base->date.year() != claim.year || prod == nullptr || prod->kind == ProductKind::kEdaTool ||
          group_of(prod->kind) != group) {
        continue;
      }
      entries.push_back({p, base, 0});
    }
  }
  // Line-ref order (invoice, then line) with the strings compared once per distinct
  // invoice instead of once per comparison: invoices carry several lines each.
  {
    std::unordered_map<std::string_view, std::uint32_t> rank;
    rank.reserve(entries.size());
    for (const Entry& en : entries) rank.emplace(en.line->invoice, 0);
    std::vector<std::string_view> invoices;
    invoices.reserve(rank.size());
    for (const auto& [invoice, r] : rank) invoices.push_back(invoice);
    std::sort(invoices.begin(), invoices.end());
    for (std::size_t i = 0; i < invoices.size(); ++i) rank[invoices[i]] = static_cast<std::uint32_t>(i);
    for (Entry& en : entries) en.invoice_rank = rank[en.line->invoice];
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.invoice_rank != b.invoice_rank ? a.invoice_rank < b.invoice_rank : a.line->line < b.line->line;
  });

  // Keyed by the base line itself: invoice + line is unique among the facts (the scenario
  // parser and the store reject a second one), so this is keying by its ref without
  // copying and comparing refs on every line.
  LineCaches caches;
  std::unordered_map<const Purchase*, BaseVerdict> verdicts;
  std::unordered_map<const Purchase*, Money> net;  // per qualifying base line
  verdicts.reserve(entries.size());
  net.reserve(entries.size());
  std::map<std::string, std::vector<json::value>> excluded_by_code;
  std::vector<json::value> reversal_flagged;  // 已红冲-部分 lines counted without their red line
  bool some_claimed_elsewhere = false;
  e.lines.reserve(entries.size());
  e.trace.reserve(e.trace.size() + entries.size() + 8);
  for (const Entry& en : entries) {
    auto v = verdicts.find(en.base);
    if (v == verdicts.end()) {
      auto checked = check_line(ctx, *en.base, e.claimant, claim.year, caches);
      if (!checked) return checked.error();
      v = verdicts.emplace(en.base, std::move(*checked)).first;
    }
    auto amount = basis_amount(*en.line, prm.linkage_amount_basis);
    if (!amount) return amount.error();
    LineVerdict lv;
    lv.ref = en.line->ref();
    lv.date = en.line->date;
    lv.product = en.line->product;
    lv.amount = *amount;
    lv.codes = v->second.codes;
    // A voided red invoice no longer nets against the line it reversed.
    const bool voided_red = en.line != en.base && ctx.voids.count(en.line->invoice) != 0;
    if (voided_red) lv.codes.push_back("INVOICE_VOIDED");
    lv.qualifies = lv.codes.empty();
    if (lv.qualifies && en.line == en.base && v->second.reversal_missing_partial) {
      lv.codes.push_back("REVERSAL_MISSING");  // counted in full, flagged for the reviewer
      reversal_flagged.push_back(json::object{{"invoice", lv.ref.invoice}, {"line", lv.ref.line}});
    }
    if (!lv.qualifies && std::find(lv.codes.begin(), lv.codes.end(), "ALREADY_CLAIMED") != lv.codes.end()) {
      some_claimed_elsewhere = true;
    }
    lv.reverses = en.line->reverses;
    lv.affiliation = v->second.affiliation;
    // One buffer per step: this runs once per line.
    std::string step;
    step.reserve(160);
    step += "第12条 ";
    append_line_name(step, lv.ref);
    step += ' ';
    step += lv.date.str();
    step += " 产品 ";
    step += lv.product;
    step += ": ";
    step += lv.amount.str();
    if (lv.reverses) {
      step += " (红字发票, 冲减 ";
      append_line_name(step, *lv.reverses);
      step += ')';
    }
    if (lv.qualifies) {
      Money& base_net = net[en.base];
      auto sum = base_net.plus(lv.amount);
      if (!sum) return sum.error();
      base_net = *sum;
      step += " 计入";
    } else {
      step += " 不计入 [";
      for (std::size_t k = 0; k < lv.codes.size(); ++k) {
        if (k > 0) step += ", ";
        step += lv.codes[k];
        excluded_by_code[lv.codes[k]].push_back(json::object{{"invoice", lv.ref.invoice}, {"line", lv.ref.line}});
      }
      step += ']';
      for (const auto& n : v->second.notes) {
        step += "; ";
        step += n;
      }
      if (voided_red) step += "; 红字发票已作废, 不再冲减";
    }
    if (lv.qualifies && !lv.codes.empty()) {
      step += " [REVERSAL_MISSING: 平台显示 " + en.line->platform_status.value_or("") + ", 红字发票未登记; 全额计入, 须审核说明]";
    }
    e.trace.push_back(std::move(step));
    e.lines.push_back(std::move(lv));
  }

  // Negative nets are noted in line order; the sum of the rest does not depend on order
  // (all terms are non-negative, so it overflows exactly when the total does).
  Money qualifying;
  std::vector<const Purchase*> negative;
  for (const auto& [base, amount] : net) {
    if (amount < Money()) {
      negative.push_back(base);
      continue;
    }
    auto sum = qualifying.plus(amount);
    if (!sum) return sum.error();
    qualifying = *sum;
  }
  std::sort(negative.begin(), negative.end(), [](const Purchase* a, const Purchase* b) { return ref_less(*a, *b); });
  for (const Purchase* base : negative) {
    e.trace.push_back("第12条 " + line_name(base->ref()) + " 冲红后净额为负, 按 0.00 元计");
  }
  e.qualifying = qualifying;
  for (auto& [code, lines] : excluded_by_code) {
    json::array arr(lines.begin(), lines.end());
    e.reasons.push_back(reason(code, {{"scope", "lines"}, {"lines", std::move(arr)}}));
  }
  if (!reversal_flagged.empty()) {
    e.reasons.push_back(reason("REVERSAL_MISSING", {{"scope", "lines"},
                                                    {"counted", true},
                                                    {"lines", json::array(reversal_flagged.begin(), reversal_flagged.end())}}));
  }

  const Money threshold = chips ? prm.linkage_chip_threshold : prm.linkage_device_threshold;
  const Money cap = chips ? prm.linkage_chip_cap : prm.linkage_device_cap;
  const char* basis_zh = prm.linkage_amount_basis == policy::AmountBasis::kTaxInclusive ? "价税合计" : "不含税金额";
  Money computed;
  if (qualifying < threshold) {
    ok = false;
    e.reasons.push_back(reason("BELOW_THRESHOLD", {{"qualifying_fen", qualifying.fen()}, {"threshold_fen", threshold.fen()}}));
    e.trace.push_back(std::string("第12条 ") + group_zh(group) + ": 年度合格采购额 (" + basis_zh + ") " + qualifying.str() +
                      " < " + threshold.str() + "; 未达门槛, 0.00 元 (BELOW_THRESHOLD)");
  } else if (chips) {
    auto c = qualifying.apply(prm.linkage_chip_rate);
    if (!c) return c.error();
    computed = *c;
    e.trace.push_back(std::string("第12条 ") + group_zh(group) + ": 年度合格采购额 (" + basis_zh + ") " + qualifying.str() +
                      " ≥ " + threshold.str() + "; " + prm.linkage_chip_rate.str() + " = " + computed.str() +
                      " (向下取整到分)");
  } else {
    const std::int64_t steps = qualifying.fen() / prm.linkage_device_step.fen();
    auto c = prm.linkage_device_award_per_step.times(steps);
    if (!c) return c.error();
    computed = *c;
    e.trace.push_back(std::string("第12条 ") + group_zh(group) + ": 年度合格采购额 (" + basis_zh + ") " + qualifying.str() +
                      " ≥ " + threshold.str() + "; 每满 " + prm.linkage_device_step.str() + " 奖励 " +
                      prm.linkage_device_award_per_step.str() + ", " + std::to_string(steps) + " × " +
                      prm.linkage_device_award_per_step.plain() + " = " + computed.str());
  }
  if (!ok) computed = Money();
  e.eligible = ok;
  e.computed = computed;
  e.cap = cap;

  Money prior;
  for (const auto& a : ctx.facts.prior_approvals) {
    if (a.rule == RuleId::kLinkage && a.claimant.str() == e.claimant && a.year == claim.year && a.group == group) {
      auto sum = prior.plus(a.amount);
      if (!sum) return sum.error();
      prior = *sum;
    }
  }
  e.prior_approved = prior;
  Money capped = computed;
  if (computed > cap) {
    capped = cap;
    e.reasons.push_back(reason("CAPPED", {{"cap_fen", cap.fen()}, {"computed_fen", computed.fen()}}));
    e.trace.push_back("第12条 每家企业每年最高 " + cap.str() + ": " + computed.str() + " → " + cap.str() + " (CAPPED)");
  }
  Money pay = capped;
  if (prior.fen() > 0) {
    auto rest = capped.minus(prior);
    if (!rest) return rest.error();
    pay = *rest < Money() ? Money() : *rest;
    // "按全年累计计算" only where the whole year was counted: no line of the year was left
    // out as counted by a claim outside the series.
    e.trace.push_back("第12条 同一年度同类别已核准 " + prior.str() +
                      (some_claimed_elsewhere ? ", 扣减已核准金额: max(0, " : ", 按全年累计计算: max(0, ") +
                      capped.plain() + " − " + prior.plain() + ") = " + pay.str());
  }
  e.award = pay;
  if (auto st = apply_stacking(ctx, claim, prm, e); !st) return st.error();
  e.trace.push_back("第12条 结论: " + std::string(e.eligible ? "符合条件" : "不符合条件") + ", 奖励 " + e.award.str());
  return e;
}

}  // namespace chipreg::rules
