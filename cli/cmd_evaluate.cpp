// chipreg evaluate --scenario FILE: the rules engine on a self-contained scenario, no
// database. Evaluation JSON on stdout (exit 0); a bad scenario exits 2 with
// {"error": {"code", "message", "field"}} on stderr naming the path of the bad value.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"

namespace chipreg::cli {

namespace {
constexpr std::streamoff kMaxScenarioBytes = 256LL * 1024 * 1024;
}

int cmd_evaluate(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"scenario"}, {"help"});
  if (args && args->flag("help")) {
    std::cout << "usage: chipreg evaluate --scenario FILE\n\n"
                 "Evaluates every claim of the scenario (contract: Scenario section) against its\n"
                 "facts and prints {\"claims\": [...]} with awards, reason codes and a trace.\n";
    return 0;
  }
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("scenario");
  if (!path) return print_error(path.error()), 2;

  std::ifstream in(*path, std::ios::binary);
  if (!in) return print_error(Error("IO", "cannot open scenario file '" + *path + "'")), 2;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxScenarioBytes) {
    return print_error(Error("TOO_LARGE", "scenario file is larger than 256 MiB or unreadable")), 2;
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), size)) return print_error(Error("IO", "cannot read scenario file '" + *path + "'")), 2;

  auto facts = json_io::parse_scenario(text);
  if (!facts) return print_error(facts.error()), 2;
  auto evaluations = rules::evaluate(*facts, policy::versions());
  if (!evaluations) return print_error(evaluations.error()), 2;
  std::cout << boost::json::serialize(rules::to_json(*evaluations)) << "\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace chipreg::cli
