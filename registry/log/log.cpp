// Leaf encoding and entry kinds of the transparency log. The Merkle storage and the
// append itself live in store_log.cpp.
#include "registry/log/log.hpp"

#include <boost/json.hpp>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/domain/canonical_json.hpp"
#include "registry/domain/uscc.hpp"

namespace chipreg::tlog {

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::kTapeout:
      return "tapeout";
    case EntryKind::kPurchase:
      return "purchase";
    case EntryKind::kClaim:
      return "claim";
    case EntryKind::kDecision:
      return "decision";
    case EntryKind::kVoid:
      return "void";
    case EntryKind::kInvoiceStatus:
      return "invoice_status";
    case EntryKind::kRdDeclaration:
      return "rd_declaration";
    case EntryKind::kSignoffParticipant:
      return "signoff_participant";
    case EntryKind::kComputeContract:
      return "compute_contract";
    case EntryKind::kDataTrade:
      return "data_trade";
    case EntryKind::kDataset:
      return "dataset";
    case EntryKind::kDatasetCall:
      return "dataset_call";
    case EntryKind::kPlatformRecognition:
      return "platform_recognition";
    case EntryKind::kPlatformExpense:
      return "platform_expense";
    case EntryKind::kEvent:
      return "event";
    case EntryKind::kEnterprise:
      return "enterprise";
    case EntryKind::kPerson:
      return "person";
    case EntryKind::kFamilyLink:
      return "family_link";
    case EntryKind::kEquity:
      return "equity";
    case EntryKind::kManualAffiliation:
      return "manual_affiliation";
    case EntryKind::kProduct:
      return "product";
    case EntryKind::kFoundryKey:
      return "foundry_key";
    case EntryKind::kKeyRevocation:
      return "key_revocation";
    case EntryKind::kOtherAward:
      return "other_award";
    case EntryKind::kManualNonAffiliation:
      return "manual_non_affiliation";
    case EntryKind::kObjection:
      return "objection";
    case EntryKind::kObjectionAnswer:
      return "objection_answer";
    case EntryKind::kRecovery:
      return "recovery";
  }
  return "?";
}

std::string make_entry(EntryKind kind, const boost::json::value& fact) {
  return canonical_json(boost::json::object{{"kind", to_string(kind)}, {"fact", fact}});
}

Result<Salt> new_salt() {
  Salt salt{};
  if (auto st = crypto::random_fill(salt); !st) return st.error();
  return salt;
}

std::string commitment_entry(std::string_view kind, std::span<const unsigned char> salt, std::string_view opening) {
  crypto::Sha256 h;
  h.update(salt.data(), salt.size());
  h.update(opening);
  const auto digest = h.finish();
  // Canonical by construction: keys in byte order, the values need no escaping (the kind
  // is one of to_string's names).
  std::string out;
  out.reserve(96 + kind.size());
  out += R"({"commitment":")";
  out += crypto::hex(digest);
  out += R"(","kind":")";
  out += kind;
  out += R"(","v":2})";
  return out;
}

std::string leaf_bytes(std::string_view kind, std::span<const unsigned char> salt, std::string_view opening) {
  if (salt.empty()) return std::string(opening);
  return commitment_entry(kind, salt, opening);
}

std::string parties_text(const Parties& parties) {
  std::string out;
  for (const auto& p : parties) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

namespace {
void collect_parties(const boost::json::value& v, Parties& out) {
  if (const auto* s = v.if_string()) {
    const std::string_view text(s->data(), s->size());
    if (text.size() == 18 && Uscc::parse(text) && std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) collect_parties(kv.value(), out);
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a) collect_parties(e, out);
  }
}
}  // namespace

Parties parties_named_in(const boost::json::value& fact) {
  Parties out;
  collect_parties(fact, out);
  return out;
}

}  // namespace chipreg::tlog
