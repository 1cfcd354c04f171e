// The closed vocabularies of the domain, with their wire names (as in the contract).
// Each enum has to_string() and a parse_*() that rejects unknown names with a clear error.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.hpp"

namespace chipreg {

enum class ProductKind { kChip, kModule, kDevice, kMaterial, kEdaTool };
enum class Role { kOem, kSystemIntegrator, kIcDesign, kIcEquipment, kIcMaterial, kIcPackaging, kFoundry, kOther,
                  kEda, kComputeCenter, kDataExchange };
enum class TapeoutKind { kMpw, kEngineering, kProduction };
enum class ClaimStatus { kSubmitted, kApproved, kRejected };
enum class RuleId { kLinkage, kTapeout,
                    // The other clauses of the seed (RULES.md): 2a, 2b, 4, 6, 7, 8, 16a, 16b.
                    kEdaRd, kEdaPurchase, kEquipmentRd, kCompute, kDataPlatform, kDataset, kPlatform, kEvent };
enum class LinkageGroup { kDeviceMaterial, kChipModule };
enum class FamilyRelation { kSpouse, kParentChild, kSibling, kDependant };
enum class TapeoutBranch { kSmall, kLarge };  // cost <= 10M 元 row, cost >= 10M 元 row
enum class RdField { kEda, kEquipmentMaterial };  // rd_declarations[].field: clause 2a, clause 4
// The level of a sign-off centre (签核中心) or of a platform recognition (高能级平台).
enum class Level { kNational, kProvincial, kMunicipal };
enum class ExpenseKind { kVenueRent, kConstruction };  // platform_expenses[].kind

template <typename E>
struct EnumNames;  // specialized below: static constexpr std::array<std::pair<E, std::string_view>, N> kNames

#define CHIPREG_ENUM_NAMES(E, WHAT, ...)                                          \
  template <>                                                                    \
  struct EnumNames<E> {                                                          \
    static constexpr std::string_view kWhat = WHAT;                              \
    static constexpr auto kNames = std::to_array<std::pair<E, std::string_view>>({__VA_ARGS__}); \
  };

CHIPREG_ENUM_NAMES(ProductKind, "product kind",
                   {ProductKind::kChip, "chip"}, {ProductKind::kModule, "module"},
                   {ProductKind::kDevice, "device"}, {ProductKind::kMaterial, "material"},
                   {ProductKind::kEdaTool, "eda_tool"})
CHIPREG_ENUM_NAMES(Role, "enterprise role",
                   {Role::kOem, "oem"}, {Role::kSystemIntegrator, "system_integrator"},
                   {Role::kIcDesign, "ic_design"}, {Role::kIcEquipment, "ic_equipment"},
                   {Role::kIcMaterial, "ic_material"}, {Role::kIcPackaging, "ic_packaging"},
                   {Role::kFoundry, "foundry"}, {Role::kOther, "other"}, {Role::kEda, "eda"},
                   {Role::kComputeCenter, "compute_center"}, {Role::kDataExchange, "data_exchange"})
CHIPREG_ENUM_NAMES(TapeoutKind, "tape-out kind",
                   {TapeoutKind::kMpw, "mpw"}, {TapeoutKind::kEngineering, "engineering"},
                   {TapeoutKind::kProduction, "production"})
CHIPREG_ENUM_NAMES(ClaimStatus, "claim status",
                   {ClaimStatus::kSubmitted, "submitted"}, {ClaimStatus::kApproved, "approved"},
                   {ClaimStatus::kRejected, "rejected"})
CHIPREG_ENUM_NAMES(RuleId, "rule", {RuleId::kLinkage, "linkage"}, {RuleId::kTapeout, "tapeout"},
                   {RuleId::kEdaRd, "eda_rd"}, {RuleId::kEdaPurchase, "eda_purchase"},
                   {RuleId::kEquipmentRd, "equipment_rd"}, {RuleId::kCompute, "compute"},
                   {RuleId::kDataPlatform, "data_platform"}, {RuleId::kDataset, "dataset"},
                   {RuleId::kPlatform, "platform"}, {RuleId::kEvent, "event"})
CHIPREG_ENUM_NAMES(LinkageGroup, "linkage group",
                   {LinkageGroup::kDeviceMaterial, "device_material"}, {LinkageGroup::kChipModule, "chip_module"})
CHIPREG_ENUM_NAMES(FamilyRelation, "family relation",
                   {FamilyRelation::kSpouse, "spouse"}, {FamilyRelation::kParentChild, "parent_child"},
                   {FamilyRelation::kSibling, "sibling"}, {FamilyRelation::kDependant, "dependant"})
CHIPREG_ENUM_NAMES(TapeoutBranch, "tape-out branch",
                   {TapeoutBranch::kSmall, "small"}, {TapeoutBranch::kLarge, "large"})
CHIPREG_ENUM_NAMES(RdField, "R&D field", {RdField::kEda, "eda"}, {RdField::kEquipmentMaterial, "equipment_material"})
CHIPREG_ENUM_NAMES(Level, "level", {Level::kNational, "national"}, {Level::kProvincial, "provincial"},
                   {Level::kMunicipal, "municipal"})
CHIPREG_ENUM_NAMES(ExpenseKind, "expense kind", {ExpenseKind::kVenueRent, "venue_rent"},
                   {ExpenseKind::kConstruction, "construction"})

#undef CHIPREG_ENUM_NAMES

template <typename E>
constexpr std::string_view to_string(E e) {
  for (const auto& [value, name] : EnumNames<E>::kNames) {
    if (value == e) return name;
  }
  return "?";
}

// Parses a wire name; the error (code BAD_ENUM) lists the accepted names.
template <typename E>
Result<E> parse_enum(std::string_view name) {
  std::string accepted;
  for (const auto& [value, n] : EnumNames<E>::kNames) {
    if (n == name) return value;
    accepted += accepted.empty() ? "" : ", ";
    accepted += n;
  }
  return Error("BAD_ENUM", "unknown " + std::string(EnumNames<E>::kWhat) + " '" +
                               std::string(name.substr(0, 64)) + "' (expected one of: " + accepted + ")");
}

// An IC enterprise (集成电路企业) has any ic_* role or is a foundry.
constexpr bool is_ic_role(Role r) {
  return r == Role::kIcDesign || r == Role::kIcEquipment || r == Role::kIcMaterial ||
         r == Role::kIcPackaging || r == Role::kFoundry;
}

// Clauses 12 and 3, decided since the first wave; the others are the rest of the seed.
constexpr bool is_first_wave(RuleId r) { return r == RuleId::kLinkage || r == RuleId::kTapeout; }

// The linkage group of a product kind. REQUIRES: k is not kEdaTool (an EDA tool is in no
// clause-12 group; linkage skips it).
constexpr LinkageGroup group_of(ProductKind k) {
  return k == ProductKind::kChip || k == ProductKind::kModule ? LinkageGroup::kChipModule
                                                             : LinkageGroup::kDeviceMaterial;
}

}  // namespace chipreg
