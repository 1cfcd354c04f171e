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
#include <memory>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "crypto/encoding.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/checkpoint_archive.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/note.hpp"
#include "registry/log/store_log.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::cli {
namespace {

struct LogVerifyArgs {
  std::string key;
  std::string checkpoint;
  std::string proof;
  std::optional<std::string> old_checkpoint;
  std::optional<std::string> entry;
  std::optional<std::string> entry_response;
  std::optional<std::uint64_t> index;
  std::optional<std::string> witness_key;
};

struct LogAuditArgs {
  std::string db;
  std::optional<std::string> checkpoint;
  std::optional<std::string> checkpoints;
  std::optional<std::string> key;
  std::optional<std::string> witness_key;
};

struct LogPublishArgs {
  std::string db;
  std::string to;
};

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

int log_verify(const LogVerifyArgs& args) {
  auto verifier = load_verifier(args.key);
  if (!verifier) return fail(verifier.error());

  auto cp = load_checkpoint(args.checkpoint, *verifier, "checkpoint");
  if (!cp) return fail(cp.error());
  boost::json::array witnessed;  // {"name", "time"} of each required cosignature
  if (args.witness_key) {
    auto witnesses = load_witnesses(*args.witness_key);
    if (!witnesses) return fail(witnesses.error());
    auto note = slurp(args.checkpoint, "checkpoint");
    if (!note) return fail(note.error());
    for (const auto& witness : *witnesses) {
      auto time = tlog::open_cosignature(*note, witness);
      if (!time) return fail(Error(time.error().code, time.error().message, "checkpoint"));
      witnessed.push_back(boost::json::object{{"name", witness.name}, {"time", static_cast<std::int64_t>(*time)}});
    }
  }
  auto proof = read_json_object(args.proof, "proof");
  if (!proof) return fail(proof.error());
  auto path = path_of(*proof);
  if (!path) return fail(path.error().at("proof"));

  if (const auto& old_path = args.old_checkpoint) {
    if (args.entry || args.entry_response || args.index) {
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
    if (args.witness_key) out["witnesses"] = std::move(witnessed);
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }

  std::string entry;
  std::optional<std::uint64_t> index;
  std::optional<boost::json::object> entry_doc;  // the entry response, when given
  if (const auto& e = args.entry) {
    if (args.entry_response) return print_error(Error("USAGE", "give --entry or --entry-response, not both")), 2;
    auto bytes = slurp(*e, "entry");
    if (!bytes) return fail(bytes.error());
    entry = *bytes;
  } else if (const auto& r = args.entry_response) {
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
  if (args.index) {
    const std::uint64_t v = *args.index;
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
  if (args.witness_key) out["witnesses"] = std::move(witnessed);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

int log_audit(const LogAuditArgs& args) {
  std::optional<tlog::Checkpoint> against;
  std::optional<tlog::NoteVerifier> verifier;
  if (args.checkpoint || args.checkpoints || args.key) {
    if (!args.checkpoint && !args.checkpoints) {
      return print_error(Error("USAGE", "--key goes with --checkpoint CP or --checkpoints DIR", "key")), 2;
    }
    if (!args.key) {
      return print_error(Error("USAGE", "--checkpoint and --checkpoints are verified with --key; give it", "key")), 2;
    }
    auto v = load_verifier(*args.key);
    if (!v) return print_error(v.error()), 2;
    verifier = std::move(*v);
  }
  if (const auto& cp_path = args.checkpoint) {
    auto cp = load_checkpoint(*cp_path, *verifier, "checkpoint");
    if (!cp) return print_error(cp.error()), 2;
    against = std::move(*cp);
  }
  std::vector<tlog::CosignatureVerifier> witnesses;
  if (const auto& w = args.witness_key) {
    if (!args.checkpoints) {
      return print_error(Error("USAGE", "--witness-key goes with --checkpoints DIR", "witness-key")), 2;
    }
    auto loaded = load_witnesses(*w);
    if (!loaded) return print_error(loaded.error()), 2;
    witnesses = std::move(*loaded);
  }
  std::optional<std::vector<tlog::ArchivedCheckpoint>> archive;
  if (const auto& dir = args.checkpoints) {
    auto a = tlog::read_archive(*dir, *verifier);
    if (!a) return print_error(a.error()), 2;
    archive = std::move(*a);
  }
  db::DbOptions options;
  options.create = false;
  auto db = db::Db::open(args.db, options);
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
  auto report = archive ? tlog::audit_log_against_archive(*db, against, *args.checkpoints, verifier->name,
                                                          *archive, witnesses)
                        : tlog::audit_log(*db, against);
  if (!report) return print_error(report.error()), 2;
  std::cout << boost::json::serialize(*report) << "\n";
  return report->at("ok").as_bool() ? 0 : 1;
}

int log_publish(const LogPublishArgs& args) {
  db::DbOptions options;
  options.create = false;
  auto db = db::Db::open(args.db, options);
  if (!db) return print_error(db.error()), 2;
  auto signer = tlog::load_log_key(*db, args.db);
  if (!signer) return print_error(signer.error()), 2;
  auto out = tlog::publish_checkpoint(*db, *signer, args.to);
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

void add_log(CLI::App& chipreg, Command& selected) {
  CLI::App* log = chipreg.add_subcommand(
      "log",
      "check log proofs offline; audit or publish a registry's log\n\n"
      "The transparency log's offline tools: verify checks a signed checkpoint, then an\n"
      "entry's inclusion proof or a consistency proof between two checkpoints, with no\n"
      "database; audit recomputes a registry's tree from its stored leaves and checks every\n"
      "logged fact against its row, and optionally the log against an archive of\n"
      "checkpoints; publish signs the current checkpoint and appends it to such an archive.");
  log->require_subcommand(0, 1);  // one of them: a later word that names another is an argument

  CLI::App* verify = log->add_subcommand(
      "verify",
      "checks a log entry's inclusion or the log's consistency, with no database\n\n"
      "Checks, with no database and without trusting the server, that a log entry is in the\n"
      "log (inclusion) or that the log at NEW extends the log at OLD (consistency):\n"
      "  chipreg log verify --key KEY --checkpoint CP --entry FILE --proof P --index I\n"
      "  chipreg log verify --key KEY --checkpoint CP --entry-response FILE --proof P\n"
      "  chipreg log verify --key KEY --checkpoint NEW --old-checkpoint OLD --proof P");
  auto v = std::make_shared<LogVerifyArgs>();
  verify->add_option("--key", v->key,
                     "file with the log's verifier key (GET /v1/log/key):\n"
                     "NAME+HASH8+BASE64; KEY may also be the key string itself")
      ->required()
      ->type_name("KEY");
  verify->add_option("--checkpoint", v->checkpoint,
                     "signed checkpoint (GET /v1/log/checkpoint); its signature and\n"
                     "origin are checked first, its size and root are the tree's")
      ->required()
      ->type_name("CP");
  verify->add_option("--proof", v->proof,
                     "proof JSON: {\"leaf_hash\", \"path\"} from /v1/log/proof/inclusion\n"
                     "with size = the checkpoint's size, or {\"path\"} from\n"
                     "/v1/log/proof/consistency?from=OLD_SIZE&to=NEW_SIZE")
      ->required()
      ->type_name("P");
  verify->add_option("--entry", v->entry, "the exact leaf bytes (the decoded \"entry\" of /v1/log/entries/I)")
      ->type_name("FILE");
  verify->add_option("--entry-response", v->entry_response,
                     "the JSON answer of GET /v1/log/entries/I (gives the index too),\n"
                     "or of GET /v1/log/entries/I/opening: then the fact's bytes and\n"
                     "salt are checked against the leaf's commitment too, and printed")
      ->type_name("FILE");
  verify->add_option("--index", v->index, "the entry's leaf index (if not given by --entry-response)")
      ->type_name("I")
      ->transform(in_range(0, 999999999999999999LL));
  verify->add_option("--old-checkpoint", v->old_checkpoint, "the earlier signed checkpoint, for a consistency check")
      ->type_name("OLD");
  verify->add_option("--witness-key", v->witness_key,
                     "a witness's cosignature verifier key (NAME+HASH8+BASE64, type\n"
                     "0x04, C2SP tlog-cosignature), or a file holding one per line:\n"
                     "CP must carry a valid cosignature by each (the output lists\n"
                     "\"witnesses\" with their times)")
      ->type_name("KEYS");
  verify->footer(
      "Prints {\"ok\": true, ...} and exits 0 when everything verifies; prints a JSON error on\n"
      "stderr and exits 1 when it does not (BAD_SIGNATURE, UNKNOWN_KEY, BAD_PROOF, ...);\n"
      "exits 2 on bad usage or unreadable input.");
  verify->callback([v, &selected] { selected = [v] { return log_verify(*v); }; });

  CLI::App* audit = log->add_subcommand(
      "audit",
      "recomputes a registry's log and checks every logged fact against its row\n\n"
      "Recomputes every leaf hash and stored subtree of the transparency log from the stored\n"
      "leaves, and rebuilds every logged fact (tape-outs, purchases, claims, decisions) from\n"
      "its current row to compare with its leaf. Prints a JSON report on stdout:\n"
      "  {\"ok\", \"tree_size\", \"root\", \"nodes_checked\", \"checked\", \"problems\": [...]}");
  auto a = std::make_shared<LogAuditArgs>();
  audit->add_option("--db", a->db, "the registry database")->required()->type_name("PATH");
  audit->add_option("--checkpoint", a->checkpoint,
                    "a signed checkpoint saved earlier (GET /v1/log/checkpoint):\n"
                    "the log must still hold its tree. This catches leaves cut off\n"
                    "the end of the log, which the database alone cannot show\n"
                    "(LOG_TRUNCATED, CHECKPOINT_MISMATCH); the report gains\n"
                    "\"checkpoint\".")
      ->type_name("CP");
  audit->add_option("--checkpoints", a->checkpoints,
                    "an archive of signed checkpoints (chipreg log publish --to\n"
                    "DIR): consistency proofs from the stored tree must show that\n"
                    "the log extends every one, and that each extends the one\n"
                    "before it. Each problem names its file (LOG_TRUNCATED,\n"
                    "CHECKPOINT_MISMATCH, ARCHIVE_FORK); the report gains\n"
                    "\"checkpoints\": {\"checked\", \"held\", \"newest_size\", ...}.")
      ->type_name("DIR");
  audit->add_option("--witness-key", a->witness_key,
                    "with --checkpoints: a witness's cosignature verifier key, or a\n"
                    "file holding one per line; every archived checkpoint must\n"
                    "carry a valid cosignature by each (UNWITNESSED,\n"
                    "BAD_COSIGNATURE)")
      ->type_name("KEYS");
  audit->add_option("--key", a->key,
                    "the log's verifier key (GET /v1/log/key), or a file holding\n"
                    "it; required with --checkpoint or --checkpoints")
      ->type_name("KEY");
  audit->footer(
      "Exits 0 when clean, 1 when any problem is found (a row edited, deleted or never logged,\n"
      "a corrupt tree, a checkpoint the log no longer holds), 2 on bad usage, on a checkpoint\n"
      "or archive file that does not verify (the error names the file), or when the database\n"
      "cannot be read.");
  audit->callback([a, &selected] { selected = [a] { return log_audit(*a); }; });

  CLI::App* publish = log->add_subcommand(
      "publish",
      "appends the signed checkpoint to an archive an outside party keeps\n\n"
      "Signs the log's current checkpoint with the registry's log key (PATH.logkey), as\n"
      "GET /v1/log/checkpoint does, and appends it to the checkpoint archive DIR, which an\n"
      "outside party keeps: a new file DIR/SIZE.cp (SIZE the tree size in decimal), written\n"
      "atomically, never replacing a file. Prints a JSON summary on stdout:\n"
      "  {\"ok\", \"published\", \"file\", \"tree_size\", \"root\", \"previous\", \"proof_hashes\"}");
  auto p = std::make_shared<LogPublishArgs>();
  publish->add_option("--db", p->db, "the registry database; its log key must be beside it")
      ->required()
      ->type_name("PATH");
  publish->add_option("--to", p->to, "the archive directory (created if missing, not its parents)")
      ->required()
      ->type_name("DIR");
  publish->footer(
      "Before appending, a consistency proof from the stored tree must show that the log\n"
      "extends the newest archived checkpoint. If the log has not grown since, nothing is\n"
      "written (\"published\": false).\n\n"
      "Exits 0 when published or unchanged; 1, writing nothing, when the log is smaller than\n"
      "the newest archived checkpoint (LOG_TRUNCATED) or does not extend it\n"
      "(CHECKPOINT_MISMATCH); 2 on bad usage, a missing log key, an archive file that does\n"
      "not verify (the error names it), or an unreadable database or archive.");
  publish->callback([p, &selected] { selected = [p] { return log_publish(*p); }; });
}

}  // namespace chipreg::cli
