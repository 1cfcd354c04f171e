// The shared steps of the other clauses' rules (clause.hpp): opening a claim, the
// claimant check, items and their codes, prior approvals, and the award with its caps,
// series and stacking.
#include "registry/rules/clause.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <tuple>

namespace chipreg::rules {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 11> kKeyAreas = {"semiconductor_software",
                                                        "semiconductor_material",
                                                        "semiconductor_equipment",
                                                        "chip_design",
                                                        "chip_manufacturing",
                                                        "packaging_testing",
                                                        "ai_hardware",
                                                        "ai_software",
                                                        "ai_infrastructure",
                                                        "ai_foundation_model",
                                                        "ai_industry_model"};

Money clamp0(Money m) { return m < Money() ? Money() : m; }

json::value item_key(const ItemVerdict& v) {
  if (v.ref) return json::object{{"invoice", v.ref->invoice}, {"line", v.ref->line}};
  if (v.id) return json::value(*v.id);
  return json::object{{"date", v.date.str()}, {"amount_fen", v.amount.fen()}};
}

}  // namespace

bool is_key_area(std::string_view area) {
  return std::find(kKeyAreas.begin(), kKeyAreas.end(), area) != kKeyAreas.end();
}

bool policy_in_force(const Context& ctx, Date d) {
  const auto& all = ctx.versions;
  return !all.empty() && policy::in_force(all, d) != nullptr;
}

const char* level_zh(Level l) {
  switch (l) {
    case Level::kNational:
      return "国家级";
    case Level::kProvincial:
      return "省级";
    case Level::kMunicipal:
      return "市级";
  }
  return "?";
}

void ClauseClaim::fail(const std::string& code, json::object details, const std::string& why) {
  ok = false;
  e.reasons.push_back(reason(code, std::move(details)));
  step(why + " (" + code + ")");
}

void ClauseClaim::add_item(ItemVerdict v, std::string label, std::vector<std::string> notes) {
  v.qualifies = std::none_of(v.codes.begin(), v.codes.end(), [](const std::string& code) {
    return code != "VOUCHER_OFFSET";  // informational: the contract still counts, net
  });
  pending_.push_back({std::move(v), std::move(label), std::move(notes)});
}

void ClauseClaim::close_items(const std::string& what_zh) {
  std::sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.item.ref, a.item.id, a.item.date, a.item.amount, a.label) <
           std::tie(b.item.ref, b.item.id, b.item.date, b.item.amount, b.label);
  });
  std::map<std::string, std::vector<json::value>> excluded_by_code;
  std::size_t counted = 0;
  for (auto& p : pending_) {
    const ItemVerdict& v = p.item;
    std::string s = p.label + " " + v.date.str() + ": " + v.amount.str();
    if (v.qualifies) {
      ++counted;
      s += " 计入";
      if (!v.codes.empty()) s += " [" + v.codes.front() + "]";
    } else {
      s += " 不计入 [";
      for (std::size_t k = 0; k < v.codes.size(); ++k) {
        s += (k > 0 ? ", " : "") + v.codes[k];
        if (v.codes[k] != "VOUCHER_OFFSET") excluded_by_code[v.codes[k]].push_back(item_key(v));
      }
      s += "]";
    }
    for (const auto& n : p.notes) s += "; " + n;
    step(s);
    e.items.push_back(std::move(p.item));
  }
  pending_.clear();
  for (auto& [code, keys] : excluded_by_code) {
    e.reasons.push_back(reason(code, {{"scope", "items"}, {"items", json::array(keys.begin(), keys.end())}}));
  }
  step(what_zh + ": 共 " + std::to_string(e.items.size()) + " 项, 计入 " + std::to_string(counted) + " 项");
  if (counted == 0) {
    fail("NO_QUALIFYING_ITEMS", {{"items", static_cast<std::int64_t>(e.items.size())}}, "无符合条件的" + what_zh);
  }
}

json::object json_ref(const InvoiceLineRef& r) { return {{"invoice", r.invoice}, {"line", r.line}}; }

Result<Money> ClauseClaim::qualifying_sum() const {
  Money sum;
  for (const auto& v : e.items) {
    if (!v.qualifies) continue;
    auto s = sum.plus(v.amount);
    if (!s) return s.error();
    sum = *s;
  }
  return sum;
}

Result<ClauseClaim> open_claim(const Context& ctx, const ClaimRequest& claim, std::string clause, int year,
                               Date policy_date) {
  if (!ctx.conventions.year_in_range(year)) return Error("BAD_VALUE", "claim year out of range", "year");
  ClauseClaim c;
  c.request = &claim;
  c.clause = std::move(clause);
  c.e.id = claim.id;
  c.e.rule = claim.rule;
  c.e.claimant = claim.claimant.str();
  c.e.year = year;
  c.e.dataset = claim.dataset;
  c.e.event = claim.event;
  auto pol = policy_on(ctx, policy_date);
  if (!pol) return pol.error();
  c.policy = *pol;
  c.e.policy_version = pol->version ? pol->version->id : "";
  c.e.parameters = pol->params;
  c.e.trace.push_back(policy_trace(ctx.facts, *pol, policy_date));
  c.claimant = ctx.enterprise(c.e.claimant);
  if (pol->version == nullptr) {
    c.fail("POLICY_NOT_IN_FORCE", {{"date", policy_date.str()}},
           policy_date.str() + " 不在任何政策版本施行期内 (2024-06-25 起施行)");
  }
  return c;
}

void check_claimant(ClauseClaim& c, const std::string& role_zh, bool role_ok) {
  const bool in_district = c.claimant != nullptr && c.claimant->in_district;
  std::string s = "申请人 " + (c.claimant ? c.claimant->name + " " : std::string()) + c.e.claimant + ": ";
  if (!role_zh.empty()) s += role_zh + " " + (role_ok ? "是" : "否 (CLAIMANT_ROLE)") + "; ";
  s += std::string("注册在高新区(滨江) ") + (in_district ? "是" : "否 (CLAIMANT_NOT_IN_DISTRICT)");
  c.step(s);
  if (!role_ok) {
    c.ok = false;
    c.e.reasons.push_back(reason("CLAIMANT_ROLE", {{"required", role_zh}}));
  }
  if (!in_district) {
    c.ok = false;
    c.e.reasons.push_back(reason("CLAIMANT_NOT_IN_DISTRICT"));
  }
}

affiliation::Verdict affiliated(const Context& ctx, const ClauseClaim& c, const Uscc& a, const Uscc& b, Date d) {
  return ctx.graph.affiliated(a.str(), b.str(), d, c.params().affiliation_threshold);
}

Result<PriorSums> prior_sums(const Context& ctx, const ClaimRequest& claim,
                             const std::function<PriorKind(const PriorApproval&)>& classify) {
  PriorSums out;
  for (const auto& a : ctx.facts.prior_approvals) {
    if (a.rule != claim.rule || a.claimant != claim.claimant) continue;
    const PriorKind k = classify(a);
    if (k == PriorKind::kNone) continue;
    Money& into = k == PriorKind::kSeries ? out.series : out.outside;
    auto s = into.plus(a.amount);
    if (!s) return s.error();
    into = *s;
  }
  return out;
}

Status finish_award(const Context& ctx, ClauseClaim& c, const AwardInputs& in) {
  ClaimEvaluation& e = c.e;
  e.basis = in.basis;
  e.cap = in.cap;
  Money computed;
  if (c.ok) {
    auto r = in.basis.apply(in.rate);
    if (!r) return r.error();
    computed = *r;
    c.step("计算: 基数 " + in.basis.str() + " × " + in.rate.str() + " (" + in.rate_name + ") = " + computed.str() +
           " (向下取整到分)");
  } else {
    c.step("基数 " + in.basis.str() + "; 不符合条件, 不予计算");
  }
  e.eligible = c.ok;
  e.computed = computed;
  auto prior_total = in.prior.series.plus(in.prior.outside);
  if (!prior_total) return prior_total.error();
  e.prior_approved = *prior_total;

  Money room = in.cap;
  if (in.prior.outside.fen() > 0) {
    auto r = in.cap.minus(in.prior.outside);
    if (!r) return r.error();
    room = clamp0(*r);
    c.step(in.outside_zh + "已核准 " + in.prior.outside.str() + ", 计入上限 " + in.cap.str() + ", 尚余 " + room.str());
  }
  Money capped = computed;
  if (computed > room) {
    capped = room;
    e.reasons.push_back(
        reason("CAPPED", {{"cap_fen", in.cap.fen()}, {"room_fen", room.fen()}, {"computed_fen", computed.fen()}}));
    c.step(in.cap_zh + " " + in.cap.str() + ": " + computed.str() + " → " + capped.str() + " (CAPPED)");
  }
  Money pay = capped;
  if (in.prior.series.fen() > 0) {
    auto rest = capped.minus(in.prior.series);
    if (!rest) return rest.error();
    pay = clamp0(*rest);
    c.step("同一系列已核准 " + in.prior.series.str() + ", 按全年累计计算: max(0, " + capped.plain() + " − " +
           in.prior.series.plain() + ") = " + pay.str());
  }
  e.award = pay;
  if (auto st = apply_stacking(ctx, *c.request, c.params(), e); !st) return st;
  c.step("结论: " + std::string(e.eligible ? "符合条件" : "不符合条件") + ", 奖励 " + e.award.str());
  return Status::Ok();
}

Money rd_basis(const Context& ctx, ClauseClaim& c, RdField field, Money threshold, const char* threshold_name) {
  const RdDeclaration* decl = nullptr;
  for (const auto& d : ctx.facts.rd_declarations) {
    if (d.enterprise.str() != c.e.claimant || d.year != c.e.year || d.field != field) continue;
    if (decl != nullptr) c.step("研发投入申报 " + decl->audit_ref + " 被其后的申报 " + d.audit_ref + " 替换");
    decl = &d;
  }
  if (decl == nullptr) {
    c.fail("BELOW_THRESHOLD", {{"rd_fen", 0}, {"threshold_fen", threshold.fen()}},
           std::to_string(c.e.year) + " 年度无研发投入申报 (" + std::string(to_string(field)) +
               "), 按 0.00 元计, 未达 " + threshold.str());
    return Money();
  }
  c.e.extra["declaration"] =
      json::object{{"audit_ref", decl->audit_ref}, {"rd_fen", decl->rd.fen()}, {"sales_fen", decl->sales.fen()}};
  const bool reaches = decl->rd >= threshold;
  c.step(std::to_string(c.e.year) + " 年度研发投入 " + decl->rd.str() + " (专项审计 " + decl->audit_ref + ") " +
         (reaches ? "≥ " : "< ") + threshold.str() + " (" + threshold_name + ", 以上含本数)" +
         (reaches ? "" : ", 未达门槛 (BELOW_THRESHOLD)") + "; 实际销售 " + decl->sales.str() +
         (decl->sales.fen() > 0 ? "" : " (NO_ACTUAL_SALES)"));
  if (!reaches) {
    c.ok = false;
    c.e.reasons.push_back(reason("BELOW_THRESHOLD", {{"rd_fen", decl->rd.fen()}, {"threshold_fen", threshold.fen()}}));
  }
  if (decl->sales.fen() <= 0) {
    c.ok = false;
    c.e.reasons.push_back(reason("NO_ACTUAL_SALES", {{"sales_fen", decl->sales.fen()}}));
  }
  return decl->rd;
}

}  // namespace chipreg::rules
