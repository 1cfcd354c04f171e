// Placeholder write side until the Merkle tree lands: records the leaf only.
#include "registry/log/log.hpp"

#include <boost/json.hpp>

#include "registry/canonical_json.hpp"
#include "registry/store/clock.hpp"

namespace chipreg::tlog {

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::kTapeout: return "tapeout";
    case EntryKind::kPurchase: return "purchase";
    case EntryKind::kClaim: return "claim";
    case EntryKind::kDecision: return "decision";
  }
  return "?";
}

std::string make_entry(EntryKind kind, const boost::json::value& fact) {
  return canonical_json(boost::json::object{{"kind", to_string(kind)}, {"fact", fact}});
}

Result<std::int64_t> append(store::Db& db, EntryKind kind, std::string_view ref, std::string_view entry) {
  auto next = db.prepare("SELECT coalesce(max(idx) + 1, 0) FROM log_entries");
  if (!next) return next.error();
  if (auto r = next->step(); !r) return r.error();
  const std::int64_t idx = next->int64(0);
  auto ins = db.prepare("INSERT INTO log_entries(idx, kind, ref, entry, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, idx).bind(2, to_string(kind)).bind(3, ref).bind_blob(4, entry.data(), entry.size()).bind(5, store::now_utc());
  if (auto st = ins->exec(); !st) return st.error();
  return idx;
}

}  // namespace chipreg::tlog
