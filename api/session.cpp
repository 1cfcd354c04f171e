// Session: the per-connection read → handle → write loop, for plain TCP and TLS.
#include "api/session.hpp"

#include <algorithm>

#include "api/response_head.hpp"

namespace chipreg::api {
namespace {

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

}  // namespace

template <typename Stream>
void Session<Stream>::set_idle(bool idle) {
  idle_ = idle;
  // 0 means busy, so an idle connection's tick is at least 1.
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  idle_since.store(idle ? std::max<std::int64_t>(now, 1) : 0, std::memory_order_relaxed);
}

template <typename Stream>
Session<Stream>::~Session() {
  if (admitted_) {
    shared_.tracker.leave(slot_);
    shared_.metrics.connection_closed();
  }
}

template <typename Stream>
void Session<Stream>::run(ConnectionTracker::Slot slot) {
  slot_ = slot;
  admitted_ = true;
  shared_.metrics.connection_opened();
  // Start on the session's own io_context: every handler that follows runs there too.
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      // A client that has not finished its handshake has no request in progress either:
      // it may be evicted like an idle keep-alive connection.
      self->set_idle(true);
      self->lowest().expires_after(self->shared_.options.header_timeout);
      self->stream_.async_handshake(ssl::stream_base::server, self->buffer_.data(),
                                    beast::bind_front_handler(&Session::on_handshake, self));
    } else {
      self->do_read();
    }
  });
}

template <typename Stream>
void Session<Stream>::stop_when_idle() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->idle_ && !self->closing_) {
      self->closing_ = true;
      beast::error_code ec;
      self->socket().shutdown(tcp::socket::shutdown_both, ec);
      self->socket().close(ec);
    }
  });
}

template <typename Stream>
void Session<Stream>::on_handshake(beast::error_code ec, std::size_t used) {
  if (ec) return;  // failed or timed-out handshakes just close
  buffer_.consume(used);
  do_read();
}

template <typename Stream>
void Session<Stream>::do_read() {
  if (shared_.tracker.stopping() || closing_) return do_close();
  parser_.emplace();
  parser_->body_limit(shared_.options.max_body);
  parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header));
  set_idle(buffer_.size() == 0);
  lowest().expires_after(shared_.options.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
}

template <typename Stream>
void Session<Stream>::on_header(beast::error_code ec, std::size_t) {
  set_idle(false);
  if (ec == http::error::body_limit) return fail_too_large();
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return fail_request(431, "HEADER_TOO_LARGE", "request header exceeds " + std::to_string(shared_.options.max_header) + " bytes");
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof || ec == ssl::error::stream_truncated ||
      ec == asio::error::bad_descriptor) {
    return do_close();
  }
  if (ec) return fail_request(400, "BAD_REQUEST", "malformed HTTP request: " + ec.message());
  if (auto refusal = check_header()) return fail_request(refusal->status, refusal->code, refusal->message);
  const auto& req = parser_->get();
  const auto expect = req[http::field::expect];
  // RFC 9110 §10.1.1: an HTTP/1.0 client does not know 100 Continue; it just sends the body.
  if (req.version() >= 11 && beast::iequals(expect, "100-continue") && !parser_->is_done()) {
    // Answer at once so clients like curl do not wait before sending the body.
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
    lowest().expires_after(shared_.options.write_timeout);
    http::async_write(stream_, *cont,
                      [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t n) {
                        self->on_continue(wec, n);
                      });
    return;
  }
  // A request without a body is complete with its header: skip the second read.
  if (parser_->is_done()) return on_read({}, 0);
  read_body();
}

template <typename Stream>
std::optional<typename Session<Stream>::Refusal> Session<Stream>::check_header() const {
  const auto& req = parser_->get();
  // RFC 9112 §6.3: when the final transfer coding is not chunked the body's length is
  // unknown, and reading on would take the body for the next request (smuggling).
  if (req.count(http::field::transfer_encoding) > 0 && !parser_->chunked()) {
    return Refusal{400, "BAD_TRANSFER_ENCODING", "Transfer-Encoding must end with chunked"};
  }
  // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host.
  if (req.version() >= 11 && req.count(http::field::host) != 1) {
    return Refusal{400, "BAD_REQUEST", "an HTTP/1.1 request needs exactly one Host header field"};
  }
  // Two credentials: which one would decide is the attacker's guess; refuse both.
  if (req.count(http::field::authorization) > 1) {
    return Refusal{400, "BAD_REQUEST", "more than one Authorization header field"};
  }
  // RFC 9110 §10.1.1: an expectation the server cannot meet is 417.
  if (req.count(http::field::expect) > 0 && !beast::iequals(req[http::field::expect], "100-continue")) {
    return Refusal{417, "EXPECTATION_FAILED", "only Expect: 100-continue is supported"};
  }
  return std::nullopt;
}

template <typename Stream>
void Session<Stream>::on_continue(beast::error_code ec, std::size_t) {
  if (ec) return do_close();
  read_body();
}

template <typename Stream>
void Session<Stream>::read_body() {
  lowest().expires_after(shared_.options.body_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
}

template <typename Stream>
void Session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) return fail_too_large();
  if (ec == http::error::buffer_overflow) {
    // A chunk-size line (with its extensions) or a trailer that does not fit the read
    // buffer: without this bound an endless chunk extension was buffered whole.
    return fail_request(400, "BAD_CHUNK", "a chunk header or trailer exceeds " + std::to_string(buffer_.max_size()) + " bytes");
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
      ec != http::error::partial_message && ec != http::error::end_of_stream) {
    // Bad framing in the body (an overflowing chunk size, a bad chunk): the client is still
    // there and gets a 400 before the close.
    return fail_request(400, "BAD_REQUEST", "malformed request body framing: " + ec.message());
  }
  if (ec) return do_close();  // timeout, reset or truncated body: nobody to answer

  const auto start = std::chrono::steady_clock::now();
  auto& msg = parser_->get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.authorization = std::string(msg[http::field::authorization]);
  req.content_type = std::string(msg[http::field::content_type]);
  req.if_none_match = std::string(msg[http::field::if_none_match]);
  req.body = std::move(msg.body());
  req.request_id = shared_.request_ids.next();
  handle(std::move(req), start, msg.keep_alive());
}

template <typename Stream>
void Session<Stream>::handle(Request req, std::chrono::steady_clock::time_point start, bool keep_alive) {
  const auto use = shared_.handler.store_use(req);
  if (use == Handler::StoreUse::kNone) {
    Response resp = shared_.handler.handle(req);
    return respond(req, std::move(resp), start, keep_alive);
  }
  // Nothing else touches this session until the response is posted back: no read is
  // pending, and stop_when_idle() leaves a session with a request in flight alone.
  auto answer = [self = this->shared_from_this(), start, keep_alive](Request req, Response resp) {
    auto executor = self->stream_.get_executor();
    asio::post(executor, [self, req = std::move(req), resp = std::move(resp), start, keep_alive]() mutable {
      self->respond(req, std::move(resp), start, keep_alive);
    });
  };
  // kRead and kOwnWrite (an upload that owns its transactions) run on the store pool.
  if (use == Handler::StoreUse::kWrite) return shared_.writes.submit(std::move(req), std::move(answer));
  asio::post(shared_.store_pool, [this_handler = &shared_.handler, req = std::move(req), answer = std::move(answer)]() mutable {
    Response resp = this_handler->handle(req);
    answer(std::move(req), std::move(resp));
  });
}

template <typename Stream>
void Session<Stream>::respond(const Request& req, Response resp, std::chrono::steady_clock::time_point start,
                              bool keep_alive) {
  const int version = parser_ ? parser_->get().version() : 11;
  const bool close = !keep_alive || shared_.tracker.stopping() || closing_;
  const std::size_t bytes = resp.body.size();
  // RFC 9110 §9.3.2: a HEAD response has the header fields a GET would have, and no body.
  if (req.method == "HEAD") resp.body.clear();
  write_response_head(head_, resp, {version, req.request_id, bytes, close});
  body_ = std::move(resp.body);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  shared_.metrics.observe(resp.route, req.method, resp.status, seconds);
  shared_.log.write(AccessRecord{req.request_id, remote_, req.method, path_of(req.target), resp.route, resp.status, bytes,
                                 seconds * 1000, kTls, resp.error_code});

  lowest().expires_after(shared_.options.write_timeout);
  const std::array<asio::const_buffer, 2> out{asio::buffer(head_), asio::buffer(body_)};
  asio::async_write(stream_, out, beast::bind_front_handler(&Session::on_write, this->shared_from_this(), close));
}

template <typename Stream>
void Session<Stream>::fail_request(int status, const std::string& code, const std::string& message) {
  // The request could not be read to its end, so the connection cannot be reused.
  closing_ = true;
  Request req;
  if (parser_) {
    req.method = std::string(parser_->get().method_string());
    req.target = std::string(parser_->get().target());
  }
  req.request_id = shared_.request_ids.next();
  Response resp = error_response(status, code, message);
  resp.route = "(rejected)";
  respond(req, std::move(resp), std::chrono::steady_clock::now(), false);
}

template <typename Stream>
void Session<Stream>::fail_too_large() {
  fail_request(413, "BODY_TOO_LARGE", "request body exceeds " + std::to_string(shared_.options.max_body) + " bytes");
}

template <typename Stream>
void Session<Stream>::on_write(bool close, beast::error_code ec, std::size_t) {
  if (ec) return do_close();
  if (close) {
    if (closing_ && !kTls) return drain();
    return do_close();
  }
  do_read();
}

template <typename Stream>
void Session<Stream>::drain() {
  // After an early error the client may still be sending the body; closing with unread data
  // would reset the connection and could destroy the response before the client reads it.
  // So: half-close, then read and discard until the client closes or a short timeout.
  if (!draining_) {
    draining_ = true;
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().expires_after(std::chrono::seconds(2));  // one deadline for the whole drain
  }
  lowest().async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code rec, std::size_t) {
    if (rec) {
      beast::error_code ignored;
      self->socket().close(ignored);
      return;
    }
    self->drain();
  });
}

template <typename Stream>
void Session<Stream>::do_close() {
  closing_ = true;
  beast::error_code ec;
  if constexpr (kTls) {
    lowest().expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->socket().close(ignored);
    });
  } else {
    socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

template class Session<PlainStream>;
template class Session<TlsStream>;

}  // namespace chipreg::api
