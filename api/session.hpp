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
#include <map>
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

  // When the connection started waiting for a request with nothing of it received yet, in
  // steady_clock ticks; 0 while a request is being read, handled or answered. Written on the
  // session's thread, read by the tracker when it looks for a connection to evict.
  std::atomic<std::int64_t> idle_since{0};
};

// Counts live connections against the cap and remembers them for a graceful stop.
//
// At the cap a new connection does not wait for an old one to time out: the connection that
// has been idle longest (a keep-alive connection between requests, or one that never sent a
// byte) is closed to make room, so a client with no request in progress holds no slot a new
// client needs. Only when every connection is busy is the new one refused. With a per-peer
// cap (0: none), one peer address beyond it evicts its own idle connections or is refused.
//
// Thread-safe: state is protected by mu_.
class ConnectionTracker {
 public:
  struct Entry {
    std::weak_ptr<Connection> conn;
    Connection* raw;  // for idle_since; valid while the entry is listed (leave() comes first)
    std::string peer;
    bool evicting = false;
  };
  using Slot = std::list<Entry>::iterator;

  ConnectionTracker(int cap, int per_peer_cap) : cap_(cap), per_peer_cap_(per_peer_cap) {}
  // Registers a connection from `peer` (an IP address), evicting an idle one when at a cap;
  // false when every connection is busy or the server is stopping (the caller closes it).
  // `*evicted` tells whether an idle connection was asked to close for this one.
  bool admit(const std::shared_ptr<Connection>& c, const std::string& peer, Slot* slot, bool* evicted);
  void leave(Slot slot);
  // Asks the longest-idle connection to close (after accept() failed for want of file
  // descriptors); false when none is idle.
  bool evict_idle();
  // Marks the server stopping and asks every live connection to stop when idle.
  void stop();
  bool stopping() const { return stopping_.load(); }
  std::size_t count() const;
  int cap() const { return cap_; }

 private:
  // The longest-idle entry not already being evicted (from `peer` only when given), or end().
  // REQUIRES: mu_ held.
  Slot oldest_idle(const std::string* peer);
  // Marks `it` evicting and returns its connection. REQUIRES: mu_ held.
  std::shared_ptr<Connection> mark_evicting(Slot it);

  // Connections being evicted still hold their descriptor for a moment; admitting beyond
  // the cap is allowed by at most this many while they close.
  static constexpr int kEvictionSlack = 64;

  const int cap_;
  const int per_peer_cap_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::list<Entry> live_;                // protected by mu_; newest first
  std::map<std::string, int> per_peer_;  // protected by mu_; only with a per-peer cap
  int evicting_ = 0;                     // protected by mu_
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
  // The read buffer holds the header, then whatever of the body is not parsed yet: at most
  // one chunk-size line with its extensions, or the trailer. Its limit (max_header plus
  // this) bounds them; past it the request gets 431 (header) or 400 BAD_CHUNK (body).
  static constexpr std::size_t kChunkHeaderSlack = 4096;

  // Plain: Session(shared, std::move(socket)). TLS: Session(shared, std::move(socket), ctx).
  template <typename... StreamArgs>
  Session(SessionShared& shared, Socket&& socket, StreamArgs&&... args)
      : stream_(std::move(socket), std::forward<StreamArgs>(args)...),
        shared_(shared),
        buffer_(shared.options.max_header + kChunkHeaderSlack) {
    beast::error_code ec;
    auto ep = this->socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() override;

  // Starts the session (TLS handshake first). REQUIRES: admitted by the tracker, `slot` set.
  void run(ConnectionTracker::Slot slot);
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
  // A reason to refuse the request whose header was just read (RFC 9110/9112), or nullopt.
  struct Refusal {
    int status;
    std::string code;
    std::string message;
  };
  std::optional<Refusal> check_header() const;
  void set_idle(bool idle);
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
  bool head_only_ = false;  // the request being answered is a HEAD: header fields, no body
  ConnectionTracker::Slot slot_;
  std::array<char, 4096> sink_{};  // discard buffer for draining after an early error
};

}  // namespace chipreg::api
