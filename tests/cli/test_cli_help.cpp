// End-to-end: the real binary's -h/--help for every command, and its usage errors. The
// tables below are written from the documented command line, not read from the code: a new
// option that the help does not list, or a listed option the command does not take, fails.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using chipreg::testing::ProcessResult;
using chipreg::testing::run_chipreg;

namespace {

struct CommandOptions {
  std::vector<std::string> path;     // the subcommand words
  std::vector<std::string> options;  // every option it takes, besides -h/--help
  std::vector<std::string> arguments = {};
};

const std::vector<CommandOptions>& commands() {
  static const std::vector<CommandOptions> table = {
      {{}, {"--version"}},
      {{"init"}, {"--db", "--log-origin"}},
      {{"evaluate"}, {"--scenario"}},
      {{"serve"},
       {"--db",
        "--listen",
        "--threads",
        "--store-threads",
        "--tls-cert",
        "--tls-key",
        "--max-body",
        "--max-connections",
        "--max-connections-per-peer",
        "--enterprise-writes-per-minute",
        "--enterprise-write-burst",
        "--header-timeout-ms",
        "--body-timeout-ms",
        "--access-log",
        "--eligibility-every",
        "--eligibility-year",
        "--objection-days",
        "--webhook-allow-host",
        "--webhook-allow-http-host",
        "--webhook-ca-file",
        "--webhook-max-attempts",
        "--webhook-retry-base-ms",
        "--webhook-timeout-ms"}},
      {{"keygen"}, {"--alg", "--out", "--force"}},
      {{"sign"}, {"--key", "--statement", "--any-statement"}},
      {{"verify"}, {"--pub", "--envelope"}},
      {{"import"}, {"--db", "--atomic", "--batch", "--operator"}, {"KIND", "FILE"}},
      {{"export"}, {"--db"}, {"KIND"}},
      {{"log"}, {}},
      {{"log", "verify"},
       {"--key", "--checkpoint", "--entry", "--entry-response", "--index", "--proof", "--old-checkpoint",
        "--witness-key"}},
      {{"log", "audit"}, {"--db", "--checkpoint", "--checkpoints", "--witness-key", "--key"}},
      {{"log", "publish"}, {"--db", "--to"}},
      {{"backup"}, {"--db", "--out", "--force"}},
      {{"restore"}, {"--from", "--db", "--force"}},
      {{"token"}, {}},
      {{"token", "create"}, {"--db", "--role", "--enterprise", "--label"}},
      {{"key"}, {}},
      {{"key", "add"}, {"--db", "--foundry", "--alg", "--public-key", "--valid-from", "--valid-to", "--label"}},
      {{"key", "revoke"}, {"--db", "--key-id", "--from", "--confirm"}},
      {{"key", "list"}, {"--db", "--foundry"}},
      {{"eligibility"}, {"--db", "--year", "--full", "--batch", "--quiet"}},
  };
  return table;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += " " + w;
  return out;
}

// The entries of a help section ("options", "arguments", "commands"): the lines from its
// title to the next blank line.
std::vector<std::string> section(const std::string& help, const std::string& title) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& line : lines_of(help)) {
    if (line == title + ":") {
      in = true;
    } else if (in && line.empty()) {
      break;
    } else if (in) {
      out.push_back(line);
    }
  }
  return out;
}

// The names an options section lists: "--db" from "  --db PATH    the database [required]",
// "-h" and "--help" from "  -h, --help ...".
std::set<std::string> listed_options(const std::string& help) {
  std::set<std::string> out;
  for (const std::string& line : section(help, "options")) {
    if (line.rfind("  -", 0) != 0) continue;
    std::istringstream words(line.substr(2, line.find("  ", 2) - 2));
    for (std::string w; words >> w;) {
      if (w.back() == ',') w.pop_back();
      if (w.rfind("-", 0) == 0) out.insert(w);
    }
  }
  return out;
}

// Where each entry's description starts, for every line of the sections that has one: an
// entry line "  name  description" or a continuation line "            description".
std::set<std::size_t> description_columns(const std::string& help) {
  std::set<std::size_t> columns;
  for (const char* title : {"arguments", "options", "commands"}) {
    for (const std::string& line : section(help, title)) {
      if (line.rfind("   ", 0) == 0) {
        columns.insert(line.find_first_not_of(' '));  // a continuation line
        continue;
      }
      const std::size_t gap = line.find("  ", 2);
      if (gap == std::string::npos) continue;  // a long name alone; its description follows
      columns.insert(line.find_first_not_of(' ', gap));
    }
  }
  return columns;
}

boost::json::object error_of(const ProcessResult& r) {
  INFO(r.err);
  return boost::json::parse(r.err).as_object().at("error").as_object();
}

}  // namespace

TEST_CASE("cli help: -h and --help on every command exit 0 on stdout and list exactly its options") {
  for (const CommandOptions& c : commands()) {
    for (const char* flag : {"-h", "--help"}) {
      std::vector<std::string> args = c.path;
      args.push_back(flag);
      INFO("chipreg" + joined(args));
      auto r = run_chipreg(args);
      CHECK(r.exit_code == 0);
      CHECK(r.err.empty());
      CHECK(r.out.rfind("usage: chipreg" + joined(c.path), 0) == 0);
      std::set<std::string> expected(c.options.begin(), c.options.end());
      expected.insert({"-h", "--help"});
      CHECK(listed_options(r.out) == expected);
      // The usage line(s), up to the first blank line, name every option the list does.
      const std::string usage = r.out.substr(0, r.out.find("\n\n"));
      for (const std::string& option : c.options) {
        if (c.path.empty()) continue;  // the root's usage says COMMAND [OPTIONS]
        INFO(option);
        CHECK((usage.find(option + " ") != std::string::npos || usage.find(option + "]") != std::string::npos));
      }
      for (const std::string& argument : c.arguments) {
        CHECK(usage.find(" " + argument) != std::string::npos);
        CHECK(section(r.out, "arguments").size() == c.arguments.size());
      }
    }
  }
}

TEST_CASE("cli help: every help's descriptions start at one column") {
  for (const CommandOptions& c : commands()) {
    std::vector<std::string> args = c.path;
    args.push_back("--help");
    INFO("chipreg" + joined(args));
    auto r = run_chipreg(args);
    REQUIRE(r.exit_code == 0);
    const auto columns = description_columns(r.out);
    CHECK(columns.size() == 1);
  }
}

TEST_CASE("cli help: required options, ranges, allowed values and defaults come from the declarations") {
  // An option's entry: its line and the continuation lines below it.
  auto line_of = [](const std::string& help, const std::string& option) {
    std::string entry;
    for (const std::string& line : section(help, "options")) {
      if (line.rfind("  " + option + " ", 0) == 0) {
        entry = line;
      } else if (!entry.empty() && line.rfind("   ", 0) == 0) {
        entry += "\n" + line;
      } else if (!entry.empty()) {
        break;
      }
    }
    return entry;
  };
  const std::string serve = run_chipreg({"serve", "-h"}).out;
  CHECK_THAT(line_of(serve, "--db"), Catch::EndsWith("[required]"));
  CHECK_THAT(line_of(serve, "--max-body"), Catch::Contains("[1..1073741824, default: 1048576]"));
  CHECK_THAT(line_of(serve, "--access-log"), Catch::StartsWith("  --access-log {on,off} "));
  CHECK_THAT(line_of(serve, "--access-log"), Catch::EndsWith("[default: on]"));
  CHECK_THAT(line_of(serve, "--enterprise-writes-per-minute"),
             Catch::Contains("(0: no limit)") && Catch::EndsWith("[0..100000000, default: 3000]"));
  CHECK_THAT(line_of(serve, "--threads"), Catch::EndsWith("[1..256]"));
  CHECK_THAT(line_of(serve, "--objection-days"), Catch::StartsWith("  --objection-days N "));
  // Every option is explained: no option line without a description.
  for (const std::string& line : section(serve, "options")) {
    if (line.rfind("  -", 0) == 0) CHECK(line.find("  ", 2) != std::string::npos);
  }
  CHECK_THAT(serve, Catch::Contains("[--threads N]") && Catch::Contains("--listen HOST:PORT"));

  const std::string keygen = run_chipreg({"keygen", "--help"}).out;
  CHECK_THAT(line_of(keygen, "--alg"), Catch::StartsWith("  --alg {ed25519,ecdsa-p256,sm2} "));
  CHECK_THAT(keygen,
             Catch::StartsWith("usage: chipreg keygen --alg {ed25519,ecdsa-p256,sm2} --out PREFIX [--force]\n"));

  // The usage line names --batch, which the option list documents (it once did not).
  const std::string import = run_chipreg({"import", "-h"}).out;
  CHECK_THAT(import,
             Catch::StartsWith("usage: chipreg import --db PATH [--atomic] [--batch N] [--operator NAME] KIND FILE\n"));
  CHECK_THAT(line_of(import, "--batch"), Catch::EndsWith("[>= 1, default: 50000]"));
  // The explanatory prose is kept: the kinds, the workbook, the exit statuses.
  CHECK_THAT(import, Catch::Contains("全量发票查询导出结果.xlsx") && Catch::Contains("2 for usage"));

  // A command with subcommands shows each one's usage, and the root lists every command.
  const std::string key = run_chipreg({"key", "--help"}).out;
  CHECK_THAT(key, Catch::StartsWith("usage: chipreg key add --db PATH --foundry USCC --alg {ed25519,ecdsa-p256,sm2}"));
  CHECK_THAT(key, Catch::Contains("\n       chipreg key revoke --db PATH --key-id ID --from DATE [--confirm]\n"));
  const std::string root = run_chipreg({"--help"}).out;
  for (const char* cmd : {"init", "evaluate", "serve", "keygen", "sign", "verify", "import", "export", "log", "backup",
                          "restore", "token", "key"}) {
    CHECK(root.find(std::string("\n  ") + cmd + " ") != std::string::npos);
  }
  CHECK(run_chipreg({"help"}).out == root);
  // "help" where a subcommand is expected, as before.
  auto key_help = run_chipreg({"key", "help"});
  CHECK(key_help.exit_code == 0);
  CHECK(key_help.out == key);
}

TEST_CASE("cli errors: bad usage exits 2 with a USAGE error on stderr naming the option") {
  chipreg::testing::TempDir dir;
  const std::string db = dir.file("r.db");
  const std::vector<std::string> serve = {"serve", "--db", db, "--listen", "127.0.0.1:0"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  struct Case {
    std::vector<std::string> args;
    std::string field;       // empty: no field
    std::string in_message;  // what the message must name
  };
  const std::vector<Case> cases = {
      // An unknown option.
      {{"init", "--db", db, "--bogus"}, "bogus", "--bogus"},
      {with(serve, {"--thread", "4"}), "thread", "--thread"},
      {{"log", "audit", "--db", db, "--checkpointz=x"}, "checkpointz", "--checkpointz"},
      // ... reported before a required option it may have been meant as.
      {{"token", "create", "--db", db, "--role", "admin", "--lable", "x"}, "lable", "--lable"},
      // A missing required option or argument.
      {{"init"}, "db", "--db"},
      {{"key", "revoke", "--db", db, "--from", "2024-11-01"}, "key-id", "--key-id"},
      {{"import", "--db", db, "persons"}, "file", "FILE"},
      // A missing value.
      {{"backup", "--db", db, "--out"}, "out", "--out"},
      {{"sign", "--key"}, "key", "--key"},
      // A bad integer, or one out of range.
      {with(serve, {"--threads", "many"}), "threads", "--threads"},
      {with(serve, {"--threads", "0"}), "threads", "--threads"},
      {with(serve, {"--threads", "257"}), "threads", "--threads"},
      {with(serve, {"--max-body", "1073741825"}), "max-body", "--max-body"},
      {with(serve, {"--header-timeout-ms", "-1"}), "header-timeout-ms", "--header-timeout-ms"},
      {{"import", "--db", db, "persons", "x.csv", "--batch", "0"}, "batch", "--batch"},
      {{"log", "verify", "--key", "k", "--checkpoint", "c", "--proof", "p", "--index", "x1"}, "index", "--index"},
      // A value not among the allowed ones.
      {{"keygen", "--alg", "rsa", "--out", dir.file("k")}, "alg", "--alg"},
      {with(serve, {"--access-log", "maybe"}), "access-log", "--access-log"},
      // An argument too many, an unknown command or subcommand, a missing subcommand.
      {{"export", "--db", db, "persons", "extra"}, "", "extra"},
      {{"frobnicate"}, "", "frobnicate"},
      {{"key", "list", "--db", db, "add"}, "", "add"},  // an argument, not a second subcommand
      {{"log", "frob"}, "", "frob"},
      {{"log", "publish", "--db", db}, "to", "--to"},
      {{"key"}, "", "add, revoke or list"},
  };
  for (const Case& c : cases) {
    INFO("chipreg" + joined(c.args));
    auto r = run_chipreg(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    auto e = error_of(r);
    CHECK(e.at("code") == "USAGE");
    CHECK_THAT(std::string(e.at("message").as_string()), Catch::Contains(c.in_message));
    if (c.field.empty()) {
      CHECK_FALSE(e.contains("field"));
    } else {
      REQUIRE(e.contains("field"));
      CHECK(e.at("field") == c.field.c_str());
    }
  }
  // None of them created the database.
  CHECK_FALSE(std::ifstream(db).good());
}
