// run_server: listener, worker threads, TLS context and the graceful stop.
#include "api/server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "api/db_pool.hpp"
#include "api/handler.hpp"
#include "api/net.hpp"
#include "api/session.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::api {
namespace {

Result<std::unique_ptr<ssl::context>> make_tls(const ServerOptions& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Error("TLS_ERROR", "cannot require TLS 1.2 or later");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(*o.tls_cert, ec);
  if (ec) return Error("TLS_ERROR", "cannot load certificate '" + *o.tls_cert + "': " + ec.message(), "tls-cert");
  ctx->use_private_key_file(*o.tls_key, ssl::context::pem, ec);
  if (ec) return Error("TLS_ERROR", "cannot load private key '" + *o.tls_key + "': " + ec.message(), "tls-key");
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Error("TLS_ERROR", "the private key does not match the certificate", "tls-key");
  }
  return ctx;
}

// Accepts connections, each onto its own strand, until closed.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::acceptor&& acceptor, SessionShared& shared, ssl::context* tls)
      : ioc_(ioc), acceptor_(std::move(acceptor)), shared_(shared), tls_(tls) {}

  void run() { do_accept(); }
  // Thread-safe: closes on the acceptor's strand.
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) start(std::move(socket));
    do_accept();
  }

  void start(tcp::socket socket) {
    std::list<std::weak_ptr<Connection>>::iterator slot;
    std::shared_ptr<Connection> session;
    if (tls_ != nullptr) {
      auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_, std::move(socket), *tls_);
      if (shared_.tracker.admit(s, &slot)) s->run(slot);
      else refuse();
    } else {
      auto s = std::make_shared<Session<beast::tcp_stream>>(shared_, std::move(socket));
      if (shared_.tracker.admit(s, &slot)) s->run(slot);
      else refuse();
    }
  }

  // Over the cap (or stopping): the session object dies here and closes the socket.
  void refuse() { shared_.metrics.connection_refused(); }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  SessionShared& shared_;
  ssl::context* tls_;
};

Result<tcp::acceptor> listen_on(asio::io_context& ioc, const ServerOptions& o) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) return Error("BAD_LISTEN", "'" + o.host + "' is not an IP address", "listen");
  tcp::acceptor acceptor(asio::make_strand(ioc));
  const tcp::endpoint ep(address, o.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error("LISTEN_FAILED", "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message(), "listen");
  return acceptor;
}

}  // namespace

Status run_server(const ServerOptions& options) {
  store::DbOptions db_options;
  db_options.create = false;
  DbPool pool(options.db_path, db_options);
  if (auto st = pool.check(); !st) return st;

  std::unique_ptr<ssl::context> tls;
  if (options.tls_cert || options.tls_key) {
    if (!options.tls_cert || !options.tls_key) {
      return Error("USAGE", "--tls-cert and --tls-key go together");
    }
    auto ctx = make_tls(options);
    if (!ctx) return ctx.error();
    tls = std::move(*ctx);
  }

  // Declared before the io_context: handlers still queued when it is destroyed (after a
  // forced stop) hold sessions whose destructors use this state.
  std::shared_ptr<const tlog::NoteSigner> signer;
  {
    auto lease = pool.acquire();
    if (!lease) return lease.error();
    auto key = tlog::load_log_key(lease->db(), options.db_path);
    if (!key) return key.error();
    signer = std::make_shared<const tlog::NoteSigner>(std::move(*key));
  }
  Metrics metrics;
  Handler handler(pool, metrics, signer);
  AccessLog log(options.access_log);
  ConnectionTracker tracker(options.max_connections);
  auto prefix = crypto::random_bytes(4);
  if (!prefix) return prefix.error();
  SessionShared shared{options, handler, metrics, log, tracker, crypto::hex(*prefix), {}};

  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context ioc(threads);
  auto acceptor = listen_on(ioc, options);
  if (!acceptor) return acceptor.error();
  const auto local = acceptor->local_endpoint();

  auto listener = std::make_shared<Listener>(ioc, std::move(*acceptor), shared, tls.get());
  listener->run();

  // Stop: close the listener, close idle connections, then wait for the rest (bounded).
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void(beast::error_code)> poll = [&](beast::error_code ec) {
    if (ec) return;
    if (tracker.count() == 0) return;  // nothing left: run() returns once the last handler does
    if (std::chrono::steady_clock::now() >= deadline) {
      ioc.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait(poll);
  };
  signals.async_wait([&](beast::error_code ec, int) {
    if (ec) return;
    listener->stop();
    tracker.stop();
    deadline = std::chrono::steady_clock::now() + options.drain_timeout;
    drain.expires_after(std::chrono::milliseconds(0));
    drain.async_wait(poll);
  });

  const std::string where = local.address().to_string() + ":" + std::to_string(local.port());
  const std::string line =
      boost::json::serialize(boost::json::object{{"listening", where}, {"tls", tls != nullptr}}) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);

  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  return Status::Ok();
}

}  // namespace chipreg::api
