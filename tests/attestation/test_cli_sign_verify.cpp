// Specifications of `chipreg keygen`, `chipreg sign` and `chipreg verify` (the real
// binary), including interop with the openssl command-line tool.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <boost/json.hpp>

#include "crypto/dsse.hpp"
#include "crypto/encoding.hpp"
#include "registry/domain/uscc.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
namespace json = boost::json;

namespace {

std::string statement_text() {
  auto foundry = Uscc::complete("9133010800000001");
  auto owner = Uscc::complete("9133010800000002");
  REQUIRE(foundry.ok());
  REQUIRE(owner.ok());
  return json::serialize(json::object{
      {"_type", "https://in-toto.io/Statement/v1"},
      {"subject", json::array{json::object{{"name", "gds/top.gds"},
                                           {"digest", json::object{{"sha256", std::string(64, 'a')}}}}}},
      {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
      {"predicate", json::object{{"foundry", foundry->str()},
                                 {"design_owner", owner->str()},
                                 {"product", "P1"},
                                 {"date", "2024-09-01"},
                                 {"kind", "mpw"},
                                 {"cost_fen", 800000000}}}});
}

}  // namespace

TEST_CASE("cli: keygen, sign and verify round-trip for every algorithm and interoperate with openssl") {
  testing::TempDir dir;
  testing::write_file(dir.file("s.json"), statement_text());
  for (const std::string alg : {"ed25519", "ecdsa-p256", "sm2"}) {
    INFO(alg);
    const std::string prefix = dir.file(alg);
    auto gen = testing::run_chipreg({"keygen", "--alg", alg, "--out", prefix});
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat((prefix + ".key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(testing::read_file(prefix + ".key").rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(testing::read_file(prefix + ".pub").rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    const json::value info = json::parse(gen.out);
    // keyid = SHA-256 of the DER SPKI, as openssl computes it.
    auto der = testing::run_process({"openssl", "pkey", "-pubin", "-in", prefix + ".pub", "-outform", "DER"});
    REQUIRE(der.exit_code == 0);
    CHECK(info.at("keyid") == json::value(crypto::hex(crypto::sha256(der.out))));
    // Never overwrites a key silently.
    CHECK(testing::run_chipreg({"keygen", "--alg", alg, "--out", prefix}).exit_code == 1);

    auto sign = testing::run_chipreg({"sign", "--key", prefix + ".key", "--statement", dir.file("s.json")});
    INFO(sign.err);
    REQUIRE(sign.exit_code == 0);
    testing::write_file(dir.file(alg + ".env"), sign.out);
    const json::value env = json::parse(sign.out);
    CHECK(env.at("signatures").at(0).at("keyid") == info.at("keyid"));
    CHECK(env.at("payloadType") == json::value("application/vnd.in-toto+json"));

    auto ok = testing::run_chipreg({"verify", "--pub", prefix + ".pub", "--envelope", dir.file(alg + ".env")});
    CHECK(ok.exit_code == 0);
    CHECK(json::parse(ok.out).at("valid") == json::value(true));

    // openssl verifies chipreg's signature over the PAE.
    auto parsed = crypto::dsse::parse(sign.out);
    REQUIRE(parsed.ok());
    testing::write_file(dir.file(alg + ".pae"), crypto::dsse::pae(parsed->payload_type, parsed->payload));
    const auto& sig = parsed->signatures[0].sig;
    testing::write_file(dir.file(alg + ".sig"), std::string(sig.begin(), sig.end()));
    std::vector<std::string> v = {"openssl", "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", prefix + ".pub",
                                  "-in", dir.file(alg + ".pae"), "-sigfile", dir.file(alg + ".sig")};
    if (alg == "ecdsa-p256") v.insert(v.end(), {"-digest", "sha256"});
    if (alg == "sm2") v.insert(v.end(), {"-digest", "sm3", "-pkeyopt", "distid:1234567812345678"});
    CHECK(testing::run_process(v).exit_code == 0);

    // A tampered payload: exit 1 with a JSON error.
    json::value bad = env;
    bad.as_object()["payload"] = crypto::base64(statement_text() + " ");
    testing::write_file(dir.file(alg + ".bad"), json::serialize(bad));
    auto rejected = testing::run_chipreg({"verify", "--pub", prefix + ".pub", "--envelope", dir.file(alg + ".bad")});
    CHECK(rejected.exit_code == 1);
    CHECK(json::parse(rejected.err).at("error").at("code") == json::value("BAD_SIGNATURE"));
  }
  // The wrong key is invalid (1); usage errors are 2; --help is 0.
  auto wrong = testing::run_chipreg({"verify", "--pub", dir.file("sm2.pub"), "--envelope", dir.file("ed25519.env")});
  CHECK(wrong.exit_code == 1);
  CHECK(testing::run_chipreg({"verify", "--pub", dir.file("sm2.pub")}).exit_code == 2);
  CHECK(testing::run_chipreg({"keygen", "--alg", "rsa", "--out", dir.file("x")}).exit_code == 2);
  CHECK(testing::run_chipreg({"sign", "--key"}).exit_code == 2);
  for (const char* cmd : {"keygen", "sign", "verify"}) {
    auto help = testing::run_chipreg({cmd, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find(std::string("usage: chipreg ") + cmd) != std::string::npos);
  }
}

TEST_CASE("cli: sign refuses an invalid statement and verify accepts an openssl-made envelope") {
  testing::TempDir dir;
  REQUIRE(testing::run_chipreg({"keygen", "--alg", "sm2", "--out", dir.file("k")}).exit_code == 0);
  testing::write_file(dir.file("bad.json"), R"({"_type": "https://in-toto.io/Statement/v1"})");
  auto refused = testing::run_chipreg({"sign", "--key", dir.file("k.key"), "--statement", dir.file("bad.json")});
  CHECK(refused.exit_code == 1);
  CHECK(json::parse(refused.err).at("error").at("code") == json::value("BAD_STATEMENT"));

  const std::string stmt = statement_text();
  testing::write_file(dir.file("pae"), crypto::dsse::pae(crypto::dsse::kInTotoPayloadType, stmt));
  auto signed_ = testing::run_process({"openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt",
                                       "distid:1234567812345678", "-inkey", dir.file("k.key"), "-in", dir.file("pae"),
                                       "-out", dir.file("sig")});
  REQUIRE(signed_.exit_code == 0);
  testing::write_file(dir.file("env.json"),
                      json::serialize(json::object{
                          {"payload", crypto::base64(stmt)},
                          {"payloadType", "application/vnd.in-toto+json"},
                          {"signatures", json::array{json::object{{"sig", crypto::base64(testing::read_file(dir.file("sig")))}}}}}));
  auto ok = testing::run_chipreg({"verify", "--pub", dir.file("k.pub"), "--envelope", dir.file("env.json")});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
}
