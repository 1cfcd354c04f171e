// chipreg keygen --alg ALG --out PREFIX: a foundry signing key pair, PREFIX.key (PKCS#8
// PEM, mode 0600) and PREFIX.pub (SubjectPublicKeyInfo PEM).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "crypto/keys.hpp"

namespace chipreg::cli {
namespace {

// Writes `data` to a new file with `mode`, refusing to replace an existing one unless
// `force`: a key pair overwritten by a typo cannot be recovered.
Status write_new_file(const std::string& path, const std::string& data, mode_t mode, bool force) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    const int err = errno;
    return Error(err == EEXIST ? "EXISTS" : "IO_ERROR",
                 path + ": " + std::strerror(err) + (err == EEXIST ? " (use --force to replace it)" : ""));
  }
  // The umask may have widened nothing but may have narrowed; --force keeps an old mode.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t done = 0;
  while (ok && done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int err = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok) return Error("IO_ERROR", path + ": " + std::strerror(err));
  return Status::Ok();
}

struct KeygenArgs {
  std::string alg;
  std::string out;
  bool force = false;
};

int run_keygen(const KeygenArgs& o) {
  auto alg = crypto::parse_alg(o.alg);
  if (!alg) return print_error(alg.error()), 2;

  auto key = crypto::PrivateKey::generate(*alg);
  if (!key) return print_error(key.error()), 1;
  const crypto::PublicKey pub = key->public_key();
  const std::string key_path = o.out + ".key";
  const std::string pub_path = o.out + ".pub";
  if (auto st = write_new_file(key_path, key->to_pem(), 0600, o.force); !st) {
    return print_error(st.error()), 1;
  }
  if (auto st = write_new_file(pub_path, pub.to_pem(), 0644, o.force); !st) {
    return print_error(st.error()), 1;
  }
  std::cout << boost::json::serialize(boost::json::object{{"alg", std::string(crypto::alg_name(*alg))},
                                                          {"keyid", pub.keyid()},
                                                          {"private_key", key_path},
                                                          {"public_key", pub_path}})
            << "\n";
  return 0;
}

}  // namespace

void add_keygen(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "keygen",
      "a signing key pair (ed25519, ecdsa-p256, sm2)\n\n"
      "Generates a signing key pair.\n"
      "Writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SubjectPublicKeyInfo\n"
      "PEM) and prints {\"alg\", \"keyid\", \"private_key\", \"public_key\"}. Existing\n"
      "files are never replaced unless --force is given.");
  auto o = std::make_shared<KeygenArgs>();
  cmd->add_option("--alg", o->alg, "the signature algorithm")
      ->required()
      ->type_name("ALG")
      ->check(CLI::IsMember(crypto::alg_names()));
  cmd->add_option("--out", o->out, "writes PREFIX.key and PREFIX.pub")->required()->type_name("PREFIX");
  cmd->add_flag("--force", o->force, "replace existing PREFIX.key and PREFIX.pub");
  cmd->callback([o, &selected] { selected = [o] { return run_keygen(*o); }; });
}

}  // namespace chipreg::cli
