// The log audit (see audit.hpp): one streaming pass over the leaves, then one pass over
// each table of logged facts.
#include "registry/log/audit.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/encoding.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::tlog {
namespace {

class Report {
 public:
  void add(std::string problem, std::string message, std::string_view kind = {}, std::string_view ref = {},
           std::optional<std::int64_t> log_index = std::nullopt, std::optional<std::int64_t> row = std::nullopt) {
    boost::json::object p{{"problem", std::move(problem)}};
    if (!kind.empty()) p["kind"] = kind;
    if (!ref.empty()) p["ref"] = ref;
    if (log_index) p["log_index"] = *log_index;
    if (row) p["row"] = *row;
    p["message"] = std::move(message);
    problems_.push_back(std::move(p));
  }
  boost::json::array take() { return std::move(problems_); }
  bool empty() const { return problems_.empty(); }

 private:
  boost::json::array problems_;
};

// What the leaf pass learned about each (kind, ref): its latest leaf and how many.
struct Logged {
  std::int64_t latest = -1;
  Hash hash{};  // leaf_hash of the latest leaf's opening (the fact's bytes, either version)
  bool seen_row = false;
};

struct LeafIndex {
  std::uint64_t size = 0;                        // leaves 0..size-1 are in place (up to the first gap)
  Hash root{};                                   // of those leaves
  std::optional<std::uint64_t> checkpoint_size;  // the root at this size is wanted too
  std::optional<Hash> checkpoint_root;
  std::map<std::string, std::unordered_map<std::string, Logged>> by_kind;
};

// One leaf as the tree pass reads it, from either place a leaf lives.
struct LeafRow {
  std::uint64_t idx = 0;
  Hash hash{};  // the hash that goes into the tree
};

// Recomputes every complete subtree from the leaves and compares them with log_nodes
// (levels kStoredLevel and up). Leaves come from two ordered scans merged by index:
// log_entries (each entry hashed and compared with its stored leaf_hash) and the purchases
// that are their own leaves (each row rebuilt, hashed and compared with the leaf_hash it
// was logged with; the stored hash is what the tree was built from, so an edited row is
// one ROW_MISMATCH, and an edited leaf hash shows in the subtrees above it).
Status check_tree(db::Db& db, LeafIndex& leaves, Report& report, std::int64_t& nodes_checked,
                  std::int64_t& purchases_checked) {
  auto entries = db.prepare("SELECT idx, kind, ref, entry, leaf_hash, salt FROM log_entries ORDER BY idx");
  if (!entries) return entries.error();
  auto purchases = db.prepare(std::string("SELECT id, log_index, ") + kPurchaseLeafColumns +
                              ", leaf_hash, salt FROM purchases WHERE leaf_hash IS NOT NULL ORDER BY id");
  if (!purchases) return purchases.error();
  auto node_stmt = db.prepare("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?");
  if (!node_stmt) return node_stmt.error();
  auto check_node = [&](int level, std::uint64_t index, const Hash& want) -> Status {
    if (level < kStoredLevel) return Status::Ok();  // not stored: folded from leaf hashes
    node_stmt->reset();
    node_stmt->bind(1, level).bind(2, static_cast<std::int64_t>(index));
    auto row = node_stmt->step();
    if (!row) return row.error();
    ++nodes_checked;
    const std::string where = "level " + std::to_string(level) + " index " + std::to_string(index);
    if (!*row) {
      report.add("NODE_MISSING", "log_nodes has no subtree at " + where);
    } else {
      const auto blob = node_stmt->blob_view(0);
      if (blob.size() != 32 || !std::equal(blob.begin(), blob.end(), want.begin())) {
        report.add("NODE_MISMATCH",
                   "stored subtree hash at " + where + " differs from the one recomputed from the leaves");
      }
    }
    node_stmt->reset();
    return Status::Ok();
  };

  // A log_entries leaf: its entry is the opening that was logged, and the leaf is the
  // opening itself (v1) or its commitment under the stored salt (v2).
  auto entry_leaf = [&](db::Stmt& s) -> LeafRow {
    const auto idx = static_cast<std::uint64_t>(s.int64(0));
    const auto blob = s.blob_view(3);
    const std::string_view opening(reinterpret_cast<const char*>(blob.data()), blob.size());
    const std::string kind = s.text(1);
    const Hash leaf = leaf_hash(leaf_bytes(kind, s.blob_view(5), opening));
    auto& logged = leaves.by_kind[kind][s.text(2)];
    logged.latest = static_cast<std::int64_t>(idx);
    logged.hash = leaf_hash(opening);
    const auto stored = s.blob_view(4);
    ++nodes_checked;
    if (stored.size() != 32 || !std::equal(stored.begin(), stored.end(), leaf.begin())) {
      report.add("LEAF_HASH_MISMATCH",
                 "stored leaf hash of leaf " + std::to_string(idx) + " differs from the hash of its entry",
                 std::string_view(), std::string_view(), static_cast<std::int64_t>(idx));
    }
    return {idx, leaf};
  };
  // A purchase leaf: its stored leaf hash is what was logged; the row must still match it.
  auto purchase_leaf = [&](db::Stmt& s) -> LeafRow {
    ++purchases_checked;
    const std::int64_t row_id = s.int64(0);
    const auto idx = static_cast<std::uint64_t>(s.int64(1));
    const auto stored = s.blob_view(12);
    Hash logged_hash{};
    if (stored.size() == 32) std::copy(stored.begin(), stored.end(), logged_hash.begin());
    // Not indexed by ref: its row is right here, and UNIQUE (invoice, line) leaves no other
    // purchase row that could name the same leaf. (On a million-purchase log the index
    // would be most of the audit's memory.)
    auto p = purchase_from_columns(s, 2);
    const std::string ref = p ? purchase_ref(*p) : s.text(2) + "#" + std::to_string(s.int64(3));
    if (!p) {
      report.add("UNREADABLE_ROW", "purchase " + ref + ": " + p.error().message, "purchase", ref,
                 static_cast<std::int64_t>(idx), row_id);
    } else if (leaf_hash(leaf_bytes(to_string(EntryKind::kPurchase), s.blob_view(13), purchase_entry(*p))) !=
               logged_hash) {
      report.add("ROW_MISMATCH", "purchase " + ref + " no longer matches its log entry", "purchase", ref,
                 static_cast<std::int64_t>(idx), row_id);
    }
    return {idx, logged_hash};
  };

  struct Pending {
    int level;
    Hash hash;
  };
  std::vector<Pending> stack;  // complete subtrees not yet paired, strictly decreasing level
  // RFC 9162 MTH of the leaves so far: the pending subtrees combined from the right.
  auto root_now = [&stack]() -> Hash {
    if (stack.empty()) return empty_root();
    Hash h = stack.back().hash;
    for (std::size_t i = stack.size() - 1; i-- > 0;) h = node_hash(stack[i].hash, h);
    return h;
  };
  if (leaves.checkpoint_size == 0) leaves.checkpoint_root = empty_root();
  std::uint64_t expected = 0;
  bool broken = false;  // after a gap the tree is meaningless; the leaves are still indexed
  auto step = [](db::Stmt& s, bool& has) -> Status {
    auto row = s.step();
    if (!row) return row.error();
    has = *row;
    return Status::Ok();
  };
  bool has_entry = false, has_purchase = false;
  if (auto st = step(*entries, has_entry); !st) return st;
  if (auto st = step(*purchases, has_purchase); !st) return st;
  while (has_entry || has_purchase) {
    const bool take_entry = has_entry && (!has_purchase || entries->int64(0) <= purchases->int64(1));
    if (take_entry && has_purchase && entries->int64(0) == purchases->int64(1)) {
      report.add("DUPLICATE_LEAF",
                 "leaf " + std::to_string(entries->int64(0)) + " is both a log_entries row and purchase row " +
                     std::to_string(purchases->int64(0)),
                 "purchase", std::string_view(), entries->int64(0), purchases->int64(0));
      (void)purchase_leaf(*purchases);
      if (auto st = step(*purchases, has_purchase); !st) return st;
    }
    const LeafRow leaf = take_entry ? entry_leaf(*entries) : purchase_leaf(*purchases);
    if (auto st = take_entry ? step(*entries, has_entry) : step(*purchases, has_purchase); !st) return st;
    if (broken) continue;
    if (leaf.idx != expected) {
      report.add("LOG_GAP", "leaves " + std::to_string(expected) + " to " + std::to_string(leaf.idx - 1) +
                                " are missing (no log_entries row and no purchase row)");
      broken = true;  // no more tree checks; keep indexing the leaves for the row checks
      continue;
    }
    stack.push_back({0, leaf.hash});
    std::uint64_t index = leaf.idx;
    while (stack.size() >= 2 && stack[stack.size() - 2].level == stack.back().level) {
      const Hash parent = node_hash(stack[stack.size() - 2].hash, stack.back().hash);
      const int level = stack.back().level + 1;
      stack.pop_back();
      stack.back() = {level, parent};
      index >>= 1;
      if (auto st = check_node(level, index, parent); !st) return st;
    }
    ++expected;
    if (leaves.checkpoint_size == expected) leaves.checkpoint_root = root_now();
  }
  leaves.size = expected;
  leaves.root = root_now();
  if (broken) return Status::Ok();
  // log_nodes must hold exactly the complete subtrees of level kStoredLevel and up: the sum
  // over those L of floor(n / 2^L).
  std::int64_t want_nodes = 0;
  for (std::uint64_t n = expected >> kStoredLevel; n > 0; n >>= 1) want_nodes += static_cast<std::int64_t>(n);
  auto count = db.prepare("SELECT count(*) FROM log_nodes");
  if (!count) return count.error();
  if (auto r = count->step(); !r) return r.error();
  if (count->int64(0) > want_nodes) {
    report.add("EXTRA_NODES", "log_nodes holds " + std::to_string(count->int64(0)) + " subtrees; a tree of " +
                                  std::to_string(expected) + " leaves has " + std::to_string(want_nodes));
  }
  return Status::Ok();
}

// Compares a row's rebuilt leaf with the logged one. `latest_only`: claims are logged once
// per evaluation, and only the latest leaf must match.
void check_row(LeafIndex& leaves, Report& report, std::string_view kind, const std::string& ref,
               std::optional<std::int64_t> row_id, std::optional<std::int64_t> log_index,
               const Result<std::string>& rebuilt) {
  auto& refs = leaves.by_kind[std::string(kind)];
  auto it = refs.find(ref);
  if (it == refs.end()) {
    report.add("UNLOGGED_ROW", std::string(kind) + " " + ref + " has no log entry", kind, ref, log_index, row_id);
    return;
  }
  it->second.seen_row = true;
  const std::int64_t idx = it->second.latest;
  if (!rebuilt) {
    report.add("UNREADABLE_ROW", std::string(kind) + " " + ref + ": " + rebuilt.error().message, kind, ref, idx,
               row_id);
    return;
  }
  if (leaf_hash(*rebuilt) != it->second.hash) {
    report.add("ROW_MISMATCH", std::string(kind) + " " + ref + " no longer matches its log entry", kind, ref, idx,
               row_id);
  }
  if (log_index && *log_index != idx) {
    report.add("LOG_INDEX_MISMATCH",
               std::string(kind) + " " + ref + " names log index " + std::to_string(*log_index) + ", its leaf is " +
                   std::to_string(idx),
               kind, ref, idx, row_id);
  }
}

// Calls fn(row) for each row of `sql`.
template <typename Fn>
Status each_row(db::Db& db, const char* sql, Fn&& fn) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  return db::each_row(*st, [&]() -> Status {
    fn(*st);
    return Status::Ok();
  });
}

}  // namespace

Result<boost::json::object> audit_log(db::Db& db, const std::optional<Checkpoint>& against) {
  ReadSnapshot snap(db);
  if (auto st = snap.begin(); !st) return st.error();
  Report report;
  LeafIndex leaves;
  std::int64_t nodes_checked = 0;
  std::map<std::string, std::int64_t> checked{{"tapeout", 0},  {"purchase", 0}, {"claim", 0},
                                              {"decision", 0}, {"void", 0},     {"invoice_status", 0}};
  if (against) leaves.checkpoint_size = against->size;
  if (auto st = check_tree(db, leaves, report, nodes_checked, checked["purchase"]); !st) return st.error();

  Status st = each_row(db,
                       "SELECT NULL, t.id, coalesce(e.envelope, ''), t.log_index FROM tapeouts t "
                       "LEFT JOIN tapeout_envelopes e ON e.tapeout = t.id ORDER BY t.id",
                       [&](db::Stmt& s) {
                         ++checked["tapeout"];
                         check_row(leaves, report, "tapeout", s.text(1), std::nullopt, s.opt_int64(3),
                                   tapeout_entry(s.text(1), s.text(2)));
                       });
  if (!st) return st.error();
  // Purchases that are their own leaves were checked in the tree pass; these are the ones
  // logged in log_entries (before schema migration 3), and any row that was never logged.
  st = each_row(db,
                (std::string("SELECT id, ") + kPurchaseLeafColumns +
                 ", log_index FROM purchases WHERE leaf_hash IS NULL ORDER BY id")
                    .c_str(),
                [&](db::Stmt& s) {
                  ++checked["purchase"];
                  const std::string ref = s.text(1) + "#" + std::to_string(s.int64(2));
                  auto p = purchase_from_columns(s, 1);
                  Result<std::string> entry =
                      p ? Result<std::string>(purchase_entry(*p)) : Result<std::string>(p.error());
                  check_row(leaves, report, "purchase", ref, s.int64(0), s.opt_int64(11), entry);
                });
  if (!st) return st.error();
  st = each_row(
      db,
      "SELECT NULL, c.id, c.rule, c.claimant, c.year, c.grp, c.tapeout, coalesce(e.evaluation, '{}'), c.log_index, "
      "f.facts_sha256, c.dataset, c.event FROM claims c LEFT JOIN claim_facts f ON f.claim = c.id "
      "LEFT JOIN claim_evaluations e ON e.claim = c.id ORDER BY c.id",
      [&](db::Stmt& s) {
        ++checked["claim"];
        ClaimEntryFields c{s.text(1),     s.text(2),      s.text(3),      s.int64(4), s.opt_text(5),
                           s.opt_text(6), s.opt_text(10), s.opt_text(11), s.text(7),  s.opt_text(9)};
        check_row(leaves, report, "claim", c.id, std::nullopt, s.opt_int64(8), claim_entry(c));
      });
  if (!st) return st.error();
  st = each_row(db,
                "SELECT NULL, claim, outcome, approve_fen, note, reviewer, decided_at, log_index FROM decisions "
                "ORDER BY claim",
                [&](db::Stmt& s) {
                  ++checked["decision"];
                  DecisionEntryFields d{s.text(1), s.text(2), s.int64(3), s.text(4), s.text(5), s.text(6)};
                  check_row(leaves, report, "decision", d.claim, std::nullopt, s.opt_int64(7), decision_entry(d));
                });
  if (!st) return st.error();
  // A void's or status's ref is "BUYER/INVOICE"; its leaf names the buyer unless it was
  // logged before schema migration 15 (leaf_names_buyer 0).
  auto named_buyer = [](db::Stmt& s) { return s.int64(6) != 0 ? std::optional<std::string>(s.text(5)) : std::nullopt; };
  st = each_row(
      db, "SELECT NULL, invoice, date, source, log_index, buyer, leaf_names_buyer FROM voids ORDER BY buyer, invoice",
      [&](db::Stmt& s) {
        ++checked["void"];
        check_row(leaves, report, "void", s.text(5) + "/" + s.text(1), std::nullopt, s.opt_int64(4),
                  void_entry({s.text(1), s.text(2), s.text(3), named_buyer(s)}));
      });
  if (!st) return st.error();
  st = each_row(db,
                "SELECT NULL, invoice, status, source, log_index, buyer, leaf_names_buyer FROM invoice_status "
                "ORDER BY buyer, invoice",
                [&](db::Stmt& s) {
                  ++checked["invoice_status"];
                  check_row(leaves, report, "invoice_status", s.text(5) + "/" + s.text(1), std::nullopt, s.opt_int64(4),
                            invoice_status_entry({s.text(1), s.text(2), s.text(3), named_buyer(s)}));
                });
  if (!st) return st.error();

  // The other clauses' facts: each row's stored fact rebuilt into its leaf. Columns: the
  // row id (or NULL), the ref, the fact JSON, log_index.
  auto clause_rows = [&](const char* kind, const char* sql, auto parse, auto entry) -> Status {
    return each_row(db, sql, [&](db::Stmt& s) {
      ++checked[kind];
      boost::system::error_code ec;
      auto v = boost::json::parse(s.text(2), ec);
      Result<std::string> rebuilt = Error("BAD_JSON", "the stored fact is not JSON");
      if (!ec) {
        auto fact = parse(v);
        rebuilt = fact ? Result<std::string>(entry(*fact)) : Result<std::string>(fact.error());
      }
      check_row(leaves, report, kind, s.text(1), s.opt_int64(0), s.opt_int64(3), rebuilt);
    });
  };
  if (auto s = clause_rows("rd_declaration", "SELECT id, '#' || id, fact, log_index FROM rd_declarations ORDER BY id",
                           json_io::rd_declaration_from_json, rd_declaration_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("signoff_participant",
                           "SELECT id, '#' || id, fact, log_index FROM signoff_participants ORDER BY id",
                           json_io::signoff_participant_from_json, signoff_participant_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("compute_contract", "SELECT NULL, id, fact, log_index FROM compute_contracts ORDER BY id",
                           json_io::compute_contract_from_json, compute_contract_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("data_trade", "SELECT NULL, id, fact, log_index FROM data_trades ORDER BY id",
                           json_io::data_trade_from_json, data_trade_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("dataset", "SELECT NULL, id, fact, log_index FROM datasets ORDER BY id",
                           json_io::dataset_from_json, dataset_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("dataset_call", "SELECT NULL, id, fact, log_index FROM dataset_calls ORDER BY id",
                           json_io::dataset_call_from_json, dataset_call_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("platform_recognition",
                           "SELECT id, '#' || id, fact, log_index FROM platform_recognitions ORDER BY id",
                           json_io::platform_recognition_from_json, platform_recognition_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("platform_expense",
                           "SELECT row, coalesce(id, '#' || row), fact, log_index FROM platform_expenses ORDER BY row",
                           json_io::platform_expense_from_json, platform_expense_entry);
      !s) {
    return s.error();
  }
  if (auto s = clause_rows("event", "SELECT NULL, id, fact, log_index FROM events ORDER BY id",
                           json_io::event_from_json, event_entry);
      !s) {
    return s.error();
  }

  // The reference facts (schema migration 11): each row rebuilt from its columns.
  for (EntryKind kind : reference_kinds()) checked[std::string(to_string(kind))] = 0;
  if (auto s = each_fact_row(db,
                             [&](const FactRow& r) {
                               const std::string kind(to_string(r.kind));
                               ++checked[kind];
                               check_row(leaves, report, kind, r.ref, r.row, r.log_index, r.opening);
                               return Status::Ok();
                             });
      !s) {
    return s.error();
  }

  for (const auto& [kind, refs] : leaves.by_kind) {
    for (const auto& [ref, logged] : refs) {
      if (!logged.seen_row) {
        report.add("ROW_MISSING", kind + " " + ref + " is in the log but its row is gone", kind, ref, logged.latest);
      }
    }
  }

  const std::uint64_t size = leaves.size;
  boost::json::object counts;
  for (const auto& [k, v] : checked) counts[k] = v;
  boost::json::object checkpoint;
  if (against) {
    bool held = false;
    if (against->size > size) {
      report.add("LOG_TRUNCATED", "the checkpoint signs a tree of " + std::to_string(against->size) +
                                      " leaves; the log holds " + std::to_string(size));
    } else {
      const Hash then = leaves.checkpoint_root.value_or(Hash{});  // set: the pass reached that size
      held = then == against->root;
      if (!held) {
        report.add("CHECKPOINT_MISMATCH", "the log's first " + std::to_string(against->size) + " leaves hash to " +
                                              crypto::hex(then) + "; the checkpoint signs " +
                                              crypto::hex(against->root));
      }
    }
    checkpoint = {
        {"tree_size", static_cast<std::int64_t>(against->size)}, {"root", crypto::hex(against->root)}, {"held", held}};
  }
  const bool ok = report.empty();
  boost::json::object out{{"ok", ok},
                          {"tree_size", static_cast<std::int64_t>(size)},
                          {"root", crypto::hex(leaves.root)},
                          {"nodes_checked", nodes_checked},
                          {"checked", std::move(counts)}};
  if (against) out["checkpoint"] = std::move(checkpoint);
  out["problems"] = report.take();
  return out;
}

}  // namespace chipreg::tlog
