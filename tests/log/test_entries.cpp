// Leaf bytes: the canonical JSON writer and the direct purchase leaf writer produce exactly
// the bytes of the generic path (Boost.JSON values through canonical_json), so a leaf never
// depends on which writer built it.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>
#include <string>

#include "registry/domain/canonical_json.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"

using namespace chipreg;

namespace {

// Random text over the characters that matter to escaping: C0 controls, quote, backslash,
// '/', DEL, ASCII and multi-byte UTF-8.
std::string random_text(std::mt19937_64& rng, std::size_t max_len) {
  static const std::vector<std::string> pieces = {"\"", "\\", "/", "\x7f", "a", "Z", "0", " ", "#", "发", "票", "\xF0\x9F\x98\x80",
                                                  "\xC3\xA9"};
  std::string out;
  const std::size_t n = rng() % (max_len + 1);
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 4 == 0) out += static_cast<char>(rng() % 0x20);
    else out += pieces[rng() % pieces.size()];
  }
  return out;
}

}  // namespace

TEST_CASE("canonical json: strings are escaped exactly as Boost.JSON's serializer does") {
  std::mt19937_64 rng(7);
  for (int c = 0; c < 0x20; ++c) {
    const std::string s(1, static_cast<char>(c));
    std::string mine;
    append_json_string(mine, s);
    CHECK(mine == boost::json::serialize(boost::json::value(s)));
  }
  std::string mine;
  append_json_string(mine, "tab\there \"q\" back\\slash \x01 /");
  CHECK(mine == R"("tab\there \"q\" back\\slash \u0001 /")");
  for (int i = 0; i < 2000; ++i) {
    const std::string s = random_text(rng, 40);
    std::string out;
    append_json_string(out, s);
    CHECK(out == boost::json::serialize(boost::json::value(s)));
  }
}

TEST_CASE("canonical json: integers, keys in byte order, nesting") {
  boost::json::value v = boost::json::parse(R"({"b":[1,-2,{"z":null,"a":true}],"a":"x","\u00e9":9223372036854775807,"A":-9223372036854775807})");
  CHECK(canonical_json(v) == "{\"A\":-9223372036854775807,\"a\":\"x\",\"b\":[1,-2,{\"a\":true,\"z\":null}],\"\xC3\xA9\":9223372036854775807}");
  std::string out;
  append_json_int(out, INT64_MIN);
  CHECK(out == "-9223372036854775808");
}

TEST_CASE("purchase leaf: the direct writer equals the generic canonical form for every purchase") {
  std::mt19937_64 rng(11);
  const Uscc buyer = *Uscc::complete("9133010800000001");
  const Uscc seller = *Uscc::complete("9133010800000002");
  for (int i = 0; i < 1000; ++i) {
    Purchase p{random_text(rng, 24), static_cast<std::int64_t>(rng() % 100000), Date::ymd(2024 + static_cast<int>(rng() % 3), 1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28)),
               i % 2 ? buyer : seller, i % 2 ? seller : buyer, random_text(rng, 16),
               Money::fen(static_cast<std::int64_t>(rng()) / (i % 3 + 1)), Money::fen(static_cast<std::int64_t>(rng() % 1000000) - 500000),
               std::nullopt};
    if (i % 3 == 0) p.reverses = InvoiceLineRef{random_text(rng, 20), static_cast<std::int64_t>(rng() % 1000)};
    const std::string generic = tlog::make_entry(tlog::EntryKind::kPurchase, json_io::to_json(p));
    REQUIRE(tlog::purchase_entry(p) == generic);
  }
  // and one spelled out, so the form itself is pinned
  const Purchase q{"24332000000012345678", 2, Date::ymd(2025, 3, 1), buyer, seller, "P1", Money::fen(100000000),
                   Money::fen(13000000), InvoiceLineRef{"24332000000012345670", 1}};
  CHECK(tlog::purchase_entry(q) ==
        R"({"fact":{"amount_fen":100000000,"buyer":")" + buyer.str() + R"(","date":"2025-03-01","invoice":"24332000000012345678",)"
        R"("line":2,"product":"P1","reverses":{"invoice":"24332000000012345670","line":1},)"
        R"("seller":")" + seller.str() + R"(","tax_fen":13000000},"kind":"purchase"})");
}

TEST_CASE("claim leaf: the writer around a canonical evaluation equals the generic canonical form for every claim") {
  std::mt19937_64 rng(12);
  auto maybe = [&]() -> std::optional<std::string> {
    if (rng() % 2 == 0) return std::nullopt;
    return random_text(rng, 12);
  };
  for (int i = 0; i < 1000; ++i) {
    tlog::ClaimEntryFields c{random_text(rng, 10), random_text(rng, 8), random_text(rng, 18),
                             static_cast<std::int64_t>(rng()) >> (rng() % 64), maybe(), maybe(), maybe(), maybe(),
                             std::string(), maybe()};
    boost::json::object evaluation{{"lines", boost::json::array{{{"z", random_text(rng, 6)}, {"a", 1}}}},
                                   {random_text(rng, 5), static_cast<std::int64_t>(rng())},
                                   {"eligible", rng() % 2 == 0}};
    boost::json::object fact{{"id", c.id}, {"rule", c.rule}, {"claimant", c.claimant}, {"year", c.year},
                             {"evaluation", evaluation}};
    if (c.group) fact["group"] = *c.group;
    if (c.tapeout) fact["tapeout"] = *c.tapeout;
    if (c.dataset) fact["dataset"] = *c.dataset;
    if (c.event) fact["event"] = *c.event;
    if (c.facts_sha256) fact["facts_sha256"] = *c.facts_sha256;
    const std::string generic = tlog::make_entry(tlog::EntryKind::kClaim, fact);
    REQUIRE(tlog::claim_entry_canonical(c, canonical_json(evaluation)) == generic);
    REQUIRE(tlog::claim_entry(c, evaluation).value() == generic);
    c.evaluation_json = boost::json::serialize(evaluation);  // not canonical: keys in insertion order
    REQUIRE(tlog::claim_entry(c).value() == generic);
  }
}

TEST_CASE("facts bundle: the direct scenario writer equals canonical_json(to_scenario_json) for every bundle") {
  std::mt19937_64 rng(13);
  const Uscc a = *Uscc::complete("9133010800000001");
  const Uscc b = *Uscc::complete("9133010800000002");
  for (int round = 0; round < 60; ++round) {
    Facts f;
    const int n = round == 0 ? 0 : static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      Purchase p{random_text(rng, 20),
                 static_cast<std::int64_t>(rng() % 1000),
                 Date::ymd(2024 + static_cast<int>(rng() % 3), 1 + static_cast<int>(rng() % 12), 1),
                 i % 2 ? a : b,
                 i % 2 ? b : a,
                 random_text(rng, 10),
                 Money::fen(static_cast<std::int64_t>(rng() % 100000000) - 5000000),
                 Money::fen(static_cast<std::int64_t>(rng() % 1000000)),
                 std::nullopt,
                 std::nullopt};
      if (rng() % 3 == 0) p.reverses = InvoiceLineRef{random_text(rng, 20), static_cast<std::int64_t>(rng() % 9)};
      if (rng() % 4 == 0) p.platform_status = random_text(rng, 8);  // sorts between line and product
      f.purchases.push_back(std::move(p));
    }
    if (round % 2) {
      f.enterprises.push_back(Enterprise{a, random_text(rng, 8), true, {Role::kOem}});
      f.enterprises.push_back(Enterprise{b, random_text(rng, 8), false, {Role::kIcDesign, Role::kFoundry}});
      f.equity.push_back(
          EquityEdge{a.str(), false, b, Rate::percent(30), Validity{Date::ymd(2024, 1, 1), std::nullopt}});
      f.claimed_elsewhere.push_back(InvoiceLineRef{random_text(rng, 12), 3});
      f.parameters["linkage.amount_basis"] = "tax_exclusive";
      f.voids.push_back(InvoiceVoid{random_text(rng, 12), Date::ymd(2025, 2, 1), random_text(rng, 6)});
    }
    const std::string generic = canonical_json(json_io::to_scenario_json(f));
    REQUIRE(json_io::to_scenario_canonical(f) == generic);
  }
}
