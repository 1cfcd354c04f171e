// Envelope verification throughput per algorithm: a ~1 KB tape-out statement in a DSSE
// envelope, JSON and base64 parsing included, against a public key parsed once (as the
// registry caches them). bench/verify_vs_openssl.sh sets these rates beside
// `openssl speed` for the same algorithms in the same run.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <string>

#include "crypto/dsse.hpp"
#include "crypto/keys.hpp"
#include "registry/domain/attestation.hpp"
#include "registry/domain/uscc.hpp"

namespace {

using namespace chipreg;
namespace json = boost::json;

// A statement of about 1 KB: the contract's example with a few more subjects.
std::string statement_1k() {
  json::array subjects;
  for (int i = 0; i < 6; ++i) {
    subjects.push_back(json::object{{"name", "gds/block_" + std::to_string(i) + ".gds"},
                                    {"digest", json::object{{"sha256", std::string(64, static_cast<char>('a' + i))}}}});
  }
  json::object s{{"_type", "https://in-toto.io/Statement/v1"},
                 {"subject", std::move(subjects)},
                 {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
                 {"predicate", json::object{{"foundry", Uscc::complete("9133010800000001")->str()},
                                            {"design_owner", Uscc::complete("9133010800000002")->str()},
                                            {"product", "P1"},
                                            {"date", "2024-09-01"},
                                            {"kind", "mpw"},
                                            {"mask_set_id", "MS-001"},
                                            {"process_node", "28nm"},
                                            {"wafer_size_mm", 300},
                                            {"cost_fen", 800000000}}}};
  return json::serialize(s);
}

struct Fixture {
  crypto::PublicKey pub;
  std::string envelope;
};

Fixture make(crypto::Alg alg) {
  auto key = crypto::PrivateKey::generate(alg);
  if (!key) std::abort();
  auto env = crypto::dsse::sign(crypto::dsse::kInTotoPayloadType, statement_1k(), *key);
  if (!env) std::abort();
  return {key->public_key(), crypto::dsse::serialize(*env)};
}

// Parse the envelope JSON, decode base64, verify over the PAE.
void BM_VerifyEnvelope(benchmark::State& state, crypto::Alg alg) {
  const Fixture f = make(alg);
  state.counters["envelope_bytes"] = static_cast<double>(f.envelope.size());
  for (auto _ : state) {
    auto env = crypto::dsse::parse(f.envelope);
    auto ok = crypto::dsse::verify(*env, std::span<const crypto::PublicKey>(&f.pub, 1));
    if (!ok) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

// The same plus validation of the statement (what the registry does per submission,
// database work aside).
void BM_VerifyEnvelopeAndStatement(benchmark::State& state, crypto::Alg alg) {
  const Fixture f = make(alg);
  for (auto _ : state) {
    auto env = crypto::dsse::parse(f.envelope);
    auto ok = crypto::dsse::verify(*env, std::span<const crypto::PublicKey>(&f.pub, 1));
    auto st = attestation::parse_statement(env->payload);
    if (!ok || !st) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_VerifyEnvelope, ed25519, crypto::Alg::kEd25519)->MinTime(3.0);
BENCHMARK_CAPTURE(BM_VerifyEnvelope, ecdsa_p256, crypto::Alg::kEcdsaP256)->MinTime(3.0);
BENCHMARK_CAPTURE(BM_VerifyEnvelope, sm2, crypto::Alg::kSm2)->MinTime(3.0);
BENCHMARK_CAPTURE(BM_VerifyEnvelopeAndStatement, ed25519, crypto::Alg::kEd25519)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_VerifyEnvelopeAndStatement, ecdsa_p256, crypto::Alg::kEcdsaP256)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_VerifyEnvelopeAndStatement, sm2, crypto::Alg::kSm2)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
