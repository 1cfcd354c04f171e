// Session: one client connection, plain TCP or TLS. It only moves bytes: read a request
// (header, then body, each under its own timeout, body size limited on the parser), hand it
// to the Handler, write the response, repeat while keep-alive holds. A session lives on one
// network thread's io_context, so its handlers never overlap. Requests that need the store
// run on the store pool (writes through the WriteQueue's group commit), never on the
// network thread, so a slow query or a writer waiting for SQLite's lock holds up only the
// requests that must wait for it.
//
// Thread-safety: every member runs on the session's io_context (one network thread), except
// stop_when_idle(), which posts there. Only the request being handled leaves that thread
// (for the store pool), and the session does nothing else until its answer is posted back.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "api/connection.hpp"
#include "api/connection_tracker.hpp"
#include "api/message.hpp"
#include "api/net.hpp"
#include "api/session_shared.hpp"

namespace chipreg::api {

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
  // 413 BODY_TOO_LARGE: the body is over max_body (by its Content-Length, or while read).
  void fail_too_large();
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
