// E-invoice platform export rows -> purchases (see einvoice.hpp for the column mapping).
#include "importers/einvoice.hpp"

#include <array>
#include <charconv>

namespace chipreg::importers {
namespace {

// Aliases per column, most specific first. Column names as the platform's 全量发票查询
// export and common bookkeeping exports spell them.
const std::array<std::vector<std::string>, 14>& aliases() {
  static const std::array<std::vector<std::string>, 14> a = {{
      {"数电发票号码", "数电票号码", "全电发票号码"},
      {"发票代码"},
      {"发票号码"},
      {"开票日期"},
      {"销方识别号", "销售方识别号", "销方纳税人识别号", "销售方纳税人识别号"},
      {"购方识别号", "购买方识别号", "购方纳税人识别号", "购买方纳税人识别号"},
      {"规格型号"},
      {"金额", "不含税金额"},
      {"税额"},
      {"价税合计"},
      {"发票状态"},
      {"是否正数发票"},
      {"原发票号码", "原蓝字发票号码", "蓝字发票号码", "被红冲蓝字数电发票号码"},
      {"备注"},
  }};
  return a;
}

std::string_view trim(std::string_view s) {
  // ASCII blanks and the ideographic space U+3000 that spreadsheets leave around cells.
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    else if (s.size() >= 3 && s.substr(0, 3) == "\xE3\x80\x80") s.remove_prefix(3);
    else break;
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    else if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") s.remove_suffix(3);
    else break;
  }
  return s;
}

Result<Money> yuan(std::string_view text, const char* field) {
  std::string_view t = trim(text);
  for (std::string_view sym : {"¥", "￥"}) {
    if (t.substr(0, sym.size()) == sym) t.remove_prefix(sym.size());
  }
  std::string s(t);
  // "-¥1.00" / "¥-1.00" both occur.
  if (s.rfind("-¥", 0) == 0 || s.rfind("-￥", 0) == 0) s.erase(1, s[1] == '\xC2' ? 2 : 3);
  auto m = Money::parse_yuan(s);
  if (!m) return Error("BAD_AMOUNT", std::string(field) + ": '" + std::string(text.substr(0, 40)) +
                                         "' is not a yuan amount like 1,234.56", field);
  return *m;
}

// Digits following `marker` in `text` (after an optional ':' / '：' and blanks).
std::string digits_after(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at + marker.size());
  for (;;) {
    if (!rest.empty() && (rest.front() == ':' || rest.front() == ' ')) rest.remove_prefix(1);
    else if (rest.substr(0, 3) == "：") rest.remove_prefix(3);
    else break;
  }
  std::string out;
  while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
    out += rest.front();
    rest.remove_prefix(1);
  }
  return out;
}

// The invoice a red-letter row reverses, from 备注 as the platform writes it.
std::string original_from_remark(std::string_view remark) {
  for (std::string_view m : {"被红冲蓝字数电发票号码", "被红冲蓝字数电票号码", "被红冲蓝字全电发票号码"}) {
    std::string n = digits_after(remark, m);
    if (!n.empty()) return n;
  }
  // Old VAT invoices: "对应正数发票代码:C号码:N".
  std::string code = digits_after(remark, "对应正数发票代码");
  if (!code.empty()) {
    const auto at = remark.find("对应正数发票代码");
    std::string number = digits_after(remark.substr(at), "号码");
    if (!number.empty()) return code + number;
  }
  return {};
}

}  // namespace

bool looks_like_einvoice(const std::vector<std::string>& header) {
  for (const auto& h : header) {
    for (const auto& a : aliases()[4]) {
      if (trim(h) == a) return true;
    }
  }
  return false;
}

Result<Date> parse_invoice_date(std::string_view text) {
  std::string_view t = trim(text);
  int part[3] = {0, 0, 0};
  int idx = 0;
  std::size_t i = 0;
  while (idx < 3) {
    const std::size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start || i - start > 4) break;
    std::from_chars(t.data() + start, t.data() + i, part[idx]);
    ++idx;
    if (idx == 3) break;
    // Separator: '-', '/', '.', or 年 / 月.
    if (i < t.size() && (t[i] == '-' || t[i] == '/' || t[i] == '.')) ++i;
    else if (t.substr(i, 3) == "年" || t.substr(i, 3) == "月") i += 3;
    else break;
  }
  if (idx == 3 && t.substr(i, 3) == "日") i += 3;
  // Whatever follows must be a time of day.
  const bool tail_ok = i == t.size() || t[i] == ' ' || t[i] == 'T';
  if (idx != 3 || !tail_ok || !Date::valid(part[0], part[1], part[2]) || part[0] < 1900) {
    std::string msg(1, '\'');
    msg.append(text.substr(0, 40)).append("' is not a date like 2025-03-01 or 2025年03月01日");
    return Error("BAD_DATE", std::move(msg));
  }
  return Date::ymd(part[0], part[1], part[2]);
}

Result<EinvoiceMapper> EinvoiceMapper::bind(const std::vector<std::string>& header) {
  EinvoiceMapper m;
  m.names_ = header;
  for (int c = 0; c < kColCount; ++c) {
    m.col_[c] = -1;
    for (const auto& alias : aliases()[static_cast<std::size_t>(c)]) {
      for (std::size_t i = 0; i < header.size() && m.col_[c] < 0; ++i) {
        if (trim(header[i]) == alias) m.col_[c] = static_cast<int>(i);
      }
      if (m.col_[c] >= 0) break;
    }
  }
  auto need = [&](Col c, const char* what) -> Status {
    if (m.col_[c] >= 0) return Status::Ok();
    return Error("BAD_HEADER", std::string("e-invoice export: missing the ") + what + " column (" +
                                   aliases()[static_cast<std::size_t>(c)].front() + ")",
                 aliases()[static_cast<std::size_t>(c)].front(), 1);
  };
  if (m.col_[kDigitalNo] < 0 && m.col_[kNumber] < 0) {
    return Error("BAD_HEADER", "e-invoice export: missing the invoice number column (数电发票号码 or 发票号码)",
                 "数电发票号码", 1);
  }
  for (auto [c, what] : {std::pair{kDate, "invoice date"}, std::pair{kSeller, "seller tax id"},
                         std::pair{kBuyer, "buyer tax id"}, std::pair{kModel, "model"},
                         std::pair{kAmount, "amount"}, std::pair{kTax, "tax"}}) {
    if (auto st = need(c, what); !st) return st.error();
  }
  return m;
}

std::string_view EinvoiceMapper::cell(const std::vector<std::string>& cells, Col c) const {
  const int i = col_[c];
  if (i < 0 || static_cast<std::size_t>(i) >= cells.size()) return {};
  return trim(cells[static_cast<std::size_t>(i)]);
}

const char* EinvoiceMapper::name(Col c) const {
  const int i = col_[c];
  if (i >= 0) return names_[static_cast<std::size_t>(i)].c_str();
  return aliases()[static_cast<std::size_t>(c)].front().c_str();
}

Result<EinvoiceMapper::Outcome> EinvoiceMapper::map(const std::vector<std::string>& cells, store::Repository& repo) {
  std::string invoice(cell(cells, kDigitalNo));
  if (invoice.empty()) invoice = std::string(cell(cells, kCode)) + std::string(cell(cells, kNumber));
  if (invoice.empty()) {
    return Error("MISSING_FIELD", std::string(name(col_[kDigitalNo] >= 0 ? kDigitalNo : kNumber)) + ": no invoice number",
                 name(col_[kDigitalNo] >= 0 ? kDigitalNo : kNumber));
  }
  const std::string_view status = cell(cells, kStatus);
  if (status.find("作废") != std::string_view::npos) {
    return Outcome{std::nullopt,
                   Error("VOIDED", "invoice " + invoice + " is voided (" + std::string(status) + "): skipped",
                         name(kStatus)),
                   invoice, std::string(status)};
  }
  // Lines are numbered in order of appearance, rejected rows included, so that
  // re-importing a corrected file gives every row the same number again.
  const std::int64_t line = ++next_line_[invoice];

  auto date = parse_invoice_date(cell(cells, kDate));
  if (!date) return Error(date.error().code, std::string(name(kDate)) + ": " + date.error().message, name(kDate));
  auto seller = Uscc::parse(cell(cells, kSeller));
  if (!seller) return Error(seller.error().code, std::string(name(kSeller)) + ": " + seller.error().message, name(kSeller));
  auto buyer = Uscc::parse(cell(cells, kBuyer));
  if (!buyer) return Error(buyer.error().code, std::string(name(kBuyer)) + ": " + buyer.error().message, name(kBuyer));
  auto amount = yuan(cell(cells, kAmount), name(kAmount));
  if (!amount) return amount.error();
  Money tax;
  const std::string_view tax_text = cell(cells, kTax);
  if (!tax_text.empty() && tax_text != "***" && tax_text != "*") {
    auto t = yuan(tax_text, name(kTax));
    if (!t) return t.error();
    tax = *t;
  }
  if (!cell(cells, kTotal).empty()) {
    auto total = yuan(cell(cells, kTotal), name(kTotal));
    if (!total) return total.error();
    auto sum = amount->plus(tax);
    if (!sum || *sum != *total) {
      return Error("BAD_AMOUNT",
                   std::string(name(kTotal)) + ": " + total->plain() + " is not 金额 + 税额 (" + amount->plain() +
                       " + " + tax.plain() + ")",
                   name(kTotal));
    }
  }
  const std::string_view model = cell(cells, kModel);
  if (model.empty()) {
    return Error("MISSING_FIELD", std::string(name(kModel)) + ": empty; lines map to products by seller + model",
                 name(kModel));
  }
  std::string key = seller->str();
  key += '\x1f';
  key += model;
  auto cached = product_by_model_.find(key);
  std::string product;
  if (cached != product_by_model_.end()) {
    product = cached->second;
  } else {
    auto p = repo.find_product_by_model(*seller, model);
    if (!p) return p.error();
    if (!*p) {
      return Error("UNKNOWN_PRODUCT",
                   std::string(name(kModel)) + ": seller " + seller->str() + " has no product with model '" +
                       std::string(model.substr(0, 80)) + "'",
                   name(kModel));
    }
    product = (*p)->id;
    product_by_model_.emplace(std::move(key), product);
  }

  const bool red = amount->fen() < 0 || tax.fen() < 0 || cell(cells, kPositive) == "否";
  std::optional<InvoiceLineRef> reverses;
  if (red) {
    std::string original(cell(cells, kOriginal));
    if (original.empty()) original = original_from_remark(cell(cells, kRemark));
    if (original.empty()) {
      return Error("UNKNOWN_INVOICE_LINE",
                   std::string(name(kRemark)) +
                       ": a red-letter line must name the invoice it reverses (原发票号码, or 备注 "
                       "\"被红冲蓝字数电发票号码：N\")",
                   name(kRemark));
    }
    auto lines = repo.lines_of_invoice(original);
    if (!lines) return lines.error();
    const std::int64_t need = -amount->fen();
    for (const auto& l : *lines) {
      if (l.purchase.product != product || l.purchase.reverses) continue;
      if (!reverses) reverses = l.purchase.ref();  // fallback: the first line of the product
      auto left = repo.remaining_amount(l.purchase.ref());
      if (!left) return left.error();
      if (*left && (*left)->fen() >= need) {
        reverses = l.purchase.ref();
        break;
      }
    }
    if (!reverses) {
      return Error("UNKNOWN_INVOICE_LINE",
                   std::string(name(kModel)) + ": the reversed invoice " + original + " has no stored line of model '" +
                       std::string(model) + "'",
                   name(kModel));
    }
  }
  std::string number = invoice;
  return Outcome{Purchase{std::move(invoice), line, *date, *buyer, *seller, std::move(product), *amount, tax, reverses, {}},
                 std::nullopt, std::move(number), std::string(status)};
}

}  // namespace chipreg::importers
