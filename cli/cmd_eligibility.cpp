// chipreg eligibility: the 免申即享 job for one year (registry/store/entitlements.hpp):
// evaluates every enterprise whose facts changed since the year's last run (all of them on
// the first run, or with --full) against every rule it has facts for, records what each
// qualifies for in `entitlements` (GET /v1/entitlements), files the claims of the rules the
// bureau set to automatic filing, and prints a JSON summary. Progress goes to stderr.
// Safe while `chipreg serve` runs: it writes in short transactions, one batch at a time.
#include <chrono>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "cli/registry_file.hpp"
#include "registry/store/entitlements.hpp"

namespace chipreg::cli {
namespace {

struct EligibilityArgs {
  std::string db;
  int year = 0;
  bool full = false;
  int batch = 200;
  bool quiet = false;
};

int run_eligibility(const EligibilityArgs& a) {
  auto reader = open_registry(a.db, "db");
  if (!reader) return print_error(reader.error()), 1;
  auto writer = open_registry(a.db, "db");
  if (!writer) return print_error(writer.error()), 1;
  store::EligibilityOptions o;
  o.year = a.year;
  o.full = a.full;
  o.batch = a.batch;
  o.actor = "cli:eligibility";
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  if (!a.quiet) {
    o.progress = [&](std::int64_t done, std::int64_t total) {
      const auto now = std::chrono::steady_clock::now();
      if (done != total && now - last < std::chrono::seconds(2)) return;
      last = now;
      std::cerr << boost::json::serialize(boost::json::object{
                       {"progress", done},
                       {"of", total},
                       {"seconds", std::chrono::duration<double>(now - start).count()}})
                << "\n";
    };
  }
  auto run = store::run_eligibility(*reader, *writer, o);
  if (!run) return print_error(run.error()), 1;
  boost::json::object out = store::to_json(*run);
  out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace

void add_eligibility(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "eligibility",
      "免申即享: what every enterprise's facts qualify for, in one year\n\n"
      "Evaluates the enterprises whose facts changed since the year's last run (every\n"
      "enterprise on the first run, or with --full) against every rule they have facts for,\n"
      "exactly as a claim would be evaluated, and records the result (GET /v1/entitlements).\n"
      "Rules the bureau set to automatic filing get their claims filed, marked proactive.\n"
      "Prints {\"year\", \"mode\", \"log_size\", \"facts\", \"enterprises\", \"evaluations\", \"rows\",\n"
      "\"eligible\", \"owed_unclaimed\", \"owed_unclaimed_fen\", \"auto_filed\", \"errors\", \"seconds\"}.");
  auto a = std::make_shared<EligibilityArgs>();
  cmd->add_option("--db", a->db, "the registry database")->required()->type_name("PATH");
  cmd->add_option("--year", a->year, "the calendar year evaluated")->required()->type_name("Y")->transform(in_range(1900, 9999));
  cmd->add_flag("--full", a->full, "re-evaluate every enterprise (after a policy or parameter change)");
  cmd->add_option("--batch", a->batch, "enterprises per snapshot and write transaction")
      ->type_name("N")
      ->transform(in_range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "no progress lines on stderr");
  cmd->footer("The selection of an incremental run, and why it is safe: registry/store/entitlements.hpp.");
  cmd->callback([a, &selected] { selected = [a] { return run_eligibility(*a); }; });
}

}  // namespace chipreg::cli
