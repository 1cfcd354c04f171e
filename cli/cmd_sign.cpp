// chipreg sign --key F --statement S.json: wraps an in-toto statement in a DSSE envelope
// signed with the key in F; the envelope JSON goes to stdout.
#include <fstream>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "crypto/dsse.hpp"
#include "registry/domain/attestation.hpp"

namespace chipreg::cli {
namespace {

Status require_json_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return Error("BAD_STATEMENT", "the statement is not valid JSON (" + ec.message() + ")", "payload");
  if (!v.is_object()) return Error("BAD_STATEMENT", "the statement must be a JSON object", "payload");
  return Status::Ok();
}

struct SignArgs {
  std::string key;
  std::string statement;
  bool any_statement = false;
};

int run_sign(const SignArgs& o) {
  auto pem = read_text_file(o.key);
  if (!pem) return print_error(pem.error()), 1;
  auto key = crypto::PrivateKey::from_pem(*pem);
  if (!key) return print_error(key.error()), 1;
  auto statement = read_text_file(o.statement);
  if (!statement) return print_error(statement.error()), 1;
  if (o.any_statement) {
    if (auto st = require_json_object(*statement); !st) return print_error(st.error()), 1;
  } else if (auto parsed = attestation::parse_statement(*statement); !parsed) {
    return print_error(parsed.error()), 1;
  }
  auto envelope = crypto::dsse::sign(crypto::dsse::kInTotoPayloadType, *statement, *key);
  if (!envelope) return print_error(envelope.error()), 1;
  std::cout << crypto::dsse::serialize(*envelope) << "\n";
  return 0;
}

}  // namespace

void add_sign(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "sign",
      "wrap a statement in a signed DSSE envelope\n\n"
      "Signs the statement's exact bytes as a DSSE envelope (payloadType\n"
      "application/vnd.in-toto+json) with the PKCS#8 PEM private key (ed25519,\n"
      "ecdsa-p256 or sm2) and prints the envelope JSON, keyid set, on stdout.\n"
      "The statement must be a valid chipreg tape-out statement (in-toto Statement v1\n"
      "with predicateType urn:chipreg:predicate:tapeout:v1); --any-statement only\n"
      "requires a JSON object.");
  auto o = std::make_shared<SignArgs>();
  cmd->add_option("--key", o->key, "the PKCS#8 PEM private key (PREFIX.key of chipreg keygen)")
      ->required()
      ->type_name("KEY.pem");
  cmd->add_option("--statement", o->statement, "the in-toto statement to sign, as is")
      ->required()
      ->type_name("STATEMENT.json");
  cmd->add_flag("--any-statement", o->any_statement, "sign any JSON object, not only a tape-out statement");
  cmd->callback([o, &selected] { selected = [o] { return run_sign(*o); }; });
}

}  // namespace chipreg::cli
