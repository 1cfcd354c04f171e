// chipreg key add | revoke | list: the foundry key registry from the command line, with the
// store functions POST /v1/foundry-keys, POST /v1/foundry-keys/{keyid}/revoke and
// GET /v1/foundry-keys use (registry/store/foundry_keys.hpp), so both agree by
// construction: the same checks, the same rows, the same audit actions, the same JSON.
#include <iostream>
#include <memory>
#include <optional>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "cli/registry_file.hpp"
#include "crypto/keys.hpp"
#include "registry/db/clock.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/foundry_keys.hpp"

namespace chipreg::cli {
namespace json = boost::json;
namespace {

struct KeyArgs {
  std::string db;
  std::string foundry;  // add
  std::string alg;
  std::string public_key;
  std::string valid_from;
  std::optional<std::string> valid_to;
  std::optional<std::string> label;
  std::string key_id;  // revoke
  std::string from;
  bool confirm = false;
  std::optional<std::string> only_foundry;  // list
};

// The store names fields as the HTTP body does; the command line names its options.
Error with_option(Error e) {
  if (e.field == "public_key_pem") e.field = "public-key";
  if (e.field == "keyid") e.field = "key-id";
  for (char& c : e.field) c = c == '_' ? '-' : c;
  return e;
}

int fail(const Error& e) {
  print_error(with_option(e));
  return e.code == "DB_ERROR" || e.code == "BUSY" || e.code == "IO_ERROR" ? 1 : 2;
}

// Prints the key `keyid` as the HTTP answers show it.
Status print_key(db::Db& db, const std::string& keyid) {
  auto key = store::find_foundry_key(db, keyid);
  if (!key) return key.error();
  if (!*key) return Error("UNKNOWN_KEY", "no foundry key " + keyid, "keyid");
  std::cout << json::serialize(store::to_json(**key)) << "\n";
  return Status::Ok();
}

int key_add(const KeyArgs& args, db::Db& db) {
  store::KeyRegistration reg;
  reg.foundry = args.foundry;
  reg.alg = args.alg;
  reg.valid_from = args.valid_from;
  reg.valid_to = args.valid_to;
  auto pem = read_text_file(args.public_key);
  if (!pem) return fail(pem.error().at("public-key"));
  reg.public_key_pem = *pem;

  auto tx = db::Tx::begin(db);
  if (!tx) return fail(tx.error());
  auto keyid = store::register_foundry_key(db, reg, db::now_utc());
  if (!keyid) return fail(keyid.error());
  json::object detail{{"foundry", reg.foundry}, {"alg", reg.alg}};
  if (args.label) detail["label"] = *args.label;
  if (auto st = store::audit(db, "cli", "foundry_key.register", *keyid, detail); !st) return fail(st.error());
  if (auto st = tx->commit(); !st) return fail(st.error());
  if (auto st = print_key(db, *keyid); !st) return fail(st.error());
  return 0;
}

int key_revoke(const KeyArgs& args, db::Db& db) {
  auto date = Date::parse(args.from);
  if (!date) return fail(date.error().at("from"));

  auto tx = db::Tx::begin(db);
  if (!tx) return fail(tx.error());
  auto impact = store::revoke_with_impact(db, args.key_id, *date, args.confirm, "cli");
  if (!impact) {
    Error e = impact.error();
    if (e.code == "CONFIRM_REQUIRED") e = Error(e.code, e.message + " with --confirm", "confirm");
    if (e.field == "keyid") e.field = "key-id";
    return fail(e);
  }
  if (auto st = tx->commit(); !st) return fail(st.error());
  // What it made untrusted, before the key itself.
  std::cerr << "chipreg key revoke: 不再可信的流片证明 " << impact->tapeouts.size() << " 份，涉及申报 "
            << impact->claims.size() << " 件 / " << impact->tapeouts.size() << " attestations no longer trusted, "
            << impact->claims.size() << " submitted or approved claims on them: "
            << json::serialize(store::to_json(*impact)) << "\n";
  if (auto st = print_key(db, args.key_id); !st) return fail(st.error());
  return 0;
}

int key_list(const KeyArgs& args, db::Db& db) {
  Result<std::vector<store::FoundryKey>> keys = std::vector<store::FoundryKey>();
  if (args.only_foundry) {
    auto uscc = Uscc::parse(*args.only_foundry);
    if (!uscc) return fail(uscc.error().at("foundry"));
    keys = store::foundry_keys_of(db, *uscc);
  } else {
    keys = store::all_foundry_keys(db);
  }
  if (!keys) return fail(keys.error());
  json::array items;
  for (const auto& k : *keys) items.push_back(store::to_json(k));
  std::cout << json::serialize(json::object{{"items", std::move(items)}, {"next", nullptr}}) << "\n";
  return 0;
}

// Opens the registry, then runs `run`.
int with_registry(const KeyArgs& args, int (*run)(const KeyArgs&, db::Db&)) {
  auto db = open_registry(args.db, "db");
  if (!db) return print_error(db.error()), 1;
  return run(args, *db);
}

}  // namespace

void add_key(CLI::App& chipreg, Command& selected) {
  CLI::App* key = chipreg.add_subcommand(
      "key",
      "the foundry keys, as /v1/foundry-keys\n\n"
      "The foundry keys whose signatures on tape-out attestations the registry accepts; the\n"
      "same as POST /v1/foundry-keys, POST /v1/foundry-keys/{keyid}/revoke and\n"
      "GET /v1/foundry-keys, and usable while chipreg serve runs.");
  key->require_subcommand(0, 1);  // one of them: a later word that names another is an argument
  auto o = std::make_shared<KeyArgs>();
  auto run = [o, &selected](int (*command)(const KeyArgs&, db::Db&)) {
    return [o, &selected, command] { selected = [o, command] { return with_registry(*o, command); }; };
  };

  CLI::App* add = key->add_subcommand(
      "add",
      "registers a foundry's public key\n\n"
      "Registers FILE (a SubjectPublicKeyInfo PEM, e.g. PREFIX.pub of chipreg keygen)\n"
      "for the foundry USCC (registered, with the foundry role). ALG must be the key's.\n"
      "The key signs tape-outs dated from --valid-from to --valid-to (both included; no\n"
      "--valid-to: open). Prints the key, with its keyid.");
  add->add_option("--db", o->db, "the registry database")->required()->type_name("PATH");
  add->add_option("--foundry", o->foundry, "the foundry (registered, with the foundry role)")
      ->required()
      ->type_name("USCC");
  add->add_option("--alg", o->alg, "the key's algorithm")
      ->required()
      ->type_name("ALG")
      ->check(CLI::IsMember(crypto::alg_names()));
  add->add_option("--public-key", o->public_key, "the SubjectPublicKeyInfo PEM public key")
      ->required()
      ->type_name("FILE");
  add->add_option("--valid-from", o->valid_from, "the first day it signs tape-outs (YYYY-MM-DD)")
      ->required()
      ->type_name("DATE");
  add->add_option("--valid-to", o->valid_to, "the last day it signs tape-outs (YYYY-MM-DD); none: open")
      ->type_name("DATE");
  add->add_option("--label", o->label, "recorded in the audit trail")->type_name("L");
  add->footer("The audit trail records foundry_key.register by actor \"cli\".");
  add->callback(run(key_add));

  CLI::App* revoke = key->add_subcommand(
      "revoke",
      "revokes a key from a day on\n\n"
      "Revokes key ID from DATE: from that day on nothing dated or presented on or\n"
      "after DATE is accepted. A revocation can be moved earlier, never later (a\n"
      "later DATE keeps the earlier one). Attestations logged before DATE stay\n"
      "trusted; moving DATE to or before one's date or log day untrusts it. Prints\n"
      "on stderr the attestations it makes untrusted and the claims on them; moving\n"
      "an existing revocation earlier needs --confirm.");
  revoke->add_option("--db", o->db, "the registry database")->required()->type_name("PATH");
  revoke->add_option("--key-id", o->key_id, "the key's keyid (chipreg key list)")->required()->type_name("ID");
  revoke->add_option("--from", o->from, "the first day it is revoked (YYYY-MM-DD)")->required()->type_name("DATE");
  revoke->add_flag("--confirm", o->confirm, "move an existing revocation earlier");
  revoke->footer("The audit trail records foundry_key.revoke by actor \"cli\".");
  revoke->callback(run(key_revoke));

  CLI::App* list = key->add_subcommand(
      "list", "lists the keys\n\nPrints {\"items\": [...], \"next\": null}, as GET /v1/foundry-keys does.");
  list->add_option("--db", o->db, "the registry database")->required()->type_name("PATH");
  list->add_option("--foundry", o->only_foundry, "only this foundry's keys")->type_name("USCC");
  list->callback(run(key_list));
  // After the subcommands: CLI11 copies a command's footer into each new subcommand.
  key->footer("The audit trail records foundry_key.register and foundry_key.revoke by actor \"cli\".");
}

}  // namespace chipreg::cli
