// run_server: listener, worker threads, TLS context and the graceful stop.
#include "api/server.hpp"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "api/db_pool.hpp"
#include "api/eligibility_schedule.hpp"
#include "api/handler.hpp"
#include "api/net.hpp"
#include "api/session.hpp"
#include "api/webhook_tls.hpp"
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

// The network threads: one io_context per thread, each kept running by a work guard until
// the server has drained.
class IoThreads {
 public:
  explicit IoThreads(int n) {
    for (int i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(contexts_.back()->get_executor());
    }
  }
  asio::io_context& main() { return *contexts_.front(); }
  // Round robin over the threads, for new connections.
  asio::io_context& next() { return *contexts_[next_++ % contexts_.size()]; }
  // Runs context 0 on the calling thread and the others on their own; returns when all stop.
  void run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([c = contexts_[i].get()] { c->run(); });
    contexts_.front()->run();
    for (auto& t : threads) t.join();
  }
  // Lets every context return once its work is done.
  void release() {
    for (auto& g : guards_) g.reset();
  }
  // Stops every context now, abandoning queued handlers.
  void stop() {
    for (auto& c : contexts_) c->stop();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<IoExecutor>> guards_;
  std::size_t next_ = 0;  // only touched by the acceptor, on context 0
};

// Accepts connections on context 0 and hands each to the next network thread.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(IoThreads& io, tcp::acceptor&& acceptor, SessionShared& shared, ssl::context* tls)
      : io_(io), acceptor_(std::move(acceptor)), shared_(shared), tls_(tls), backoff_(acceptor_.get_executor()) {}

  void run() { do_accept(); }
  // Thread-safe: closes on the acceptor's thread.
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(io_.next().get_executor(),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOMEM || ec.value() == ENOBUFS) {
      // Out of file descriptors (EMFILE, ENFILE) or kernel memory: retrying at once would
      // spin at 100 % CPU while nothing changes. Make room by closing the longest-idle
      // connection, and try again shortly.
      shared_.metrics.accept_failed();
      if (shared_.tracker.evict_idle()) shared_.metrics.connection_evicted();
      backoff_.expires_after(kAcceptBackoff);
      backoff_.async_wait([self = shared_from_this()](beast::error_code wec) {
        if (!wec && self->acceptor_.is_open()) self->do_accept();
      });
      return;
    }
    if (!ec) start(std::move(socket));
    do_accept();
  }

  void start(Socket socket) {
    ConnectionTracker::Slot slot;
    beast::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    const std::string peer = ec ? std::string() : ep.address().to_string();
    bool evicted = false;
    if (tls_ != nullptr) {
      auto s = std::make_shared<Session<TlsStream>>(shared_, std::move(socket), *tls_);
      if (shared_.tracker.admit(s, peer, &slot, &evicted))
        s->run(slot);
      else
        refuse();
    } else {
      auto s = std::make_shared<Session<PlainStream>>(shared_, std::move(socket));
      if (shared_.tracker.admit(s, peer, &slot, &evicted))
        s->run(slot);
      else
        refuse();
    }
    if (evicted) shared_.metrics.connection_evicted();
  }

  static constexpr std::chrono::milliseconds kAcceptBackoff{50};

  // Over the cap (or stopping): the session object dies here and closes the socket.
  void refuse() { shared_.metrics.connection_refused(); }

  IoThreads& io_;
  tcp::acceptor acceptor_;
  SessionShared& shared_;
  ssl::context* tls_;
  asio::steady_timer backoff_;  // on the acceptor's thread
};

Result<tcp::acceptor> listen_on(asio::io_context& ioc, const ServerOptions& o) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) return Error("BAD_LISTEN", "'" + o.host + "' is not an IP address", "listen");
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint ep(address, o.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error("LISTEN_FAILED", "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message(),
                 "listen");
  return acceptor;
}

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the connection cap it
// allows: the descriptors left after a reserve for the database connections (a file, its
// WAL and SHM each), the log, the listener and the process's own, never fewer than 16.
// An explicit --max-connections is honoured up to that number.
int connection_cap(const ServerOptions& o, int store_threads) {
  rlimit lim{};
  long soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    if (lim.rlim_cur < lim.rlim_max) {
      rlimit raised = lim;
      raised.rlim_cur = lim.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    soft = lim.rlim_cur == RLIM_INFINITY ? (1L << 20) : static_cast<long>(std::min<rlim_t>(lim.rlim_cur, 1u << 20));
  }
  const long reserve = 64 + 4L * (store_threads + 2);
  const int derived = static_cast<int>(std::max(16L, soft - reserve));
  return o.max_connections > 0 ? std::min(o.max_connections, derived) : derived;
}

}  // namespace

Status run_server(const ServerOptions& options) {
  db::DbOptions db_options;
  db_options.create = false;
  // Commits of the request path never checkpoint the WAL; this thread does (declared
  // before the pool, whose connections report to it).
  db::WalCheckpointer checkpointer(options.db_path);
  DbPool pool(options.db_path, db_options, &checkpointer);
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
  // The webhook client's trust anchors, read before listening so a bad file stops serve.
  auto webhook_tls = make_webhook_tls(options.webhooks.ca_file);
  if (!webhook_tls) return webhook_tls.error();

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
  HandlerOptions handler_options;
  handler_options.objections.days_after_decision = options.objection_days;
  handler_options.webhook_urls = options.webhooks.urls;
  Handler handler(pool, metrics, signer, handler_options);
  AccessLog log(options.access_log);
  auto prefix = crypto::random_bytes(4);
  if (!prefix) return prefix.error();
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int store_threads = options.store_threads > 0 ? options.store_threads : std::max(4, 2 * threads);
  ConnectionTracker tracker(connection_cap(options, store_threads), options.max_connections_per_peer);
  handler.set_write_limit(options.enterprise_writes_per_minute, options.enterprise_write_burst);
  // Destroyed in reverse order: the store pool joins first (its last jobs post their answers
  // to the network contexts), then the contexts drop whatever handlers are still queued.
  IoThreads io(threads);
  asio::thread_pool store_pool(static_cast<std::size_t>(store_threads));
  WriteQueue writes(handler, store_pool);
  RequestIds request_ids(crypto::hex(*prefix));
  SessionShared shared{options, handler, metrics, log, tracker, store_pool, writes, request_ids};

  asio::io_context& ioc = io.main();
  auto acceptor = listen_on(ioc, options);
  if (!acceptor) return acceptor.error();
  const auto local = acceptor->local_endpoint();

  auto listener = std::make_shared<Listener>(io, std::move(*acceptor), shared, tls.get());
  listener->run();

  // Stop: close the listener, close idle connections, then wait for the rest (bounded).
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void(beast::error_code)> poll = [&](beast::error_code ec) {
    if (ec) return;
    if (tracker.count() == 0) return io.release();  // nothing left: each run() returns once idle
    if (std::chrono::steady_clock::now() >= deadline) return io.stop();
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

  // The eligibility job runs beside the requests, on connections of the same pool.
  std::unique_ptr<EligibilitySchedule> eligibility;
  if (options.eligibility_every.count() > 0) {
    eligibility = std::make_unique<EligibilitySchedule>(pool, options.eligibility_every, options.eligibility_years);
    eligibility->start();
  }
  // Webhook deliveries, on a thread of their own and a connection of the same pool.
  WebhookWorker webhooks(pool, options.webhooks, **webhook_tls);
  webhooks.start();

  io.run();
  webhooks.stop();
  if (eligibility) eligibility->stop();
  // After a clean drain the pool is idle. After the drain deadline, requests still queued
  // for it are dropped unstarted (their connections are closed anyway) and the ones
  // running finish.
  store_pool.stop();
  store_pool.join();
  return Status::Ok();
}

}  // namespace chipreg::api
