// Namespace aliases for the HTTP layer, in one place so every api/ file spells them alike.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace chipreg::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// Each network thread runs its own io_context, and a connection lives on one of them for its
// whole life, so its handlers never run concurrently and need no strand. The concrete
// executor type (rather than any_io_executor) also saves a type-erased call per operation.
using IoExecutor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, IoExecutor>;
using PlainStream = beast::basic_stream<tcp, IoExecutor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<PlainStream>;

}  // namespace chipreg::api
