// Session: one client connection, plain TCP or TLS. It only moves bytes: read a request
// (header, then body, each under its own timeout, body size limited on the parser), hand it
// to the Handler, write the response, repeat while keep-alive holds. A session lives on one
// network thread's io_context, so its handlers never overlap. Requests that need the store
// run on the store pool (writes through the WriteQueue's group commit), never on the
// network thread, so a slow query or a writer waiting for SQLite's lock holds up only the
// requests that must wait for it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/access_log.hpp"
#include "api/handler.hpp"
#include "api/metrics.hpp"
#include "api/net.hpp"
#include "api/server.hpp"
#include "api/write_queue.hpp"

namespace chipreg::api {

// What a session can be asked from other threads.
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the connection if it is waiting for a new request; a request in flight finishes
  // and its response goes out with "Connection: close". Thread-safe (posts to the session's thread).
  virtual void stop_when_idle() = 0;
};

// Counts live connections against the cap and remembers them for a graceful stop.
// Thread-safe: state is protected by mu_.
class ConnectionTracker {
 public:
  explicit ConnectionTracker(int cap) : cap_(cap) {}
  // Registers a connection; false when at the cap or stopping (the caller closes it).
  bool admit(const std::shared_ptr<Connection>& c, std::list<std::weak_ptr<Connection>>::iterator* slot);
  void leave(std::list<std::weak_ptr<Connection>>::iterator slot);
  // Marks the server stopping and asks every live connection to stop when idle.
  void stop();
  bool stopping() const { return stopping_.load(); }
  std::size_t count() const;

 private:
  const int cap_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::list<std::weak_ptr<Connection>> live_;  // protected by mu_
};

// What every session shares, owned by run_server.
struct SessionShared {
  const ServerOptions& options;
  const Handler& handler;
  Metrics& metrics;
  AccessLog& log;
  ConnectionTracker& tracker;
  asio::thread_pool& store_pool;          // runs Handler::handle for store-backed reads
  WriteQueue& writes;                     // and, batched and committed together, the writes
  std::string id_prefix;                  // random per process
  std::atomic<std::uint64_t> next_id{0};  // request ids: prefix-counter
};

// Stream is PlainStream or TlsStream (net.hpp).
template <typename Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;

  // Plain: Session(shared, std::move(socket)). TLS: Session(shared, std::move(socket), ctx).
  template <typename... StreamArgs>
  Session(SessionShared& shared, Socket&& socket, StreamArgs&&... args)
      : stream_(std::move(socket), std::forward<StreamArgs>(args)...), shared_(shared) {
    beast::error_code ec;
    auto ep = this->socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() override;

  // Starts the session (TLS handshake first). REQUIRES: admitted by the tracker, `slot` set.
  void run(std::list<std::weak_ptr<Connection>>::iterator slot);
  void stop_when_idle() override;

 private:
  Socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  PlainStream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec, std::size_t used);
  void do_read();
  void on_header(beast::error_code ec, std::size_t);
  void on_continue(beast::error_code ec, std::size_t);
  void read_body();
  void on_read(beast::error_code ec, std::size_t);
  void handle(Request req, std::chrono::steady_clock::time_point start, bool keep_alive);
  void respond(const Request& req, Response resp, std::chrono::steady_clock::time_point start, bool keep_alive);
  void fail_request(int status, const std::string& code, const std::string& message);
  void on_write(bool close, beast::error_code ec, std::size_t);
  void do_close();
  void drain();

  Stream stream_;
  SessionShared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the response being written: status line and fields,
  std::string body_;  // and its body
  std::string remote_;
  bool idle_ = false;  // waiting for the first byte of a request; only touched on the session's thread
  bool closing_ = false;
  bool admitted_ = false;
  bool draining_ = false;
  std::list<std::weak_ptr<Connection>>::iterator slot_;
  std::array<char, 4096> sink_{};  // discard buffer for draining after an early error
};

}  // namespace chipreg::api
