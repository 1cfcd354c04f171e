// E-invoice platform export rows -> purchases (see einvoice.hpp for the column mapping).
#include "importers/einvoice.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

#include "importers/exact_number.hpp"
#include "registry/domain/purchase_rules.hpp"

namespace chipreg::importers {
namespace {

// Aliases per column, most specific first. Column names as the platform's 全量发票查询
// export and common bookkeeping exports spell them.
const std::array<std::vector<std::string>, 15>& aliases() {
  static const std::array<std::vector<std::string>, 15> a = {{
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
      {"货物或应税劳务名称", "项目名称", "货物或应税劳务、服务名称"},
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
  if (m) return *m;
  // A spreadsheet number's lexical ("1.2E7", "1.234"): exact, or refused.
  const bool numeric = !s.empty() && s.find_first_not_of("+-.0123456789eE") == std::string::npos;
  if (numeric) {
    auto fen = lexical_to_fen(s, field);
    if (!fen) return fen.error();
    return Money::fen(*fen);
  }
  return Error("BAD_AMOUNT", std::string(field) + ": '" + std::string(text.substr(0, 40)) +
                                 "' is not a yuan amount like 1,234.56", field);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "", "--", "-", "—", "——": the platform's and spreadsheets' ways of writing "none".
bool absent(std::string_view s) {
  return s.empty() || s == "--" || s == "-" || s == "\xE2\x80\x94" || s == "\xE2\x80\x94\xE2\x80\x94";
}

// Characters (code points) of well-formed UTF-8 text.
std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
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
  // A 数电 red invoice reversing an old-system one: "被红冲蓝字发票代码：C 被红冲蓝字发票号码：N",
  // in either order.
  {
    std::string code = digits_after(remark, "被红冲蓝字发票代码");
    std::string number = digits_after(remark, "被红冲蓝字发票号码");
    if (!number.empty()) return code + number;
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

namespace {

// The whole days of a non-negative decimal lexical ([+]digits[.digits][(e|E)[+-]digits]),
// exactly: the integer part of the value it spells. Nullopt when it is not such a
// lexical, is negative or is past `max`.
std::optional<std::int64_t> whole_part(std::string_view s, std::int64_t max) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::string digits;  // the mantissa's digits, the decimal point taken out
  long point = -1;      // digits before the point
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits.size() > 64) return std::nullopt;
      digits += c;
    } else if (c == '.' && point < 0) {
      point = static_cast<long>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (point < 0) point = static_cast<long>(digits.size());
  long exp = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
    ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == s.size() || s.size() - i > 4) return std::nullopt;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      exp = exp * 10 + (s[i] - '0');
    }
    if (neg) exp = -exp;
  }
  const long whole_digits = point + exp;  // digits of the integer part
  std::int64_t v = 0;
  for (long k = 0; k < whole_digits; ++k) {
    const int d = k < static_cast<long>(digits.size()) ? digits[static_cast<std::size_t>(k)] - '0' : 0;
    v = v * 10 + d;
    if (v > max) return std::nullopt;
  }
  return v;
}

}  // namespace

Result<Date> date_from_serial(std::string_view lexical, SerialDates system) {
  const std::string_view t = trim(lexical);
  // 9999-12-31 is serial 2,958,465 in the 1900 system, 2,957,003 in the 1904 one.
  const std::int64_t max = system == SerialDates::k1904 ? 2'957'003 : 2'958'465;
  const auto days = system == SerialDates::kNone ? std::nullopt : whole_part(t, max);
  auto bad = [&](const std::string& why) {
    return Error("BAD_DATE", "'" + std::string(t.substr(0, 40)) + "' is not a date serial of the workbook (" + why + ")");
  };
  if (!days) return bad("a number of days from 0 to " + std::to_string(max));
  if (system == SerialDates::k1904) return Date::ymd(1904, 1, 1).add_days(*days);
  // 1900 system: Excel keeps Lotus 1-2-3's 1900-02-29, serial 60, which never was.
  if (*days == 0) return bad("0 is 1900-01-00");
  if (*days == 60) return bad("60 is 1900-02-29, a day that does not exist");
  // Counted from days a Date holds (its years start at 1900): serial 1 is 1900-01-01 and,
  // past the phantom day, serial 61 is 1900-03-01.
  if (*days < 60) return Date::ymd(1900, 1, 1).add_days(*days - 1);
  return Date::ymd(1900, 3, 1).add_days(*days - 61);
}

Result<EinvoiceMapper> EinvoiceMapper::bind(const std::vector<std::string>& header, SerialDates dates) {
  auto spill = SpillStore::open();
  if (!spill) return spill.error();
  EinvoiceMapper m(std::move(*spill));
  m.dates_ = dates;
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
  const std::string_view v = trim(cells[static_cast<std::size_t>(i)]);
  return absent(v) ? std::string_view() : v;
}

const char* EinvoiceMapper::name(Col c) const {
  const int i = col_[c];
  if (i >= 0) return names_[static_cast<std::size_t>(i)].c_str();
  return aliases()[static_cast<std::size_t>(c)].front().c_str();
}

bool EinvoiceMapper::is_skip(std::string_view code) {
  for (std::string_view c :
       {"TOTAL_ROW", "SUMMARY_LINE", "VOIDED", "NON_USCC_SELLER", "NO_REGISTERED_PRODUCT", "ALREADY_IMPORTED"}) {
    if (code == c) return true;
  }
  return false;
}

bool EinvoiceMapper::is_red(const std::vector<std::string>& cells) const {
  // 是否正数发票 decides when it has a value: a negative line of a positive invoice is a
  // discount (折扣行), not a red line.
  const std::string_view positive = cell(cells, kPositive);
  if (!positive.empty()) return positive == "否" || positive == "N" || positive == "n";
  const std::string_view a = cell(cells, kAmount);
  const std::string_view t = cell(cells, kTax);
  return (!a.empty() && a.front() == '-') || (!t.empty() && t.front() == '-') ||
         a.find("-¥") != std::string_view::npos || a.find("-￥") != std::string_view::npos;
}

// The invoice key by shape: a 数电 number of 20 digits, or an old-system 发票代码 (10 or 12
// digits) + 发票号码 (8 digits) concatenated.
Result<std::string> EinvoiceMapper::invoice_of(const std::vector<std::string>& cells) const {
  const std::string_view digital = cell(cells, kDigitalNo);
  const std::string_view code = cell(cells, kCode);
  const std::string_view number = cell(cells, kNumber);
  auto bad = [&](Col c, std::string_view v, const char* want) {
    return Error("BAD_INVOICE_NUMBER",
                 std::string(name(c)) + ": '" + std::string(v.substr(0, 40)) + "' is not " + want, name(c));
  };
  if (!digital.empty()) {
    if (all_digits(digital) && digital.size() == 20) return std::string(digital);
    return bad(kDigitalNo, digital, "a 数电 invoice number of 20 digits");
  }
  if (code.empty() && !number.empty()) {
    if (all_digits(number) && number.size() == 20) return std::string(number);
    return bad(kNumber, number, "an invoice number of 20 digits (or 8 with a 发票代码)");
  }
  if (!code.empty()) {
    if (!all_digits(code) || (code.size() != 10 && code.size() != 12)) {
      return bad(kCode, code, "a 发票代码 of 10 or 12 digits");
    }
    if (!all_digits(number) || number.size() != 8) return bad(kNumber, number, "a 发票号码 of 8 digits");
    return std::string(code) + std::string(number);
  }
  const Col c = col_[kDigitalNo] >= 0 ? kDigitalNo : kNumber;
  return Error("MISSING_FIELD", std::string(name(c)) + ": no invoice number", name(c));
}

Result<std::int64_t> EinvoiceMapper::next_line(const std::string& invoice) {
  if (invoice == counted_invoice_) return ++counted_lines_;
  // Three bit positions of the invoice in the filter, from one 64-bit hash.
  const std::size_t bits = spilled_.size() * 64;
  auto positions = [bits](const std::string& key) {
    const std::uint64_t h = std::hash<std::string>{}(key);
    const std::uint64_t h2 = (h >> 32) | 1;
    return std::array<std::size_t, 3>{static_cast<std::size_t>(h % bits), static_cast<std::size_t>((h + h2) % bits),
                                      static_cast<std::size_t>((h + 2 * h2) % bits)};
  };
  if (!counted_invoice_.empty()) {
    if (auto st = spill_.set_lines(counted_invoice_, counted_lines_); !st) return st.error();
    for (std::size_t b : positions(counted_invoice_)) spilled_[b / 64] |= std::uint64_t{1} << (b % 64);
  }
  bool maybe = true;
  for (std::size_t b : positions(invoice)) maybe = maybe && (spilled_[b / 64] >> (b % 64) & 1) != 0;
  std::int64_t before = 0;
  if (maybe) {
    auto n = spill_.lines(invoice);
    if (!n) return n.error();
    before = *n;
  }
  counted_invoice_ = invoice;
  counted_lines_ = before + 1;
  return counted_lines_;
}

namespace {

Error skip(const char* code, std::string message, std::string field) {
  return Error(code, std::move(message), std::move(field));
}

}  // namespace

Result<EinvoiceMapper::Outcome> EinvoiceMapper::map(const std::vector<std::string>& cells, store::Repository& repo) {
  auto skipped = [](Error e) -> Result<Outcome> { return Outcome{std::nullopt, std::move(e), {}, {}, {}}; };
  // Rows that are not invoice lines at all.
  for (const auto& c : cells) {
    const std::string_view v = trim(c);
    if (v == "合计" || v == "总计" || v == "合  计" || v == "合 计") {
      return skipped(skip("TOTAL_ROW", "a 合计 row (the export's totals): skipped", ""));
    }
  }
  if (cell(cells, kGoods).find("详见销货清单") != std::string_view::npos ||
      cell(cells, kModel).find("详见销货清单") != std::string_view::npos) {
    return skipped(skip("SUMMARY_LINE", "a (详见销货清单) summary line: the goods are on a list the export does not hold",
                        col_[kGoods] >= 0 ? name(kGoods) : name(kModel)));
  }
  auto inv = invoice_of(cells);
  if (!inv) return inv.error();
  std::string invoice = std::move(*inv);

  const std::string_view status = cell(cells, kStatus);
  // From here on a skipped row still names its invoice and status: the importer records
  // what the export says of a registered invoice after the rows (import.cpp).
  auto skipped_invoice = [&](Error e) -> Result<Outcome> {
    return Outcome{std::nullopt, std::move(e), invoice, std::string(status), std::string(trim(cell(cells, kBuyer)))};
  };
  // VOIDS HOOKUP. A voided row is never imported. When its invoice is registered (before
  // this file or by an earlier row of it), the importer's record_invoice_facts turns the
  // VOIDED outcome into store::void_invoice; any other status (已红冲-部分 ...) of a
  // registered invoice becomes store::set_platform_status, and 已红冲 without a registered
  // red invoice is reported as reversal_missing (registry/store/voids.hpp).
  if (status.find("作废") != std::string_view::npos) {
    return skipped_invoice(
        skip("VOIDED", "invoice " + invoice + " is voided (" + std::string(status) + "): skipped", name(kStatus)));
  }

  const std::string_view seller_text = cell(cells, kSeller);
  auto seller = Uscc::parse(seller_text);
  if (!seller) {
    const std::size_t n = chars(seller_text);
    if (n == 15 || n == 20) {
      return skipped_invoice(skip("NON_USCC_SELLER",
                          "seller " + std::string(seller_text) + " has a " + std::to_string(n) +
                              "-character tax id (an individual business), not a USCC: skipped",
                          name(kSeller)));
    }
    return Error(seller.error().code, std::string(name(kSeller)) + ": " + seller.error().message, name(kSeller));
  }
  {
    auto known = seller_has_products_.find(seller->str());
    if (known == seller_has_products_.end()) {
      if (seller_has_products_.size() >= kCacheEntries) seller_has_products_.clear();
      auto has = repo.has_products(*seller);
      if (!has) return has.error();
      known = seller_has_products_.emplace(seller->str(), *has).first;
    }
    if (!known->second) {
      return skipped_invoice(skip("NO_REGISTERED_PRODUCT",
                          "seller " + seller->str() + " has no registered product: not a purchase the policy funds",
                          name(kSeller)));
    }
  }

  // Lines are numbered in order of appearance, rejected rows included, so that
  // re-importing a corrected file gives every row the same number again.
  auto numbered = next_line(invoice);
  if (!numbered) return numbered.error();
  const std::int64_t line = *numbered;
  if (invoice != last_invoice_) {
    last_invoice_ = invoice;
    last_lines_.clear();
  }

  const std::string_view date_text = cell(cells, kDate);
  // A workbook's numeric 开票日期 is a date serial: only digits, '.', and an exponent.
  const bool serial = dates_ != SerialDates::kNone && !date_text.empty() &&
                      date_text.find_first_not_of("+.0123456789eE") == std::string_view::npos &&
                      date_text.find_first_of("eE.") != 0 && std::count(date_text.begin(), date_text.end(), '.') <= 1;
  auto date = serial ? date_from_serial(date_text, dates_) : parse_invoice_date(date_text);
  if (!date) return Error(date.error().code, std::string(name(kDate)) + ": " + date.error().message, name(kDate));
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
  const bool red = is_red(cells);
  const bool discount = !red && (amount->fen() < 0 || tax.fen() < 0);
  const std::string_view model = cell(cells, kModel);
  std::string product;
  if (model.empty() && discount && !last_lines_.empty()) {
    product = last_lines_.back().first;  // a discount line without a model: the line above
  } else if (model.empty()) {
    return Error("MISSING_FIELD", std::string(name(kModel)) + ": empty; lines map to products by seller + model",
                 name(kModel));
  } else {
    std::string key = seller->str();
    key += '\x1f';
    key += model;
    auto cached = product_by_model_.find(key);
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
      if (product_by_model_.size() >= kCacheEntries) product_by_model_.clear();
      product_by_model_.emplace(std::move(key), product);
    }
  }

  std::optional<InvoiceLineRef> reverses;
  if (discount) {
    for (auto it = last_lines_.rbegin(); it != last_lines_.rend() && !reverses; ++it) {
      if (it->first == product) reverses = InvoiceLineRef{invoice, it->second};
    }
    if (!reverses) {
      return Error("UNKNOWN_INVOICE_LINE",
                   std::string(name(kAmount)) + ": a discount line (折扣行, negative on a positive invoice) must follow "
                                                "a line of the same goods on its invoice",
                   name(kAmount));
    }
  } else if (red) {
    // Mapped again (a second export): keep the reversal it was stored with.
    auto stored = repo.get_purchase(*buyer, invoice, line);
    if (!stored) return stored.error();
    if (*stored && (*stored)->purchase.reverses) reverses = (*stored)->purchase.reverses;
    std::string original(cell(cells, kOriginal));
    if (original.empty()) original = original_from_remark(cell(cells, kRemark));
    if (!reverses && original.empty()) {
      return Error("UNKNOWN_INVOICE_LINE",
                   std::string(name(kRemark)) +
                       ": a red-letter line must name the invoice it reverses (原发票号码, or 备注 "
                       "\"被红冲蓝字数电发票号码：N\")",
                   name(kRemark));
    }
    if (!reverses) {
      auto lines = repo.lines_of_invoice(*buyer, original);
      if (!lines) return lines.error();
      const std::int64_t need = -amount->fen();
      for (const auto& l : *lines) {
        if (l.purchase.product != product || l.purchase.reverses) continue;
        if (!reverses) reverses = l.purchase.ref();  // fallback: the first line of the product
        auto left = repo.remaining_amount(*buyer, l.purchase.ref());
        if (!left) return left.error();
        if (*left && (*left)->fen() >= need) {
          reverses = l.purchase.ref();
          break;
        }
      }
    }
    if (!reverses) {
      return Error("UNKNOWN_INVOICE_LINE",
                   std::string(name(kModel)) + ": the reversed invoice " + original + " has no stored line of model '" +
                       std::string(model) + "'",
                   name(kModel));
    }
  }
  if (!red && !discount) last_lines_.emplace_back(product, line);
  std::string number = invoice;
  Purchase p{std::move(invoice), line, *date, *buyer, *seller, std::move(product), *amount, tax, reverses, {}};
  // The line's own rules have one owner (purchase_rules.hpp), as for every other road.
  if (auto st = check_purchase_line(p); !st) return st.error();
  std::string buyer_text = p.buyer.str();
  return Outcome{std::move(p), std::nullopt, std::move(number), std::string(status), std::move(buyer_text)};
}

}  // namespace chipreg::importers
