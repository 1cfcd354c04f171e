#include "cli/registry_file.hpp"

#include <unistd.h>

#include "registry/store/schema.hpp"

namespace chipreg::cli {

Result<db::Db> open_registry(const std::string& path, const std::string& option, bool read_only) {
  if (::access(path.c_str(), F_OK) != 0) return Error("NO_DATABASE", "no database at " + path, option);
  db::DbOptions options;
  options.create = false;
  options.read_only = read_only;
  auto db = db::Db::open(path, options);
  if (!db) return Error("NOT_A_REGISTRY", path + " is not a chipreg database: " + db.error().message, option);
  auto version = store::schema_version(*db);
  if (!version) return Error("NOT_A_REGISTRY", path + " is not a chipreg database: " + version.error().message, option);
  if (*version == 0)
    return Error("NOT_A_REGISTRY", path + " is not a chipreg database (chipreg init never ran on it)", option);
  if (*version > store::latest_schema_version()) {
    return Error("SCHEMA_TOO_NEW",
                 path + " is at schema version " + std::to_string(*version) + ", newer than this chipreg (" +
                     std::to_string(store::latest_schema_version()) + ")",
                 option);
  }
  return db;
}

}  // namespace chipreg::cli
