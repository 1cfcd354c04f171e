// The narration of an entitlement's `missing` (see the header for the phrases).
#include "registry/store/entitlement_words.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace chipreg::store {
namespace {

// Collects phrases once each, in first-seen order.
class Phrases {
 public:
  void add(std::string p) {
    if (seen_.insert(p).second) out_.push_back(std::move(p));
  }
  std::vector<std::string> take() { return std::move(out_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> out_;
};

std::int64_t fen_of(const boost::json::object& o, const char* key) {
  if (const auto* v = o.if_contains(key); v && v->is_int64()) return v->as_int64();
  return 0;
}

bool explains_only(const std::string& code) {
  return code == "CAPPED" || code == "OTHER_LEVEL_OFFSET" || code == "BOUNDARY_AMBIGUOUS" || code == "VOUCHER_OFFSET";
}

std::string product_word(const Facts& f, const std::string& product) {
  for (const auto& p : f.products) {
    if (p.id != product) continue;
    return std::string(p.kind == ProductKind::kChip ? "芯片 " : "产品 ") + product;
  }
  return "产品 " + product;
}

// The phrase for one failed condition of a purchase line (or an EDA purchase item).
std::string line_phrase(const Facts& f, const std::string& code, const Purchase* p, const InvoiceLineRef& ref) {
  const std::string product = p ? p->product : std::string();
  const std::string seller = p ? p->seller.str() : std::string();
  const std::string invoice = "发票 " + ref.invoice;
  if (code == "CHIP_WITHOUT_TAPEOUT") return product_word(f, product) + " 缺少流片证明";
  if (code == "TAPEOUT_AFTER_MARKET") return product_word(f, product) + " 的首次流片晚于首次上市日期";
  if (code == "NOT_SELF_DEVELOPED") return product_word(f, product) + " 非自主研发";
  if (code == "NO_FIRST_MARKET_DATE") return product_word(f, product) + " 缺少首次上市日期";
  if (code == "NOT_FIRST_LISTED") return product_word(f, product) + " 不在首发上市期内";
  if (code == "PRODUCT_NOT_OWNED_BY_SUPPLIER") return product_word(f, product) + " 不属于供应商 " + seller;
  if (code == "SUPPLIER_NOT_IC_ENTERPRISE") return "供应商 " + seller + " 不是集成电路企业";
  if (code == "SELLER_NOT_SIGNOFF_PARTICIPANT") return "供应商 " + seller + " 不是签核中心成员";
  if (code == "AFFILIATED") return "与供应商 " + seller + " 存在关联关系 (AFFILIATED)";
  if (code == "POLICY_NOT_IN_FORCE") return invoice + " 早于政策生效日";
  if (code == "ALREADY_CLAIMED") return invoice + " 第 " + std::to_string(ref.line) + " 行已在其他申报中核准";
  if (code == "INVOICE_VOIDED") return invoice + " 已作废";
  if (code == "REVERSAL_MISSING") return invoice + " 已红冲, 红字发票尚未登记";
  return invoice + " 第 " + std::to_string(ref.line) + " 行: " + code;
}

}  // namespace

std::vector<std::string> missing_words(const rules::ClaimEvaluation& e, const Facts& facts) {
  std::map<InvoiceLineRef, const Purchase*> purchases;
  for (const auto& p : facts.purchases) purchases.emplace(p.ref(), &p);
  auto purchase_of = [&](const InvoiceLineRef& ref) -> const Purchase* {
    auto it = purchases.find(ref);
    return it == purchases.end() ? nullptr : it->second;
  };
  // Line codes are summarized among the claim-level reasons too; they get their phrases
  // from the lines, where the product, seller and invoice are known.
  std::set<std::string> line_codes;
  for (const auto& l : e.lines) line_codes.insert(l.codes.begin(), l.codes.end());
  for (const auto& i : e.items) line_codes.insert(i.codes.begin(), i.codes.end());

  Phrases out;
  for (const auto& r : e.reasons) {
    if (explains_only(r.code) || line_codes.count(r.code) > 0) continue;
    if (r.code == "BELOW_THRESHOLD") {
      const std::int64_t threshold = fen_of(r.details, "threshold_fen");
      const bool rd = r.details.contains("rd_fen");
      const std::int64_t reached = rd ? fen_of(r.details, "rd_fen") : fen_of(r.details, "qualifying_fen");
      out.add(std::string(rd ? "研发投入已达 " : "已达 ") + Money::fen(reached).str() + ", 距门槛还差 " +
              Money::fen(std::max<std::int64_t>(0, threshold - reached)).str());
      continue;
    }
    // The trace's own words for the code.
    const std::string cite = "(" + r.code + ")";
    bool said = false;
    for (const auto& step : e.trace) {
      if (step.find(cite) == std::string::npos) continue;
      out.add(step);
      said = true;
    }
    if (!said) out.add(r.code);
  }
  for (const auto& l : e.lines) {
    if (l.qualifies) continue;
    for (const auto& code : l.codes) out.add(line_phrase(facts, code, purchase_of(l.ref), l.ref));
  }
  for (const auto& i : e.items) {
    if (i.qualifies) continue;
    for (const auto& code : i.codes) {
      if (explains_only(code)) continue;
      if (i.ref) {
        out.add(line_phrase(facts, code, purchase_of(*i.ref), *i.ref));
        continue;
      }
      const std::string cite = "(" + code + ")";
      bool said = false;
      for (const auto& step : e.trace) {
        if (step.find(cite) == std::string::npos || (i.id && step.find(*i.id) == std::string::npos)) continue;
        out.add(step);
        said = true;
      }
      if (!said) out.add(i.id.value_or("") + ": " + code);
    }
  }
  return out.take();
}

}  // namespace chipreg::store
