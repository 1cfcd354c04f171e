// chipreg: the registry and rules engine for the Binjiang 2024 IC policy (clauses 3, 12).
// This file only builds the command line and runs what it selects; each subcommand lives
// in its own cmd_*.cpp and declares its options there (cli/command_line.hpp).
#include <sys/stat.h>

#include <exception>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/io.hpp"

int main(int argc, char** argv) {
  // Everything chipreg creates (the database, its WAL and SHM, the log key, backups and
  // exports) holds facts or secrets: owner-only, whatever the caller's umask.
  ::umask(077);
  namespace cli = chipreg::cli;
  try {
    CLI::App app("chipreg " CHIPREG_VERSION " - IC subsidy registry and rules engine (Binjiang 2024 policy)",
                 "chipreg");
    cli::use_chipreg_help(app);
    app.set_version_flag("--version", "chipreg " CHIPREG_VERSION, "print the version and exit");
    cli::Command selected;
    for (auto add : {cli::add_init, cli::add_evaluate, cli::add_serve, cli::add_keygen, cli::add_sign, cli::add_verify,
                     cli::add_import, cli::add_export, cli::add_log, cli::add_backup, cli::add_restore, cli::add_token,
                     cli::add_key, cli::add_eligibility}) {
      add(app, selected);
    }
    // Set after the subcommands: CLI11 copies a parent's footer into each new subcommand.
    app.footer(
        "Every command prints errors as JSON on stderr: {\"error\": {\"code\", \"message\", \"field\"}};\n"
        "bad usage exits 2 with code USAGE, its field naming the option. chipreg COMMAND --help\n"
        "(or -h) documents each command and its options.");
    app.require_subcommand(0, 1);

    if (argc < 2) {
      std::cerr << app.help();
      return 2;
    }
    const std::string_view first = argv[1];
    if (first == "help") return std::cout << app.help(), 0;
    if (first == "version") return std::cout << "chipreg " CHIPREG_VERSION "\n", 0;
    if (auto status = cli::parse_command_line(app, argc, argv, selected)) return *status;
    return selected();
  } catch (const std::exception& e) {
    cli::print_error(chipreg::Error("INTERNAL", e.what()));
    return 70;
  }
}
