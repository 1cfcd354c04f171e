// End-to-end: a claim's evaluated lines in pages (GET /v1/claims/{id}/lines) and its summary
// (GET /v1/claims/{id}?view=summary), against the real `chipreg serve`, for a linkage claim
// of a few thousand lines.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "e2e/world.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

constexpr int kImported = 3000;  // lines imported on top of the world's one
constexpr int kRed = 7;          // of them, red lines reversing part of a blue line

// 3,000 lines of the OEM's 2025 purchases of the design house's chip, every 400th a red
// line of December reversing half of the line before it, as a CSV in chipreg's columns.
std::string purchases_csv(const World& w) {
  std::string csv = "invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n";
  auto invoice = [](int n) { return "2433200000007" + std::to_string(1000000 + n); };
  for (int n = 0; n < kImported; ++n) {
    const bool red = n % 400 == 399;
    const int day = 1 + n % 28;
    const std::string date =
        red ? "2025-12-28" : "2025-0" + std::to_string(1 + n % 9) + (day < 10 ? "-0" : "-") + std::to_string(day);
    const long long amount = red ? -(50000 + n - 1) / 2 : 50000 + n;
    csv += invoice(n) + ",1," + date + "," + w.oem + "," + w.design + ",P-CHIP," + std::to_string(amount) + "," +
           std::to_string(amount / 10) + "," + (red ? invoice(n - 1) + ",1" : ",") + "\n";
  }
  return csv;
}

// Every line of claim `id`, read page by page with `limit` ("" for the default); `pages`
// counts the requests.
json::array all_pages(const HttpClient& http, const std::string& id, const std::string& limit, const std::string& token,
                      int& pages) {
  json::array out;
  std::string after;
  pages = 0;
  for (;;) {
    std::string target = "/v1/claims/" + id + "/lines?";
    if (!limit.empty()) target += "limit=" + limit + "&";
    if (!after.empty()) target += "after=" + after;
    auto r = http.get(target, token);
    REQUIRE(r.status == 200);
    ++pages;
    const json::value body = r.json();
    for (const auto& line : body.at("items").as_array()) out.push_back(line);
    if (body.at("next").is_null()) return out;
    after = std::string(body.at("next").as_string());
    REQUIRE(pages < 1000);
  }
}

std::string field_of(const HttpReply& r) { return std::string(r.json().at("error").at("field").as_string()); }

}  // namespace

TEST_CASE(
    "claim lines: pages of a 3,001-line claim concatenate to its evaluation's lines; the summary is the "
    "claim without them") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();
  auto up = http.request("POST", "/v1/imports/purchases", purchases_csv(w), w.oem_token);
  INFO(up.body);
  REQUIRE(up.status == 200);
  REQUIRE(up.json().at("imported").as_int64() == kImported);

  auto filed =
      http.post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
  REQUIRE(filed.status == 201);
  const std::string id(filed.json().at("id").as_string());
  auto full_reply = http.get("/v1/claims/" + id, w.oem_token);
  REQUIRE(full_reply.status == 200);
  const json::object full = full_reply.json().as_object();
  const json::array& lines = full.at("evaluation").at("lines").as_array();
  REQUIRE(lines.size() == kImported + 1);
  int reversing = 0;
  for (const auto& l : lines) reversing += l.as_object().contains("reverses") ? 1 : 0;
  CHECK(reversing == kRed);

  SECTION("every limit's pages concatenate to the lines exactly, in order") {
    int pages = 0;
    CHECK(all_pages(http, id, "500", w.oem_token, pages) == lines);
    CHECK(pages == 7);  // 6 full pages and 1 line
    CHECK(all_pages(http, id, "", w.reviewer_token, pages) == lines);
    CHECK(pages == 31);  // the default limit is 100
  }

  SECTION("limits and cursors at their edges") {
    auto one = http.get("/v1/claims/" + id + "/lines?limit=1", w.oem_token);
    REQUIRE(one.status == 200);
    CHECK(one.json().at("items").as_array() == json::array{lines[0]});
    CHECK(one.json().at("next").as_string() == "0");
    // The last line's cursor gives an empty last page; the page that ends exactly at the
    // last line says there is no next one.
    const std::string last = std::to_string(kImported);
    auto after_last = http.get("/v1/claims/" + id + "/lines?after=" + last, w.oem_token);
    REQUIRE(after_last.status == 200);
    CHECK(after_last.json().at("items").as_array().empty());
    CHECK(after_last.json().at("next").is_null());
    auto tail = http.get("/v1/claims/" + id + "/lines?limit=1&after=" + std::to_string(kImported - 1), w.oem_token);
    REQUIRE(tail.status == 200);
    CHECK(tail.json().at("items").as_array() == json::array{lines[kImported]});
    CHECK(tail.json().at("next").is_null());
    auto middle = http.get("/v1/claims/" + id + "/lines?limit=500&after=2499", w.oem_token);
    REQUIRE(middle.status == 200);
    CHECK(middle.json().at("items").as_array().size() == 500);
    CHECK(middle.json().at("next").as_string() == "2999");

    // Each refusal names its parameter: the text before '='.
    for (std::string bad :
         {"limit=0", "limit=501", "limit=x", "limit=-1", "after=x", "after=-1", "after=", "after=1.5"}) {
      auto r = http.get("/v1/claims/" + id + "/lines?" + bad, w.oem_token);
      INFO(bad);
      CHECK(r.status == 400);
      CHECK(r.error_code() == "BAD_QUERY");
      CHECK(field_of(r) == bad.substr(0, bad.find('=')));
    }
  }

  SECTION("who may read the lines: as GET /v1/claims/{id}") {
    CHECK(http.get("/v1/claims/" + id + "/lines", w.reviewer_token).status == 200);
    CHECK(http.get("/v1/claims/" + id + "/lines", reg.admin()).status == 200);
    auto other = http.get("/v1/claims/" + id + "/lines", w.other_token);
    CHECK(other.status == 404);
    auto unknown = http.get("/v1/claims/C99999999/lines", w.other_token);
    CHECK(unknown.status == 404);
    CHECK(other.error_code() == "NOT_FOUND");
    CHECK(unknown.error_code() == "NOT_FOUND");
    CHECK(http.get("/v1/claims/" + id + "/lines", w.design_token).status == 404);
    CHECK(http.get("/v1/claims/" + id + "/lines").status == 401);
  }

  SECTION("the summary is the claim without the lines, with their count; the default view is unchanged") {
    auto summary_reply = http.get("/v1/claims/" + id + "?view=summary", w.oem_token);
    REQUIRE(summary_reply.status == 200);
    json::object summary = summary_reply.json().as_object();
    CHECK(summary.at("line_count").as_int64() == kImported + 1);
    CHECK_FALSE(summary.at("evaluation").as_object().contains("lines"));
    json::object expected = full;
    json::object evaluation;
    for (const auto& kv : full.at("evaluation").as_object()) {
      if (kv.key() != "lines") evaluation.emplace(kv.key(), kv.value());
    }
    expected["evaluation"] = std::move(evaluation);
    expected["line_count"] = kImported + 1;
    CHECK(summary == expected);
    // The lines are most of a claim (what is left grows with them too: a trace step per
    // line, the refs of excluded lines in their reason).
    CHECK(summary_reply.body.size() * 2 < full_reply.body.size());
    CHECK_FALSE(full.contains("line_count"));
    CHECK(http.get("/v1/claims/" + id, w.oem_token).body == full_reply.body);

    auto bad = http.get("/v1/claims/" + id + "?view=full", w.oem_token);
    CHECK(bad.status == 400);
    CHECK(bad.error_code() == "BAD_QUERY");
    CHECK(field_of(bad) == "view");
    CHECK(http.get("/v1/claims/" + id + "?view=summary", w.other_token).status == 404);
  }

  SECTION("a re-evaluation replaces the pages and the summary; a claim without lines has an empty page") {
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", "24332000000088880000"},
                          {"line", 1},
                          {"date", "2025-12-01"},
                          {"buyer", w.oem},
                          {"seller", w.design},
                          {"product", "P-CHIP"},
                          {"amount_fen", 777},
                          {"tax_fen", 77},
                          {"reverses", nullptr}},
             w.oem_token);
    auto again = http.post("/v1/claims/" + id + "/evaluate", json::object{}, w.reviewer_token);
    REQUIRE(again.status == 200);
    const json::value again_body = again.json();
    const json::array& now = again_body.at("evaluation").at("lines").as_array();
    REQUIRE(now.size() == kImported + 2);
    int pages = 0;
    CHECK(all_pages(http, id, "500", w.oem_token, pages) == now);
    CHECK(http.get("/v1/claims/" + id + "?view=summary", w.oem_token).json().at("line_count").as_int64() ==
          kImported + 2);

    auto tapeout =
        http.post("/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", w.tapeout_id}}, w.design_token);
    REQUIRE(tapeout.status == 201);
    const std::string tid(tapeout.json().at("id").as_string());
    auto empty = http.get("/v1/claims/" + tid + "/lines", w.design_token);
    REQUIRE(empty.status == 200);
    CHECK(empty.body == R"({"items":[],"next":null})");
    CHECK(http.get("/v1/claims/" + tid + "?view=summary", w.design_token).json().at("line_count").as_int64() == 0);
  }
}
