// Fuzzes the xlsx sheet reader (libzip + expat), the exact number lexer and the date serial
// conversion (in the workbook's date system, date1904 included) on what it reads:
// no archive may crash, hang or allocate without bound; every cell it returns is valid
// UTF-8; a row error names its row and reading goes on; after a fatal error the reader
// ends. Caps are set low so that zip bombs hit them quickly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/utf8.hpp"
#include "importers/einvoice.hpp"
#include "importers/exact_number.hpp"
#include "importers/xlsx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using chipreg::importers::XlsxReader;
  chipreg::importers::XlsxLimits limits;
  limits.max_entries = 64;
  limits.max_entry_bytes = 1u << 20;
  limits.max_total_bytes = 2u << 20;
  limits.max_shared_strings = 100'000;
  limits.max_columns = 256;
  auto reader = XlsxReader::open_memory(std::string(reinterpret_cast<const char*>(data), size), limits);
  if (!reader) return 0;
  const auto dates = (*reader)->date1904() ? chipreg::importers::SerialDates::k1904
                                          : chipreg::importers::SerialDates::k1900;
  std::vector<std::string> cells;
  bool ended = false;
  // Each row takes at least one byte of inflated XML, so the rows are bounded by the caps.
  for (std::size_t guard = 0; guard < (16u << 20); ++guard) {
    auto more = (*reader)->next(cells);
    if (!more) {
      if (more.error().code.empty()) std::abort();
      if (more.error().line == 0 || more.error().code == "XLSX_TOO_LARGE") {
        // Fatal: the reader must stay ended.
        auto after = (*reader)->next(cells);
        if (!after || *after) std::abort();
        ended = true;
        break;
      }
      continue;
    }
    if (!*more) {
      ended = true;
      break;
    }
    for (const auto& c : cells) {
      if (!chipreg::valid_utf8(c)) std::abort();
      auto fen = chipreg::importers::lexical_to_fen(c, "金额");
      (void)fen;
      // A serial converts to a real date from 1900 to 9999, or is refused; never both ways.
      if (auto d = chipreg::importers::date_from_serial(c, dates)) {
        if (d->year() < 1900 || d->year() > 9999) std::abort();
      } else if (d.error().code != "BAD_DATE") {
        std::abort();
      }
    }
  }
  if (!ended) std::abort();
  if ((*reader)->sheet_bytes_read() > limits.max_entry_bytes) std::abort();
  return 0;
}
