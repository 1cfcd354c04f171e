// Fuzzes the scenario parser and the rules engine behind it: any text either fails with an
// Error value or parses into facts the engine evaluates without crashing; whatever the
// engine returns must serialize to JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto facts = chipreg::json_io::parse_scenario(text);
  if (!facts) return 0;
  auto result = chipreg::rules::evaluate(*facts, chipreg::policy::versions());
  if (!result) return 0;
  (void)boost::json::serialize(chipreg::rules::to_json(*result));
  return 0;
}
