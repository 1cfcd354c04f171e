// Fuzzes the streaming CSV reader: no input may crash or loop, every accepted field is valid
// UTF-8, and the records do not depend on how the input is cut into refills (the first byte
// picks a small refill size, so quotes and CRLFs land on buffer boundaries).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "importers/csv_reader.hpp"

namespace {

// Every record (or the error code) in order; aborts if the reader does not finish within
// one record per input byte (plus slack), which would be a hang.
std::vector<std::string> read_all(const std::string& text, std::size_t chunk) {
  using chipreg::importers::CsvReader;
  auto reader = CsvReader::from_string(text, chunk);
  std::vector<std::string> out;
  std::vector<std::string> fields;
  for (std::size_t guard = 0;; ++guard) {
    if (guard > text.size() + 4) std::abort();
    auto r = reader.next(fields);
    if (!r) {
      out.push_back("!" + r.error().code + "@" + std::to_string(reader.record_line()));
      continue;
    }
    if (!*r) break;
    std::string joined;
    for (const auto& f : fields) {
      if (!chipreg::importers::valid_utf8(f)) std::abort();
      joined += std::to_string(f.size()) + ":" + f;
    }
    out.push_back(joined + "@" + std::to_string(reader.record_line()));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 7;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (read_all(text, chunk) != read_all(text, 64 * 1024)) std::abort();
  return 0;
}
