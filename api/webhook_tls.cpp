// The webhook client's TLS (see the header).
#include "api/webhook_tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cassert>

namespace chipreg::api {

Result<std::unique_ptr<ssl::context>> make_webhook_tls(const std::optional<std::string>& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Error("TLS_ERROR", "cannot require TLS 1.2 or later for webhooks");
  }
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  // The system store is always trusted: a bureau's own CA is added to it, not put in its
  // place, so receivers with public certificates keep working beside private ones.
  ctx->set_default_verify_paths(ec);
  if (ec) return Error("TLS_ERROR", "cannot use the system's trusted certificates: " + ec.message());
  if (ca_file) {
    ctx->load_verify_file(*ca_file, ec);
    if (ec) {
      return Error("TLS_ERROR", "cannot load webhook CA certificates from '" + *ca_file + "': " + ec.message(),
                   "webhook-ca-file");
    }
  }
  return ctx;
}

Status expect_peer(SSL* ssl, const std::string& host) {
  assert(ssl != nullptr && !host.empty());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (!not_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return Error("TLS_ERROR", "cannot expect the address " + host + " in the receiver's certificate");
    }
    return Status::Ok();
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, host.c_str()) != 1 || SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Error("TLS_ERROR", "cannot expect the name " + host + " in the receiver's certificate");
  }
  return Status::Ok();
}

std::string tls_failure(SSL* ssl, const beast::error_code& ec) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("TLS: certificate verify failed (") + X509_verify_cert_error_string(verify) + ")";
  }
  return "TLS handshake: " + ec.message();
}

}  // namespace chipreg::api
