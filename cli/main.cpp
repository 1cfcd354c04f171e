// chipreg: the registry and rules engine for the Binjiang 2024 IC policy (clauses 3, 12).
// This file only dispatches; each subcommand lives in its own cmd_*.cpp.
#include <sys/stat.h>

#include <cstring>
#include <exception>
#include <iostream>
#include <string_view>

#include "cli/args.hpp"
#include "cli/commands.hpp"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**, int);
  const char* synopsis;
};

constexpr Command kCommands[] = {
    {"init", chipreg::cli::cmd_init, "init --db PATH                      create or migrate a registry database"},
    {"evaluate", chipreg::cli::cmd_evaluate, "evaluate --scenario FILE            the rules engine on a scenario (no database)"},
    {"serve", chipreg::cli::cmd_serve, "serve --db PATH --listen HOST:PORT  the HTTP(S) service (--help for options)"},
    {"keygen", chipreg::cli::cmd_keygen, "keygen --alg ALG --out PREFIX        a signing key pair (ed25519, ecdsa-p256, sm2)"},
    {"sign", chipreg::cli::cmd_sign, "sign --key F --statement S.json      wrap a statement in a signed DSSE envelope"},
    {"verify", chipreg::cli::cmd_verify, "verify --pub F --envelope E.json     check an envelope's signature (exit 0/1)"},
    {"import", chipreg::cli::cmd_import, "import --db PATH KIND FILE [--atomic] bulk import from .csv or .jsonl (--help for kinds)"},
    {"export", chipreg::cli::cmd_export, "export --db PATH KIND                 the rows of KIND as CSV on stdout"},
    {"log", chipreg::cli::cmd_log, "log verify|audit|publish ...         check log proofs offline; audit or publish a registry's log"},
    {"backup", chipreg::cli::cmd_backup, "backup --db PATH --out FILE          a consistent copy, safe while serve runs (not the log key)"},
    {"restore", chipreg::cli::cmd_restore, "restore --from FILE --db PATH        put back a backup that passes the log audit"},
    {"token", chipreg::cli::cmd_token, "token create --db PATH --role R ...  a bearer token straight in the database (lost admin)"},
    {"key", chipreg::cli::cmd_key, "key add|revoke|list --db PATH ...    the foundry keys, as /v1/foundry-keys"},
};

void usage(std::ostream& out) {
  out << "chipreg " CHIPREG_VERSION " - IC subsidy registry and rules engine (Binjiang 2024 policy)\n\n"
         "usage: chipreg COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& c : kCommands) out << "  " << c.synopsis << "\n";
  out << "\n  --help                              this text\n"
         "  --version                           print the version\n\n"
         "Every command prints errors as JSON on stderr: {\"error\": {\"code\", \"message\"}}.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Everything chipreg creates (the database, its WAL and SHM, the log key, backups and
  // exports) holds facts or secrets: owner-only, whatever the caller's umask.
  ::umask(077);
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "chipreg " CHIPREG_VERSION "\n";
    return 0;
  }
  for (const auto& c : kCommands) {
    if (cmd == c.name) {
      try {
        return c.run(argc, argv, 2);
      } catch (const std::exception& e) {
        chipreg::cli::print_error(chipreg::Error("INTERNAL", e.what()));
        return 70;
      }
    }
  }
  chipreg::cli::print_error(chipreg::Error("USAGE", "unknown command '" + std::string(cmd) + "'; see chipreg --help"));
  return 2;
}
