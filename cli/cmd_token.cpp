// chipreg token create: a bearer token written straight into the database, for the first
// token of a role and for an admin whose token is lost (over HTTP only an admin token can
// make tokens). The same checks as POST /v1/tokens (store::check_token_grant).
#include <iostream>
#include <memory>
#include <optional>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "cli/registry_file.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::cli {
namespace {

struct TokenCreateArgs {
  std::string db;
  std::string role;
  std::optional<std::string> enterprise;
  std::string label;
};

int token_create(const TokenCreateArgs& o) {
  const auto& enterprise = o.enterprise;
  auto db = open_registry(o.db, "db");
  if (!db) return print_error(db.error()), 1;
  if (auto st = store::check_token_grant(*db, o.role, enterprise); !st) return print_error(st.error()), 2;

  auto tx = db::Tx::begin(*db);
  if (!tx) return print_error(tx.error()), 1;
  auto token = store::create_token(*db, o.role, enterprise, o.label);
  if (!token) return print_error(token.error()), 1;
  const std::int64_t id = db->last_insert_rowid();
  boost::json::object detail{{"role", o.role}, {"label", o.label}};
  if (enterprise) detail["enterprise"] = *enterprise;
  if (auto st = store::audit(*db, "cli", "token.create", std::to_string(id), detail); !st)
    return print_error(st.error()), 1;
  if (auto st = tx->commit(); !st) return print_error(st.error()), 1;
  boost::json::object out{{"token", *token}, {"id", id}, {"role", o.role}};
  out["enterprise"] = enterprise ? boost::json::value(*enterprise) : boost::json::value(nullptr);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace

void add_token(CLI::App& chipreg, Command& selected) {
  CLI::App* token = chipreg.add_subcommand(
      "token",
      "a bearer token straight in the database (lost admin)\n\n"
      "Over HTTP only an admin token can make tokens; token create makes the first token of\n"
      "a role, or a new admin token when the old one is lost, with the checks of POST /v1/tokens.");
  token->require_subcommand(0, 1);  // one of them: a later word that names another is an argument
  CLI::App* cmd = token->add_subcommand(
      "create",
      "a bearer token of a role, shown once\n\n"
      "Creates a bearer token directly in the registry database (also while chipreg serve\n"
      "runs), e.g. a new admin token when the old one is lost. Prints\n"
      "{\"token\", \"id\", \"role\", \"enterprise\"} once: the registry keeps only its hash.");
  auto o = std::make_shared<TokenCreateArgs>();
  cmd->add_option("--db", o->db, "the registry database")->required()->type_name("PATH");
  cmd->add_option("--role", o->role, "admin, reviewer, foundry or enterprise")->required()->type_name("ROLE");
  cmd->add_option("--enterprise", o->enterprise,
                  "the enterprise a foundry or enterprise token acts for (registered;\n"
                  "with the foundry role for a foundry token); none for admin/reviewer")
      ->type_name("USCC");
  cmd->add_option("--label", o->label, "who holds it or why it was made; shown in the audit trail")
      ->required()
      ->type_name("LABEL");
  cmd->footer(
      "The audit trail records token.create by actor \"cli\". Revoke a token with\n"
      "POST /v1/tokens/{id}/revoke.");
  cmd->callback([o, &selected] { selected = [o] { return token_create(*o); }; });
}

}  // namespace chipreg::cli
