// chipreg import --db PATH KIND FILE [--atomic]: bulk import of CSV or JSON Lines rows
// (see importers/import.hpp and docs/IMPORT.md).
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
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

}  // namespace

int cmd_import(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first, {"db", "batch", "operator"}, {"atomic", "help"});
  if (args && args->flag("help")) {
    std::cout << "usage: chipreg import --db PATH KIND FILE [--atomic] [--batch N] [--operator NAME]\n\n"
                 "KIND: enterprises persons family equity manual_affiliations products purchases tapeouts\n"
                 "FILE: .csv (header row of scenario field names) or .jsonl (one scenario object per line;\n"
                 "      for tapeouts one DSSE envelope per line). purchases also reads the e-invoice\n"
                 "      platform's export (Chinese header) as is, as CSV UTF-8 or as the downloaded\n"
                 "      全量发票查询导出结果.xlsx (sheet 信息汇总表). See docs/IMPORT.md.\n\n"
                 "Prints {\"imported\": N, \"rejected\": M, \"errors\": [{\"line\", \"field\", \"message\"}]};\n"
                 "exit 0 if nothing was rejected (skipped rows are not rejected), 1 otherwise, 2 for usage\n"
                 "errors and files that cannot be read (bad header, not UTF-8, a broken workbook).\n"
                 "  --atomic     one transaction: any rejected row imports nothing\n"
                 "  --batch N    rows per transaction otherwise (default 50000)\n"
                 "  --operator NAME  who runs the import, for the audit trail (default: the login user);\n"
                 "               the trail records the file, its SHA-256 and the counts (GET /v1/audit)\n";
    return 0;
  }
  if (!args) return print_error(args.error()), 2;
  auto path = args->require("db");
  if (!path) return print_error(path.error()), 2;
  if (args->positional().size() != 2) {
    return print_error(Error("USAGE", "expected KIND and FILE: chipreg import --db PATH KIND FILE [--atomic]")), 2;
  }
  auto kind = importers::parse_import_kind(args->positional()[0]);
  if (!kind) return print_error(kind.error()), 2;

  importers::ImportOptions options;
  options.atomic = args->flag("atomic");
  if (auto batch = args->get("batch")) {
    try {
      options.batch_rows = std::stoll(*batch);
    } catch (const std::exception&) {
      options.batch_rows = 0;
    }
    if (options.batch_rows < 1) return print_error(Error("USAGE", "--batch must be a positive number")), 2;
  }
  if (::isatty(STDERR_FILENO)) options.progress = stderr;

  auto db = db::Db::open(*path, db::DbOptions{.create = false});
  if (!db) return print_error(db.error()), 2;
  // An import into a file that was never initialised would fail on every row; say so once.
  {
    auto version = db->prepare("PRAGMA user_version");
    if (!version) return print_error(version.error()), 1;
    if (auto row = version->step(); !row) return print_error(row.error()), 1;
    if (version->int64(0) != store::latest_schema_version()) {
      return print_error(Error("USAGE", "'" + *path + "' is not an initialised registry of this version; run chipreg init --db " + *path)), 2;
    }
  }
  // A bulk import dirties index pages all over the file (purchases by buyer, the log's
  // tables); a bounded 64 MiB page cache keeps them from being spilled to the WAL and
  // rewritten many times per batch. Memory stays flat: the cache does not grow past it.
  if (auto st = db->exec_script("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY"); !st) {
    return print_error(st.error()), 1;
  }
  auto report = importers::import_file(*db, *kind, args->positional()[1], options);
  audit_import(*db, operator_name(args->get("operator")), args->positional()[0], args->positional()[1], report,
               options.atomic);
  if (!report) {
    const Error& e = report.error();
    print_error(e);
    const bool input = e.code == "USAGE" || e.code == "IO" || e.code == "BAD_HEADER" || e.code == "NOT_UTF8" ||
                       e.code == "BAD_XLSX" || e.code == "XLSX_TOO_LARGE";
    return input ? 2 : 1;
  }
  // A bulk load changes the shape of the tables the planner chooses indexes by: refresh
  // the statistics (sqlite_stat1). Bounded: analysis_limit samples about 1000 rows per
  // index, so a million-row table costs milliseconds, not a full ANALYZE. (PRAGMA optimize
  // of SQLite 3.40 skips tables never analyzed, which after a first import is all of them.)
  // The rows are committed already; a failure here only leaves the older statistics.
  if (report->imported > 0) (void)db->exec_script("PRAGMA analysis_limit = 1000; ANALYZE");
  std::cout << boost::json::serialize(importers::to_json(*report)) << "\n";
  return report->rejected == 0 ? 0 : 1;
}

}  // namespace chipreg::cli
