// The availability findings of #16 that need volume (docs/SECURITY.md, findings 3, 5, 6, 7):
// each test mounts the attack against the real `chipreg serve` for a few seconds, measures
// the server (/metrics size, log size, database size, RSS, CPU) and another client's latency
// while it runs, and asserts a bound the old server broke by a wide margin.
//
// Each bound leaves a wide margin over what was measured (Release build, on the shared
// 2-core machine while other builds ran; the comments give the numbers) for slower and
// sanitizer runs, and says why the old behaviour fails it.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "e2e/fixture.hpp"
#include "e2e/world.hpp"
#include "security/attack_probe.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The tree size of a C2SP checkpoint note: its second line.
long long tree_size(const std::string& note) {
  std::istringstream in(note);
  std::string origin;
  std::string size;
  std::getline(in, origin);
  std::getline(in, size);
  return std::stoll(size);
}

// A registry filled through `chipreg import` before it is served (HTTP would take minutes
// for 50,000 rows): a design house with `products` products (the first is P-CHIP), two
// OEMs in the district, and `lines` purchase lines of P-CHIP by the first OEM in 2025.
struct Bulk {
  TempDir dir;
  std::string admin;
  std::string design = mint_uscc(2);
  std::string oem = mint_uscc(3);
  std::string other = mint_uscc(4);
  std::unique_ptr<ServeProcess> server;

  Bulk(int products, int lines, std::vector<std::string> serve_args) {
    const std::string db = this->db();
    auto init = run_chipreg({"init", "--db", db});
    REQUIRE(init.exit_code == 0);
    admin = std::string(json::parse(init.out).at("admin_token").as_string());
    import("enterprises", "uscc,name,in_district,roles\n" + design + ",Design House Co.,true,ic_design\n" + oem +
                              ",Terminal Maker Co.,true,oem\n" + other + ",Other Maker Co.,true,oem\n");
    std::string csv = "id,kind,owner,self_developed\nP-CHIP,chip," + design + ",true\n";
    for (int i = 1; i < products; ++i) csv += "P-" + std::to_string(100000 + i) + ",chip," + design + ",true\n";
    import("products", csv);
    csv = "invoice,line,date,buyer,seller,product,amount_fen,tax_fen\n";
    for (int i = 0; i < lines; ++i) {
      // 100 lines per invoice; amounts differ so that no two lines are alike.
      csv += "2433200000" + std::to_string(1000000000 + i / 100) + "," + std::to_string(i % 100 + 1) + ",2025-03-" +
             (i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1) + "," + oem + "," + design + ",P-CHIP," +
             std::to_string(100000 + i) + ",13000\n";
    }
    if (lines > 0) import("purchases", csv);
    serve_args.insert(serve_args.end(), {"--access-log", "off", "--threads", "2"});
    server = std::make_unique<ServeProcess>(db, dir.file("serve.log"), serve_args);
  }
  std::string db() const { return dir.file("reg.db"); }
  HttpClient http() const { return HttpClient("127.0.0.1", server->port()); }
  std::string token(const std::string& enterprise) const {
    auto r = http().post("/v1/tokens", json::object{{"role", "enterprise"}, {"enterprise", enterprise}}, admin);
    REQUIRE(r.status == 201);
    return std::string(r.json().at("token").as_string());
  }

 private:
  void import(const std::string& kind, const std::string& csv) const {
    const std::string path = dir.file(kind + ".csv");
    write_file(path, csv);
    auto r = run_chipreg({"import", "--db", db(), kind, path});
    INFO(kind << ": " << r.out.substr(0, 500) << r.err.substr(0, 500));
    REQUIRE(r.exit_code == 0);
  }
};

json::object purchase(const std::string& invoice, const std::string& buyer, const std::string& seller) {
  return json::object{{"invoice", invoice}, {"line", 1},        {"date", "2025-04-01"},
                      {"buyer", buyer},     {"seller", seller}, {"product", "P-CHIP"},
                      {"amount_fen", 100},  {"tax_fen", 13},    {"reverses", nullptr}};
}

// A writer that posts a fresh purchase on each call (invoice 2433200000`base + n`, 20
// digits), and counts the ones accepted.
struct PurchaseWriter {
  HttpClient http;
  std::string token, buyer, seller;
  long long base;
  std::atomic<int> n{0};
  std::atomic<int> accepted{0};
  bool operator()() {
    const int i = n++;
    const auto r = http.post("/v1/purchases", purchase("2433200000" + std::to_string(base + i), buyer, seller), token);
    if (r.status == 201) ++accepted;
    return r.status == 201;
  }
};

}  // namespace

TEST_CASE("security: junk methods do not grow /metrics, and /healthz answers while they flood in") {
  Bulk s(1, 0, {});
  const unsigned short port = s.server->port();
  std::atomic<int> answered{0};
  std::atomic<int> kept_alive{0};
  // `count` distinct junk methods starting at `from`, over 4 keep-alive connections.
  auto flood = [&](int from, int count) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        KeepAlive c(port);
        for (int i = from + t; i < from + count; i += 4) {
          const auto r = c.send("XA" + std::to_string(i), "/healthz");
          if (r.status >= 400 && r.status < 500) ++answered;
          if (r.headers.count("connection") == 0 || r.headers.at("connection") != "close") ++kept_alive;
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  HttpClient http = s.http();
  http.get("/metrics");  // its own series exist from here on
  LatencyProbe probe([&] { return http.get("/healthz").status == 200; }, milliseconds(5));
  const auto t0 = Clock::now();
  flood(1, 1000);
  const std::string after_1k = http.get("/metrics").body;
  flood(1001, 9000);
  const double flood_s = seconds_since(t0);
  const auto render0 = Clock::now();
  const std::string after_10k = http.get("/metrics").body;
  const double render_ms = seconds_since(render0) * 1000;
  const std::vector<double> healthz = probe.stop();
  const double p99 = quantile_ms(healthz, 0.99);

  INFO("10,000 junk methods in " << flood_s << " s (" << answered << " answered 4xx, " << kept_alive
                                 << " kept alive); /metrics " << after_1k.size() << " bytes after 1,000, "
                                 << after_10k.size() << " after 10,000, rendered in " << render_ms << " ms; /healthz "
                                 << healthz.size() << " probes, p50 " << quantile_ms(healthz, 0.5) << " ms, p99 " << p99
                                 << " ms, max " << quantile_ms(healthz, 1.0) << " ms, " << probe.failures()
                                 << " failed");
  CHECK(answered == 10000);
  // Measured: /metrics 4,622 to 4,637 bytes after 1,000 and 4,653 to 4,663 after 10,000
  // (counter digits). With the raw method as label (the old server), 81,706 and 783,478
  // bytes: a series per method (107 MB after 100,000).
  CHECK(after_10k.size() <= after_1k.size() + 256);
  std::set<std::string> methods;
  const std::regex label("method=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(after_10k.begin(), after_10k.end(), label); it != std::sregex_iterator(); ++it) {
    methods.insert((*it)[1]);
  }
  const std::set<std::string> fixed = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};
  std::vector<std::string> unknown;
  for (const auto& m : methods) {
    if (fixed.count(m) == 0) unknown.push_back(m);
  }
  INFO(unknown.size() << " method labels outside the fixed set, first " << (unknown.empty() ? "" : unknown.front()));
  CHECK(unknown.empty());
  CHECK(methods.count("other") == 1);
  CHECK(after_10k.find("method=\"other\",status=\"") != std::string::npos);
  // Measured: /healthz p99 5 to 8 ms over 70 to 140 probes (26 ms with an ASan server),
  // /metrics rendered in 0.4 ms.
  // The old server's quadratic render held a network thread for seconds (22 s after
  // 100,000 methods).
  CHECK(probe.failures() == 0);
  CHECK(healthz.size() >= 10);
  CHECK(p99 < 200);
  CHECK(render_ms < 200);
}

TEST_CASE("security: re-evaluating an unchanged claim appends nothing, and other writers are not slowed") {
  constexpr int kLines = 2000;
  Bulk s(1, kLines, {"--enterprise-writes-per-minute", "0"});
  const std::string oem_token = s.token(s.oem);
  const std::string other_token = s.token(s.other);
  HttpClient http = s.http();
  auto claim =
      http.post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, oem_token);
  REQUIRE(claim.status == 201);
  const std::string id(claim.json().at("id").as_string());
  REQUIRE(http.get("/v1/claims/" + id + "?view=summary", oem_token).json().at("line_count").as_int64() == kLines);
  const std::string evaluate = "/v1/claims/" + id + "/evaluate";

  // 30 re-evaluations alone: nothing changed, so nothing is appended or stored.
  const long long size0 = tree_size(http.get("/v1/log/checkpoint").body);
  const long long bytes0 = db_bytes(s.db());
  KeepAlive c(s.server->port());
  const auto t0 = Clock::now();
  for (int i = 0; i < 30; ++i) REQUIRE(c.send("POST", evaluate, "", oem_token).status == 200);
  const double alone_s = seconds_since(t0);
  const long long size1 = tree_size(http.get("/v1/log/checkpoint").body);
  const long long bytes1 = db_bytes(s.db());

  // One purchase by another enterprise: how many leaves a purchase appends.
  PurchaseWriter writer{http, other_token, s.other, s.design, 3000000000LL};
  REQUIRE(writer());
  const long long leaves_per_purchase = tree_size(http.get("/v1/log/checkpoint").body) - size1;

  // 30 more while that enterprise keeps writing: its latency stays bounded, and the log
  // grows by its purchases only.
  const long long size2 = tree_size(http.get("/v1/log/checkpoint").body);
  const int accepted0 = writer.accepted;
  LatencyProbe probe(std::ref(writer), milliseconds(25));
  const auto t1 = Clock::now();
  for (int i = 0; i < 30; ++i) REQUIRE(c.send("POST", evaluate, "", oem_token).status == 200);
  const double mixed_s = seconds_since(t1);
  const std::vector<double> writes = probe.stop();
  const long long size3 = tree_size(http.get("/v1/log/checkpoint").body);
  const long long bytes3 = db_bytes(s.db());
  const double p99 = quantile_ms(writes, 0.99);

  INFO("claim of " << kLines << " lines; 30 re-evaluations in " << alone_s << " s alone, " << mixed_s
                   << " s beside the writer; log " << size0 << " -> " << size1 << " leaves alone, " << size2 << " -> "
                   << size3 << " beside " << writer.accepted << " purchases (" << leaves_per_purchase
                   << " leaves each); database + WAL " << bytes0 << " -> " << bytes1 << " -> " << bytes3
                   << " bytes; purchase latency p50 " << quantile_ms(writes, 0.5) << " ms, p99 " << p99 << " ms, max "
                   << quantile_ms(writes, 1.0) << " ms over " << writes.size());
  // The old server appended the whole evaluation on every call (13.5 MB for 20,000 lines):
  // here 30 leaves and ~30 x 2 MB of log and claim rows.
  CHECK(size1 == size0);
  CHECK(leaves_per_purchase >= 1);
  CHECK(size3 - size2 == (writer.accepted - accepted0) * leaves_per_purchase);
  // Measured: 0 bytes alone, and 0 beside the writer's ~35 purchases (the WAL, 10 MB after
  // the import, had room). With the no-change check removed (the old server), each call
  // appended a leaf and ~1 MB: 30 leaves and 29 MB alone, 59 MB after both rounds.
  CHECK(bytes1 - bytes0 < 64 * 1024);
  CHECK(bytes3 - bytes0 < 4 * 1024 * 1024);
  // Measured: purchase p50 100 to 140 ms, p99 200 to 290 ms (ASan server: 400, 800 ms). The writer waits for the
  // re-evaluation ahead of it in the write queue: the engine's run over 2,000 lines (~100 ms
  // each), which an unchanged claim still costs. So this bound guards against a
  // regression (the old appends took 1.5 s at 20,000 lines) but does not by itself tell the
  // old server from the new at this size; the log and file sizes above do.
  CHECK(probe.failures() == 0);
  CHECK(writes.size() >= 10);
  CHECK(p99 < 1500);
}

TEST_CASE(
    "security: envelopes with thousands of signatures or huge payloads are refused cheaply, beside other writes") {
  Registry reg({"--enterprise-writes-per-minute", "0"});
  World w = build_world(reg);
  // A real envelope, its one signature repeated 3,000 times (the old server verified each:
  // 1 to 2 s of CPU in the write queue), and one with a 200 KiB payload.
  json::object many = json::parse(w.tapeout_envelope).as_object();
  const json::value sig = many.at("signatures").at(0);
  json::array sigs;
  for (int i = 0; i < 3000; ++i) sigs.push_back(sig);
  many["signatures"] = std::move(sigs);
  const std::string many_text = json::serialize(many);
  json::object huge = json::parse(w.tapeout_envelope).as_object();
  huge["payload"] = std::string(200 * 1024 / 3 * 4, 'A');
  const std::string huge_text = json::serialize(huge);
  REQUIRE(many_text.size() < 1024 * 1024);  // under the body limit: the envelope check refuses it
  REQUIRE(huge_text.size() < 1024 * 1024);

  const pid_t pid = reg.server().pid();
  const unsigned short port = reg.server().port();
  PurchaseWriter writer{reg.http(), w.other_token, w.other, w.design, 6000000000LL};
  std::atomic<int> refused{0};
  std::atomic<int> wrong{0};
  std::vector<double> refusal_ms[2];
  const double cpu0 = cpu_seconds(pid);
  LatencyProbe probe(std::ref(writer), milliseconds(25));
  const auto t0 = Clock::now();
  std::vector<std::thread> flood;
  for (int t = 0; t < 2; ++t) {
    flood.emplace_back([&, t] {
      KeepAlive c(port);
      for (int i = 0; i < 150; ++i) {
        const bool sigs_attack = (i + t) % 2 == 0;
        const auto start = Clock::now();
        const auto r = c.send("POST", "/v1/tapeouts", sigs_attack ? many_text : huge_text, w.foundry_token);
        refusal_ms[t].push_back(seconds_since(start) * 1000);
        const bool as_expected = sigs_attack ? r.status == 400 && r.error_code() == "TOO_MANY_SIGNATURES"
                                             : r.status == 413 && r.error_code() == "PAYLOAD_TOO_LARGE";
        ++(as_expected ? refused : wrong);
      }
    });
  }
  for (auto& t : flood) t.join();
  const double flood_s = seconds_since(t0);
  const std::vector<double> writes = probe.stop();
  const double cpu = cpu_seconds(pid) - cpu0;
  std::vector<double> refusals = refusal_ms[0];
  refusals.insert(refusals.end(), refusal_ms[1].begin(), refusal_ms[1].end());
  const double per_envelope_ms = cpu * 1000 / refused;
  const double p99 = quantile_ms(writes, 0.99);

  INFO("300 envelopes (" << many_text.size() << " and " << huge_text.size() << " bytes) in " << flood_s
                         << " s: " << refused << " refused as expected, " << wrong << " otherwise; refusal p99 "
                         << quantile_ms(refusals, 0.99) << " ms; server CPU " << cpu << " s, " << per_envelope_ms
                         << " ms per envelope (the writer's purchases included); purchase latency p50 "
                         << quantile_ms(writes, 0.5) << " ms, p99 " << p99 << " ms, max " << quantile_ms(writes, 1.0)
                         << " ms over " << writes.size() << ", " << writer.accepted << " accepted");
  CHECK(refused == 300);
  CHECK(wrong == 0);
  // Measured: 5.0 to 5.4 ms of server CPU per refused envelope (the writer's purchases
  // counted in), refusal p99 70 ms (ASan server: 24 ms, 254 ms). The old server spent 1,000 to 2,000 ms verifying each.
  CHECK(per_envelope_ms < 100);
  CHECK(quantile_ms(refusals, 0.99) < 1000);
  // Measured: purchase p99 60 to 70 ms over ~120 (ASan server: 239 ms). The old server made other writes wait up to
  // 9.6 s behind the verifications.
  CHECK(probe.failures() == 0);
  CHECK(writes.size() >= 10);
  CHECK(p99 < 500);
  // Nothing of the attack was stored: the world's tape-out is still the only one.
  CHECK(reg.http().get("/v1/tapeouts/" + w.tapeout_id, w.foundry_token).status == 200);
}

TEST_CASE("security: 100 clients that never read 50,000 products' lists leave RSS bounded") {
  constexpr int kProducts = 50000;
  Bulk s(kProducts, 200, {});
  const std::string token = s.token(s.design);
  HttpClient http = s.http();
  const std::string products = "/v1/enterprises/" + s.design + "/products";
  // Every page is bounded by its limit: 100 by default, at most 500, with a cursor to go on.
  const auto first = http.get(products, token);
  REQUIRE(first.status == 200);
  CHECK(first.json().at("items").as_array().size() == 100);
  CHECK(first.json().at("next").is_string());
  const auto widest = http.get(products + "?limit=500", token);
  REQUIRE(widest.status == 200);
  CHECK(widest.json().at("items").as_array().size() == 500);
  CHECK(widest.body.size() < 256 * 1024);  // the old unpaged body was 16.7 MB
  CHECK(http.get(products + "?limit=501", token).status == 400);
  const auto bought = http.get("/v1/enterprises/" + s.oem + "/purchases?limit=500", s.token(s.oem));
  REQUIRE(bought.status == 200);
  CHECK(bought.json().at("items").as_array().size() == 200);

  const pid_t pid = s.server->pid();
  const long before = rss_kib(pid);
  // 100 clients, each sending 8 list requests pipelined (widest pages, different cursors,
  // the purchases list among them), and never reading.
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> clients;
  for (int i = 0; i < 100; ++i) {
    auto sock = std::make_unique<tcp::socket>(ioc);
    sock->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.server->port()));
    sock->set_option(asio::socket_base::receive_buffer_size(4096));
    std::string requests;
    for (int k = 0; k < 8; ++k) {
      const std::string target = k == 7 ? "/v1/enterprises/" + s.design + "/purchases?limit=500"
                                        : products + "?limit=500&after=P-" + std::to_string(100000 + (i * 8 + k) * 60);
      requests += "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    }
    asio::write(*sock, asio::buffer(requests));
    clients.push_back(std::move(sock));
  }
  long peak = before;
  std::vector<double> healthz;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < 3) {
    peak = std::max(peak, rss_kib(pid));
    const auto h0 = Clock::now();
    const int status = http.get("/healthz").status;
    healthz.push_back(seconds_since(h0) * 1000);
    CHECK(status == 200);
    std::this_thread::sleep_for(milliseconds(50));
  }
  clients.clear();
  INFO(kProducts << " products; RSS " << before << " KiB at rest, peak " << peak << " KiB with 100 clients not reading"
                 << "; /healthz p99 " << quantile_ms(healthz, 0.99) << " ms over " << healthz.size()
                 << "; a 500-item page is " << widest.body.size() << " bytes");
  // Measured: RSS 14 MB at rest, +17 MB at the peak (a 500-item page is 62 KB), /healthz
  // p99 25 to 30 ms; with an ASan server 137 MB at rest and +94 MB, ASan's quarantine
  // keeping the freed pages. The old server built a 16.7 MB body per request: 100 clients
  // pushed RSS to 2 GB.
#if defined(__SANITIZE_ADDRESS__)
  constexpr long kBoundKib = 512 * 1024;  // 421 MB seen once (2026-12-02): quarantine slack, not the server
#else
  constexpr long kBoundKib = 100 * 1024;
#endif
  CHECK(peak - before < kBoundKib);
  CHECK(quantile_ms(healthz, 0.99) < 500);
}

}  // namespace chipreg::testing
