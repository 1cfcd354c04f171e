// The national e-invoice service platform's export (全电发票 / 数电票, "全量发票查询" 导出,
// one row per invoice line) -> purchases.
//
// `chipreg import --db DB purchases FILE.csv` recognizes such a file by its Chinese
// header (see looks_like_einvoice) and maps each row to a scenario purchase:
//
//   purchase field   column (first present alias wins)
//   invoice          数电发票号码 | 数电票号码 | 全电发票号码; when that cell is empty,
//                    发票代码 + 发票号码 (the two concatenated, as the old VAT invoices
//                    are keyed) or 发票号码 alone
//   line             order of appearance of the invoice's rows in the file (1, 2, ...),
//                    counted per invoice in the SpillStore (an invoice's lines need not be
//                    adjacent; memory does not grow with the number of invoices)
//   date             开票日期: 2025-03-01, 2025-03-01 10:20:30, 2025/3/1, 2025年03月01日;
//                    from a workbook also a numeric date serial (45717.43 = 2025-03-01,
//                    1900 or, with date1904, 1904 system; see date_from_serial)
//   seller           销方识别号 | 销售方识别号 | 销方纳税人识别号 | 销售方纳税人识别号
//   buyer            购方识别号 | 购买方识别号 | 购方纳税人识别号 | 购买方纳税人识别号
//   product          the seller's product whose `model` equals 规格型号 (规格型号 required)
//   amount_fen       金额 | 不含税金额, yuan ("1,234.56", "-1,234.56") exactly in fen
//   tax_fen          税额; "***" or empty (免税, 不征税) is 0
//   (check)          价税合计, when present, must equal 金额 + 税额
//   reverses         red-letter rows (是否正数发票 = 否 when that column has a value, else
//                    金额 < 0 or 税额 < 0): the invoice named by 原发票号码 | 原蓝字发票号码 |
//                    蓝字发票号码 | 被红冲蓝字数电发票号码, or else by 备注 as the platform
//                    writes it: "被红冲蓝字数电发票号码：N" (also 数电票 / 全电发票), for an
//                    old-system invoice "被红冲蓝字发票代码：C 被红冲蓝字发票号码：N" in either
//                    order, or "对应正数发票代码:C号码:N"; the line is that invoice's line of
//                    the same product whose remaining amount covers this one (else its first
//                    line of the product). The importer defers red rows until the file's blue
//                    rows are written (is_red), so a red invoice may come first.
//   discount (折扣行) a negative line with 是否正数发票 = 是: stored as a line of its own invoice
//                    that reverses the invoice's preceding line of the same product (规格型号;
//                    an empty 规格型号 means the preceding line), so it nets into that line
//   (absent)         "", "--", "-", "—" and "——" in any cell count as empty
//   (skipped)        rows that cannot be a subsidised purchase, counted per reason (codes):
//                    TOTAL_ROW (a 合计 / 总计 row), SUMMARY_LINE (详见销货清单), VOIDED (作废
//                    when first seen), NON_USCC_SELLER (a 15- or 20-character tax id of an
//                    individual business), NO_REGISTERED_PRODUCT (a seller with no product
//                    in the registry). VOIDED also for an invoice stored before: the
//                    importer then records its void (Outcome::invoice / status, the VOIDS
//                    HOOKUP in einvoice.cpp and import.cpp's record_invoice_facts)
// Invoice numbers are checked by shape: 数电 20 digits, old-system 发票代码 of 10 or 12
// digits + 发票号码 of 8 digits (BAD_INVOICE_NUMBER otherwise: "2.4377E+19" is refused).
// Amounts are yuan text ("1,234.56") or a spreadsheet number's lexical ("1.2E7"), exact.
// Every other column (序号, 销方名称, 购买方名称, 税收分类编码, 货物或应税劳务名称 /
// 项目名称, 单位, 数量, 单价, 税率, 发票来源, 发票票种, 发票风险等级, 开票人, ...) is
// ignored. Error fields name the Chinese column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "importers/spill_store.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/repository.hpp"

namespace chipreg::importers {

// True when the header has a seller tax-id column of the e-invoice export.
bool looks_like_einvoice(const std::vector<std::string>& header);

// Parses an invoice date in the formats listed above (time of day ignored).
Result<Date> parse_invoice_date(std::string_view text);

// How a workbook counts its date serials: xl/workbook.xml's <workbookPr date1904="1"/>.
enum class SerialDates { kNone, k1900, k1904 };

// An Excel date serial (the lexical of a numeric cell, e.g. "45717.4305555556" or
// "4.5717E4") as a date, exactly (no floating point): the whole days count from the
// workbook's epoch, the fraction (the time of day) is ignored. 1900 system: 1 is
// 1900-01-01, 60 is Excel's fictitious 1900-02-29 (refused), 61 is 1900-03-01; 1904
// system: 0 is 1904-01-01. BAD_DATE for a negative, non-numeric or out-of-range serial
// (past 9999-12-31).
Result<Date> date_from_serial(std::string_view lexical, SerialDates system);

class EinvoiceMapper {
 public:
  // Fails (BAD_HEADER, line 1) when a needed column is missing. `dates`: the workbook's
  // serial date system when the rows come from one (a numeric 开票日期 is then a date
  // serial); kNone for CSV, where a bare number is not a date.
  static Result<EinvoiceMapper> bind(const std::vector<std::string>& header, SerialDates dates = SerialDates::kNone);

  struct Outcome {
    std::optional<Purchase> purchase;  // the line to import
    std::optional<Error> skipped;      // or why the row was skipped (code = the reason)
    std::string invoice;               // the row's invoice number ("" before it is known)
    std::string status;                // its 发票状态 as exported ("" when the column is absent)
    std::string buyer;                 // its 购买方 tax id as exported (an invoice is its buyer's)
  };
  // Maps one row; product and reversed-line lookups go through `repo`.
  Result<Outcome> map(const std::vector<std::string>& cells, store::Repository& repo);

  // True for a red-letter row (see above): the importer writes these after the blue rows.
  bool is_red(const std::vector<std::string>& cells) const;

  // The skip reasons map() uses, for reports.
  static bool is_skip(std::string_view code);

  // The import's per-invoice scratch tables (line counters, and the importer's facts about
  // invoices): memory stays flat however many invoices the file has.
  SpillStore& spill() { return spill_; }

  // Per-seller caches (product by model, has-products) hold at most this many entries; past
  // it they start over, so they stay bounded by a constant, not by the file.
  static constexpr std::size_t kCacheEntries = 4096;

 private:
  enum Col { kDigitalNo, kCode, kNumber, kDate, kSeller, kBuyer, kModel, kAmount, kTax, kTotal, kStatus,
             kPositive, kOriginal, kRemark, kGoods, kColCount };
  explicit EinvoiceMapper(SpillStore spill) : spill_(std::move(spill)) {}

  int col_[kColCount] = {};
  SerialDates dates_ = SerialDates::kNone;
  std::vector<std::string> names_;  // header names by position
  SpillStore spill_;
  // The line counter of the invoice being read; the others' counters wait in spill_.
  // Lines of one invoice are normally adjacent, so the spill is read and written once per
  // invoice, not per line.
  std::string counted_invoice_;
  std::int64_t counted_lines_ = 0;
  // A Bloom filter of the invoices whose counter is in spill_ (1 MiB, fixed): a new
  // invoice, the common case, is numbered 1 without a query.
  std::vector<std::uint64_t> spilled_ = std::vector<std::uint64_t>(1u << 17);
  std::unordered_map<std::string, std::string> product_by_model_;  // seller \x1f model -> product
  std::unordered_map<std::string, bool> seller_has_products_;
  // The invoice of the last mapped row and its lines so far (product, line): a discount
  // line nets into one of them. Only the current invoice is kept.
  std::string last_invoice_;
  std::vector<std::pair<std::string, std::int64_t>> last_lines_;

  Result<std::string> invoice_of(const std::vector<std::string>& cells) const;
  Result<std::int64_t> next_line(const std::string& invoice);

  std::string_view cell(const std::vector<std::string>& cells, Col c) const;
  const char* name(Col c) const;
};

}  // namespace chipreg::importers
