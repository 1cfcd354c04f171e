// chipreg key add | revoke | list: the foundry key registry from the command line, with the
// store functions POST /v1/foundry-keys, POST /v1/foundry-keys/{keyid}/revoke and
// GET /v1/foundry-keys use (registry/store/foundry_keys.hpp), so both agree by
// construction: the same checks, the same rows, the same audit actions, the same JSON.
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/registry_file.hpp"
#include "registry/db/clock.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/foundry_keys.hpp"

namespace chipreg::cli {
namespace json = boost::json;
namespace {

constexpr const char* kKeyHelp =
    "usage: chipreg key add --db PATH --foundry USCC --alg ALG --public-key FILE --valid-from DATE\n"
    "                       [--valid-to DATE] [--label L]\n"
    "       chipreg key revoke --db PATH --key-id ID --from DATE [--confirm]\n"
    "       chipreg key list --db PATH [--foundry USCC]\n\n"
    "The foundry keys whose signatures on tape-out attestations the registry accepts; the\n"
    "same as POST /v1/foundry-keys, POST /v1/foundry-keys/{keyid}/revoke and\n"
    "GET /v1/foundry-keys, and usable while chipreg serve runs.\n\n"
    "  add     registers FILE (a SubjectPublicKeyInfo PEM, e.g. PREFIX.pub of chipreg keygen)\n"
    "          for the foundry USCC (registered, with the foundry role). ALG is ed25519,\n"
    "          ecdsa-p256 or sm2 and must be the key's. The key signs tape-outs dated from\n"
    "          --valid-from to --valid-to (YYYY-MM-DD, both included; no --valid-to: open).\n"
    "          --label is recorded in the audit trail. Prints the key, with its keyid.\n"
    "  revoke  revokes key ID from DATE: from that day on nothing dated or presented on or\n"
    "          after DATE is accepted. A revocation can be moved earlier, never later (a\n"
    "          later DATE keeps the earlier one). Attestations logged before DATE stay\n"
    "          trusted; moving DATE to or before one's date or log day untrusts it. Prints\n"
    "          on stderr the attestations it makes untrusted and the claims on them; moving\n"
    "          an existing revocation earlier needs --confirm.\n"
    "  list    prints {\"items\": [...], \"next\": null}, as GET /v1/foundry-keys does.\n\n"
    "The audit trail records foundry_key.register and foundry_key.revoke by actor \"cli\".\n";

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

int key_add(const Args& args, db::Db& db) {
  store::KeyRegistration reg;
  for (auto [option, dest] : {std::pair<const char*, std::string*>{"foundry", &reg.foundry},
                              {"alg", &reg.alg},
                              {"valid-from", &reg.valid_from}}) {
    auto v = args.require(option);
    if (!v) return fail(v.error());
    *dest = *v;
  }
  reg.valid_to = args.get("valid-to");
  auto pem_path = args.require("public-key");
  if (!pem_path) return fail(pem_path.error());
  auto pem = read_text_file(*pem_path);
  if (!pem) return fail(pem.error().at("public-key"));
  reg.public_key_pem = *pem;

  auto tx = db::Tx::begin(db);
  if (!tx) return fail(tx.error());
  auto keyid = store::register_foundry_key(db, reg, db::now_utc());
  if (!keyid) return fail(keyid.error());
  json::object detail{{"foundry", reg.foundry}, {"alg", reg.alg}};
  if (auto label = args.get("label")) detail["label"] = *label;
  if (auto st = store::audit(db, "cli", "foundry_key.register", *keyid, detail); !st) return fail(st.error());
  if (auto st = tx->commit(); !st) return fail(st.error());
  if (auto st = print_key(db, *keyid); !st) return fail(st.error());
  return 0;
}

int key_revoke(const Args& args, db::Db& db) {
  auto keyid = args.require("key-id");
  if (!keyid) return fail(keyid.error());
  auto from = args.require("from");
  if (!from) return fail(from.error());
  auto date = Date::parse(*from);
  if (!date) return fail(date.error().at("from"));

  auto tx = db::Tx::begin(db);
  if (!tx) return fail(tx.error());
  auto impact = store::revoke_with_impact(db, *keyid, *date, args.flag("confirm"), "cli");
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
  if (auto st = print_key(db, *keyid); !st) return fail(st.error());
  return 0;
}

int key_list(const Args& args, db::Db& db) {
  Result<std::vector<store::FoundryKey>> keys = std::vector<store::FoundryKey>();
  if (auto foundry = args.get("foundry")) {
    auto uscc = Uscc::parse(*foundry);
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

}  // namespace

int cmd_key(int argc, char** argv, int first) {
  const std::string sub = first < argc ? argv[first] : "";
  if (sub.empty() || sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kKeyHelp;
    return sub.empty() ? 2 : 0;
  }
  int (*run)(const Args&, db::Db&) = nullptr;
  std::set<std::string> valued;
  std::set<std::string> flags = {"help"};
  if (sub == "add") {
    run = key_add;
    valued = {"db", "foundry", "alg", "public-key", "valid-from", "valid-to", "label"};
  } else if (sub == "revoke") {
    run = key_revoke;
    valued = {"db", "key-id", "from"};
    flags.insert("confirm");
  } else if (sub == "list") {
    run = key_list;
    valued = {"db", "foundry"};
  } else {
    print_error(Error("USAGE", "unknown key subcommand '" + sub + "'; expected add, revoke or list"));
    return 2;
  }
  auto args = Args::parse(argc, argv, first + 1, valued, flags);
  if (args && args->flag("help")) return std::cout << kKeyHelp, 0;
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("db");
  if (!path) return print_error(path.error()), 2;
  auto db = open_registry(*path, "db");
  if (!db) return print_error(db.error()), 1;
  return run(*args, *db);
}

}  // namespace chipreg::cli
