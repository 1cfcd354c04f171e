// Specifications of crypto/: keys for the three algorithms, DSSE PAE, envelopes, the
// published DSSE vectors and interoperability with the openssl command-line tool.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "crypto/dsse.hpp"
#include "crypto/encoding.hpp"
#include "crypto/keys.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::crypto;
namespace json = boost::json;

namespace {

json::value vectors() {
  return json::parse(testing::read_file(std::string(CHIPREG_TEST_DATA) + "/vectors/dsse-ed25519.json"));
}

Bytes unhex_or_fail(std::string_view s) {
  auto b = unhex(s);
  REQUIRE(b.ok());
  return *b;
}

PublicKey vector_key(const json::value& v, const std::string& name) {
  auto pub = PublicKey::ed25519_from_raw(
      unhex_or_fail(json::value_to<std::string>(v.at("keys").at(name).at("ed25519_public_hex"))));
  REQUIRE(pub.ok());
  return *pub;
}

const Alg kAllAlgs[] = {Alg::kEd25519, Alg::kEcdsaP256, Alg::kSm2};

std::string openssl_sign_args_digest(Alg alg) {
  switch (alg) {
    case Alg::kEd25519: return "";
    case Alg::kEcdsaP256: return "sha256";
    case Alg::kSm2: return "sm3";
  }
  return "";
}

std::vector<std::string> openssl_pkeyutl(Alg alg, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"openssl", "pkeyutl"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("-rawin");
  if (alg != Alg::kEd25519) {
    argv.push_back("-digest");
    argv.push_back(openssl_sign_args_digest(alg));
  }
  if (alg == Alg::kSm2) {
    argv.push_back("-pkeyopt");
    argv.push_back("distid:1234567812345678");
  }
  return argv;
}

constexpr const char* kStatement =
    R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"gds/top.gds","digest":{"sha256":")"
    R"(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}],"predicateType":"urn:chipreg:predicate:tapeout:v1",)"
    R"("predicate":{}})";

}  // namespace

TEST_CASE("dsse: PAE matches the spec's example byte for byte") {
  auto v = vectors();
  const auto& ex = v.at("pae_example");
  CHECK(dsse::pae(json::value_to<std::string>(ex.at("payload_type")), json::value_to<std::string>(ex.at("body"))) ==
        json::value_to<std::string>(ex.at("pae")));
  CHECK(dsse::pae("", "") == "DSSEv1 0  0 ");
}

TEST_CASE("dsse: RFC 8032 keys derive the published public keys and keyid is SHA-256 of the SPKI") {
  auto v = vectors();
  for (const char* name : {"A", "B"}) {
    auto seed = unhex_or_fail(json::value_to<std::string>(v.at("keys").at(name).at("ed25519_seed_hex")));
    auto priv = PrivateKey::ed25519_from_seed(seed);
    REQUIRE(priv.ok());
    const PublicKey pub = priv->public_key();
    CHECK(hex(pub.raw_ed25519()) == json::value_to<std::string>(v.at("keys").at(name).at("ed25519_public_hex")));
    CHECK(hex(priv->raw_ed25519_seed()) == hex(seed));
    CHECK(pub.keyid() == hex(sha256(pub.spki_der().data(), pub.spki_der().size())));
    CHECK(pub.spki_der().size() == 44);  // 12-byte Ed25519 SPKI header + 32-byte key
  }
}

TEST_CASE("dsse: every published vector verifies or fails as its expectation says") {
  auto v = vectors();
  int checked = 0;
  for (const auto& vec : v.at("vectors").as_array()) {
    const std::string id = json::value_to<std::string>(vec.at("id"));
    const std::string expect = json::value_to<std::string>(vec.at("expect"));
    const PublicKey key = vector_key(v, json::value_to<std::string>(vec.at("key")));
    INFO(id);
    auto env = dsse::from_json(vec.at("envelope"));
    REQUIRE(env.ok());
    // The published vectors are signed under their own payloadType: verify with it as the
    // expectation, and separately check chipreg's in-toto restriction.
    auto verified = dsse::verify(*env, std::span<const PublicKey>(&key, 1), env->payload_type);
    if (expect.rfind("signature valid", 0) == 0) {
      CHECK(verified.ok());
      if (verified.ok()) CHECK(verified->keys == std::vector<std::size_t>{0});
    } else {
      REQUIRE_FALSE(verified.ok());
      CHECK(verified.error().code == "BAD_SIGNATURE");
    }
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("dsse: URL-safe payload vector decodes to the non-JSON bytes it encodes") {
  auto v = vectors();
  auto env = dsse::from_json(v.at("vectors").at(1).at("envelope"));
  REQUIRE(env.ok());
  CHECK(env->payload == std::string("\xfb\xff\xbf\x3e\x3f", 5));
  const PublicKey key = vector_key(v, "A");
  CHECK(dsse::verify(*env, std::span<const PublicKey>(&key, 1)).ok());
}

TEST_CASE("dsse: a swapped payloadType is rejected as unsupported before any signature check") {
  auto v = vectors();
  auto env = dsse::from_json(v.at("vectors").at(2).at("envelope"));
  REQUIRE(env.ok());
  const PublicKey key = vector_key(v, "A");
  auto r = dsse::verify(*env, std::span<const PublicKey>(&key, 1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "UNSUPPORTED_PAYLOAD_TYPE");
  CHECK(r.error().field == "payloadType");
}

TEST_CASE("dsse: the threshold vector verifies under B only, and distinct keys are counted once") {
  auto v = vectors();
  const std::vector<PublicKey> keys = {vector_key(v, "A"), vector_key(v, "B")};
  auto env = dsse::from_json(v.at("vectors").at(4).at("envelope"));
  REQUIRE(env.ok());
  auto r = dsse::verify(*env, keys);
  REQUIRE(r.ok());
  CHECK(r->keys == std::vector<std::size_t>{1});

  // Two signatures by A and one by B: two distinct keys, whatever the signature count.
  auto single = dsse::from_json(v.at("vectors").at(0).at("envelope"));
  REQUIRE(single.ok());
  dsse::Envelope multi = *single;
  multi.signatures.push_back(single->signatures[0]);
  auto seed_b = unhex_or_fail(json::value_to<std::string>(v.at("keys").at("B").at("ed25519_seed_hex")));
  auto priv_b = PrivateKey::ed25519_from_seed(seed_b);
  REQUIRE(priv_b.ok());
  auto sig_b = priv_b->sign(dsse::pae(multi.payload_type, multi.payload));
  REQUIRE(sig_b.ok());
  multi.signatures.push_back({std::nullopt, *sig_b});
  auto both = dsse::verify(multi, keys);
  REQUIRE(both.ok());
  CHECK(both->keys == std::vector<std::size_t>{0, 1});
  CHECK(both->signature_of_key == std::vector<std::size_t>{0, 2});
}

TEST_CASE("dsse: sign then verify round-trips for ed25519, ecdsa-p256 and sm2") {
  for (Alg alg : kAllAlgs) {
    INFO(alg_name(alg));
    auto key = PrivateKey::generate(alg);
    REQUIRE(key.ok());
    CHECK(key->alg() == alg);
    auto env = dsse::sign(dsse::kInTotoPayloadType, kStatement, *key);
    REQUIRE(env.ok());
    auto parsed = dsse::parse(dsse::serialize(*env));
    REQUIRE(parsed.ok());
    REQUIRE(parsed->signatures.size() == 1);
    CHECK(parsed->signatures[0].keyid == key->public_key().keyid());
    CHECK(parsed->payload == kStatement);
    const PublicKey pub = key->public_key();
    CHECK(dsse::verify(*parsed, std::span<const PublicKey>(&pub, 1)).ok());

    // Keys survive a PEM round trip with the same keyid and still verify.
    auto pub2 = PublicKey::from_pem(pub.to_pem());
    REQUIRE(pub2.ok());
    CHECK(pub2->keyid() == pub.keyid());
    CHECK(pub2->alg() == alg);
    auto priv2 = PrivateKey::from_pem(key->to_pem());
    REQUIRE(priv2.ok());
    CHECK(key->to_pem().rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(pub.to_pem().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    auto again = dsse::sign(dsse::kInTotoPayloadType, kStatement, *priv2);
    REQUIRE(again.ok());
    CHECK(dsse::verify(*again, std::span<const PublicKey>(&*pub2, 1)).ok());
  }
}

TEST_CASE("dsse: tampered payload, wrong key and a signature of another algorithm are rejected") {
  for (Alg alg : kAllAlgs) {
    INFO(alg_name(alg));
    auto key = PrivateKey::generate(alg);
    auto other = PrivateKey::generate(alg);
    REQUIRE(key.ok());
    REQUIRE(other.ok());
    auto env = dsse::sign(dsse::kInTotoPayloadType, kStatement, *key);
    REQUIRE(env.ok());
    const PublicKey pub = key->public_key();
    const PublicKey wrong = other->public_key();

    dsse::Envelope tampered = *env;
    tampered.payload[tampered.payload.size() - 3] = 'X';
    auto r1 = dsse::verify(tampered, std::span<const PublicKey>(&pub, 1));
    REQUIRE_FALSE(r1.ok());
    CHECK(r1.error().code == "BAD_SIGNATURE");

    auto r2 = dsse::verify(*env, std::span<const PublicKey>(&wrong, 1));
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().code == "BAD_SIGNATURE");

    dsse::Envelope truncated = *env;
    truncated.signatures[0].sig.resize(truncated.signatures[0].sig.size() - 4);
    auto r3 = dsse::verify(truncated, std::span<const PublicKey>(&pub, 1));
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().code == "BAD_SIGNATURE");
  }
  // The SM2 distinguishing ID is part of what is signed: SM2 over SM3 without it differs.
  auto sm2 = PrivateKey::generate(Alg::kSm2);
  REQUIRE(sm2.ok());
  auto sig = sm2->sign("message");
  REQUIRE(sig.ok());
  CHECK(sm2->public_key().verify("message", *sig).ok());
  CHECK_FALSE(sm2->public_key().verify("messagf", *sig).ok());
}

TEST_CASE("dsse: malformed envelopes fail with BAD_ENVELOPE naming the field") {
  auto key = PrivateKey::generate(Alg::kEd25519);
  REQUIRE(key.ok());
  auto env = dsse::sign(dsse::kInTotoPayloadType, kStatement, *key);
  REQUIRE(env.ok());
  json::object good = dsse::to_json(*env);
  const std::string sig = json::value_to<std::string>(good["signatures"].at(0).at("sig"));

  struct Case {
    std::string name;
    std::function<void(json::object&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"garbage sig base64", [](json::object& o) { o["signatures"].as_array()[0].as_object()["sig"] = "***not base64***"; },
       "signatures[0].sig"},
      {"truncated sig base64 (impossible length)",
       [&](json::object& o) { o["signatures"].as_array()[0].as_object()["sig"] = sig.substr(0, sig.size() - 3); },
       "signatures[0].sig"},
      {"mixed alphabets", [](json::object& o) { o["payload"] = "ab+_"; }, "payload"},
      {"payload not a string", [](json::object& o) { o["payload"] = 5; }, "payload"},
      {"missing payloadType", [](json::object& o) { o.erase("payloadType"); }, "payloadType"},
      {"no signatures", [](json::object& o) { o["signatures"] = json::array(); }, "signatures"},
      {"keyid not a string", [](json::object& o) { o["signatures"].as_array()[0].as_object()["keyid"] = 1; },
       "signatures[0].keyid"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    json::object o = good;
    c.mutate(o);
    auto r = dsse::parse(json::serialize(o));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "BAD_ENVELOPE");
    CHECK(r.error().field == c.field);
  }
  auto not_json = dsse::parse("{\"payload\": ");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.error().code == "BAD_ENVELOPE");
  // A sig that is still valid base64 but shortened by a whole quantum decodes, then fails.
  json::object shortened = good;
  shortened["signatures"].as_array()[0].as_object()["sig"] = sig.substr(4);
  auto parsed = dsse::parse(json::serialize(shortened));
  REQUIRE(parsed.ok());
  const PublicKey pub = key->public_key();
  auto r = dsse::verify(*parsed, std::span<const PublicKey>(&pub, 1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "BAD_SIGNATURE");
}

TEST_CASE("keys: unsupported and malformed keys are BAD_KEY with OpenSSL's reason") {
  auto garbage = PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code == "BAD_KEY");
  CHECK(garbage.error().message.find("error:") != std::string::npos);
  CHECK(parse_alg("rsa").error().code == "BAD_ALG");
  CHECK(PublicKey::ed25519_from_raw(Bytes(31, 0)).error().code == "BAD_KEY");

  testing::TempDir dir;
  auto r = testing::run_process({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                                 "-out", dir.file("p384.key")});
  REQUIRE(r.exit_code == 0);
  auto priv = PrivateKey::from_pem(testing::read_file(dir.file("p384.key")));
  REQUIRE_FALSE(priv.ok());
  CHECK(priv.error().code == "BAD_KEY");
  CHECK(priv.error().message.find("secp384r1") != std::string::npos);
}

TEST_CASE("interop: openssl pkeyutl -rawin signatures over the PAE verify in chipreg") {
  testing::TempDir dir;
  const std::string pae = dsse::pae(dsse::kInTotoPayloadType, kStatement);
  testing::write_file(dir.file("pae.bin"), pae);
  for (Alg alg : kAllAlgs) {
    INFO(alg_name(alg));
    const std::string name(alg_name(alg));
    std::vector<std::string> gen = {"openssl", "genpkey", "-out", dir.file(name + ".key")};
    if (alg == Alg::kEd25519) gen.insert(gen.begin() + 2, {"-algorithm", "ED25519"});
    if (alg == Alg::kEcdsaP256) gen.insert(gen.begin() + 2, {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"});
    if (alg == Alg::kSm2) gen.insert(gen.begin() + 2, {"-algorithm", "SM2"});
    REQUIRE(testing::run_process(gen).exit_code == 0);
    REQUIRE(testing::run_process({"openssl", "pkey", "-in", dir.file(name + ".key"), "-pubout", "-out",
                                  dir.file(name + ".pub")})
                .exit_code == 0);
    auto sign = openssl_pkeyutl(alg, {"-sign", "-inkey", dir.file(name + ".key"), "-in", dir.file("pae.bin"), "-out",
                                      dir.file(name + ".sig")});
    auto signed_ = testing::run_process(sign);
    INFO(signed_.err);
    REQUIRE(signed_.exit_code == 0);
    const std::string sig = testing::read_file(dir.file(name + ".sig"));
    const std::string envelope = json::serialize(json::object{
        {"payload", base64(std::string_view(kStatement))},
        {"payloadType", dsse::kInTotoPayloadType},
        {"signatures", json::array{json::object{{"sig", base64(sig)}}}}});
    auto pub = PublicKey::from_pem(testing::read_file(dir.file(name + ".pub")));
    REQUIRE(pub.ok());
    CHECK(pub->alg() == alg);
    auto env = dsse::parse(envelope);
    REQUIRE(env.ok());
    CHECK(dsse::verify(*env, std::span<const PublicKey>(&*pub, 1)).ok());
    // chipreg reads openssl's private key too.
    auto priv = PrivateKey::from_pem(testing::read_file(dir.file(name + ".key")));
    REQUIRE(priv.ok());
    CHECK(priv->public_key().keyid() == pub->keyid());
  }
}

TEST_CASE("interop: chipreg signatures over the PAE verify with openssl pkeyutl -verify") {
  testing::TempDir dir;
  for (Alg alg : kAllAlgs) {
    INFO(alg_name(alg));
    const std::string name(alg_name(alg));
    auto key = PrivateKey::generate(alg);
    REQUIRE(key.ok());
    testing::write_file(dir.file(name + ".pub"), key->public_key().to_pem());
    auto env = dsse::sign(dsse::kInTotoPayloadType, kStatement, *key);
    REQUIRE(env.ok());
    testing::write_file(dir.file(name + ".pae"), dsse::pae(env->payload_type, env->payload));
    const Bytes& sig = env->signatures[0].sig;
    testing::write_file(dir.file(name + ".sig"), std::string(sig.begin(), sig.end()));
    auto verify = openssl_pkeyutl(alg, {"-verify", "-pubin", "-inkey", dir.file(name + ".pub"), "-in",
                                        dir.file(name + ".pae"), "-sigfile", dir.file(name + ".sig")});
    auto r = testing::run_process(verify);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Signature Verified Successfully") != std::string::npos);
    // And openssl rejects it over different bytes.
    testing::write_file(dir.file(name + ".pae"), dsse::pae(env->payload_type, env->payload + " "));
    CHECK(testing::run_process(verify).exit_code != 0);
    if (alg == Alg::kSm2) {
      // OpenSSL 3.0's default SM2 ID is not ours: without the explicit distid it fails.
      testing::write_file(dir.file(name + ".pae"), dsse::pae(env->payload_type, env->payload));
      auto no_id = testing::run_process({"openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin",
                                         "-inkey", dir.file(name + ".pub"), "-in", dir.file(name + ".pae"), "-sigfile",
                                         dir.file(name + ".sig")});
      CHECK(no_id.exit_code != 0);
    }
  }
}
