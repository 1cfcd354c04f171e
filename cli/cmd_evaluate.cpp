// chipreg evaluate --scenario FILE: the rules engine on a self-contained scenario, no
// database. Evaluation JSON on stdout (exit 0); a bad scenario exits 2 with
// {"error": {"code", "message", "field"}} on stderr naming the path of the bad value.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"

namespace chipreg::cli {

namespace {

constexpr std::streamoff kMaxScenarioBytes = 256LL * 1024 * 1024;

int run_evaluate(const std::string& scenario) {
  std::ifstream in(scenario, std::ios::binary);
  if (!in) return print_error(Error("IO", "cannot open scenario file '" + scenario + "'")), 2;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxScenarioBytes) {
    return print_error(Error("TOO_LARGE", "scenario file is larger than 256 MiB or unreadable")), 2;
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), size)) return print_error(Error("IO", "cannot read scenario file '" + scenario + "'")), 2;

  auto facts = json_io::parse_scenario(text);
  if (!facts) return print_error(facts.error()), 2;
  auto evaluations = rules::evaluate(*facts, policy::versions());
  if (!evaluations) return print_error(evaluations.error()), 2;
  std::cout << boost::json::serialize(rules::to_json(*evaluations)) << "\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace

void add_evaluate(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand("evaluate",
                                         "the rules engine on a scenario (no database)\n\n"
                                         "Evaluates every claim of the scenario (contract: Scenario section) against its\n"
                                         "facts and prints {\"claims\": [...]} with awards, reason codes and a trace.");
  auto scenario = std::make_shared<std::string>();
  cmd->add_option("--scenario", *scenario, "the scenario JSON: facts and claims (at most 256 MiB)")
      ->required()
      ->type_name("FILE");
  cmd->callback([scenario, &selected] { selected = [scenario] { return run_evaluate(*scenario); }; });
}

}  // namespace chipreg::cli
