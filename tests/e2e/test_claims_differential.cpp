// The differential test of the claims road: worlds generated at random (a fixed seed list),
// built THROUGH THE API, and for every evaluation three verdicts that must be identical in
// eligible, award_fen, computed_fen, qualifying_fen, reasons and per-line codes:
//   1. the HTTP evaluation (filing or re-evaluation);
//   2. `chipreg evaluate` on GET /v1/claims/{id}/facts;
//   3. `chipreg evaluate` on a whole-world scenario this test writes itself from what it
//      sent (every enterprise, person, family link, edge, product, tape-out, purchase, void
//      and other-level award of the world, the series' approvals it decided).
// Worlds hold ownership graphs with families, chains and cycles, products of every kind
// with and without first market dates and tape-outs, purchases across years with red lines
// dated in the next year, voids, and multi-claim series with partial approvals.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "e2e/fixture.hpp"
#include "registry/domain/uscc.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

constexpr int kWorlds = 200;

std::string uscc(int n) {
  for (int k = 0; k < 100; ++k) {
    char body[16];
    std::snprintf(body, sizeof body, "MB%06d", n * 100 + k);
    auto u = chipreg::Uscc::complete(std::string("91330108") + body);
    if (u) return u->str();
  }
  throw std::runtime_error("cannot mint a USCC");
}

std::string day(int year, int month, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, d);
  return buf;
}

struct Claim {
  std::string id;
  int year;
  std::string group;
  std::optional<std::int64_t> approved;  // set once approved
};

// One world: what the test sent, kept as scenario arrays.
struct World {
  int w;
  std::mt19937 rng;
  json::array enterprises, persons, family, equity, products, tapeouts, purchases, voids, other_awards;
  std::string oem, oem_token;
  std::vector<std::string> sellers;
  std::vector<std::string> product_ids;
  std::vector<Claim> claims;
  std::set<std::string> voided;
  int invoices = 0;

  explicit World(int n) : w(n), rng(static_cast<unsigned>(n * 7919 + 17)) {}
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(int percent) { return pick(1, 100) <= percent; }
};

struct Differential {
  Registry reg;
  std::string reviewer;
  std::string foundry = uscc(9999);
  std::string foundry_token, key;
  int scenarios = 0;
  int compared = 0;

  Differential() {
    reviewer = reg.token("reviewer");
    reg.enterprise(foundry, "Foundry Co.", false, {"foundry"});
    key = reg.keygen("foundry");
    std::ifstream pub(key + ".pub");
    const std::string pem((std::istreambuf_iterator<char>(pub)), std::istreambuf_iterator<char>());
    reg.must(201, "/v1/foundry-keys",
             json::object{{"foundry", foundry}, {"alg", "ed25519"}, {"public_key_pem", pem}, {"valid_from", "2024-01-01"}},
             reg.admin());
    foundry_token = reg.token("foundry", foundry);
  }

  void post(World& W, json::array& into, const std::string& path, json::object fact, const std::string& token) {
    reg.must(201, path, fact, token);
    into.push_back(std::move(fact));
  }

  void build(World& W) {
    const int base = W.w * 20;
    W.oem = uscc(base);
    const std::vector<std::string> oem_roles = W.chance(90) ? std::vector<std::string>{"oem"} : std::vector<std::string>{"other"};
    auto add_enterprise = [&](const std::string& u, bool in_district, const std::vector<std::string>& roles) {
      json::array r;
      for (const auto& x : roles) r.emplace_back(x);
      json::object e{{"uscc", u}, {"name", "企业 " + u.substr(10)}, {"in_district", in_district}, {"roles", r}};
      reg.must(201, "/v1/enterprises", e, reg.admin());
      W.enterprises.push_back(std::move(e));
    };
    add_enterprise(W.oem, W.chance(95), oem_roles);
    W.oem_token = reg.token("enterprise", W.oem);
    const int n_sellers = W.pick(1, 3);
    for (int i = 0; i < n_sellers; ++i) {
      const std::string s = uscc(base + 1 + i);
      add_enterprise(s, true, W.chance(85) ? std::vector<std::string>{"ic_design"} : std::vector<std::string>{"other"});
      W.sellers.push_back(s);
    }
    std::vector<std::string> holders;
    for (int i = 0; i < W.pick(0, 3); ++i) {
      const std::string h = uscc(base + 10 + i);
      add_enterprise(h, W.chance(50), {"other"});
      holders.push_back(h);
    }
    std::vector<std::string> people;
    for (int i = 0; i < W.pick(0, 3); ++i) {
      const std::string id = "W" + std::to_string(W.w) + "-P" + std::to_string(i);
      post(W, W.persons, "/v1/persons", json::object{{"id", id}, {"name", "自然人" + std::to_string(i)}}, reg.admin());
      people.push_back(id);
    }
    if (people.size() >= 2 && W.chance(60)) {
      const char* rel[] = {"spouse", "parent_child", "sibling", "dependant"};
      post(W, W.family, "/v1/family", json::object{{"a", people[0]}, {"b", people[1]}, {"relation", rel[W.pick(0, 3)]}},
           reg.admin());
    }
    // Ownership: edges among the OEM, the sellers, the holders and the persons, with
    // validity ranges; pcts on both sides of 25 %, chains and cycles.
    std::vector<std::string> companies{W.oem};
    companies.insert(companies.end(), W.sellers.begin(), W.sellers.end());
    companies.insert(companies.end(), holders.begin(), holders.end());
    const double pcts[] = {5, 10, 15, 24.99, 25, 30, 40, 60};
    std::set<std::string> edge_keys;
    for (int i = 0; i < W.pick(0, 6); ++i) {
      const bool person = !people.empty() && W.chance(35);
      const std::string holder = person ? people[W.pick(0, static_cast<int>(people.size()) - 1)]
                                        : companies[W.pick(0, static_cast<int>(companies.size()) - 1)];
      const std::string held = companies[W.pick(0, static_cast<int>(companies.size()) - 1)];
      if (holder == held) continue;
      const int from_year = W.pick(2019, 2025);
      const std::string from = day(from_year, W.pick(1, 12), 1);
      if (!edge_keys.insert(holder + held + from).second) continue;
      json::value to = nullptr;
      if (W.chance(30)) to = day(from_year + W.pick(0, 2), 12, 31);
      const double pct = pcts[W.pick(0, 7)];
      json::value pct_value = pct == static_cast<int>(pct) ? json::value(static_cast<std::int64_t>(pct)) : json::value(pct);
      post(W, W.equity, "/v1/equity",
           json::object{{"holder", holder}, {"held", held}, {"pct", pct_value}, {"from", from}, {"to", to}}, reg.admin());
    }
    // Products of the sellers; some chips with a signed tape-out.
    const char* kinds[] = {"chip", "module", "device", "material"};
    for (std::size_t s = 0; s < W.sellers.size(); ++s) {
      for (int k = 0; k < W.pick(1, 2); ++k) {
        const std::string id = "W" + std::to_string(W.w) + "-S" + std::to_string(s) + "-" + std::to_string(k);
        const std::string kind = kinds[W.pick(0, 3)];
        json::value market = nullptr;
        if (W.chance(85)) market = day(W.pick(2021, 2025), W.pick(1, 12), W.pick(1, 28));
        const std::string seller_token = reg.token("enterprise", W.sellers[s]);
        post(W, W.products, "/v1/products",
             json::object{{"id", id}, {"kind", kind}, {"owner", W.sellers[s]}, {"self_developed", W.chance(85)},
                          {"first_market_date", market}, {"focus_area", "chip_design"}},
             seller_token);
        W.product_ids.push_back(id);
        if (kind == "chip" && W.chance(60)) {
          json::object predicate{{"foundry", foundry}, {"design_owner", W.sellers[s]}, {"product", id},
                                 {"date", day(W.pick(2024, 2025), W.pick(1, 12), 1)}, {"kind", "mpw"},
                                 {"mask_set_id", "MS-" + id}, {"process_node", "28nm"}, {"wafer_size_mm", 300},
                                 {"cost_fen", 500000000}};
          char digest[65];
          std::snprintf(digest, sizeof digest, "%064d", W.w * 100 + static_cast<int>(s) * 10 + k);
          const std::string env = reg.sign_tapeout(key, predicate, digest);
          auto r = reg.http().request("POST", "/v1/tapeouts", env, foundry_token);
          INFO(r.body);
          REQUIRE(r.status == 201);
          predicate["id"] = r.json().at("id");
          predicate["design_digest"] = std::string("sha256:") + digest;
          predicate.erase("process_node");
          predicate.erase("wafer_size_mm");
          W.tapeouts.push_back(std::move(predicate));
        }
      }
    }
  }

  std::string buy(World& W, int year) {
    char inv[32];
    std::snprintf(inv, sizeof inv, "2433%06d%010d", W.w, ++W.invoices);
    const std::string product = W.product_ids[static_cast<std::size_t>(W.pick(0, static_cast<int>(W.product_ids.size()) - 1))];
    std::string seller;
    for (const auto& p : W.products) {
      if (p.as_object().at("id").as_string() == product) seller = std::string(p.as_object().at("owner").as_string());
    }
    json::object p{{"invoice", inv}, {"line", 1}, {"date", day(year, W.pick(1, 12), W.pick(1, 28))}, {"buyer", W.oem},
                   {"seller", seller}, {"product", product}, {"amount_fen", std::int64_t{W.pick(20, 300)} * 1'000'000},
                   {"tax_fen", std::int64_t{W.pick(0, 30)} * 1'000'000}, {"reverses", nullptr}};
    post(W, W.purchases, "/v1/purchases", p, W.oem_token);
    return inv;
  }

  void reverse(World& W) {
    if (W.purchases.empty()) return;
    const auto& blue = W.purchases[static_cast<std::size_t>(W.pick(0, static_cast<int>(W.purchases.size()) - 1))].as_object();
    if (!blue.at("reverses").is_null()) return;
    for (const auto& p : W.purchases) {  // one red line per blue line keeps the amounts simple
      const auto& r = p.as_object().at("reverses");
      if (!r.is_null() && r.at("invoice") == blue.at("invoice")) return;
    }
    const std::string date(blue.at("date").as_string());
    const int year = std::stoi(date.substr(0, 4));
    char inv[32];
    std::snprintf(inv, sizeof inv, "2433%06d%010d", W.w, ++W.invoices);
    const std::int64_t amount = blue.at("amount_fen").as_int64();
    const std::int64_t part = W.chance(30) ? amount : amount / W.pick(2, 5);
    json::object red{{"invoice", inv}, {"line", 1},
                     // The same day, or in the next year (a red line belongs to its blue line's year).
                     {"date", W.chance(50) ? date : day(year + 1, W.pick(1, 3), W.pick(1, 28))},
                     {"buyer", W.oem}, {"seller", blue.at("seller")}, {"product", blue.at("product")},
                     {"amount_fen", -part}, {"tax_fen", 0},
                     {"reverses", json::object{{"invoice", blue.at("invoice")}, {"line", 1}}}};
    post(W, W.purchases, "/v1/purchases", red, W.oem_token);
  }

  void void_one(World& W) {
    if (W.purchases.empty()) return;
    const std::string inv(W.purchases[static_cast<std::size_t>(W.pick(0, static_cast<int>(W.purchases.size()) - 1))]
                              .as_object().at("invoice").as_string());
    if (!W.voided.insert(inv).second) return;
    reg.must(200, "/v1/purchases/" + inv + "/void", json::object{{"date", "2026-06-01"}, {"source", "test"}}, W.oem_token);
    W.voids.push_back(json::object{{"invoice", inv}, {"date", "2026-06-01"}, {"source", "test"}});
  }

  // The whole world as a scenario, for claim `c` (its series' approvals and ids).
  std::string whole_world(const World& W, const Claim& c) {
    json::array prior;
    json::array series;
    for (const auto& o : W.claims) {
      if (o.id == c.id || o.year != c.year || o.group != c.group) continue;
      series.emplace_back(o.id);
      if (o.approved) {
        prior.push_back(json::object{{"claimant", W.oem}, {"rule", "linkage"}, {"group", o.group}, {"year", o.year},
                                     {"amount_fen", *o.approved}});
      }
    }
    json::object claim{{"id", c.id}, {"rule", "linkage"}, {"claimant", W.oem}, {"year", c.year}, {"group", c.group}};
    if (!series.empty()) claim["series"] = series;
    // Other levels' grants of this claim's series (the scenario names no other claims).
    json::array awards;
    for (const auto& a : W.other_awards) {
      const std::string on(a.as_object().at("claim").as_string());
      bool mine = on == c.id;
      for (const auto& id : series) mine = mine || id.as_string() == on;
      if (mine) awards.push_back(a);
    }
    json::array enterprises = W.enterprises;
    enterprises.push_back(json::object{{"uscc", foundry}, {"name", "Foundry Co."}, {"in_district", false}, {"roles", json::array{"foundry"}}});
    json::object s{{"enterprises", enterprises}, {"persons", W.persons}, {"family", W.family}, {"equity", W.equity},
                   {"products", W.products},     {"tapeouts", W.tapeouts}, {"purchases", W.purchases},
                   {"voids", W.voids},           {"other_awards", awards}, {"prior_approvals", prior},
                   {"claims", json::array{claim}}};
    return json::serialize(s);
  }

  json::object evaluate(const std::string& scenario) {
    const std::string path = reg.dir().file("scenario-" + std::to_string(scenarios++) + ".json");
    std::ofstream(path) << scenario;
    auto r = run_process({CHIPREG_BINARY, "evaluate", "--scenario", path});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::remove(path.c_str());
    return json::parse(r.out).as_object().at("claims").as_array().at(0).as_object();
  }

  // The verdict fields the three roads must agree on.
  static std::string verdict(const json::object& e) {
    json::object v{{"eligible", e.at("eligible")}, {"award_fen", e.at("award_fen")}, {"computed_fen", e.at("computed_fen")},
                   {"reasons", e.at("reasons")}};
    v["qualifying_fen"] = e.contains("qualifying_fen") ? e.at("qualifying_fen") : json::value();
    json::array lines;
    for (const auto& l : e.at("lines").as_array()) {
      const auto& o = l.as_object();
      lines.push_back(json::object{{"invoice", o.at("invoice")}, {"line", o.at("line")}, {"qualifies", o.at("qualifies")},
                                   {"codes", o.at("codes")}});
    }
    v["lines"] = lines;
    return json::serialize(v);
  }

  void compare(World& W, const Claim& c, const json::object& http_eval) {
    auto facts = reg.http().get("/v1/claims/" + c.id + "/facts", W.oem_token);
    REQUIRE(facts.status == 200);
    const std::string over_http = verdict(http_eval);
    INFO("world " << W.w << " claim " << c.id << "\nfacts: " << facts.body << "\nworld: " << whole_world(W, c));
    CHECK(verdict(evaluate(facts.body)) == over_http);
    CHECK(verdict(evaluate(whole_world(W, c))) == over_http);
    ++compared;
  }

  void file(World& W, int year, const std::string& group) {
    auto r = reg.http().post("/v1/claims", json::object{{"rule", "linkage"}, {"year", year}, {"group", group}}, W.oem_token);
    if (r.status == 409) return;  // a submitted claim of the series is pending
    REQUIRE(r.status == 201);
    Claim c{std::string(r.json().at("id").as_string()), year, group, std::nullopt};
    W.claims.push_back(c);
    compare(W, c, r.json().at("evaluation").as_object());
    if (W.chance(30)) {
      const std::int64_t amount = std::int64_t{W.pick(1, 30)} * 100'000;
      post(W, W.other_awards, "/v1/other-awards", json::object{{"claim", c.id}, {"level", "city"}, {"amount_fen", amount}},
           reviewer);
    }
  }

  // Decides every submitted claim; one whose facts changed since its evaluation (409
  // STALE_EVALUATION) is re-evaluated first, and that evaluation compared too.
  void decide_all(World& W) {
    for (auto& c : W.claims) {
      auto got = reg.http().get("/v1/claims/" + c.id, reviewer).json().as_object();
      if (got.at("status") != "submitted") continue;
      json::object e = got.at("evaluation").as_object();
      if (got.at("stale").as_bool() || !W.chance(70)) {
        auto again = reg.must(200, "/v1/claims/" + c.id + "/evaluate", json::object{}, reviewer).as_object();
        e = again.at("evaluation").as_object();
        compare(W, c, e);
      }
      for (int attempt = 0; attempt < 2; ++attempt) {
        const std::int64_t award = e.at("award_fen").as_int64();
        json::object d{{"reject", true}, {"note", "驳回"}};
        std::optional<std::int64_t> part;
        if (e.at("eligible").as_bool() && W.chance(70)) {
          part = W.chance(50) ? award : award / W.pick(2, 4);
          d = json::object{{"approve_fen", *part}, {"note", "部分核准"}};
        }
        auto r = reg.http().post("/v1/claims/" + c.id + "/decision", d, reviewer);
        if (r.status == 200) {
          c.approved = part;
          break;
        }
        REQUIRE(r.status == 409);
        REQUIRE(r.json().at("error").at("code").as_string() == "STALE_EVALUATION");
        auto again = reg.must(200, "/v1/claims/" + c.id + "/evaluate", json::object{}, reviewer).as_object();
        e = again.at("evaluation").as_object();
        compare(W, c, e);
      }
    }
  }
};

}  // namespace

TEST_CASE("claims differential: HTTP, evaluate on the facts bundle and evaluate on the whole world agree on 200 generated worlds") {
  Differential d;
  for (int w = 1; w <= kWorlds; ++w) {
    World W(w);
    d.build(W);
    const int years[] = {2024, 2025};  // dates never in the future (FUTURE_DATE)
    const char* groups[] = {"chip_module", "device_material"};
    for (int i = 0; i < W.pick(3, 8); ++i) d.buy(W, years[W.pick(0, 1)]);
    for (int i = 0; i < W.pick(0, 2); ++i) d.reverse(W);
    for (int round = 0; round < 2; ++round) {
      for (int year : years) {
        for (const char* g : groups) {
          if (W.chance(60)) d.file(W, year, g);
        }
      }
      if (W.chance(40)) d.void_one(W);
      for (int i = 0; i < W.pick(0, 3); ++i) d.buy(W, years[W.pick(0, 1)]);
      if (W.chance(50)) d.reverse(W);
      d.decide_all(W);
    }
  }
  INFO("evaluations compared: " << d.compared);
  WARN("evaluations compared: " << d.compared);
  CHECK(d.compared >= 600);
}
