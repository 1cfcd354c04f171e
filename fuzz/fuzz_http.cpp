// Fuzzes the HTTP service's request handling without a network: the input is the raw bytes
// of one request, parsed with Beast's request parser under the server's limits, converted
// as the session does, and passed to Handler::handle on a real SQLite registry (created
// once per process in a temp directory, removed at exit).
//
// So that inputs reach authenticated routes, the markers "@ADMIN@" and "@ENT@" in the input
// are replaced by an admin token and by the token of enterprise @USCC@ (also replaced: a
// valid USCC that exists in the registry with one product, "P1").
//
// Checked: nothing crashes, leaks or hangs; every response has a status in 200..599 that is
// not 500 (a 500 means an exception escaped a route: a bug); JSON responses parse; error
// responses carry the contract's envelope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "api/db_pool.hpp"
#include "api/handler.hpp"
#include "api/metrics.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"
#include "registry/domain/uscc.hpp"

namespace {

namespace http = boost::beast::http;
using namespace chipreg;

struct Registry {
  std::filesystem::path dir;
  std::string admin, ent, uscc;
  std::unique_ptr<api::DbPool> pool;
  api::Metrics metrics;
  std::unique_ptr<api::Handler> handler;
};

[[noreturn]] void die(const char* what, const Error& e) {
  std::fprintf(stderr, "fuzz_http setup: %s: %s %s\n", what, e.code.c_str(), e.message.c_str());
  std::abort();
}

Registry* registry = nullptr;

void remove_registry() {
  std::error_code ec;
  if (registry) std::filesystem::remove_all(registry->dir, ec);
}

Registry& setup() {
  if (registry) return *registry;
  registry = new Registry;
  std::string tmpl = (std::filesystem::temp_directory_path() / "chipreg-fuzz-http-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) std::abort();
  registry->dir = tmpl;
  std::atexit(remove_registry);
  const std::string path = (registry->dir / "reg.db").string();
  {
    auto db = db::Db::open(path);
    if (!db) die("open", db.error());
    auto tx = db::Tx::begin(*db);
    if (!tx) die("begin", tx.error());
    if (auto v = store::migrate(*db); !v) die("migrate", v.error());
    auto admin = store::create_token(*db, "admin", std::nullopt, "fuzz");
    if (!admin) die("token", admin.error());
    registry->admin = *admin;
    if (auto k = tlog::ensure_log_key(*db, path, std::nullopt); !k) die("log key", k.error());
    if (auto st = tx->commit(); !st) die("commit", st.error());
  }
  db::DbOptions options;
  options.create = false;
  options.synchronous_full = false;  // durability is not under test here; speed is
  registry->pool = std::make_unique<api::DbPool>(path, options);
  std::shared_ptr<const tlog::NoteSigner> signer;
  {
    auto lease = registry->pool->acquire();
    if (!lease) die("lease", lease.error());
    auto key = tlog::load_log_key(lease->db(), path);
    if (!key) die("load log key", key.error());
    signer = std::make_shared<const tlog::NoteSigner>(std::move(*key));
  }
  registry->handler = std::make_unique<api::Handler>(*registry->pool, registry->metrics, signer);

  auto uscc = Uscc::complete("9133010800000001");
  if (!uscc) die("uscc", uscc.error());
  registry->uscc = uscc->str();
  auto post = [](const std::string& target, const std::string& body) {
    api::Request req;
    req.method = "POST";
    req.target = target;
    req.authorization = "Bearer " + registry->admin;
    req.content_type = "application/json";
    req.body = body;
    auto res = registry->handler->handle(req);
    if (res.status != 201) {
      std::fprintf(stderr, "fuzz_http setup: %s -> %d %s\n", target.c_str(), res.status, res.body.c_str());
      std::abort();
    }
  };
  post("/v1/enterprises", R"({"uscc":")" + registry->uscc +
                              R"(","name":"Fuzz Chips","in_district":true,"roles":["ic_design","oem"]})");
  post("/v1/products", R"({"id":"P1","kind":"chip","owner":")" + registry->uscc +
                           R"(","self_developed":true,"first_market_date":"2025-01-10","focus_area":"chip_design"})");
  {
    auto lease = registry->pool->acquire();
    if (!lease) die("lease", lease.error());
    auto ent = store::create_token(lease->db(), "enterprise", registry->uscc, "fuzz");
    if (!ent) die("enterprise token", ent.error());
    registry->ent = *ent;
  }
  return *registry;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Registry& reg = setup();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  replace_all(bytes, "@ADMIN@", reg.admin);
  replace_all(bytes, "@ENT@", reg.ent);
  replace_all(bytes, "@USCC@", reg.uscc);

  // The same limits as api::ServerOptions' defaults; the session answers 413/431 itself.
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // Beast's put_eof requires bytes (asserted now that asserts are on)
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }

  auto& msg = parser.get();
  api::Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.authorization = std::string(msg[http::field::authorization]);
  req.content_type = std::string(msg[http::field::content_type]);
  req.body = std::move(msg.body());
  req.request_id = "fuzz-1";
  const api::Response res = reg.handler->handle(req);

  if (res.status < 200 || res.status > 599 || res.status == 500) {
    std::fprintf(stderr, "fuzz_http: %s %s -> %d %s\n", req.method.c_str(), req.target.c_str(), res.status,
                 res.body.c_str());
    std::abort();
  }
  if (res.content_type.rfind("application/json", 0) == 0) {
    boost::json::error_code jec;
    const auto v = boost::json::parse(res.body, jec);
    if (jec) std::abort();
    if (res.status >= 400) {
      const auto* obj = v.if_object();
      const auto* err = obj ? obj->if_contains("error") : nullptr;
      if (!err || !err->is_object() || !err->as_object().contains("code") || !err->as_object().contains("message")) {
        std::abort();
      }
    }
  }
  return 0;
}
