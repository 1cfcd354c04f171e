// chipreg init --db PATH: creates the database (schema, first admin token) or migrates it.
#include <iostream>
#include <memory>
#include <optional>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::cli {

namespace {

struct InitArgs {
  std::string db;
  std::optional<std::string> log_origin;
};

int run_init(const InitArgs& o) {
  auto db = db::Db::open(o.db);
  if (!db) return print_error(db.error()), 1;
  // Migrations that rebuild a referenced table run with foreign keys off, and the pragma
  // is a no-op inside the transaction below; migrate() checks every reference before the
  // commit (PRAGMA foreign_key_check).
  if (auto st = db->exec_script("PRAGMA foreign_keys = OFF"); !st) return print_error(st.error()), 1;
  auto tx = db::Tx::begin(*db);
  if (!tx) return print_error(tx.error()), 1;
  store::MigrationNotes notes;
  auto before = store::migrate(*db, -1, &notes);
  if (!before) return print_error(before.error()), 1;
  std::optional<std::string> admin;
  if (*before == 0) {
    auto token = store::create_token(*db, "admin", std::nullopt, "created by init");
    if (!token) return print_error(token.error()), 1;
    admin = *token;
  }
  if (auto key = tlog::ensure_log_key(*db, o.db, o.log_origin); !key) return print_error(key.error()), 1;
  if (auto st = tx->commit(); !st) return print_error(st.error()), 1;
  if (admin) std::cout << boost::json::serialize(boost::json::object{{"admin_token", *admin}}) << "\n";
  if (notes.reference_facts_logged > 0) {
    std::cerr << "chipreg init: 迁移已将 " << notes.reference_facts_logged
              << " 条既有参考事实（企业、人员、股权、产品、代工厂密钥等）记入透明日志 / migration 11 logged "
              << notes.reference_facts_logged
              << " existing reference facts (enterprises, persons, equity, products, foundry keys, ...) as log leaves\n";
  }
  return 0;
}

}  // namespace

void add_init(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand("init",
                                         "create or migrate a registry database\n\n"
                                         "Creates the registry database at PATH, or migrates an existing one to this\n"
                                         "version. The first init prints {\"admin_token\": \"...\"}: keep it, it is shown once.\n\n"
                                         "It also creates the transparency log's Ed25519 signing key at PATH.logkey (mode\n"
                                         "0600; a later init keeps it).");
  auto o = std::make_shared<InitArgs>();
  cmd->add_option("--db", o->db, "the registry database to create or migrate")->required()->type_name("PATH");
  cmd->add_option("--log-origin", o->log_origin,
                  "names the log in its checkpoints (default chipreg.binjiang.example/log);\n"
                  "it is fixed once the key exists")
      ->type_name("NAME");
  cmd->callback([o, &selected] { selected = [o] { return run_init(*o); }; });
}

}  // namespace chipreg::cli
