// Crash safety: a stream of purchase POSTs against the real `chipreg serve`, killed with
// SIGKILL at seeded random moments and restarted on the same database each time. After each
// restart:
//   acknowledged ⊆ present ⊆ sent   (a purchase whose request was in flight at the kill may
//                                     or may not be there; nothing never sent may appear;
//                                     nothing answered 201 may be missing)
//   `chipreg log audit` reports no problem;
//   the log grew by exactly the purchases that appeared, and a consistency proof from the
//   last checkpoint fetched before the kill to the one after the restart verifies, both
//   checkpoints signed by the same log key.
//
// CHIPREG_CRASH_KILLS (default 5) and CHIPREG_CRASH_SEED change the run; scripts/crash-test
// runs it longer.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/encoding.hpp"
#include "e2e/http_client.hpp"
#include "e2e/serve_process.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/note.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/domain/uscc.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {
namespace {

namespace json = boost::json;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

// A valid USCC (both check characters right), distinct for each n. Some bodies have an
// organization check character outside the USCC alphabet; those are skipped.
std::string valid_uscc(int n) {
  for (int k = 0; k < 100; ++k) {
    char body[16];
    std::snprintf(body, sizeof body, "CR%06d", n * 100 + k);
    if (auto u = Uscc::complete(std::string("91330108") + body)) return u->str();
  }
  FAIL("cannot mint a USCC");
  return "";
}

json::value must(const HttpClient& http, int status, const std::string& target, const json::value& body,
                 const std::string& token) {
  const auto reply = http.post(target, body, token);
  INFO(target << " -> " << reply.status << " " << reply.body);
  REQUIRE(reply.status == status);
  return reply.json();
}

tlog::Checkpoint checkpoint(const HttpClient& http, const tlog::NoteVerifier& verifier) {
  const auto reply = http.get("/v1/log/checkpoint");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto cp = tlog::open_checkpoint(reply.body, verifier);
  REQUIRE(cp.ok());
  return *cp;
}

// Invoice numbers from every purchase row of `buyer`.
std::set<std::string> present_invoices(const std::string& db_path, const std::string& buyer) {
  db::DbOptions options;
  options.create = false;
  options.read_only = true;
  auto db = db::Db::open(db_path, options);
  REQUIRE(db.ok());
  auto st = db->prepare("SELECT invoice FROM purchases WHERE buyer = ?");
  REQUIRE(st.ok());
  st->bind(1, buyer);
  std::set<std::string> out;
  for (;;) {
    auto row = st->step();
    REQUIRE(row.ok());
    if (!*row) break;
    out.insert(st->text(0));
  }
  return out;
}

std::string invoice_number(long n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2533%016ld", n);
  return buf;
}

}  // namespace

TEST_CASE("crash: after kill -9 every acknowledged purchase is present, nothing unsent is, and the log stays consistent") {
  const long kills = env_or("CHIPREG_CRASH_KILLS", 5);
  const long max_delay_ms = env_or("CHIPREG_CRASH_MAX_DELAY_MS", 1200);
  const auto seed = static_cast<std::uint32_t>(env_or("CHIPREG_CRASH_SEED", 20240817));
  std::mt19937 rng(seed);
  INFO("seed " << seed);

  TempDir dir;
  const std::string db = dir.file("reg.db");
  const auto init = run_chipreg({"init", "--db", db});
  REQUIRE(init.exit_code == 0);
  const std::string admin(json::parse(init.out).at("admin_token").as_string());
  // One enterprise token writes as fast as it can: the write rate limit is not under test.
  const std::vector<std::string> serve_args{"--threads", "2", "--access-log", "off", "--enterprise-writes-per-minute", "0"};

  auto server = std::make_unique<ServeProcess>(db, dir.file("serve.log"), serve_args);
  auto http = std::make_unique<HttpClient>("127.0.0.1", server->port());

  const std::string seller = valid_uscc(1);
  const std::string buyer = valid_uscc(2);
  must(*http, 201, "/v1/enterprises",
       json::object{{"uscc", seller}, {"name", "Crash Chips"}, {"in_district", true}, {"roles", json::array{"ic_design"}}},
       admin);
  must(*http, 201, "/v1/enterprises",
       json::object{{"uscc", buyer}, {"name", "Crash OEM"}, {"in_district", true}, {"roles", json::array{"oem"}}}, admin);
  must(*http, 201, "/v1/products",
       json::object{{"id", "CRASH-1"}, {"kind", "chip"}, {"owner", seller}, {"self_developed", true},
                    {"first_market_date", "2025-01-10"}, {"focus_area", "chip_design"}},
       admin);
  const std::string buyer_token(
      must(*http, 201, "/v1/tokens", json::object{{"role", "enterprise"}, {"enterprise", buyer}}, admin)
          .at("token")
          .as_string());

  const auto key_reply = http->get("/v1/log/key");
  REQUIRE(key_reply.status == 200);
  auto verifier = tlog::parse_note_verifier(key_reply.body);
  REQUIRE(verifier.ok());

  std::set<std::string> sent, acked;  // over the whole run
  std::atomic<long> next_invoice{1};

  for (long round = 1; round <= kills; ++round) {
    const tlog::Checkpoint before = checkpoint(*http, *verifier);
    const auto present_before = present_invoices(db, buyer);

    std::mutex mu;
    std::vector<std::string> unexpected;  // statuses other than 201 while the server lived
    std::atomic<bool> stop{false};
    auto writer = [&, port = server->port()] {
      const HttpClient client("127.0.0.1", port);
      while (!stop.load()) {
        const std::string invoice = invoice_number(next_invoice.fetch_add(1));
        {
          std::lock_guard<std::mutex> lock(mu);
          sent.insert(invoice);
        }
        const json::object body{{"invoice", invoice}, {"line", 1}, {"date", "2025-03-01"}, {"buyer", buyer},
                                {"seller", seller}, {"product", "CRASH-1"}, {"amount_fen", 1000000},
                                {"tax_fen", 130000}, {"reverses", nullptr}};
        try {
          const auto reply = client.post("/v1/purchases", body, buyer_token);
          std::lock_guard<std::mutex> lock(mu);
          if (reply.status == 201) {
            acked.insert(invoice);
          } else {
            unexpected.push_back(invoice + " -> " + std::to_string(reply.status) + " " + reply.body);
          }
        } catch (const std::exception&) {
          return;  // the server is gone (or going): this request was in flight
        }
      }
    };
    std::vector<std::thread> writers;
    for (int i = 0; i < 3; ++i) writers.emplace_back(writer);

    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<long>(100, max_delay_ms)(rng)));
    // The last checkpoint a client could have seen: taken while writes are still in flight.
    const tlog::Checkpoint last_seen = checkpoint(*http, *verifier);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<long>(0, 30)(rng)));
    REQUIRE(server->stop(SIGKILL) == -SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();

    server = std::make_unique<ServeProcess>(db, dir.file("serve.log"), serve_args);
    http = std::make_unique<HttpClient>("127.0.0.1", server->port());

    INFO("round " << round << ": sent " << sent.size() << ", acknowledged " << acked.size());
    {
      std::lock_guard<std::mutex> lock(mu);
      INFO((unexpected.empty() ? std::string() : unexpected.front()));
      CHECK(unexpected.empty());
    }
    const auto present = present_invoices(db, buyer);
    for (const auto& inv : acked) {
      INFO("acknowledged purchase " << inv << " is missing after the restart");
      REQUIRE(present.count(inv) == 1);
    }
    for (const auto& inv : present) {
      INFO("purchase " << inv << " is present but was never sent");
      REQUIRE(sent.count(inv) == 1);
    }

    const auto audit = run_chipreg({"log", "audit", "--db", db});
    INFO("audit: " << audit.out << audit.err);
    REQUIRE(audit.exit_code == 0);
    REQUIRE(json::parse(audit.out).at("ok").as_bool());

    const tlog::Checkpoint after = checkpoint(*http, *verifier);
    REQUIRE(after.origin == before.origin);
    // Only purchases were written this round: the log grew by exactly the new rows.
    REQUIRE(after.size == before.size + (present.size() - present_before.size()));
    REQUIRE(after.size >= last_seen.size);
    for (const auto* old : {&before, &last_seen}) {
      const auto reply = http->get("/v1/log/proof/consistency?from=" + std::to_string(old->size) +
                                   "&to=" + std::to_string(after.size));
      INFO(reply.body);
      REQUIRE(reply.status == 200);
      std::vector<tlog::Hash> path;
      const json::value proof = reply.json();
      for (const auto& h : proof.at("path").as_array()) {
        auto bytes = crypto::unhex(h.as_string());
        REQUIRE(bytes.ok());
        REQUIRE(bytes->size() == 32);
        tlog::Hash hash{};
        std::copy(bytes->begin(), bytes->end(), hash.begin());
        path.push_back(hash);
      }
      const auto ok = tlog::verify_consistency(old->size, after.size, old->root, after.root, path);
      INFO((ok.ok() ? std::string() : ok.error().message));
      REQUIRE(ok.ok());
    }
  }
  // Real writes happened, so the checks above were about something.
  REQUIRE(acked.size() >= static_cast<std::size_t>(kills));
  const auto present = present_invoices(db, buyer);
  const std::size_t kept = present.size() - acked.size();  // in flight at a kill, committed
  std::printf("crash-test: seed %u, %ld kills, %zu purchases sent, %zu acknowledged (all present), "
              "%ld in flight at a kill and kept, %ld in flight and lost, audit clean, log consistent\n",
              seed, kills, sent.size(), acked.size(), static_cast<long>(kept),
              static_cast<long>(sent.size() - present.size()));
}

}  // namespace chipreg::testing
