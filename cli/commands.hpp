// The subcommands of `chipreg`. Each adds itself to the root command line: its options
// (cli/command_line.hpp), its help texts, and a callback that stores in `selected` what to
// run once the whole command line has parsed. main.cpp adds them in the order
// `chipreg --help` lists them; a new subcommand adds a line there.
#pragma once

#include "cli/command_line.hpp"

namespace chipreg::cli {

void add_init(CLI::App& chipreg, Command& selected);
void add_evaluate(CLI::App& chipreg, Command& selected);
void add_serve(CLI::App& chipreg, Command& selected);
void add_keygen(CLI::App& chipreg, Command& selected);
void add_sign(CLI::App& chipreg, Command& selected);
void add_verify(CLI::App& chipreg, Command& selected);
void add_import(CLI::App& chipreg, Command& selected);
void add_export(CLI::App& chipreg, Command& selected);
void add_log(CLI::App& chipreg, Command& selected);
void add_backup(CLI::App& chipreg, Command& selected);
void add_restore(CLI::App& chipreg, Command& selected);
void add_token(CLI::App& chipreg, Command& selected);
void add_key(CLI::App& chipreg, Command& selected);
void add_eligibility(CLI::App& chipreg, Command& selected);

}  // namespace chipreg::cli
