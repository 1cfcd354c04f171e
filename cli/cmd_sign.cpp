// chipreg sign --key F --statement S.json: wraps an in-toto statement in a DSSE envelope
// signed with the key in F; the envelope JSON goes to stdout.
#include <fstream>
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
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

}  // namespace

int cmd_sign(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"key", "statement"}, {"help", "any-statement"});
  if (args && args->flag("help")) {
    std::cout << "usage: chipreg sign --key KEY.pem --statement STATEMENT.json [--any-statement]\n\n"
                 "Signs the statement's exact bytes as a DSSE envelope (payloadType\n"
                 "application/vnd.in-toto+json) with the PKCS#8 PEM private key (ed25519,\n"
                 "ecdsa-p256 or sm2) and prints the envelope JSON, keyid set, on stdout.\n"
                 "The statement must be a valid chipreg tape-out statement (in-toto Statement v1\n"
                 "with predicateType urn:chipreg:predicate:tapeout:v1); --any-statement only\n"
                 "requires a JSON object.\n";
    return 0;
  }
  if (!args) return print_error(args.error()), 2;
  auto key_path = args->require("key");
  if (!key_path) return print_error(key_path.error()), 2;
  auto statement_path = args->require("statement");
  if (!statement_path) return print_error(statement_path.error()), 2;

  auto pem = read_text_file(*key_path);
  if (!pem) return print_error(pem.error()), 1;
  auto key = crypto::PrivateKey::from_pem(*pem);
  if (!key) return print_error(key.error()), 1;
  auto statement = read_text_file(*statement_path);
  if (!statement) return print_error(statement.error()), 1;
  if (args->flag("any-statement")) {
    if (auto st = require_json_object(*statement); !st) return print_error(st.error()), 1;
  } else if (auto parsed = attestation::parse_statement(*statement); !parsed) {
    return print_error(parsed.error()), 1;
  }
  auto envelope = crypto::dsse::sign(crypto::dsse::kInTotoPayloadType, *statement, *key);
  if (!envelope) return print_error(envelope.error()), 1;
  std::cout << crypto::dsse::serialize(*envelope) << "\n";
  return 0;
}

}  // namespace chipreg::cli
