// chipreg log verify | audit | publish: the transparency log's offline tools.
//   verify   client side, no database: checks a signed checkpoint, then an entry's inclusion
//            proof or a consistency proof between two checkpoints.
//   audit    server side: recomputes the tree from the stored leaves and checks every
//            logged fact against its row (registry/log/audit.hpp), and optionally the log
//            against an archive of checkpoints (registry/log/checkpoint_archive.hpp).
//   publish  signs the current checkpoint and appends it to such an archive.
#include <cctype>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "crypto/encoding.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/checkpoint_archive.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/note.hpp"
#include "registry/log/store_log.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::cli {
namespace {

constexpr const char* kLogUsage =
    "usage: chipreg log verify --key KEY --checkpoint CP (--entry FILE | --entry-response FILE) --proof P [--index I]\n"
    "                          [--witness-key KEYS]\n"
    "       chipreg log verify --key KEY --checkpoint CP --old-checkpoint OLD --proof P [--witness-key KEYS]\n"
    "       chipreg log audit --db PATH [--checkpoint CP] [--checkpoints DIR [--witness-key KEYS]] [--key KEY]\n"
    "       chipreg log publish --db PATH --to DIR\n";

constexpr const char* kVerifyHelp =
    "usage:\n"
    "  chipreg log verify --key KEY --checkpoint CP --entry FILE --proof P --index I\n"
    "  chipreg log verify --key KEY --checkpoint CP --entry-response FILE --proof P\n"
    "  chipreg log verify --key KEY --checkpoint NEW --old-checkpoint OLD --proof P\n\n"
    "Checks, with no database and without trusting the server, that a log entry is in the\n"
    "log (inclusion) or that the log at NEW extends the log at OLD (consistency).\n\n"
    "  --key KEY             file with the log's verifier key (GET /v1/log/key):\n"
    "                        NAME+HASH8+BASE64; KEY may also be the key string itself\n"
    "  --checkpoint CP       signed checkpoint (GET /v1/log/checkpoint); its signature and\n"
    "                        origin are checked first, its size and root are the tree's\n"
    "  --entry FILE          the exact leaf bytes (the decoded \"entry\" of /v1/log/entries/I)\n"
    "  --entry-response FILE the JSON answer of GET /v1/log/entries/I (gives the index too),\n"
    "                        or of GET /v1/log/entries/I/opening: then the fact's bytes and\n"
    "                        salt are checked against the leaf's commitment too, and printed\n"
    "  --index I             the entry's leaf index (if not given by --entry-response)\n"
    "  --proof P             proof JSON: {\"leaf_hash\", \"path\"} from /v1/log/proof/inclusion\n"
    "                        with size = the checkpoint's size, or {\"path\"} from\n"
    "                        /v1/log/proof/consistency?from=OLD_SIZE&to=NEW_SIZE\n"
    "  --old-checkpoint OLD  the earlier signed checkpoint, for a consistency check\n"
    "  --witness-key KEYS    a witness's cosignature verifier key (NAME+HASH8+BASE64, type\n"
    "                        0x04, C2SP tlog-cosignature), or a file holding one per line:\n"
    "                        CP must carry a valid cosignature by each (the output lists\n"
    "                        \"witnesses\" with their times)\n\n"
    "Prints {\"ok\": true, ...} and exits 0 when everything verifies; prints a JSON error on\n"
    "stderr and exits 1 when it does not (BAD_SIGNATURE, UNKNOWN_KEY, BAD_PROOF, ...);\n"
    "exits 2 on bad usage or unreadable input.\n";

constexpr const char* kAuditHelp =
    "usage: chipreg log audit --db PATH [--checkpoint CP] [--checkpoints DIR [--witness-key KEYS]] [--key KEY]\n\n"
    "Recomputes every leaf hash and stored subtree of the transparency log from the stored\n"
    "leaves, and rebuilds every logged fact (tape-outs, purchases, claims, decisions) from\n"
    "its current row to compare with its leaf. Prints a JSON report on stdout:\n"
    "  {\"ok\", \"tree_size\", \"root\", \"nodes_checked\", \"checked\", \"problems\": [...]}\n\n"
    "  --checkpoint CP     a signed checkpoint saved earlier (GET /v1/log/checkpoint):\n"
    "                      the log must still hold its tree. This catches leaves cut off\n"
    "                      the end of the log, which the database alone cannot show\n"
    "                      (LOG_TRUNCATED, CHECKPOINT_MISMATCH); the report gains\n"
    "                      \"checkpoint\".\n"
    "  --checkpoints DIR   an archive of signed checkpoints (chipreg log publish --to\n"
    "                      DIR): consistency proofs from the stored tree must show that\n"
    "                      the log extends every one, and that each extends the one\n"
    "                      before it. Each problem names its file (LOG_TRUNCATED,\n"
    "                      CHECKPOINT_MISMATCH, ARCHIVE_FORK); the report gains\n"
    "                      \"checkpoints\": {\"checked\", \"held\", \"newest_size\", ...}.\n"
    "  --witness-key KEYS  with --checkpoints: a witness's cosignature verifier key, or a\n"
    "                      file holding one per line; every archived checkpoint must\n"
    "                      carry a valid cosignature by each (UNWITNESSED,\n"
    "                      BAD_COSIGNATURE)\n"
    "  --key KEY           the log's verifier key (GET /v1/log/key), or a file holding\n"
    "                      it; required with --checkpoint or --checkpoints\n\n"
    "Exits 0 when clean, 1 when any problem is found (a row edited, deleted or never logged,\n"
    "a corrupt tree, a checkpoint the log no longer holds), 2 on bad usage, on a checkpoint\n"
    "or archive file that does not verify (the error names the file), or when the database\n"
    "cannot be read.\n";

constexpr const char* kPublishHelp =
    "usage: chipreg log publish --db PATH --to DIR\n\n"
    "Signs the log's current checkpoint with the registry's log key (PATH.logkey), as\n"
    "GET /v1/log/checkpoint does, and appends it to the checkpoint archive DIR, which an\n"
    "outside party keeps: a new file DIR/SIZE.cp (SIZE the tree size in decimal), written\n"
    "atomically, never replacing a file. Prints a JSON summary on stdout:\n"
    "  {\"ok\", \"published\", \"file\", \"tree_size\", \"root\", \"previous\", \"proof_hashes\"}\n\n"
    "  --db PATH  the registry database; its log key must be beside it\n"
    "  --to DIR   the archive directory (created if missing, not its parents)\n\n"
    "Before appending, a consistency proof from the stored tree must show that the log\n"
    "extends the newest archived checkpoint. If the log has not grown since, nothing is\n"
    "written (\"published\": false).\n\n"
    "Exits 0 when published or unchanged; 1, writing nothing, when the log is smaller than\n"
    "the newest archived checkpoint (LOG_TRUNCATED) or does not extend it\n"
    "(CHECKPOINT_MISMATCH); 2 on bad usage, a missing log key, an archive file that does\n"
    "not verify (the error names it), or an unreadable database or archive.\n";

Result<std::string> slurp(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("USAGE", "cannot read " + what + " file " + path, what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<boost::json::object> read_json_object(const std::string& path, const std::string& what) {
  auto text = slurp(path, what);
  if (!text) return text.error();
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return Error("BAD_JSON", what + " file " + path + " is not a JSON object", what);
  return v.as_object();
}

Result<tlog::Hash> hash_of(const boost::json::value& v, const std::string& field) {
  if (!v.is_string()) return Error("BAD_JSON", field + " must be a hex string", field);
  auto bytes = crypto::unhex(std::string(v.as_string()));
  if (!bytes || bytes->size() != 32) return Error("BAD_JSON", field + " must be 64 hex digits", field);
  tlog::Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

Result<std::vector<tlog::Hash>> path_of(const boost::json::object& proof) {
  const auto* path = proof.if_contains("path");
  if (path == nullptr || !path->is_array()) return Error("BAD_JSON", "proof needs a \"path\" array", "path");
  std::vector<tlog::Hash> out;
  for (std::size_t i = 0; i < path->as_array().size(); ++i) {
    auto h = hash_of(path->as_array()[i], "path[" + std::to_string(i) + "]");
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

Result<std::uint64_t> index_of(const boost::json::value& v, const std::string& field) {
  if (v.is_int64() && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
  if (v.is_uint64()) return v.as_uint64();
  return Error("BAD_JSON", field + " must be a non-negative integer", field);
}

// Exit 1 for a verification failure, 2 for input the tool could not use.
int fail(const Error& e) {
  print_error(e);
  return e.code == "USAGE" || e.code == "BAD_JSON" || e.code == "BAD_KEY" || e.code == "BAD_NOTE" ? 2 : 1;
}

// --key: the verifier key string, or a file holding it.
Result<tlog::NoteVerifier> load_verifier(const std::string& key_arg) {
  std::string key_text = key_arg;
  if (std::ifstream probe(key_arg); probe) {
    auto k = slurp(key_arg, "key");
    if (!k) return k.error();
    key_text = *k;
  }
  while (!key_text.empty() && std::isspace(static_cast<unsigned char>(key_text.back()))) key_text.pop_back();
  auto verifier = tlog::parse_note_verifier(key_text);
  if (!verifier) return verifier.error().at("key");
  return verifier;
}

// --witness-key: a cosignature verifier key string, or a file holding one per line (blank
// lines and lines starting with '#' skipped).
Result<std::vector<tlog::CosignatureVerifier>> load_witnesses(const std::string& arg) {
  std::string text = arg;
  if (std::ifstream probe(arg); probe) {
    auto k = slurp(arg, "witness-key");
    if (!k) return k.error();
    text = *k;
  }
  std::vector<tlog::CosignatureVerifier> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto w = tlog::parse_cosignature_verifier(line);
    if (!w) return w.error().at("witness-key");
    out.push_back(std::move(*w));
  }
  if (out.empty()) return Error("USAGE", "--witness-key names no key", "witness-key");
  return out;
}

// A signed checkpoint file, verified with `verifier`; `what` names the option.
Result<tlog::Checkpoint> load_checkpoint(const std::string& path, const tlog::NoteVerifier& verifier,
                                         const std::string& what) {
  auto note = slurp(path, what);
  if (!note) return note.error();
  auto cp = tlog::open_checkpoint(*note, verifier);
  if (!cp) return cp.error().at(what);
  return cp;
}

// Checks an opening response against its leaf bytes `entry` and returns the fact it opens
// ({"fact", "kind"} as logged). v2 ("salt" given): entry must be the commitment to the
// opening under the salt; v1: entry must be the opening itself. BAD_OPENING otherwise.
Result<boost::json::value> open_entry(const boost::json::object& doc, const std::string& entry) {
  const auto* b64 = doc.if_contains("opening");
  const auto* kind = doc.if_contains("kind");
  if (b64 == nullptr || !b64->is_string() || kind == nullptr || !kind->is_string()) {
    return Error("BAD_JSON", "an opening response needs \"opening\" and \"kind\" strings", "entry-response");
  }
  auto bytes = crypto::unbase64(std::string(b64->as_string()));
  if (!bytes) return Error("BAD_JSON", "opening is not base64", "entry-response.opening");
  const std::string opening(bytes->begin(), bytes->end());
  std::vector<unsigned char> salt;
  if (const auto* hex_salt = doc.if_contains("salt")) {
    if (!hex_salt->is_string()) return Error("BAD_JSON", "salt must be a hex string", "entry-response.salt");
    auto raw = crypto::unhex(std::string(hex_salt->as_string()));
    if (!raw || raw->size() != tlog::kSaltBytes) {
      return Error("BAD_JSON", "salt must be 64 hex digits", "entry-response.salt");
    }
    salt = std::move(*raw);
  }
  if (tlog::leaf_bytes(std::string(kind->as_string()), salt, opening) != entry) {
    return Error("BAD_OPENING", salt.empty() ? "the opening is not the entry's bytes"
                                             : "SHA-256(salt || opening) is not the entry's commitment",
                 "entry-response.opening");
  }
  boost::system::error_code ec;
  auto fact = boost::json::parse(opening, ec);
  if (ec) return Error("BAD_OPENING", "the opening is not JSON", "entry-response.opening");
  return fact;
}

int log_verify(int argc, char** argv, int first) {
  auto args = Args::parse(
      argc, argv, first,
      {"key", "checkpoint", "old-checkpoint", "entry", "entry-response", "index", "proof", "witness-key"}, {"help"});
  if (args && args->flag("help")) return std::cout << kVerifyHelp, 0;
  if (!args) return print_error(args.error()), 2;
  auto key_arg = args->require("key");
  if (!key_arg) return print_error(key_arg.error()), 2;
  auto verifier = load_verifier(*key_arg);
  if (!verifier) return fail(verifier.error());

  auto cp_path = args->require("checkpoint");
  if (!cp_path) return print_error(cp_path.error()), 2;
  auto proof_path = args->require("proof");
  if (!proof_path) return print_error(proof_path.error()), 2;
  auto cp = load_checkpoint(*cp_path, *verifier, "checkpoint");
  if (!cp) return fail(cp.error());
  boost::json::array witnessed;  // {"name", "time"} of each required cosignature
  if (auto w = args->get("witness-key")) {
    auto witnesses = load_witnesses(*w);
    if (!witnesses) return fail(witnesses.error());
    auto note = slurp(*cp_path, "checkpoint");
    if (!note) return fail(note.error());
    for (const auto& witness : *witnesses) {
      auto time = tlog::open_cosignature(*note, witness);
      if (!time) return fail(Error(time.error().code, time.error().message, "checkpoint"));
      witnessed.push_back(boost::json::object{{"name", witness.name}, {"time", static_cast<std::int64_t>(*time)}});
    }
  }
  auto proof = read_json_object(*proof_path, "proof");
  if (!proof) return fail(proof.error());
  auto path = path_of(*proof);
  if (!path) return fail(path.error().at("proof"));

  if (auto old_path = args->get("old-checkpoint")) {
    if (args->get("entry") || args->get("entry-response") || args->get("index")) {
      return print_error(Error("USAGE", "--old-checkpoint (consistency) does not take --entry, --entry-response or --index")), 2;
    }
    auto old = load_checkpoint(*old_path, *verifier, "old-checkpoint");
    if (!old) return fail(old.error());
    if (auto st = tlog::verify_consistency(old->size, cp->size, old->root, cp->root, *path); !st) return fail(st.error());
    boost::json::object out{{"ok", true},
                            {"verified", "consistency"},
                            {"origin", cp->origin},
                            {"old_size", static_cast<std::int64_t>(old->size)},
                            {"tree_size", static_cast<std::int64_t>(cp->size)}};
    if (args->get("witness-key")) out["witnesses"] = std::move(witnessed);
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }

  std::string entry;
  std::optional<std::uint64_t> index;
  std::optional<boost::json::object> entry_doc;  // the entry response, when given
  if (auto e = args->get("entry")) {
    if (args->get("entry-response")) return print_error(Error("USAGE", "give --entry or --entry-response, not both")), 2;
    auto bytes = slurp(*e, "entry");
    if (!bytes) return fail(bytes.error());
    entry = *bytes;
  } else if (auto r = args->get("entry-response")) {
    auto doc = read_json_object(*r, "entry-response");
    if (!doc) return fail(doc.error());
    const auto* b64 = doc->if_contains("entry");
    const auto* idx = doc->if_contains("index");
    if (b64 == nullptr || !b64->is_string() || idx == nullptr) {
      return fail(Error("BAD_JSON", "entry response needs \"index\" and \"entry\"", "entry-response"));
    }
    auto bytes = crypto::unbase64(std::string(b64->as_string()));
    if (!bytes) return fail(Error("BAD_JSON", "entry is not base64", "entry-response.entry"));
    entry.assign(bytes->begin(), bytes->end());
    auto i = index_of(*idx, "entry-response.index");
    if (!i) return fail(i.error());
    index = *i;
    entry_doc = std::move(*doc);
  } else {
    return print_error(Error("USAGE", "give --entry FILE or --entry-response FILE (or --old-checkpoint for consistency)")), 2;
  }
  if (auto i = args->get("index")) {
    std::uint64_t v = 0;
    if (i->empty() || i->find_first_not_of("0123456789") != std::string::npos || i->size() > 18) {
      return print_error(Error("USAGE", "--index must be a non-negative integer", "index")), 2;
    }
    v = std::stoull(*i);
    if (index && *index != v) return fail(Error("USAGE", "--index differs from the entry response's index", "index"));
    index = v;
  }
  if (!index) return print_error(Error("USAGE", "give the leaf index with --index (or use --entry-response)")), 2;

  // An opening response (GET /v1/log/entries/I/opening) also carries the fact's bytes and,
  // for a v2 leaf, the salt: the entry must be exactly their commitment (or, v1, the bytes).
  std::optional<boost::json::value> fact;
  if (entry_doc && entry_doc->contains("opening")) {
    auto opened = open_entry(*entry_doc, entry);
    if (!opened) return fail(opened.error());
    fact = std::move(*opened);
  }
  const tlog::Hash leaf = tlog::leaf_hash(entry);
  if (const auto* given = proof->if_contains("leaf_hash")) {
    auto h = hash_of(*given, "leaf_hash");
    if (!h) return fail(h.error().at("proof"));
    if (*h != leaf) return fail(Error("BAD_PROOF", "the proof's leaf_hash is not the hash of this entry", "leaf_hash"));
  }
  if (auto st = tlog::verify_inclusion(*index, cp->size, leaf, *path, cp->root); !st) return fail(st.error());
  boost::json::object out{{"ok", true},
                          {"verified", fact ? "inclusion+opening" : "inclusion"},
                          {"origin", cp->origin},
                          {"index", static_cast<std::int64_t>(*index)},
                          {"tree_size", static_cast<std::int64_t>(cp->size)},
                          {"leaf_hash", crypto::hex(leaf)}};
  if (fact) out["fact"] = std::move(*fact);
  if (args->get("witness-key")) out["witnesses"] = std::move(witnessed);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

int log_audit(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"db", "checkpoint", "checkpoints", "key", "witness-key"}, {"help"});
  if (args && args->flag("help")) return std::cout << kAuditHelp, 0;
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("db");
  if (!path) return print_error(path.error()), 2;
  std::optional<tlog::Checkpoint> against;
  std::optional<tlog::NoteVerifier> verifier;
  if (args->get("checkpoint") || args->get("checkpoints") || args->get("key")) {
    if (!args->get("checkpoint") && !args->get("checkpoints")) {
      return print_error(Error("USAGE", "--key goes with --checkpoint CP or --checkpoints DIR", "key")), 2;
    }
    auto key_arg = args->require("key");
    if (!key_arg) return print_error(key_arg.error()), 2;
    auto v = load_verifier(*key_arg);
    if (!v) return print_error(v.error()), 2;
    verifier = std::move(*v);
  }
  if (auto cp_path = args->get("checkpoint")) {
    auto cp = load_checkpoint(*cp_path, *verifier, "checkpoint");
    if (!cp) return print_error(cp.error()), 2;
    against = std::move(*cp);
  }
  std::vector<tlog::CosignatureVerifier> witnesses;
  if (auto w = args->get("witness-key")) {
    if (!args->get("checkpoints")) {
      return print_error(Error("USAGE", "--witness-key goes with --checkpoints DIR", "witness-key")), 2;
    }
    auto loaded = load_witnesses(*w);
    if (!loaded) return print_error(loaded.error()), 2;
    witnesses = std::move(*loaded);
  }
  std::optional<std::vector<tlog::ArchivedCheckpoint>> archive;
  if (auto dir = args->get("checkpoints")) {
    auto a = tlog::read_archive(*dir, *verifier);
    if (!a) return print_error(a.error()), 2;
    archive = std::move(*a);
  }
  db::DbOptions options;
  options.create = false;
  auto db = db::Db::open(*path, options);
  if (!db) return print_error(db.error()), 2;
  if (against) {
    auto origin = tlog::log_origin(*db);
    if (!origin) return print_error(origin.error()), 2;
    if (*origin != against->origin) {
      return print_error(Error("LOG_ORIGIN_MISMATCH", "the checkpoint is of log '" + against->origin +
                                                          "'; this database is log '" + *origin + "'",
                               "checkpoint")),
             2;
    }
  }
  auto report = archive ? tlog::audit_log_against_archive(*db, against, *args->get("checkpoints"), verifier->name,
                                                          *archive, witnesses)
                        : tlog::audit_log(*db, against);
  if (!report) return print_error(report.error()), 2;
  std::cout << boost::json::serialize(*report) << "\n";
  return report->at("ok").as_bool() ? 0 : 1;
}

int log_publish(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"db", "to"}, {"help"});
  if (args && args->flag("help")) return std::cout << kPublishHelp, 0;
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("db");
  if (!path) return print_error(path.error()), 2;
  auto dir = args->require("to");
  if (!dir) return print_error(dir.error()), 2;
  db::DbOptions options;
  options.create = false;
  auto db = db::Db::open(*path, options);
  if (!db) return print_error(db.error()), 2;
  auto signer = tlog::load_log_key(*db, *path);
  if (!signer) return print_error(signer.error()), 2;
  auto out = tlog::publish_checkpoint(*db, *signer, *dir);
  if (!out) {
    print_error(out.error());
    return out.error().code == "LOG_TRUNCATED" || out.error().code == "CHECKPOINT_MISMATCH" ? 1 : 2;
  }
  boost::json::object summary{{"ok", true},
                              {"published", out->published},
                              {"file", out->file},
                              {"tree_size", static_cast<std::int64_t>(out->checkpoint.size)},
                              {"root", crypto::hex(out->checkpoint.root)},
                              {"previous", nullptr},
                              {"proof_hashes", static_cast<std::int64_t>(out->proof_hashes)}};
  if (out->previous) {
    summary["previous"] = {{"file", out->previous->file},
                           {"tree_size", static_cast<std::int64_t>(out->previous->checkpoint.size)},
                           {"root", crypto::hex(out->previous->checkpoint.root)}};
  }
  summary["message"] = out->published ? "appended " + out->file
                                      : "unchanged: " + out->file + " already signs the log's tree of " +
                                            std::to_string(out->checkpoint.size) + " leaves";
  std::cout << boost::json::serialize(summary) << "\n";
  return 0;
}

}  // namespace

int cmd_log(int argc, char** argv, int first) {
  if (first >= argc) return std::cerr << kLogUsage, 2;
  const std::string sub = argv[first];
  if (sub == "verify") return log_verify(argc, argv, first + 1);
  if (sub == "audit") return log_audit(argc, argv, first + 1);
  if (sub == "publish") return log_publish(argc, argv, first + 1);
  if (sub == "--help" || sub == "help") return std::cout << kLogUsage, 0;
  print_error(Error("USAGE", "unknown log subcommand '" + sub + "'; expected verify, audit or publish"));
  return 2;
}

}  // namespace chipreg::cli
