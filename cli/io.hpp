// What every subcommand reads and prints besides its own output: small input files, and
// errors in chipreg's machine-readable form on stderr.
#pragma once

#include <string>

#include "base/result.hpp"

namespace chipreg::cli {

// The whole file, at most 16 MiB (statements, envelopes and keys are small; the cap keeps a
// wrong path to a huge file from eating memory). Error code IO_ERROR names the path.
Result<std::string> read_text_file(const std::string& path);

// Prints {"error": {"code", "message"[, "field"][, "line"]}} on stderr.
void print_error(const Error& e);

}  // namespace chipreg::cli
