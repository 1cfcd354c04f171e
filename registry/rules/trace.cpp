// The evaluation trace of clauses 12 and 3 and of §7.1, narrated in Chinese from the
// steps' results (trace.hpp): every sentence a reviewer reads is written here, and
// nothing here decides. Each step cites its clause ("第12条", "第3条", "§7.1").
#include "registry/rules/trace.hpp"

#include <cassert>

namespace chipreg::rules {

namespace {

const char* group_zh(LinkageGroup g) { return g == LinkageGroup::kChipModule ? "芯片/模组类" : "设备/材料类"; }

const char* basis_zh(policy::AmountBasis b) {
  return b == policy::AmountBasis::kTaxInclusive ? "价税合计" : "不含税金额";
}

// "发票 24332000000012345678 第1行".
void append_line_name(std::string& out, const std::string& invoice, std::int64_t line) {
  out += "发票 ";
  out += invoice;
  out += " 第";
  out += std::to_string(line);
  out += "行";
}

// ", 流片证明 T (密钥 K) 因该密钥自 R 起吊销而不再采信": why an attestation that would have
// answered the finding does not count.
void append_revoked(std::string& out, const Tapeout* t) {
  if (t == nullptr || !t->untrusted_from) return;
  out += "; 流片证明 " + t->id + " (" + t->date.str() + ", 签名密钥 " + t->keyid.value_or("?") + ") 因该密钥自 " +
         t->untrusted_from->str() + " 起吊销而不再采信";
}

// Why one condition failed, naming what it found; `p` is the base line judged.
void append_note(std::string& out, const LineFinding& f, const Purchase& p, const LineJudgement& j) {
  switch (f.code) {
    case LineCode::kPolicyNotInForce:
      out += "日期 " + p.date.str() + " 不在政策施行期内或不在申报年度";
      return;
    case LineCode::kNotClaimantsPurchase:
      out += "购买方 " + p.buyer.str() + " 不是申请人";
      return;
    case LineCode::kSupplierNotIcEnterprise:
      out += "销售方 " + p.seller.str() + " 不是集成电路企业";
      return;
    case LineCode::kProductNotOwnedBySupplier:
      out += "产品 " + p.product + " 不属于销售方";
      return;
    case LineCode::kAffiliated:
      assert(j.affiliation.has_value());
      out += "购销双方关联 (阈值 " + f.threshold.str() + "): " + j.affiliation.value_or("");
      return;
    case LineCode::kNotSelfDeveloped:
      out += "产品非自主研发";
      return;
    case LineCode::kNoFirstMarketDate:
      out += "产品无首次上市日期";
      return;
    case LineCode::kNotFirstListed:
      out += "采购日 " + p.date.str() + " 不在首次上市 " + f.first.str() + " 起 " + std::to_string(f.months) +
             " 个月以内 (至 " + f.last.str() + ")";
      return;
    case LineCode::kChipWithoutTapeout:
      out += "芯片无登记晶圆厂为销售方出具的流片证明";
      append_revoked(out, f.untrusted);
      return;
    case LineCode::kTapeoutAfterMarket:
      out += "首次流片 " + f.first.str() + " 晚于首次上市 " + f.last.str();
      append_revoked(out, f.untrusted);
      return;
    case LineCode::kAlreadyClaimed:
      out += "该发票行已计入其他申报";
      return;
    case LineCode::kInvoiceVoided:
      assert(f.voided != nullptr);
      out += "发票已作废 (" + f.voided->date.str() + ", " + f.voided->source + ")";
      return;
    case LineCode::kReversalMissing:
      out += "平台显示 " + p.platform_status.value_or("") + ", 但未登记对应红字发票, 不计入";
      return;
  }
}

// "第12条 发票 … 第N行 DATE 产品 P: AMOUNT 计入 | 不计入 [CODES]; NOTES". One buffer per
// step: this runs once per line.
std::string line_step(const JudgedLine& l) {
  const Purchase& p = *l.line;
  std::string step;
  step.reserve(160);
  step += "第12条 ";
  append_line_name(step, p.invoice, p.line);
  step += ' ';
  step += p.date.str();
  step += " 产品 ";
  step += p.product;
  step += ": ";
  step += l.amount.str();
  if (p.reverses) {
    step += " (红字发票, 冲减 ";
    append_line_name(step, p.reverses->invoice, p.reverses->line);
    step += ')';
  }
  const auto& findings = l.judgement->findings;
  if (l.qualifies) {
    step += " 计入";
  } else {
    step += " 不计入 [";
    for (std::size_t k = 0; k < findings.size(); ++k) {
      if (k > 0) step += ", ";
      step += to_code(findings[k].code);
    }
    if (l.red_voided) {
      if (!findings.empty()) step += ", ";
      step += to_code(LineCode::kInvoiceVoided);
    }
    step += ']';
    for (const LineFinding& f : findings) {
      step += "; ";
      append_note(step, f, *l.base, *l.judgement);
    }
    if (l.red_voided) step += "; 红字发票已作废, 不再冲减";
  }
  if (l.flagged) {
    step +=
        " [REVERSAL_MISSING: 平台显示 " + p.platform_status.value_or("") + ", 红字发票未登记; 全额计入, 须审核说明]";
  }
  return step;
}

}  // namespace

const char* to_code(LineCode c) {
  switch (c) {
    case LineCode::kPolicyNotInForce:
      return "POLICY_NOT_IN_FORCE";
    case LineCode::kNotClaimantsPurchase:
      return "NOT_CLAIMANTS_PURCHASE";
    case LineCode::kSupplierNotIcEnterprise:
      return "SUPPLIER_NOT_IC_ENTERPRISE";
    case LineCode::kProductNotOwnedBySupplier:
      return "PRODUCT_NOT_OWNED_BY_SUPPLIER";
    case LineCode::kAffiliated:
      return "AFFILIATED";
    case LineCode::kNotSelfDeveloped:
      return "NOT_SELF_DEVELOPED";
    case LineCode::kNoFirstMarketDate:
      return "NO_FIRST_MARKET_DATE";
    case LineCode::kNotFirstListed:
      return "NOT_FIRST_LISTED";
    case LineCode::kChipWithoutTapeout:
      return "CHIP_WITHOUT_TAPEOUT";
    case LineCode::kTapeoutAfterMarket:
      return "TAPEOUT_AFTER_MARKET";
    case LineCode::kAlreadyClaimed:
      return "ALREADY_CLAIMED";
    case LineCode::kInvoiceVoided:
      return "INVOICE_VOIDED";
    case LineCode::kReversalMissing:
      return "REVERSAL_MISSING";
  }
  assert(false && "every LineCode has its code");
  return "";
}

const char* to_code(TapeoutCode c) {
  switch (c) {
    case TapeoutCode::kPolicyNotInForce:
      return "POLICY_NOT_IN_FORCE";
    case TapeoutCode::kNotDesignOwner:
      return "NOT_DESIGN_OWNER";
    case TapeoutCode::kClaimantNotInDistrict:
      return "CLAIMANT_NOT_IN_DISTRICT";
    case TapeoutCode::kNotKeyArea:
      return "NOT_KEY_AREA";
    case TapeoutCode::kNotFirstTapeout:
      return "NOT_FIRST_TAPEOUT";
    case TapeoutCode::kProductionTapeout:
      return "PRODUCTION_TAPEOUT";
  }
  assert(false && "every TapeoutCode has its code");
  return "";
}

std::string short_percent(Rate r) {
  assert(r.units() >= 0);
  std::string s = std::to_string(r.units() / Rate::kScale);
  std::int64_t frac = r.units() % Rate::kScale;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 4 - digits.size(), '0');  // kScale is 10^4: four decimals
    while (digits.back() == '0') digits.pop_back();
    s += '.' + digits;
  }
  return s + '%';
}

std::string stacking_step(const Stacked& s) {
  assert(s.applied);
  std::string sources;
  for (const OtherAward* a : s.sources) sources += (sources.empty() ? "" : ", ") + a->level + " " + a->amount.str();
  if (s.mode == policy::Stacking::kTopUp) {
    return "§7.1 从高、从优、不重复 (stacking = top_up): 其他层级已就本项目支持 " + s.other.str() + " (" + sources +
           "); 区级补足 max(0, " + s.before.plain() + " − " + s.other.plain() + ") = " + s.after.str();
  }
  return "§7.1 从高、从优、不重复 (stacking = exclusive): 其他层级已就本项目支持 " + s.other.str() + " (" + sources +
         "); 区级不再支持, 0.00 元";
}

std::vector<std::string> linkage_trace(const Facts& facts, const LinkageSteps& s) {
  assert(s.policy != nullptr && s.claimant_uscc != nullptr);
  std::vector<std::string> t;
  t.reserve(s.lines.size() + s.net.negative.size() + 8);
  t.push_back(policy_trace(facts, *s.policy, s.policy_date));
  if (s.policy->version == nullptr) {
    t.push_back("第12条: " + std::to_string(s.year) + " 年度不在任何政策版本施行期内 (POLICY_NOT_IN_FORCE)");
  }
  const Enterprise* c = s.claimant.enterprise;
  t.push_back(std::string("第12条 申请人 ") + (c ? c->name + " " : "") + *s.claimant_uscc + ": 终端厂商/系统集成商 " +
              (s.claimant.oem ? "是" : "否 (CLAIMANT_NOT_OEM)") + "; 注册在高新区(滨江) " +
              (s.claimant.in_district ? "是" : "否 (CLAIMANT_NOT_IN_DISTRICT)"));
  for (const JudgedLine& l : s.lines) t.push_back(line_step(l));
  for (const Purchase* base : s.net.negative) {
    std::string step = "第12条 ";
    append_line_name(step, base->invoice, base->line);
    step += " 冲红后净额为负, 按 0.00 元计";
    t.push_back(std::move(step));
  }
  const LinkageFormula& f = s.formula;
  const std::string head =
      std::string("第12条 ") + group_zh(f.group) + ": 年度合格采购额 (" + basis_zh(f.basis) + ") " + f.qualifying.str();
  if (f.below) {
    t.push_back(head + " < " + f.threshold.str() + "; 未达门槛, 0.00 元 (BELOW_THRESHOLD)");
  } else if (f.group == LinkageGroup::kChipModule) {
    t.push_back(head + " ≥ " + f.threshold.str() + "; " + f.rate.str() + " = " + f.computed.str() + " (向下取整到分)");
  } else {
    t.push_back(head + " ≥ " + f.threshold.str() + "; 每满 " + f.step.str() + " 奖励 " + f.per_step.str() + ", " +
                std::to_string(f.steps) + " × " + f.per_step.plain() + " = " + f.computed.str());
  }
  const CapAndPrior& p = s.paid;
  if (p.capped) {
    t.push_back("第12条 每家企业每年最高 " + p.cap.str() + ": " + p.computed.str() + " → " + p.cap.str() + " (CAPPED)");
  }
  if (p.prior.fen() > 0) {
    t.push_back("第12条 同一年度同类别已核准 " + p.prior.str() +
                (p.whole_year ? ", 按全年累计计算: max(0, " : ", 扣减已核准金额: max(0, ") + p.within_cap.plain() +
                " − " + p.prior.plain() + ") = " + p.pay.str());
  }
  if (s.stacked.applied) t.push_back(stacking_step(s.stacked));
  t.push_back("第12条 结论: " + std::string(s.eligible ? "符合条件" : "不符合条件") + ", 奖励 " + s.award.str());
  return t;
}

std::vector<std::string> tapeout_trace(const Facts& facts, const TapeoutSteps& s) {
  assert(s.policy != nullptr && s.tapeout != nullptr && s.claimant_uscc != nullptr);
  const Tapeout& to = *s.tapeout;
  const policy::Parameters& prm = s.policy->params;
  std::vector<std::string> t;
  t.push_back(policy_trace(facts, *s.policy, to.date));
  t.push_back("第3条 流片 " + to.id + ": 产品 " + to.product + ", 晶圆厂 " + to.foundry.str() + ", 设计方 " +
              to.design_owner.str() + ", " + to.date.str() + ", " + std::string(to_string(to.kind)) + ", 费用 " +
              to.cost.str());
  for (const TapeoutFinding& f : s.findings) {
    std::string why;
    switch (f.code) {
      case TapeoutCode::kPolicyNotInForce:
        why = "流片日期 " + to.date.str() + " 早于政策施行日或不在施行期内";
        break;
      case TapeoutCode::kNotDesignOwner:
        why = "申请人 " + *s.claimant_uscc + " 不是该流片产品的设计方";
        break;
      case TapeoutCode::kClaimantNotInDistrict:
        why = "申请人未注册在高新区(滨江)";
        break;
      case TapeoutCode::kNotKeyArea:
        why = "产品领域 '" + f.focus_area + "' 不属于区重点产业导向";
        break;
      case TapeoutCode::kNotFirstTapeout:
        assert(f.earlier != nullptr);
        why = "同一产品或同一设计摘要已有更早的流片 " + f.earlier->id + " (" + f.earlier->date.str() + ")";
        break;
      case TapeoutCode::kProductionTapeout:
        why = "正式量产后批量流片不在支持范围 (§6.2)";
        break;
    }
    t.push_back("第3条 " + why + " (" + to_code(f.code) + ")");
  }
  const TapeoutRow& r = s.row;
  const RowPay& chosen = r.chosen;
  if (r.at_split) {
    t.push_back("第3条 流片费用恰为 " + prm.tapeout_split.str() +
                ", \"以上\"与\"以下\"两档均适用 (BOUNDARY_AMBIGUOUS, tapeout.boundary = " +
                std::string(policy::to_string(r.boundary)) + "): " + r.small.rate.str() + " 档封顶后 " +
                r.small.pay.str() + ", " + r.large.rate.str() + " 档封顶后 " + r.large.pay.str() + "; 取 " +
                short_percent(chosen.rate) + " 档");
  }
  const bool large = chosen.branch == TapeoutBranch::kLarge;
  t.push_back(std::string("第3条 首次流片费用 ") + to.cost.str() + (large ? " ≥ " : " ≤ ") + prm.tapeout_split.str() +
              "; " + chosen.rate.str() + " = " + chosen.computed.str() + " (向下取整到分)");
  if (!s.eligible) {
    t.push_back("第3条 结论: 不符合条件, 奖励 0.00 元");
    return t;
  }
  const std::string small_row = short_percent(prm.tapeout_small_rate) + " 档 ";
  if (s.prior_all.fen() > 0) {
    t.push_back("第3条 本年度已核准流片奖励 " + s.prior_all.str() + " (其中 " + small_row + s.prior_small.str() + ")");
  }
  if (chosen.pay < chosen.computed) {
    t.push_back(std::string("第3条 年度上限: ") +
                (large ? "全部流片奖励 " + prm.tapeout_large_cap.str()
                       : small_row + prm.tapeout_small_cap.str() + ", 且全部流片奖励 " + prm.tapeout_large_cap.str()) +
                ", 尚余 " + chosen.room.str() + "; " + chosen.computed.str() + " → " + chosen.pay.str() + " (CAPPED)");
  }
  if (s.stacked.applied) t.push_back(stacking_step(s.stacked));
  t.push_back("第3条 结论: 符合条件, 奖励 " + s.award.str());
  return t;
}

}  // namespace chipreg::rules
