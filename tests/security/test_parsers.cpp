// Integrity and cost limits that need no server: strict JSON (one reading of every input),
// the DSSE envelope caps, the metric label set and the write rate limiter.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "api/metrics.hpp"
#include "api/rate_limit.hpp"
#include "crypto/dsse.hpp"
#include "crypto/encoding.hpp"
#include "crypto/strict_json.hpp"
#include "registry/domain/fact_json.hpp"

using namespace chipreg;
namespace json = boost::json;

TEST_CASE("security: a key repeated in one object is refused with DUPLICATE_KEY at any depth") {
  for (const char* text : {R"({"cost_fen": 100, "cost_fen": 999999999999})",
                           R"({"a": {"x": 1, "y": 2, "x": 3}})",
                           R"([{"ok": 1}, {"k": 1, "k": 1}])",
                           R"({"\u0061": 1, "a": 2})",
                           R"({"cost_fen": 100, "": 100, "st_fen": 0, "": 199999})"}) {
    INFO(text);
    auto v = parse_strict_json(text);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == "DUPLICATE_KEY");
  }
  // The same key in sibling objects is no repetition.
  auto ok = parse_strict_json(R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}]})");
  REQUIRE(ok);
  CHECK(ok->at("b").at("k") == json::value(2));
}

TEST_CASE("security: a number with more than four decimals is refused rather than rounded past a threshold") {
  auto rounded = parse_strict_json(R"({"pct": 24.99999999999999999999})");
  REQUIRE_FALSE(rounded);
  CHECK(rounded.error().code == "BAD_PRECISION");
  CHECK_FALSE(parse_strict_json("2.5e-5"));  // 0.000025: six decimals
  CHECK(parse_strict_json("[1e400]").error().code == "BAD_PRECISION");  // infinity to Boost.JSON
  CHECK(parse_strict_json("[0e399]").error().code == "BAD_PRECISION");  // and NaN (found by fuzz_json_strict)
  for (const char* fine : {"24.9999", "25.50000", "2.5e-3", "1e3", "-0.25", "7"}) {
    INFO(fine);
    CHECK(parse_strict_json(fine));
  }
  CHECK_FALSE(parse_strict_json("{} x"));
  CHECK(parse_strict_json("{} x").error().code == "BAD_JSON");
}

TEST_CASE("security: a scenario with a repeated key or an over-precise pct does not evaluate") {
  auto dup = json_io::parse_scenario(R"({"enterprises": [], "enterprises": []})");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "DUPLICATE_KEY");
  auto pct = json_io::parse_scenario(
      R"({"equity": [{"holder": "x", "held": "91330108MA2XXXXXXX", "pct": 24.99999999999999999999, "from": "2020-01-01", "to": null}]})");
  REQUIRE_FALSE(pct);
  CHECK(pct.error().code == "BAD_PRECISION");
}

namespace {

std::string envelope(std::size_t signatures, std::size_t payload_bytes, bool duplicate = false) {
  json::array sigs;
  for (std::size_t i = 0; i < signatures; ++i) sigs.push_back(json::object{{"sig", "AAAA"}});
  json::object o{{"payload", crypto::base64(std::string(payload_bytes, '{'))},
                 {"payloadType", "application/vnd.in-toto+json"},
                 {"signatures", std::move(sigs)}};
  std::string text = json::serialize(o);
  if (duplicate) text.insert(1, R"("payloadType": "text/plain", )");
  return text;
}

}  // namespace

TEST_CASE("security: an envelope with too many signatures or too large a payload is refused before verifying") {
  CHECK(crypto::dsse::parse(envelope(crypto::dsse::kMaxSignatures, 100)));
  auto many = crypto::dsse::parse(envelope(3000, 100));
  REQUIRE_FALSE(many);
  CHECK(many.error().code == "TOO_MANY_SIGNATURES");
  auto large = crypto::dsse::parse(envelope(1, crypto::dsse::kMaxPayloadBytes + 1));
  REQUIRE_FALSE(large);
  CHECK(large.error().code == "PAYLOAD_TOO_LARGE");
  auto dup = crypto::dsse::parse(envelope(1, 10, true));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "DUPLICATE_KEY");
}

TEST_CASE("security: metric labels come from a fixed set whatever methods clients send") {
  api::Metrics m;
  for (int i = 0; i < 20000; ++i) m.observe("unmatched", "JUNK" + std::to_string(i), 404, 0.0001);
  m.observe("/healthz", "GET", 200, 0.0001);
  const std::string text = m.render();
  CHECK(text.find("method=\"other\",status=\"404\"} 20000") != std::string::npos);
  CHECK(text.find("JUNK") == std::string::npos);
  CHECK(text.size() < 8 * 1024);  // 20,000 methods used to make 20,000 series
  CHECK(std::string(api::Metrics::method_label("HEAD")) == "HEAD");
  CHECK(std::string(api::Metrics::method_label("get")) == "other");
}

TEST_CASE("security: the write rate limiter lets a burst through, then one write per refill interval") {
  using Clock = api::RateLimiter::Clock;
  api::RateLimiter limit(60, 3);  // one a second, three at once
  const auto t0 = Clock::now();
  CHECK(limit.take(7, t0) == 0);
  CHECK(limit.take(7, t0) == 0);
  CHECK(limit.take(7, t0) == 0);
  CHECK(limit.take(7, t0) == 1);                                   // empty: retry after 1 s
  CHECK(limit.take(8, t0) == 0);                                   // another token has its own bucket
  CHECK(limit.take(7, t0 + std::chrono::milliseconds(1100)) == 0);  // refilled one
  CHECK(limit.take(7, t0 + std::chrono::milliseconds(1100)) == 1);
  api::RateLimiter off(0, 1);
  for (int i = 0; i < 100; ++i) CHECK(off.take(1, t0) == 0);
}

TEST_CASE("security: strict JSON errors name the path of the repeated key or the imprecise number") {
  auto dup = parse_strict_json(R"({"purchases": [{"line": 1}, {"line": 2, "line": 3}]})");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().field == "purchases[1].line");
  auto pct = parse_strict_json(R"({"equity": [{"held": "x", "pct": 24.99999}], "n": [1, "a", [true, 0.123456]]})");
  REQUIRE_FALSE(pct);
  CHECK(pct.error().field == "equity[0].pct");
  auto deep = parse_strict_json(R"({"n": [1, "a", null, [true, 0.123456]]})");
  REQUIRE_FALSE(deep);
  CHECK(deep.error().field == "n[3][1]");
}
