// Test support: run the real `chipreg` binary (or any program) and capture its output.
#pragma once

#include <string>
#include <vector>

namespace chipreg::testing {

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, feeding `input` on stdin; waits for it to exit.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "");

// Runs the chipreg binary under test with the given arguments.
ProcessResult run_chipreg(const std::vector<std::string>& args, const std::string& input = "");

}  // namespace chipreg::testing
