// The TLS client side of webhook delivery (https:// URLs, api/webhook_worker.hpp): one
// client context for the worker's life, and what each connection sets before its handshake.
//
// What a delivery over https checks, and where:
//   - TLS 1.2 or later (the context);
//   - the receiver's chain up to a trust anchor: the system store (OpenSSL's default verify
//     paths) plus, when given, the certificates of `serve --webhook-ca-file PEM` (a bureau's
//     private CA; the tests' throwaway one) — ssl::verify_peer on the context;
//   - the certificate names the host of the URL: a DNS name against its subjectAltName DNS
//     entries (no partial wildcards), an IP literal against its iPAddress entries — set on
//     each connection's X509_VERIFY_PARAM, so a mismatch fails the chain verification itself
//     and SSL_get_verify_result names it;
//   - SNI carries a DNS name; an IP literal is not sent (RFC 6066 section 3 forbids it).
// A failure is an error value with a message naming the cause, e.g.
//   "TLS: certificate verify failed (unable to get local issuer certificate)".
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/net.hpp"
#include "base/result.hpp"

namespace chipreg::api {

// A client context as above. Errors: TLS_ERROR (field webhook-ca-file) when `ca_file` cannot
// be read or holds no certificate.
Result<std::unique_ptr<ssl::context>> make_webhook_tls(const std::optional<std::string>& ca_file);

// Sets SNI and the expected name or address on `ssl` before its handshake.
// REQUIRES: `host` is a URL host as check_webhook_url returns it (IPv6 without brackets).
Status expect_peer(SSL* ssl, const std::string& host);

// The message for a failed handshake `ec` on `ssl`: the verification result when the chain
// or the name was at fault, the TLS error otherwise. Starts with "TLS".
std::string tls_failure(SSL* ssl, const beast::error_code& ec);

}  // namespace chipreg::api
