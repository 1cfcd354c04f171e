// RAII owners for OpenSSL objects and the conversion of OpenSSL's error queue into
// chipreg Error values. Internal to crypto/: other areas see only Result and Error.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "base/result.hpp"

namespace chipreg::crypto {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Empties this thread's OpenSSL error queue.
inline void clear_openssl_errors() { ERR_clear_error(); }

// An Error with `code` whose message is "`what`: " followed by every entry of this
// thread's OpenSSL error queue (oldest first, joined by "; "), or "`what`" alone when the
// queue is empty. Drains the queue.
inline Error openssl_error(const std::string& code, const std::string& what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return Error(code, detail.empty() ? what : what + ": " + detail);
}

}  // namespace chipreg::crypto
