// chipreg import --db PATH [--atomic] [--batch N] [--operator NAME] KIND FILE: bulk import
// of CSV, JSON Lines or workbook rows (see importers/import.hpp and docs/IMPORT.md).
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "importers/import.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/schema.hpp"

namespace chipreg::cli {
namespace {

// Who ran the import: --operator, else the login the process runs for.
std::string operator_name(const std::optional<std::string>& given) {
  if (given && !given->empty()) return given->substr(0, 64);
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return std::string(v).substr(0, 64);
  }
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return "uid" + std::to_string(::geteuid());
}

// The SHA-256 of the file as read, hex; empty when it cannot be read.
std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  crypto::Sha256 h;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) h.update(buf, static_cast<std::size_t>(in.gcount()));
  }
  return crypto::hex(h.finish());
}

// The import's audit row, after its rows: who, which file (name and SHA-256), what came of
// it. Its own transaction: the rows' batches are committed already. A failure to write it
// is reported on stderr and does not undo the import.
void audit_import(db::Db& db, const std::string& who, const std::string& kind, const std::string& file,
                  const Result<importers::ImportReport>& report, bool atomic) {
  boost::json::object detail{{"file", file}, {"sha256", file_sha256(file)}, {"atomic", atomic}};
  std::string action = "import." + kind;
  if (report) {
    detail["imported"] = report->imported;
    detail["rejected"] = report->rejected;
    std::int64_t skipped = 0;
    for (const auto& [reason, n] : report->skip_counts) skipped += n;
    detail["skipped"] = skipped;
  } else {
    action += ".refused";
    detail["code"] = report.error().code;
    detail["message"] = report.error().message.substr(0, 200);
  }
  auto tx = db::Tx::begin(db);
  Status st = tx ? store::audit(db, "cli:" + who, action, file.substr(0, 200), detail) : Status(tx.error());
  if (st && tx) st = tx->commit();
  if (!st) std::cerr << "chipreg import: 未能写入操作记录 / the audit row was not written: " << st.error().message << "\n";
}

struct ImportArgs {
  std::string db;
  std::string kind;
  std::string file;
  bool atomic = false;
  std::int64_t batch = importers::ImportOptions().batch_rows;
  std::optional<std::string> operator_name;
};

int run_import(const ImportArgs& o) {
  auto kind = importers::parse_import_kind(o.kind);
  if (!kind) return print_error(kind.error()), 2;

  importers::ImportOptions options;
  options.atomic = o.atomic;
  options.batch_rows = o.batch;
  if (::isatty(STDERR_FILENO)) options.progress = stderr;

  auto db = db::Db::open(o.db, db::DbOptions{.create = false});
  if (!db) return print_error(db.error()), 2;
  // An import into a file that was never initialised would fail on every row; say so once.
  {
    auto version = db->prepare("PRAGMA user_version");
    if (!version) return print_error(version.error()), 1;
    if (auto row = version->step(); !row) return print_error(row.error()), 1;
    if (version->int64(0) != store::latest_schema_version()) {
      return print_error(Error("USAGE", "'" + o.db + "' is not an initialised registry of this version; run chipreg init --db " + o.db)), 2;
    }
  }
  // A bulk import dirties index pages all over the file (purchases by buyer, the log's
  // tables); a bounded 64 MiB page cache keeps them from being spilled to the WAL and
  // rewritten many times per batch. Memory stays flat: the cache does not grow past it.
  if (auto st = db->exec_script("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY"); !st) {
    return print_error(st.error()), 1;
  }
  auto report = importers::import_file(*db, *kind, o.file, options);
  audit_import(*db, operator_name(o.operator_name), o.kind, o.file, report, options.atomic);
  if (!report) {
    const Error& e = report.error();
    print_error(e);
    const bool input = e.code == "USAGE" || e.code == "IO" || e.code == "BAD_HEADER" || e.code == "NOT_UTF8" ||
                       e.code == "BAD_XLSX" || e.code == "XLSX_TOO_LARGE";
    return input ? 2 : 1;
  }
  // A bulk load changes the shape of the tables the planner chooses indexes by (see
  // importers::refresh_statistics). The rows are committed already; a failure here only
  // leaves the older statistics.
  if (report->imported > 0) (void)importers::refresh_statistics(*db, *kind);
  std::cout << boost::json::serialize(importers::to_json(*report)) << "\n";
  return report->rejected == 0 ? 0 : 1;
}

}  // namespace

void add_import(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "import",
      "bulk import from .csv, .jsonl or .xlsx (--help for kinds)\n\n"
      "KIND: enterprises persons family equity manual_affiliations products purchases tapeouts\n"
      "FILE: .csv (header row of scenario field names) or .jsonl (one scenario object per line;\n"
      "      for tapeouts one DSSE envelope per line). purchases also reads the e-invoice\n"
      "      platform's export (Chinese header) as is, as CSV UTF-8 or as the downloaded\n"
      "      全量发票查询导出结果.xlsx (sheet 信息汇总表). See docs/IMPORT.md.");
  auto o = std::make_shared<ImportArgs>();
  cmd->add_option("--db", o->db, "an initialised registry database (chipreg init)")->required()->type_name("PATH");
  cmd->add_flag("--atomic", o->atomic, "one transaction: any rejected row imports nothing");
  cmd->add_option("--batch", o->batch, "rows per transaction otherwise")
      ->type_name("N")
      ->transform(in_range(1, std::numeric_limits<long long>::max()))
      ->capture_default_str();
  cmd->add_option("--operator", o->operator_name,
                  "who runs the import, for the audit trail (default: the login user);\n"
                  "the trail records the file, its SHA-256 and the counts (GET /v1/audit)")
      ->type_name("NAME");
  cmd->add_option("kind", o->kind, "what FILE holds: one of the kinds above")->required();
  cmd->add_option("file", o->file, "the rows to import, as above")->required();
  cmd->footer(
      "Prints {\"imported\": N, \"rejected\": M, \"errors\": [{\"line\", \"field\", \"message\"}]};\n"
      "exit 0 if nothing was rejected (skipped rows are not rejected), 1 otherwise, 2 for usage\n"
      "errors and files that cannot be read (bad header, not UTF-8, a broken workbook).");
  cmd->callback([o, &selected] { selected = [o] { return run_import(*o); }; });
}

}  // namespace chipreg::cli
