// A small command-line parser shared by every subcommand: `--name value` options,
// boolean `--flag`s and positionals. Each subcommand declares which options take values
// so that a typo is an error, not a silently ignored word.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace chipreg::cli {

class Args {
 public:
  // Parses argv[first..argc). `valued` lists options that take a value, `flags` those
  // that do not. Anything else starting with "--" is an error (code USAGE).
  static Result<Args> parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                            const std::set<std::string>& flags);

  std::optional<std::string> get(const std::string& name) const;
  // The value of a required option, or a USAGE error naming it (in the message and field).
  Result<std::string> require(const std::string& name) const;
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

// The whole file, at most 16 MiB (statements, envelopes and keys are small; the cap keeps a
// wrong path to a huge file from eating memory). Error code IO_ERROR names the path.
Result<std::string> read_text_file(const std::string& path);

// Prints {"error": {"code", "message"[, "field"][, "line"]}} on stderr.
void print_error(const Error& e);

}  // namespace chipreg::cli
