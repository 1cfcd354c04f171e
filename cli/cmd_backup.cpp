// chipreg backup | restore: a consistent copy of a registry taken while it serves, and its
// checked return (docs/OPERATIONS.md, "Backup and restore").
//   backup   SQLite's online backup API (db::backup_to): one read snapshot, so a running
//            `chipreg serve` keeps writing and the copy holds exactly the commits before it.
//   restore  the copy must pass the same audit as `chipreg log audit` before anything is
//            replaced; the target is then replaced whole (temporary file, fsync, rename).
// Neither carries DB.logkey, the log's signing key: it is a secret kept apart from the data.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "cli/registry_file.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::cli {
namespace {

constexpr const char* kLogKeyNotice =
    "注意：备份不包含日志签名密钥 %s，请另行安全保管（丢失后无法签发新的检查点；换新密钥会使日志身份分叉）。\n"
    "Note: the backup does NOT contain the log signing key %s. Keep it separately and safely:\n"
    "without it no new checkpoint can be signed, and a new key forks the log's identity\n"
    "(docs/OPERATIONS.md).\n";

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Error exists_error(const std::string& path, const std::string& option) {
  return Error("EXISTS", path + " exists (use --force to replace it)", option);
}

struct BackupArgs {
  std::string db;
  std::string out;
  bool force = false;
};

int run_backup(const BackupArgs& o) {
  if (!o.force && exists(o.out)) return print_error(exists_error(o.out, "out")), 1;
  auto db = open_registry(o.db, "db");
  if (!db) return print_error(db.error()), 1;

  db::BackupOptions options;
  options.replace = o.force;
  options.progress = [&options](int done, int total) {
    if (total > options.pages_per_step) std::cerr << "备份 backup: " << done << "/" << total << " 页 pages\n";
  };
  auto pages = db::backup_to(*db, o.out, options);
  if (!pages) return print_error(pages.error().at("out")), 1;

  const std::string key = tlog::log_key_path(o.db);
  std::fprintf(stderr, kLogKeyNotice, key.c_str(), key.c_str());
  std::cout << boost::json::serialize(
                   boost::json::object{{"backup", o.out},
                                       {"pages", *pages},
                                       {"bytes", static_cast<std::int64_t>(std::filesystem::file_size(o.out))},
                                       {"log_key_included", false},
                                       {"log_key", key}})
            << "\n";
  return 0;
}

struct RestoreArgs {
  std::string from;
  std::string db;
  bool force = false;
};

int run_restore(const RestoreArgs& o) {
  if (!o.force && exists(o.db)) return print_error(exists_error(o.db, "db")), 1;

  auto copy = open_registry(o.from, "from", /*read_only=*/true);
  if (!copy) return print_error(copy.error()), 1;
  auto report = tlog::audit_log(*copy);
  if (!report) return print_error(report.error().at("from")), 1;
  if (!report->at("ok").as_bool()) {
    std::cout << boost::json::serialize(*report) << "\n";
    const auto& problems = report->at("problems").as_array();
    return print_error(Error("AUDIT_FAILED",
                             o.from + " fails the log audit (" + std::to_string(problems.size()) +
                                 " problem(s), first: " + std::string(problems.at(0).at("message").as_string()) +
                                 "); nothing was replaced",
                             "from")),
           1;
  }
  std::string log_key = "missing";
  if (exists(tlog::log_key_path(o.db))) {
    if (auto key = tlog::load_log_key(*copy, o.db); !key) return print_error(key.error().at("db")), 1;
    log_key = "present";
  }

  db::BackupOptions options;
  options.replace = o.force;
  auto pages = db::backup_to(*copy, o.db, options);
  if (!pages) return print_error(pages.error().at("db")), 1;
  if (log_key == "missing") {
    std::cerr << "注意：" << tlog::log_key_path(o.db) << " 不存在，请从另行保管处放回日志签名密钥后再启动服务。\n"
              << "Note: " << tlog::log_key_path(o.db)
              << " is missing; put the log signing key back there before chipreg serve.\n";
  }
  std::cout << boost::json::serialize(boost::json::object{
                   {"restored", o.db},
                   {"from", o.from},
                   {"audit", boost::json::object{{"tree_size", report->at("tree_size")}, {"root", report->at("root")}}},
                   {"log_key", log_key}})
            << "\n";
  return 0;
}

}  // namespace

void add_backup(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "backup",
      "a consistent copy, safe while serve runs (not the log key)\n\n"
      "Copies the registry at PATH to FILE with SQLite's online backup API. It is safe while\n"
      "`chipreg serve` runs and writes: the copy is of one moment, and holds every write\n"
      "acknowledged before the backup started. FILE is written to a temporary file (mode 0600),\n"
      "synced and then renamed, so a failed backup leaves no partial FILE.");
  auto o = std::make_shared<BackupArgs>();
  cmd->add_option("--db", o->db, "the registry database")->required()->type_name("PATH");
  cmd->add_option("--out", o->out, "the copy to create; an existing FILE is never replaced unless --force")
      ->required()
      ->type_name("FILE");
  cmd->add_flag("--force", o->force, "replace an existing FILE");
  cmd->footer(
      "Prints {\"backup\", \"pages\", \"bytes\", \"log_key_included\": false, \"log_key\"} and\n"
      "reports progress (pages done/total) on stderr. The log's signing key PATH.logkey is NOT\n"
      "in the backup: keep it separately (docs/OPERATIONS.md). Restore with chipreg restore.");
  cmd->callback([o, &selected] { selected = [o] { return run_backup(*o); }; });
}

void add_restore(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "restore",
      "put back a backup that passes the log audit\n\n"
      "Puts a copy made by chipreg backup back at PATH. The copy is first checked like\n"
      "`chipreg log audit`; when the audit finds any problem, or FILE is not a chipreg\n"
      "database, nothing is replaced. PATH is then replaced whole: the copy is written next to\n"
      "it, synced and renamed over it, and a stale PATH-wal and PATH-shm are removed. Stop\n"
      "`chipreg serve` on PATH first.");
  auto o = std::make_shared<RestoreArgs>();
  cmd->add_option("--from", o->from, "the backup to restore")->required()->type_name("FILE");
  cmd->add_option("--db", o->db, "where the registry goes; an existing PATH is never replaced unless --force")
      ->required()
      ->type_name("PATH");
  cmd->add_flag("--force", o->force, "replace an existing PATH");
  cmd->footer(
      "Prints {\"restored\", \"from\", \"audit\": {\"tree_size\", \"root\"}, \"log_key\"}. The log\n"
      "key must be at PATH.logkey (restored by hand from where it is kept): \"log_key\" is\n"
      "\"present\" or \"missing\"; a key of another log is refused (LOG_ORIGIN_MISMATCH).\n"
      "Exits 0 when restored, 1 when a check failed, 2 on bad usage.");
  cmd->callback([o, &selected] { selected = [o] { return run_restore(*o); }; });
}

}  // namespace chipreg::cli
