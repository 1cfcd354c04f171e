// Policy versions: the parameter table (names, JSON types, ranges), the parser of the
// embedded versions document, version lookup by date, and scenario overrides.
#include "registry/domain/policy.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <mutex>
#include <set>

namespace chipreg::policy {

extern const std::string_view kVersionsJson;

namespace json = boost::json;

std::string_view to_string(AmountBasis b) { return b == AmountBasis::kTaxInclusive ? "tax_inclusive" : "tax_exclusive"; }
std::string_view to_string(Boundary b) {
  switch (b) {
    case Boundary::kFavorable: return "favorable";
    case Boundary::kSmall: return "small";
    case Boundary::kLarge: return "large";
  }
  return "?";
}
std::string_view to_string(Stacking s) { return s == Stacking::kTopUp ? "top_up" : "exclusive"; }
std::string_view to_string(CapScope s) { return s == CapScope::kYear ? "year" : "lifetime"; }
std::string_view to_string(DataExclude x) {
  return x == DataExclude::kPlatformAffiliates ? "platform_affiliates" : "also_affiliated_pairs";
}
std::string_view to_string(DatasetCount c) { return c == DatasetCount::kAffiliationGroups ? "affiliation_groups" : "callers"; }

namespace {

// Money parameters are non-negative integers of fen; a cap of 0 is legal (pays nothing).
Result<Money> money_param(const json::value& v) {
  if (!v.is_int64()) return Error("BAD_PARAMETER", "expected a non-negative integer number of fen");
  if (v.get_int64() < 0) return Error("BAD_PARAMETER", "expected a non-negative integer number of fen");
  return Money::fen(v.get_int64());
}

// Rate parameters are percentages in [0, 100] with at most four decimals.
Result<Rate> rate_param(const json::value& v) {
  Rate r;
  if (v.is_int64()) {
    if (v.get_int64() < 0 || v.get_int64() > 100) return Error("BAD_PARAMETER", "expected a percentage 0..100");
    r = Rate::percent(v.get_int64());
  } else if (v.is_double()) {
    auto d = Rate::from_double_percent(v.get_double());
    if (!d) return Error("BAD_PARAMETER", d.error().message);
    r = *d;
  } else {
    return Error("BAD_PARAMETER", "expected a percentage number");
  }
  if (r.units() < 0 || r.units() > Rate::kWhole) return Error("BAD_PARAMETER", "expected a percentage 0..100");
  return r;
}

Result<std::string> word_param(const json::value& v, std::initializer_list<std::string_view> allowed) {
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (v.is_string()) {
    for (auto a : allowed) {
      if (v.get_string() == a) return std::string(a);
    }
  }
  return Error("BAD_PARAMETER", "expected one of: " + list);
}

json::value pct_json(Rate r) {
  if (r.units() % Rate::kScale == 0) return json::value(r.units() / Rate::kScale);
  return json::value(static_cast<double>(r.units()) / static_cast<double>(Rate::kScale));
}

struct Param {
  const char* name;
  Status (*set)(Parameters&, const json::value&);
  json::value (*get)(const Parameters&);
};

#define MONEY_PARAM(NAME, MEMBER)                                          \
  Param {                                                                  \
    NAME,                                                                  \
        [](Parameters& p, const json::value& v) -> Status {                \
          auto m = money_param(v);                                         \
          if (!m) return m.error();                                        \
          p.MEMBER = *m;                                                   \
          return Status::Ok();                                             \
        },                                                                 \
        [](const Parameters& p) { return json::value(p.MEMBER.fen()); }    \
  }
#define RATE_PARAM(NAME, MEMBER)                                           \
  Param {                                                                  \
    NAME,                                                                  \
        [](Parameters& p, const json::value& v) -> Status {                \
          auto r = rate_param(v);                                          \
          if (!r) return r.error();                                        \
          p.MEMBER = *r;                                                   \
          return Status::Ok();                                             \
        },                                                                 \
        [](const Parameters& p) { return pct_json(p.MEMBER); }             \
  }

// A word parameter of a two-valued enum E whose to_string names both values.
#define WORD_PARAM(NAME, MEMBER, FIRST, SECOND)                                              \
  Param {                                                                                    \
    NAME,                                                                                    \
        [](Parameters& p, const json::value& v) -> Status {                                  \
          auto w = word_param(v, {to_string(FIRST), to_string(SECOND)});                     \
          if (!w) return w.error();                                                          \
          p.MEMBER = *w == to_string(FIRST) ? FIRST : SECOND;                                \
          return Status::Ok();                                                               \
        },                                                                                   \
        [](const Parameters& p) { return json::value(std::string(to_string(p.MEMBER))); }   \
  }

const Param kParams[] = {
    MONEY_PARAM("linkage.chip_module.threshold_fen", linkage_chip_threshold),
    RATE_PARAM("linkage.chip_module.rate", linkage_chip_rate),
    MONEY_PARAM("linkage.chip_module.cap_fen", linkage_chip_cap),
    MONEY_PARAM("linkage.device_material.threshold_fen", linkage_device_threshold),
    Param{"linkage.device_material.step_fen",
          [](Parameters& p, const json::value& v) -> Status {
            auto m = money_param(v);
            if (!m) return m.error();
            if (m->fen() <= 0) return Error("BAD_PARAMETER", "the step must be positive");
            p.linkage_device_step = *m;
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(p.linkage_device_step.fen()); }},
    MONEY_PARAM("linkage.device_material.award_per_step_fen", linkage_device_award_per_step),
    MONEY_PARAM("linkage.device_material.cap_fen", linkage_device_cap),
    Param{"linkage.first_listed_window_months",
          [](Parameters& p, const json::value& v) -> Status {
            if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > 1200) {
              return Error("BAD_PARAMETER", "expected a whole number of months 0..1200");
            }
            p.linkage_window_months = static_cast<int>(v.get_int64());
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(p.linkage_window_months); }},
    Param{"linkage.amount_basis",
          [](Parameters& p, const json::value& v) -> Status {
            auto w = word_param(v, {"tax_inclusive", "tax_exclusive"});
            if (!w) return w.error();
            p.linkage_amount_basis = *w == "tax_inclusive" ? AmountBasis::kTaxInclusive : AmountBasis::kTaxExclusive;
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(std::string(to_string(p.linkage_amount_basis))); }},
    MONEY_PARAM("tapeout.split_fen", tapeout_split),
    RATE_PARAM("tapeout.large.rate", tapeout_large_rate),
    MONEY_PARAM("tapeout.large.cap_fen", tapeout_large_cap),
    RATE_PARAM("tapeout.small.rate", tapeout_small_rate),
    MONEY_PARAM("tapeout.small.cap_fen", tapeout_small_cap),
    Param{"tapeout.boundary",
          [](Parameters& p, const json::value& v) -> Status {
            auto w = word_param(v, {"favorable", "small", "large"});
            if (!w) return w.error();
            p.tapeout_boundary = *w == "favorable" ? Boundary::kFavorable
                                 : *w == "small"   ? Boundary::kSmall
                                                   : Boundary::kLarge;
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(std::string(to_string(p.tapeout_boundary))); }},
    Param{"stacking",
          [](Parameters& p, const json::value& v) -> Status {
            auto w = word_param(v, {"top_up", "exclusive"});
            if (!w) return w.error();
            p.stacking = *w == "top_up" ? Stacking::kTopUp : Stacking::kExclusive;
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(std::string(to_string(p.stacking))); }},
    Param{"affiliation.threshold",
          [](Parameters& p, const json::value& v) -> Status {
            auto r = rate_param(v);
            if (!r) return r.error();
            if (r->units() == 0) return Error("BAD_PARAMETER", "the affiliation threshold must be positive");
            p.affiliation_threshold = *r;
            return Status::Ok();
          },
          [](const Parameters& p) { return pct_json(p.affiliation_threshold); }},
    MONEY_PARAM("eda_rd.threshold_fen", eda_rd_threshold),
    RATE_PARAM("eda_rd.rate", eda_rd_rate),
    MONEY_PARAM("eda_rd.cap_fen", eda_rd_cap),
    RATE_PARAM("eda_purchase.rate", eda_purchase_rate),
    MONEY_PARAM("eda_purchase.cap_fen", eda_purchase_cap),
    WORD_PARAM("eda_purchase.amount_basis", eda_purchase_amount_basis, AmountBasis::kTaxInclusive,
               AmountBasis::kTaxExclusive),
    MONEY_PARAM("equipment_rd.threshold_fen", equipment_rd_threshold),
    RATE_PARAM("equipment_rd.rate", equipment_rd_rate),
    MONEY_PARAM("equipment_rd.cap_fen", equipment_rd_cap),
    WORD_PARAM("equipment_rd.cap_scope", equipment_rd_cap_scope, CapScope::kYear, CapScope::kLifetime),
    RATE_PARAM("compute.rate", compute_rate),
    MONEY_PARAM("compute.cap_fen", compute_cap),
    RATE_PARAM("data_platform.rate", data_platform_rate),
    MONEY_PARAM("data_platform.cap_fen", data_platform_cap),
    WORD_PARAM("data_platform.exclude", data_platform_exclude, DataExclude::kPlatformAffiliates,
               DataExclude::kAlsoAffiliatedPairs),
    Param{"dataset.more_than_callers",
          [](Parameters& p, const json::value& v) -> Status {
            if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > 1000) {
              return Error("BAD_PARAMETER", "expected a whole number of callers 0..1000");
            }
            p.dataset_more_than_callers = static_cast<int>(v.get_int64());
            return Status::Ok();
          },
          [](const Parameters& p) { return json::value(p.dataset_more_than_callers); }},
    RATE_PARAM("dataset.rate", dataset_rate),
    MONEY_PARAM("dataset.cap_fen", dataset_cap),
    WORD_PARAM("dataset.count", dataset_count, DatasetCount::kAffiliationGroups, DatasetCount::kCallers),
    RATE_PARAM("platform.rate", platform_rate),
    MONEY_PARAM("platform.cap_fen", platform_cap),
    RATE_PARAM("event.rate", event_rate),
    MONEY_PARAM("event.cap_fen", event_cap),
};

#undef MONEY_PARAM
#undef RATE_PARAM
#undef WORD_PARAM

const Param* find_param(std::string_view name) {
  for (const auto& p : kParams) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

Error unknown_param(const std::string& name) {
  std::string list;
  for (const auto& p : kParams) list += (list.empty() ? "" : ", ") + std::string(p.name);
  return Error("UNKNOWN_PARAMETER", "unknown policy parameter '" + name.substr(0, 64) + "' (known: " + list + ")");
}

Result<Date> date_field(const json::object& o, const char* key, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return Error("BAD_POLICY", where + "." + key + " must be a date string");
  auto d = Date::parse(std::string_view(v->get_string()));
  if (!d) return Error("BAD_POLICY", where + "." + key + ": " + d.error().message);
  return *d;
}

}  // namespace

Status check_override(const std::string& name, const json::value& value) {
  const Param* p = find_param(name);
  if (p == nullptr) return unknown_param(name);
  Parameters scratch;
  return p->set(scratch, value);
}

Result<Parameters> apply_overrides(Parameters base, const std::map<std::string, json::value>& overrides) {
  for (const auto& [name, value] : overrides) {
    const Param* p = find_param(name);
    if (p == nullptr) return unknown_param(name).at("parameters." + name.substr(0, 64));
    if (auto st = p->set(base, value); !st) {
      return Error(st.error().code, "parameters." + name + ": " + st.error().message, "parameters." + name);
    }
  }
  return base;
}

json::object to_json(const Parameters& params) {
  json::object o;
  for (const auto& p : kParams) o[p.name] = p.get(params);
  return o;
}

Result<std::vector<Version>> parse_versions(std::string_view json_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec) return Error("BAD_POLICY", "policy versions document: " + ec.message());
  const json::object* root = doc.if_object();
  const json::value* list = root ? root->if_contains("versions") : nullptr;
  if (list == nullptr || !list->is_array() || list->get_array().empty()) {
    return Error("BAD_POLICY", "policy versions document needs a non-empty \"versions\" array");
  }
  std::vector<Version> out;
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const std::string where = "versions[" + std::to_string(i) + "]";
    const json::object* o = list->get_array()[i].if_object();
    if (o == nullptr) return Error("BAD_POLICY", where + " must be an object");
    Version v;
    const json::value* id = o->if_contains("id");
    if (id == nullptr || !id->is_string() || id->get_string().empty()) return Error("BAD_POLICY", where + ".id missing");
    v.id = std::string(id->get_string());
    if (const json::value* t = o->if_contains("title"); t != nullptr && t->is_string()) v.title = t->get_string();
    auto eff = date_field(*o, "effective", where);
    if (!eff) return eff.error();
    v.effective = *eff;
    if (const json::value* u = o->if_contains("until"); u != nullptr && !u->is_null()) {
      auto until = date_field(*o, "until", where);
      if (!until) return until.error();
      v.until = *until;
    }
    if (!out.empty() && !(out.back().effective < v.effective)) {
      return Error("BAD_POLICY", where + ": versions must be in increasing effective-date order");
    }
    v.params = out.empty() ? Parameters{} : out.back().params;
    const json::value* params = o->if_contains("parameters");
    if (params == nullptr || !params->is_object()) return Error("BAD_POLICY", where + ".parameters must be an object");
    std::set<std::string> set;
    for (const auto& kv : params->get_object()) {
      const std::string name(kv.key());
      const Param* p = find_param(name);
      if (p == nullptr) return Error("BAD_POLICY", where + ": " + unknown_param(name).message);
      if (auto st = p->set(v.params, kv.value()); !st) {
        return Error("BAD_POLICY", where + ".parameters." + name + ": " + st.error().message);
      }
      set.insert(name);
    }
    if (out.empty()) {
      for (const auto& p : kParams) {
        if (set.count(p.name) == 0) {
          return Error("BAD_POLICY", where + ": the first version must set every parameter; missing " + p.name);
        }
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

const std::vector<Version>& versions() {
  static const std::vector<Version> kAll = [] {
    auto parsed = parse_versions(kVersionsJson);
    // The embedded document is part of the program; the policy tests parse it too, so a
    // broken edit is caught there. Failing loudly beats evaluating under no policy.
    assert(parsed.ok());
    return parsed.ok() ? std::move(*parsed) : std::vector<Version>{};
  }();
  return kAll;
}

const Version* in_force(const std::vector<Version>& all, Date d) {
  const Version* found = nullptr;
  for (const auto& v : all) {
    if (v.effective <= d) found = &v;
  }
  if (found != nullptr && found->until && *found->until < d) return nullptr;
  return found;
}

}  // namespace chipreg::policy
