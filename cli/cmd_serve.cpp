// chipreg serve: the HTTP(S) service (see api/server.hpp and the contract's HTTP section).
// Every limit is an option declared once below, with its range and its default taken from
// api::ServerOptions.
#include <charconv>
#include <iostream>
#include <memory>

#include "api/server.hpp"
#include "cli/commands.hpp"
#include "cli/io.hpp"

namespace chipreg::cli {
namespace {

struct ServeArgs {
  api::ServerOptions server;
  std::string listen;
  long long header_timeout_ms = api::ServerOptions().header_timeout.count();
  long long body_timeout_ms = api::ServerOptions().body_timeout.count();
  std::string access_log = api::ServerOptions().access_log ? "on" : "off";
  std::string eligibility_every = "1h";
  long long webhook_timeout_ms = api::WebhookOptions().timeout.count();
  long long webhook_retry_base_ms = api::WebhookOptions().retry_base.count();
};

// "0", "90s", "15m", "1h", "2d" (a bare number is seconds).
Result<std::chrono::seconds> parse_every(const std::string& text) {
  long long n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string unit(p, text.data() + text.size());
  long long scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (ec != std::errc() || p == text.data() || n < 0 || scale == 0 || n > 366LL * 86400 / scale) {
    return Error("USAGE", "--eligibility-every takes a duration such as 0, 30s, 15m, 1h or 1d", "eligibility-every");
  }
  return std::chrono::seconds(n * scale);
}

// HOST:PORT, HOST a name, an IPv4 address or a bracketed IPv6 one; port 0 picks a free port.
Status parse_listen(const std::string& listen, api::ServerOptions& o) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error("USAGE", "--listen takes HOST:PORT, e.g. 127.0.0.1:8080", "listen");
  o.host = listen.substr(0, colon);
  if (o.host.size() >= 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
  const std::string text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port > 65535) {
    return Error("USAGE", "--listen must end in a port in 0..65535", "listen");
  }
  o.port = static_cast<unsigned short>(port);
  return Status::Ok();
}

int run_serve(ServeArgs& a) {
  api::ServerOptions& o = a.server;
  if (auto st = parse_listen(a.listen, o); !st) return print_error(st.error()), 2;
  o.header_timeout = std::chrono::milliseconds(a.header_timeout_ms);
  o.body_timeout = std::chrono::milliseconds(a.body_timeout_ms);
  o.access_log = a.access_log == "on";
  auto every = parse_every(a.eligibility_every);
  if (!every) return print_error(every.error()), 2;
  o.eligibility_every = *every;
  o.webhooks.timeout = std::chrono::milliseconds(a.webhook_timeout_ms);
  o.webhooks.retry_base = std::chrono::milliseconds(a.webhook_retry_base_ms);
  if (auto st = api::run_server(o); !st) {
    print_error(st.error());
    return st.error().code == "USAGE" ? 2 : 1;
  }
  return 0;
}

}  // namespace

void add_serve(CLI::App& chipreg, Command& selected) {
  CLI::App* cmd = chipreg.add_subcommand(
      "serve",
      "the HTTP(S) service\n\n"
      "Serves the registry over HTTP/1.1 (HTTPS, TLS 1.2+, when a certificate is given).\n"
      "Prints {\"listening\": \"HOST:PORT\", \"tls\": BOOL} once listening (port 0 picks a free\n"
      "port). Logs one JSON line per request on stderr. SIGINT or SIGTERM stops accepting,\n"
      "lets requests in flight finish and exits 0.");
  auto a = std::make_shared<ServeArgs>();
  api::ServerOptions& o = a->server;
  cmd->add_option("--db", o.db_path, "the registry database (chipreg init)")->required()->type_name("PATH");
  cmd->add_option("--listen", a->listen, "the address to listen on, e.g. 127.0.0.1:8080 or [::1]:0")
      ->required()
      ->type_name("HOST:PORT");
  cmd->add_option("--threads", o.threads,
                  "network threads (default: one per core); they parse requests and\n"
                  "answer the routes that need no database (/healthz, /metrics)")
      ->type_name("N")
      ->transform(in_range(1, 256));
  cmd->add_option("--store-threads", o.store_threads,
                  "threads for requests that use the database, each with its own\n"
                  "SQLite connection: reads in parallel, writes one at a time\n"
                  "(default: max(4, 2 x threads))")
      ->type_name("N")
      ->transform(in_range(1, 1024));
  cmd->add_option("--tls-cert", o.tls_cert, "PEM certificate chain; with --tls-key, serve HTTPS only")
      ->type_name("FILE");
  cmd->add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")->type_name("FILE");
  cmd->add_option("--max-body", o.max_body, "larger request bodies are refused (413)")
      ->type_name("BYTES")
      ->transform(in_range(1, 1LL << 30))
      ->capture_default_str();
  cmd->add_option("--max-connections", o.max_connections,
                  "default: what RLIMIT_NOFILE allows (raised to its hard limit);\n"
                  "at the cap the longest-idle connection is closed for a new one")
      ->type_name("N")
      ->transform(in_range(1, 1000000));
  cmd->add_option("--max-connections-per-peer", o.max_connections_per_peer,
                  "per client IP address (0: no per-peer cap)")
      ->type_name("N")
      ->transform(in_range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--enterprise-writes-per-minute", o.enterprise_writes_per_minute,
                  "per enterprise token, token bucket; 429 with\n"
                  "Retry-After beyond it (0: no limit)")
      ->type_name("N")
      ->transform(in_range(0, 100000000))
      ->capture_default_str();
  cmd->add_option("--enterprise-write-burst", o.enterprise_write_burst, "writes a token may make at once")
      ->type_name("N")
      ->transform(in_range(1, 100000000))
      ->capture_default_str();
  cmd->add_option("--header-timeout-ms", a->header_timeout_ms, "idle keep-alive and reading a request's header")
      ->type_name("MS")
      ->transform(in_range(1, 3600000))
      ->capture_default_str();
  cmd->add_option("--body-timeout-ms", a->body_timeout_ms, "reading one request body")
      ->type_name("MS")
      ->transform(in_range(1, 3600000))
      ->capture_default_str();
  cmd->add_option("--access-log", a->access_log, "one JSON line per request on stderr")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--eligibility-every", a->eligibility_every,
                  "run the 免申即享 eligibility job this often (chipreg eligibility),\n"
                  "e.g. 30m, 1h, 1d; 0: never")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--eligibility-year", o.eligibility_years,
                  "a year the scheduled job evaluates (repeatable; default: the\n"
                  "previous and the current year)")
      ->type_name("Y")
      ->transform(in_range(1900, 9999));
  cmd->add_option("--objection-days", o.objection_days,
                  "objections (异议) to a decision are taken for this many days after\n"
                  "it, that day included; later ones are refused (OBJECTION_LATE)")
      ->type_name("N")
      ->transform(in_range(0, 365))
      ->capture_default_str();
  cmd->add_option("--webhook-allow-host", o.webhooks.urls.hosts,
                  "a host webhooks may be registered and delivered to over https or\n"
                  "plain http even at a loopback or private address (repeatable;\n"
                  "compared as written in the URL, e.g. 127.0.0.1)")
      ->type_name("HOST");
  cmd->add_option("--webhook-allow-http-host", o.webhooks.urls.http_hosts,
                  "a host webhooks may be registered and delivered to over plain\n"
                  "http (repeatable; e.g. 127.0.0.1 for a receiver on this machine).\n"
                  "Without it or --webhook-allow-host, plain-http webhook URLs are\n"
                  "refused")
      ->type_name("HOST");
  cmd->add_option("--webhook-ca-file", o.webhooks.ca_file,
                  "PEM certificates trusted for https webhook receivers, besides the\n"
                  "system's (a bureau's private CA)")
      ->type_name("PEM");
  cmd->add_option("--webhook-max-attempts", o.webhooks.max_attempts,
                  "delivery attempts of one event before it is dead-lettered")
      ->type_name("N")
      ->transform(in_range(1, 100))
      ->capture_default_str();
  cmd->add_option("--webhook-retry-base-ms", a->webhook_retry_base_ms,
                  "the wait after a webhook's first failed attempt; it doubles with\n"
                  "each further failure, up to one hour")
      ->type_name("MS")
      ->transform(in_range(1, 3600000))
      ->capture_default_str();
  cmd->add_option("--webhook-timeout-ms", a->webhook_timeout_ms,
                  "one delivery attempt, from resolving the host through the TLS\n"
                  "handshake to the answer")
      ->type_name("MS")
      ->transform(in_range(100, 600000))
      ->capture_default_str();
  cmd->footer(
      "The limits and timeouts, and why: docs/SECURITY.md. The eligibility job and webhooks:\n"
      "docs/OPERATIONS.md.");
  cmd->callback([a, &selected] { selected = [a] { return run_serve(*a); }; });
}

}  // namespace chipreg::cli
