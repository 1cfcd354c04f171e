// Leaf encoding and entry kinds of the transparency log. The Merkle storage and the
// append itself live in store_log.cpp.
#include "registry/log/log.hpp"

#include <boost/json.hpp>

#include "registry/domain/canonical_json.hpp"

namespace chipreg::tlog {

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::kTapeout: return "tapeout";
    case EntryKind::kPurchase: return "purchase";
    case EntryKind::kClaim: return "claim";
    case EntryKind::kDecision: return "decision";
    case EntryKind::kVoid: return "void";
    case EntryKind::kInvoiceStatus: return "invoice_status";
    case EntryKind::kRdDeclaration: return "rd_declaration";
    case EntryKind::kSignoffParticipant: return "signoff_participant";
    case EntryKind::kComputeContract: return "compute_contract";
    case EntryKind::kDataTrade: return "data_trade";
    case EntryKind::kDataset: return "dataset";
    case EntryKind::kDatasetCall: return "dataset_call";
    case EntryKind::kPlatformRecognition: return "platform_recognition";
    case EntryKind::kPlatformExpense: return "platform_expense";
    case EntryKind::kEvent: return "event";
  }
  return "?";
}

std::string make_entry(EntryKind kind, const boost::json::value& fact) {
  return canonical_json(boost::json::object{{"kind", to_string(kind)}, {"fact", fact}});
}

}  // namespace chipreg::tlog
