// Fuzzes DSSE envelope parsing and in-toto tape-out statement validation: no input may
// crash; an envelope that parses survives a serialize → parse round trip unchanged; the
// statement validator sees both the envelope's payload and the raw input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/dsse.hpp"
#include "registry/domain/attestation.hpp"

namespace {

void check_statement(std::string_view payload) {
  auto st = chipreg::attestation::parse_statement(payload);
  if (!st) return;
  if (st->subjects.empty()) std::abort();
  const auto digest = st->design_digest();
  if (digest.rfind("sha256:", 0) != 0 && digest.rfind("sm3:", 0) != 0) std::abort();
  (void)st->to_fact("TO-fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dsse = chipreg::crypto::dsse;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_statement(text);
  auto env = dsse::parse(text);
  if (!env) return 0;
  auto again = dsse::parse(dsse::serialize(*env));
  if (!again || again->payload != env->payload || again->payload_type != env->payload_type ||
      again->signatures.size() != env->signatures.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < env->signatures.size(); ++i) {
    if (again->signatures[i].sig != env->signatures[i].sig || again->signatures[i].keyid != env->signatures[i].keyid) {
      std::abort();
    }
  }
  (void)dsse::pae(env->payload_type, env->payload);
  check_statement(env->payload);
  return 0;
}
