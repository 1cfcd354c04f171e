// chipreg verify --pub F --envelope E.json: checks a DSSE envelope's signature against
// one public key. Exit 0 valid, 1 invalid, 2 usage error.
#include <fstream>
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "crypto/dsse.hpp"

namespace chipreg::cli {
int cmd_verify(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"pub", "envelope"}, {"help"});
  if (args && args->flag("help")) {
    std::cout << "usage: chipreg verify --pub KEY.pub --envelope ENVELOPE.json\n\n"
                 "Checks that a signature of the DSSE envelope verifies, over the PAE, under the\n"
                 "SubjectPublicKeyInfo PEM public key (ed25519, ecdsa-p256 or sm2), and that the\n"
                 "payloadType is application/vnd.in-toto+json. The payload is not interpreted.\n"
                 "Exit 0 and {\"valid\": true, \"keyid\", \"alg\"} on stdout when it does; exit 1\n"
                 "and a JSON error on stderr when it does not (or a file is unreadable); exit 2\n"
                 "for usage errors.\n";
    return 0;
  }
  if (!args) return print_error(args.error()), 2;
  auto pub_path = args->require("pub");
  if (!pub_path) return print_error(pub_path.error()), 2;
  auto env_path = args->require("envelope");
  if (!env_path) return print_error(env_path.error()), 2;

  auto pem = read_text_file(*pub_path);
  if (!pem) return print_error(pem.error()), 1;
  auto key = crypto::PublicKey::from_pem(*pem);
  if (!key) return print_error(key.error()), 1;
  auto text = read_text_file(*env_path);
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

}  // namespace chipreg::cli
