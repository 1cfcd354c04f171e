// chipreg token create: a bearer token written straight into the database, for the first
// token of a role and for an admin whose token is lost (over HTTP only an admin token can
// make tokens). The same checks as POST /v1/tokens (store::check_token_grant).
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/registry_file.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::cli {
namespace {

constexpr const char* kTokenHelp =
    "usage: chipreg token create --db PATH --role ROLE [--enterprise USCC] --label LABEL\n\n"
    "Creates a bearer token directly in the registry database (also while chipreg serve\n"
    "runs), e.g. a new admin token when the old one is lost. Prints\n"
    "{\"token\", \"id\", \"role\", \"enterprise\"} once: the registry keeps only its hash.\n\n"
    "  --db PATH          the registry database\n"
    "  --role ROLE        admin, reviewer, foundry or enterprise\n"
    "  --enterprise USCC  the enterprise a foundry or enterprise token acts for (registered;\n"
    "                     with the foundry role for a foundry token); none for admin/reviewer\n"
    "  --label LABEL      who holds it or why it was made; shown in the audit trail\n\n"
    "The audit trail records token.create by actor \"cli\". Revoke a token with\n"
    "POST /v1/tokens/{id}/revoke.\n";

int token_create(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"db", "role", "enterprise", "label"}, {"help"});
  if (args && args->flag("help")) return std::cout << kTokenHelp, 0;
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("db");
  if (!path) return print_error(path.error()), 2;
  auto role = args->require("role");
  if (!role) return print_error(role.error()), 2;
  auto label = args->require("label");
  if (!label) return print_error(label.error()), 2;
  const auto enterprise = args->get("enterprise");
  auto db = open_registry(*path, "db");
  if (!db) return print_error(db.error()), 1;
  if (auto st = store::check_token_grant(*db, *role, enterprise); !st) return print_error(st.error()), 2;

  auto tx = db::Tx::begin(*db);
  if (!tx) return print_error(tx.error()), 1;
  auto token = store::create_token(*db, *role, enterprise, *label);
  if (!token) return print_error(token.error()), 1;
  const std::int64_t id = db->last_insert_rowid();
  boost::json::object detail{{"role", *role}, {"label", *label}};
  if (enterprise) detail["enterprise"] = *enterprise;
  if (auto st = store::audit(*db, "cli", "token.create", std::to_string(id), detail); !st)
    return print_error(st.error()), 1;
  if (auto st = tx->commit(); !st) return print_error(st.error()), 1;
  boost::json::object out{{"token", *token}, {"id", id}, {"role", *role}};
  out["enterprise"] = enterprise ? boost::json::value(*enterprise) : boost::json::value(nullptr);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace

int cmd_token(int argc, char** argv, int first) {
  const std::string sub = first < argc ? argv[first] : "";
  if (sub == "create") return token_create(argc, argv, first + 1);
  if (sub == "--help" || sub == "-h" || sub == "help") return std::cout << kTokenHelp, 0;
  print_error(Error("USAGE", sub.empty() ? "token needs a subcommand: create"
                                         : "unknown token subcommand '" + sub + "'; expected create"));
  return 2;
}

}  // namespace chipreg::cli
