// chipreg serve: the HTTP(S) service (see api/server.hpp and the contract's HTTP section).
#include <charconv>
#include <iostream>

#include "api/server.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"

namespace chipreg::cli {
namespace {

Result<long long> parse_count(const std::string& option, const std::string& text, long long min, long long max) {
  long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) {
    return Error("USAGE", "--" + option + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max), option);
  }
  return v;
}

}  // namespace

int cmd_serve(int argc, char** argv, int first) {
  auto args = Args::parse(argc, argv, first,
                          {"db", "listen", "threads", "store-threads", "tls-cert", "tls-key", "max-body", "max-connections",
                           "header-timeout-ms", "body-timeout-ms", "access-log", "max-connections-per-peer",
                           "enterprise-writes-per-minute", "enterprise-write-burst"},
                          {"help"});
  if (args && args->flag("help")) {
    std::cout << "usage: chipreg serve --db PATH --listen HOST:PORT [--threads N] [--tls-cert F --tls-key F]\n"
                 "                     [--store-threads N] [--max-body BYTES] [--max-connections N] [--header-timeout-ms MS]\n"
                 "                     [--body-timeout-ms MS] [--access-log on|off] [--max-connections-per-peer N]\n"
                 "                     [--enterprise-writes-per-minute N] [--enterprise-write-burst N]\n\n"
                 "Serves the registry over HTTP/1.1 (HTTPS, TLS 1.2+, when a certificate is given).\n"
                 "Prints {\"listening\": \"HOST:PORT\", \"tls\": BOOL} once listening (port 0 picks a free\n"
                 "port). Logs one JSON line per request on stderr. SIGINT or SIGTERM stops accepting,\n"
                 "lets requests in flight finish and exits 0.\n\n"
                 "--threads N        network threads (default: one per core); they parse requests and\n"
                 "                   answer the routes that need no database (/healthz, /metrics)\n"
                 "--store-threads N  threads for requests that use the database, each with its own\n"
                 "                   SQLite connection: reads in parallel, writes one at a time\n"
                 "                   (default: max(4, 2 x threads))\n"
                 "--max-connections N  default: what RLIMIT_NOFILE allows (raised to its hard limit);\n"
                 "                   at the cap the longest-idle connection is closed for a new one\n"
                 "--max-connections-per-peer N  per client IP address (default 0: no per-peer cap)\n"
                 "--enterprise-writes-per-minute N  per enterprise token, token bucket; 429 with\n"
                 "                   Retry-After beyond it (default 3000; 0: no limit)\n"
                 "--enterprise-write-burst N  writes a token may make at once (default 200)\n"
                 "Other defaults: 1 MiB bodies, 10 s header and 30 s body timeouts (docs/SECURITY.md).\n";
    return 0;
  }
  if (!args) return print_error(args.error()), 2;
  api::ServerOptions o;
  auto db = args->require("db");
  if (!db) return print_error(db.error()), 2;
  o.db_path = *db;
  auto listen = args->require("listen");
  if (!listen) return print_error(listen.error()), 2;
  const auto colon = listen->rfind(':');
  if (colon == std::string::npos) {
    return print_error(Error("USAGE", "--listen takes HOST:PORT, e.g. 127.0.0.1:8080", "listen")), 2;
  }
  o.host = listen->substr(0, colon);
  if (o.host.size() >= 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
  auto port = parse_count("listen", listen->substr(colon + 1), 0, 65535);
  if (!port) return print_error(port.error()), 2;
  o.port = static_cast<unsigned short>(*port);

  if (auto v = args->get("threads")) {
    auto n = parse_count("threads", *v, 1, 256);
    if (!n) return print_error(n.error()), 2;
    o.threads = static_cast<int>(*n);
  }
  if (auto v = args->get("store-threads")) {
    auto n = parse_count("store-threads", *v, 1, 1024);
    if (!n) return print_error(n.error()), 2;
    o.store_threads = static_cast<int>(*n);
  }
  if (auto v = args->get("max-body")) {
    auto n = parse_count("max-body", *v, 1, 1LL << 30);
    if (!n) return print_error(n.error()), 2;
    o.max_body = static_cast<std::size_t>(*n);
  }
  if (auto v = args->get("max-connections")) {
    auto n = parse_count("max-connections", *v, 1, 1000000);
    if (!n) return print_error(n.error()), 2;
    o.max_connections = static_cast<int>(*n);
  }
  if (auto v = args->get("max-connections-per-peer")) {
    auto n = parse_count("max-connections-per-peer", *v, 0, 1000000);
    if (!n) return print_error(n.error()), 2;
    o.max_connections_per_peer = static_cast<int>(*n);
  }
  if (auto v = args->get("enterprise-writes-per-minute")) {
    auto n = parse_count("enterprise-writes-per-minute", *v, 0, 100000000);
    if (!n) return print_error(n.error()), 2;
    o.enterprise_writes_per_minute = static_cast<int>(*n);
  }
  if (auto v = args->get("enterprise-write-burst")) {
    auto n = parse_count("enterprise-write-burst", *v, 1, 100000000);
    if (!n) return print_error(n.error()), 2;
    o.enterprise_write_burst = static_cast<int>(*n);
  }
  if (auto v = args->get("header-timeout-ms")) {
    auto n = parse_count("header-timeout-ms", *v, 1, 3600000);
    if (!n) return print_error(n.error()), 2;
    o.header_timeout = std::chrono::milliseconds(*n);
  }
  if (auto v = args->get("body-timeout-ms")) {
    auto n = parse_count("body-timeout-ms", *v, 1, 3600000);
    if (!n) return print_error(n.error()), 2;
    o.body_timeout = std::chrono::milliseconds(*n);
  }
  if (auto v = args->get("access-log")) {
    if (*v != "on" && *v != "off") return print_error(Error("USAGE", "--access-log takes on or off", "access-log")), 2;
    o.access_log = *v == "on";
  }
  o.tls_cert = args->get("tls-cert");
  o.tls_key = args->get("tls-key");

  if (auto st = api::run_server(o); !st) {
    print_error(st.error());
    return st.error().code == "USAGE" ? 2 : 1;
  }
  return 0;
}

}  // namespace chipreg::cli
