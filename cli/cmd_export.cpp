// chipreg export --db PATH KIND: the stored rows of KIND as CSV on stdout, in the same
// columns `chipreg import` reads, so an export re-imports cleanly into another registry.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "importers/clause_csv.hpp"
#include "importers/csv_facts.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::cli {
namespace {

// Buffers records and writes them in large chunks; stdout errors surface at the end.
class CsvOut {
 public:
  void record(const std::vector<std::string>& cells) {
    importers::append_csv_record(buf_, cells);
    if (buf_.size() >= (1 << 16)) flush();
  }
  void flush() {
    std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
  }

 private:
  std::string buf_;
};

Status export_kind(db::Db& db, importers::ImportKind kind, CsvOut& out) {
  using importers::ImportKind;
  out.record(importers::csv_columns(kind));
  if (importers::is_clause_kind(kind)) {
    return importers::export_clause_kind(db, kind, [&out](std::vector<std::string> cells) { out.record(cells); });
  }
  auto emit = [&out](const auto& fact) -> Status {
    out.record(importers::to_csv(fact));
    return Status::Ok();
  };
  switch (kind) {
    case ImportKind::kEnterprises:
      return store::for_each_enterprise(db, emit);
    case ImportKind::kPersons:
      return store::for_each_person(db, emit);
    case ImportKind::kFamily:
      return store::for_each_family_link(db, emit);
    case ImportKind::kEquity:
      return store::for_each_equity(db, emit);
    case ImportKind::kManualAffiliations:
      return store::for_each_manual_affiliation(db, emit);
    case ImportKind::kProducts:
      return store::for_each_product(db, emit);
    case ImportKind::kPurchases:
      return store::for_each_purchase(db, [&out](const store::StoredPurchase& p) -> Status {
        out.record(importers::to_csv(p.purchase));
        return Status::Ok();
      });
    case ImportKind::kTapeouts: {
      // In log order, so a re-import accepts them in the order they were first accepted.
      auto s = db.prepare(
          "SELECT e.envelope FROM tapeouts t JOIN tapeout_envelopes e ON e.tapeout = t.id ORDER BY t.log_index, t.id");
      if (!s) return s.error();
      for (;;) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) return Status::Ok();
        out.record({s->text(0)});
      }
    }
    default:
      return Status::Ok();  // the other clauses' kinds: above
  }
  return Status::Ok();
}

struct ExportArgs {
  std::string db;
  std::string kind;
};

int run_export(const ExportArgs& o) {
  auto kind = importers::parse_import_kind(o.kind);
  if (!kind) return print_error(kind.error()), 2;
  auto db = db::Db::open(o.db, db::DbOptions{.create = false, .read_only = true});
  if (!db) return print_error(db.error()), 2;
  CsvOut out;
  // One read transaction: the export is a consistent snapshot even while the service writes.
  db::ReadSnapshot snapshot(*db);
  if (auto st = snapshot.begin(); !st) return print_error(st.error()), 1;
  auto st = export_kind(*db, *kind, out);
  if (!st) return print_error(st.error()), 1;
  out.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    return print_error(Error("IO", "cannot write to stdout")), 1;
  }
  return 0;
}

}  // namespace

void add_export(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd =
      chipreg.add_subcommand("export",
                             "the rows of KIND as CSV on stdout\n\n"
                             "Writes the stored rows of KIND (enterprises persons family equity manual_affiliations\n"
                             "products purchases tapeouts) as CSV on stdout, header first, in the columns\n"
                             "chipreg import reads. Import order for a new registry: enterprises, persons, family,\n"
                             "equity, manual_affiliations, products, purchases, tapeouts (after foundry keys).");
  auto o = std::make_shared<ExportArgs>();
  cmd->add_option("--db", o->db, "the registry database (read in one snapshot)")->required()->type_name("PATH");
  cmd->add_option("kind", o->kind, "what to export: one of the kinds above")->required();
  cmd->callback([o, &selected] { selected = [o] { return run_export(*o); }; });
}

}  // namespace chipreg::cli
