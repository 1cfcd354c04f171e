// Fuzzes the server's read loop over raw bytes: framing, chunking and pipelining. The input
// (after its first byte, which seeds how the bytes are cut into reads) is what a client sends
// on one connection; it is read exactly as api::Session reads it (a flat_buffer bounded at
// the header limit plus 4 KiB, http::read_header then http::read, one request_parser per
// request under the default limits) from a stream that hands out the bytes in reads of
// fuzzer-chosen sizes, request after request until the bytes run out or one fails.
//
// Checked: nothing crashes, leaks or hangs; the buffer never holds more than its bound (an
// endless chunk extension or trailer cannot grow it); a request the session would serve has
// a Transfer-Encoding ending in chunked or none, a body within the limit, and consumed bytes
// that were sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;

constexpr std::size_t kMaxHeader = 16 * 1024;  // api::ServerOptions defaults
constexpr std::size_t kMaxBody = 1024 * 1024;
constexpr std::size_t kBufferLimit = kMaxHeader + 4096;  // Session::kChunkHeaderSlack

// A SyncReadStream over the fuzz input, in reads of pseudo-random sizes.
class ChoppedStream {
 public:
  ChoppedStream(const std::uint8_t* data, std::size_t size, std::uint32_t seed) : data_(data), size_(size), state_(seed | 1) {}

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (at_ == size_) {
      ec = asio::error::eof;
      return 0;
    }
    ec = {};
    state_ = state_ * 1103515245u + 12345u;
    std::size_t want = 1 + (state_ >> 16) % 4096;
    want = std::min(want, size_ - at_);
    const std::size_t n = asio::buffer_copy(buffers, asio::buffer(data_ + at_, want));
    at_ += n;
    return n;
  }
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  std::size_t consumed() const { return at_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::uint32_t state_;
  std::size_t at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ChoppedStream stream(data + 1, size - 1, data[0] * 2654435761u);
  boost::beast::flat_buffer buffer(kBufferLimit);
  for (int requests = 0; requests < 64; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeader));
    parser.body_limit(kMaxBody);
    boost::system::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (buffer.size() > kBufferLimit) std::abort();
    if (ec) return 0;  // the session answers 4xx (or closes) and stops reading
    const auto& req = parser.get();
    // The session refuses these before any body is read (RFC 9112 §6.3).
    if (req.count(http::field::transfer_encoding) > 0 && !parser.chunked()) return 0;
    if (!parser.is_done()) http::read(stream, buffer, parser, ec);
    if (buffer.size() > kBufferLimit) std::abort();
    if (ec) return 0;
    if (!parser.is_done()) std::abort();
    if (parser.get().body().size() > kMaxBody) std::abort();
    if (stream.consumed() > size - 1) std::abort();
    if (!parser.get().keep_alive()) return 0;
  }
  return 0;
}
