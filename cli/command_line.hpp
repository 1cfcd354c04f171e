// chipreg's command line on CLI11: every subcommand declares its options once (name, value
// placeholder, description, required, default, allowed values or range), and from those
// declarations come the parse, the checks, the usage line and the option list of -h/--help,
// so that none of them can disagree with another.
//
// The help of a command, on stdout with exit 0 for -h or --help at any level:
//   usage: chipreg CMD --required V [--optional V] [--flag] POSITIONAL   (wrapped at 100)
//   <description: its first line is the summary listed by the parent's help>
//   arguments: / options: / commands:   one aligned column, each line "name  description",
//                                        notes in brackets: [required], [1..256], [default: 3]
//   <footer>
// Parse errors become chipreg's error form on stderr, {"error": {"code": "USAGE", "message",
// "field"}}, exit 2; the field is the option's name without dashes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace chipreg::cli {

// What a parsed subcommand runs: its exit status. Each subcommand's callback stores one;
// main runs it after the whole command line has parsed.
using Command = std::function<int()>;

// Makes `app` (the root) format its help, and its subcommands', as described above. Call
// before adding subcommands: they inherit the formatter.
void use_chipreg_help(CLI::App& app);

// A check that the value is a decimal integer in [lo, hi], shown in the help as "[lo..hi]"
// (or "[>= lo]" when hi is the largest long long). Give it to Option::transform: it also
// writes the value back in plain decimal, since CLI11 itself would read "010" as octal.
CLI::Validator in_range(long long lo, long long hi);

// Parses argv with `root`. Returns the exit status when there is nothing left to run: 0
// after printing help or the version, 2 after printing a usage error (also when a command
// that has subcommands is given none). Returns nullopt when `selected` is to run.
std::optional<int> parse_command_line(CLI::App& root, int argc, char** argv, const Command& selected);

}  // namespace chipreg::cli
