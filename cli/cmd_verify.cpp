// chipreg verify --pub F --envelope E.json: checks a DSSE envelope's signature against
// one public key. Exit 0 valid, 1 invalid, 2 usage error.
#include <fstream>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "crypto/dsse.hpp"

namespace chipreg::cli {
namespace {

struct VerifyArgs {
  std::string pub;
  std::string envelope;
};

int run_verify(const VerifyArgs& o) {
  auto pem = read_text_file(o.pub);
  if (!pem) return print_error(pem.error()), 1;
  auto key = crypto::PublicKey::from_pem(*pem);
  if (!key) return print_error(key.error()), 1;
  auto text = read_text_file(o.envelope);
  if (!text) return print_error(text.error()), 1;
  auto envelope = crypto::dsse::parse(*text);
  if (!envelope) return print_error(envelope.error()), 1;
  auto verified = crypto::dsse::verify(*envelope, std::span<const crypto::PublicKey>(&*key, 1));
  if (!verified) return print_error(verified.error()), 1;
  std::cout << boost::json::serialize(boost::json::object{
                   {"valid", true}, {"keyid", key->keyid()}, {"alg", std::string(crypto::alg_name(key->alg()))}})
            << "\n";
  return 0;
}

}  // namespace

void add_verify(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "verify",
      "check an envelope's signature (exit 0/1)\n\n"
      "Checks that a signature of the DSSE envelope verifies, over the PAE, under the\n"
      "SubjectPublicKeyInfo PEM public key (ed25519, ecdsa-p256 or sm2), and that the\n"
      "payloadType is application/vnd.in-toto+json. The payload is not interpreted.");
  auto o = std::make_shared<VerifyArgs>();
  cmd->add_option("--pub", o->pub, "the SubjectPublicKeyInfo PEM public key (PREFIX.pub of chipreg keygen)")
      ->required()
      ->type_name("KEY.pub");
  cmd->add_option("--envelope", o->envelope, "the DSSE envelope JSON")->required()->type_name("ENVELOPE.json");
  cmd->footer(
      "Exit 0 and {\"valid\": true, \"keyid\", \"alg\"} on stdout when it does; exit 1\n"
      "and a JSON error on stderr when it does not (or a file is unreadable); exit 2\n"
      "for usage errors.");
  cmd->callback([o, &selected] { selected = [o] { return run_verify(*o); }; });
}

}  // namespace chipreg::cli
