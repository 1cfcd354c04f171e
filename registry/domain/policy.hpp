// Policy versions as data (OpenFisca-style dated parameters).
//
// A policy version has an id, the date it enters into force, optionally the last day it is
// in force, and the full set of parameters the rules read: thresholds, rates, caps, the
// first-listed window, the amount basis, the boundary rule, stacking and the affiliation
// threshold. The versions live in one embedded JSON document (policy_data.cpp); each
// version lists only what changed from the one before it, so adding the next policy is a
// data change. Evaluation takes the version in force on the event's date, then applies
// the scenario's `parameters` overrides (same names, same value types).
//
// Parameter names and JSON value types:
//   linkage.chip_module.threshold_fen         integer fen   (3,000,000.00 元)
//   linkage.chip_module.rate                  percent       (30)
//   linkage.chip_module.cap_fen               integer fen   (1,500,000.00 元)
//   linkage.device_material.threshold_fen     integer fen   (5,000,000.00 元)
//   linkage.device_material.step_fen          integer fen   (5,000,000.00 元: "each full step")
//   linkage.device_material.award_per_step_fen integer fen  (100,000.00 元)
//   linkage.device_material.cap_fen           integer fen   (1,000,000.00 元)
//   linkage.first_listed_window_months        integer       (36)
//   linkage.amount_basis                      "tax_inclusive" | "tax_exclusive"
//   tapeout.split_fen                         integer fen   (10,000,000.00 元, the 以上/以下 line)
//   tapeout.large.rate / tapeout.large.cap_fen  percent / fen (15, 20,000,000.00 元)
//   tapeout.small.rate / tapeout.small.cap_fen  percent / fen (30, 3,000,000.00 元)
//   tapeout.boundary                          "favorable" | "small" | "large"
//   stacking                                  "top_up" | "exclusive"
//   affiliation.threshold                     percent       (25)
// The other clauses (RULES.md "The other clauses of the seed"):
//   eda_rd.threshold_fen / .rate / .cap_fen   fen / percent / fen (10,000,000.00 元, 15, 20,000,000.00 元)
//   eda_purchase.rate / .cap_fen              percent / fen (50, 2,500,000.00 元)
//   eda_purchase.amount_basis                 "tax_inclusive" | "tax_exclusive"
//   equipment_rd.threshold_fen / .rate / .cap_fen  (50,000,000.00 元, 15, 50,000,000.00 元)
//   equipment_rd.cap_scope                    "year" | "lifetime" (最高补贴5000万元 per year or ever)
//   compute.rate / .cap_fen                   (50, 1,000,000.00 元)
//   data_platform.rate / .cap_fen             (1, 5,000,000.00 元)
//   data_platform.exclude                     "platform_affiliates" | "also_affiliated_pairs"
//   dataset.more_than_callers                 integer (3: 超过3家, so 4 or more)
//   dataset.rate / .cap_fen                   (10, 1,000,000.00 元 per owner per year)
//   dataset.count                             "affiliation_groups" | "callers"
//   platform.rate / .cap_fen                  (100, 5,000,000.00 元)
//   event.rate / .cap_fen                     (50, 1,000,000.00 元 per event)
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/date.hpp"
#include "registry/domain/money.hpp"
#include "registry/domain/rate.hpp"

namespace chipreg::policy {

enum class AmountBasis { kTaxInclusive, kTaxExclusive };
// At exactly tapeout.split_fen both clause-3 rows apply literally: pay the more favorable
// one (after caps), or always the small (<= row) / large (>= row).
enum class Boundary { kFavorable, kSmall, kLarge };
enum class Stacking { kTopUp, kExclusive };
// Clause 4's cap: per claimant per year, or once over all years.
enum class CapScope { kYear, kLifetime };
// Clause 7: which affiliated trades are not turnover.
enum class DataExclude { kPlatformAffiliates, kAlsoAffiliatedPairs };
// Clause 8: what counts towards 超过3家: groups of mutually affiliated callers, or callers.
enum class DatasetCount { kAffiliationGroups, kCallers };

std::string_view to_string(AmountBasis b);
std::string_view to_string(Boundary b);
std::string_view to_string(Stacking s);
std::string_view to_string(CapScope s);
std::string_view to_string(DataExclude x);
std::string_view to_string(DatasetCount c);

struct Parameters {
  Money linkage_chip_threshold;
  Rate linkage_chip_rate;
  Money linkage_chip_cap;
  Money linkage_device_threshold;
  Money linkage_device_step;
  Money linkage_device_award_per_step;
  Money linkage_device_cap;
  int linkage_window_months = 0;
  AmountBasis linkage_amount_basis = AmountBasis::kTaxInclusive;
  Money tapeout_split;
  Rate tapeout_large_rate;
  Money tapeout_large_cap;
  Rate tapeout_small_rate;
  Money tapeout_small_cap;
  Boundary tapeout_boundary = Boundary::kFavorable;
  Stacking stacking = Stacking::kTopUp;
  Rate affiliation_threshold;

  Money eda_rd_threshold;
  Rate eda_rd_rate;
  Money eda_rd_cap;
  Rate eda_purchase_rate;
  Money eda_purchase_cap;
  AmountBasis eda_purchase_amount_basis = AmountBasis::kTaxInclusive;
  Money equipment_rd_threshold;
  Rate equipment_rd_rate;
  Money equipment_rd_cap;
  CapScope equipment_rd_cap_scope = CapScope::kYear;
  Rate compute_rate;
  Money compute_cap;
  Rate data_platform_rate;
  Money data_platform_cap;
  DataExclude data_platform_exclude = DataExclude::kPlatformAffiliates;
  int dataset_more_than_callers = 0;
  Rate dataset_rate;
  Money dataset_cap;
  DatasetCount dataset_count = DatasetCount::kAffiliationGroups;
  Rate platform_rate;
  Money platform_cap;
  Rate event_rate;
  Money event_cap;
};

// The interpretations that choose among versions or bound what any version can speak of,
// so they cannot be parameters of a version themselves. The engine reads them from its
// Context, beside the versions (docs/RULES-ENGINE.md "Version in force").
struct Conventions {
  // An annual claim's figures (threshold, rate, cap, basis) use the version in force on
  // this day of the claim year: 31 December, the year's last day, so that a version taking
  // effect during the year governs that year's totals.
  int annual_month = 12;
  int annual_day = 31;
  // The calendar years a claim may name: those a Date holds (Date::year_in_range).
  static constexpr bool year_in_range(int year) { return Date::year_in_range(year); }
  // The day whose version decides `year`'s figures. REQUIRES: year_in_range(year).
  Date annual_date(int year) const { return Date::ymd(year, annual_month, annual_day); }
};
inline constexpr Conventions kConventions{};

struct Version {
  std::string id;                 // "binjiang-ic-2024"
  std::string title;
  Date effective;                 // first day in force
  std::optional<Date> until;      // last day in force; none = until superseded
  Parameters params;
};

// The built-in versions, ordered by effective date. Parsed once from the embedded data;
// the data is checked by the tests, so a bad edit fails the build's tests, not a claim.
const std::vector<Version>& versions();

// Parses a versions document: {"versions": [{"id", "title", "effective", "until"?,
// "parameters": {name: value}}]}. The first version must set every parameter; later
// ones inherit the previous version's values and override some.
Result<std::vector<Version>> parse_versions(std::string_view json_text);

// The version in force on `d` among `all` (the latest effective <= d whose `until`, if
// any, is >= d), or nullptr when none is.
const Version* in_force(const std::vector<Version>& all, Date d);
inline const Version* in_force(Date d) { return in_force(versions(), d); }

// Checks that `name` is a parameter and `value` has its type and range. The error's
// field is empty; callers prefix the path ("parameters.stacking").
Status check_override(const std::string& name, const boost::json::value& value);

// `base` with every override applied. Error path as for check_override, prefixed with
// "parameters.NAME".
Result<Parameters> apply_overrides(Parameters base, const std::map<std::string, boost::json::value>& overrides);

// All parameters by name, in the JSON types above (for the evaluation output).
boost::json::object to_json(const Parameters& p);

}  // namespace chipreg::policy
