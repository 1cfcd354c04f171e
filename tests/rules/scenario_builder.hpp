// Test support for the rules tests: builds scenario JSON in a few lines, with valid USCCs
// minted from small numbers, so each test states only the facts it is about.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/domain/uscc.hpp"

namespace chipreg::testing {

namespace json = boost::json;

// A valid USCC for enterprise number n (deterministic; skips bodies whose organization
// check character the USCC alphabet lacks).
inline std::string uscc(int n) {
  for (int k = 0;; ++k) {
    std::string body = std::to_string(n * 16 + k);
    body.insert(0, 8 - body.size(), '0');
    auto u = Uscc::complete("91330108" + body);
    if (u) return u->str();
  }
}

struct Scenario {
  json::object root;

  json::array& arr(const char* key) {
    if (!root.contains(key)) root[key] = json::array();
    return root[key].as_array();
  }
  Scenario& enterprise(const std::string& code, const std::string& name, std::vector<std::string> roles,
                       bool in_district = true) {
    json::array r;
    for (auto& x : roles) r.emplace_back(x);
    arr("enterprises").push_back(json::object{{"uscc", code}, {"name", name}, {"in_district", in_district}, {"roles", r}});
    return *this;
  }
  Scenario& person(const std::string& id) {
    arr("persons").push_back(json::object{{"id", id}, {"name", "Person " + id}});
    return *this;
  }
  Scenario& family(const std::string& a, const std::string& b, const std::string& rel = "spouse") {
    arr("family").push_back(json::object{{"a", a}, {"b", b}, {"relation", rel}});
    return *this;
  }
  Scenario& equity(const std::string& holder, const std::string& held, json::value pct,
                   const std::string& from = "2020-01-01", json::value to = nullptr) {
    arr("equity").push_back(json::object{{"holder", holder}, {"held", held}, {"pct", pct}, {"from", from}, {"to", to}});
    return *this;
  }
  Scenario& manual(const std::string& a, const std::string& b, const std::string& from = "2020-01-01",
                   json::value to = nullptr) {
    arr("manual_affiliations")
        .push_back(json::object{{"a", a}, {"b", b}, {"from", from}, {"to", to}, {"basis", "same actual controller"}});
    return *this;
  }
  Scenario& product(const std::string& id, const std::string& kind, const std::string& owner,
                    json::value first_market = "2025-01-10", bool self_developed = true,
                    const std::string& focus = "chip_design") {
    arr("products").push_back(json::object{{"id", id},
                                           {"kind", kind},
                                           {"owner", owner},
                                           {"self_developed", self_developed},
                                           {"first_market_date", first_market},
                                           {"focus_area", focus}});
    return *this;
  }
  Scenario& tapeout(const std::string& id, const std::string& product, const std::string& foundry,
                    const std::string& owner, const std::string& date, std::int64_t cost_fen,
                    const std::string& kind = "mpw", char digest = 'a') {
    arr("tapeouts").push_back(json::object{{"id", id},
                                           {"product", product},
                                           {"foundry", foundry},
                                           {"design_owner", owner},
                                           {"date", date},
                                           {"kind", kind},
                                           {"design_digest", "sha256:" + std::string(64, digest)},
                                           {"cost_fen", cost_fen}});
    return *this;
  }
  Scenario& purchase(const std::string& invoice, std::int64_t line, const std::string& date, const std::string& buyer,
                     const std::string& seller, const std::string& product, std::int64_t amount_fen,
                     std::int64_t tax_fen = 0, json::value reverses = nullptr) {
    arr("purchases").push_back(json::object{{"invoice", invoice},
                                            {"line", line},
                                            {"date", date},
                                            {"buyer", buyer},
                                            {"seller", seller},
                                            {"product", product},
                                            {"amount_fen", amount_fen},
                                            {"tax_fen", tax_fen},
                                            {"reverses", reverses}});
    return *this;
  }
  Scenario& other_award(const std::string& claim, const std::string& level, std::int64_t fen) {
    arr("other_awards").push_back(json::object{{"claim", claim}, {"level", level}, {"amount_fen", fen}});
    return *this;
  }
  Scenario& prior_linkage(const std::string& claimant, int year, const std::string& group, std::int64_t fen) {
    arr("prior_approvals")
        .push_back(json::object{{"claimant", claimant}, {"rule", "linkage"}, {"group", group}, {"year", year}, {"amount_fen", fen}});
    return *this;
  }
  Scenario& prior_tapeout(const std::string& claimant, int year, const std::string& branch, std::int64_t fen) {
    arr("prior_approvals")
        .push_back(json::object{{"claimant", claimant}, {"rule", "tapeout"}, {"year", year}, {"branch", branch}, {"amount_fen", fen}});
    return *this;
  }
  Scenario& parameter(const std::string& name, json::value v) {
    if (!root.contains("parameters")) root["parameters"] = json::object();
    root["parameters"].as_object()[name] = v;
    return *this;
  }
  Scenario& linkage_claim(const std::string& id, const std::string& claimant, int year, const std::string& group) {
    arr("claims").push_back(json::object{{"id", id}, {"rule", "linkage"}, {"claimant", claimant}, {"year", year}, {"group", group}});
    return *this;
  }
  Scenario& tapeout_claim(const std::string& id, const std::string& claimant, const std::string& tapeout) {
    arr("claims").push_back(json::object{{"id", id}, {"rule", "tapeout"}, {"claimant", claimant}, {"tapeout", tapeout}});
    return *this;
  }
  // ---- The other clauses (RULES.md "The other clauses of the seed").
  Scenario& rd(const std::string& enterprise, int year, const std::string& field, std::int64_t rd_fen,
               std::int64_t sales_fen, const std::string& audit_ref = "AUDIT-1") {
    arr("rd_declarations").push_back(json::object{{"enterprise", enterprise}, {"year", year}, {"field", field},
                                                  {"rd_fen", rd_fen}, {"sales_fen", sales_fen}, {"audit_ref", audit_ref}});
    return *this;
  }
  Scenario& signoff(const std::string& enterprise, const std::string& level, const std::string& from = "2020-01-01",
                    json::value to = nullptr) {
    arr("signoff_participants")
        .push_back(json::object{{"enterprise", enterprise}, {"level", level}, {"from", from}, {"to", to}});
    return *this;
  }
  Scenario& contract(const std::string& id, const std::string& customer, const std::string& provider,
                     const std::string& date, std::int64_t amount_fen, std::int64_t voucher_fen = 0) {
    arr("compute_contracts").push_back(json::object{{"id", id}, {"customer", customer}, {"provider", provider},
                                                    {"date", date}, {"amount_fen", amount_fen}, {"voucher_fen", voucher_fen}});
    return *this;
  }
  Scenario& trade(const std::string& id, const std::string& platform, const std::string& buyer,
                  const std::string& seller, const std::string& date, std::int64_t amount_fen) {
    arr("data_trades").push_back(json::object{{"id", id}, {"platform", platform}, {"buyer", buyer}, {"seller", seller},
                                              {"date", date}, {"amount_fen", amount_fen}});
    return *this;
  }
  Scenario& dataset(const std::string& id, const std::string& owner) {
    arr("datasets").push_back(json::object{{"id", id}, {"owner", owner}});
    return *this;
  }
  Scenario& call(const std::string& id, const std::string& dataset, const std::string& caller, const std::string& date,
                 std::int64_t income_fen) {
    arr("dataset_calls").push_back(
        json::object{{"id", id}, {"dataset", dataset}, {"caller", caller}, {"date", date}, {"income_fen", income_fen}});
    return *this;
  }
  Scenario& recognition(const std::string& enterprise, const std::string& level, const std::string& from = "2020-01-01",
                        json::value to = nullptr) {
    arr("platform_recognitions")
        .push_back(json::object{{"enterprise", enterprise}, {"level", level}, {"from", from}, {"to", to}});
    return *this;
  }
  Scenario& expense(const std::string& id, const std::string& enterprise, const std::string& date,
                    const std::string& kind, std::int64_t amount_fen) {
    arr("platform_expenses").push_back(
        json::object{{"id", id}, {"enterprise", enterprise}, {"date", date}, {"kind", kind}, {"amount_fen", amount_fen}});
    return *this;
  }
  Scenario& event(const std::string& id, const std::string& organizer, const std::string& start,
                  json::value approval_date, std::int64_t venue_rent_fen, bool in_district = true,
                  const std::string& focus = "ai_industry_model") {
    arr("events").push_back(json::object{{"id", id},
                                         {"organizer", organizer},
                                         {"start", start},
                                         {"in_district", in_district},
                                         {"focus_area", focus},
                                         {"approval_date", approval_date},
                                         {"approval_ref", approval_date.is_null() ? json::value(nullptr) : json::value("APP-" + id)},
                                         {"venue_rent_fen", venue_rent_fen}});
    return *this;
  }
  // {"id", "rule", "claimant", "year"} and, for dataset / event claims, the one more key.
  Scenario& claim(const std::string& id, const std::string& rule, const std::string& claimant, int year,
                  const char* key = nullptr, const std::string& value = "") {
    json::object c{{"id", id}, {"rule", rule}, {"claimant", claimant}};
    if (year != 0) c["year"] = year;
    if (key != nullptr) c[key] = value;
    arr("claims").push_back(std::move(c));
    return *this;
  }
  Scenario& prior(const std::string& claimant, const std::string& rule, int year, std::int64_t fen,
                  const char* key = nullptr, const std::string& value = "") {
    json::object a{{"claimant", claimant}, {"rule", rule}, {"year", year}, {"amount_fen", fen}};
    if (key != nullptr) a[key] = value;
    arr("prior_approvals").push_back(std::move(a));
    return *this;
  }
  std::string text() const { return json::serialize(root); }
};

// The standard cast of the worked examples: OEM A buys from IC designer B, whose chip P1
// (first listed 2025-01-10) was taped out by foundry F on 2024-09-01; module M1, device D1.
inline const std::string kOem = uscc(1);
inline const std::string kSupplier = uscc(2);
inline const std::string kFoundry = uscc(3);

inline Scenario base_scenario() {
  Scenario s;
  s.enterprise(kOem, "整机厂A", {"oem"})
      .enterprise(kSupplier, "芯片设计B", {"ic_design", "ic_equipment"})
      .enterprise(kFoundry, "晶圆厂F", {"foundry"})
      .product("P1", "chip", kSupplier)
      .product("M1", "module", kSupplier)
      .product("D1", "device", kSupplier, "2025-01-10", true, "semiconductor_equipment")
      .tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 800000000);
  return s;
}

// Parses and evaluates; REQUIREs success.
inline std::vector<rules::ClaimEvaluation> run(const Scenario& s) {
  auto facts = json_io::parse_scenario(s.text());
  if (!facts) throw std::runtime_error("scenario: " + facts.error().code + " " + facts.error().field + " " + facts.error().message);
  auto out = rules::evaluate(*facts, policy::versions());
  if (!out) throw std::runtime_error("evaluate: " + out.error().code + " " + out.error().message);
  return std::move(*out);
}

inline constexpr std::int64_t yuan(std::int64_t y) { return y * 100; }

}  // namespace chipreg::testing
