// The tests' throwaway CA (see the header).
#include "support/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

namespace chipreg::testing {
namespace {

void must(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  must(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  must(ext != nullptr, "X509V3_EXT_conf_nid");
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  must(added == 1, "X509_add_ext");
}

// A certificate for `key` named `cn`, before its extensions and signature. `issuer` null:
// self-issued.
X509* new_cert(EVP_PKEY* key, const std::string& cn, X509* issuer) {
  X509* cert = X509_new();
  must(cert != nullptr, "X509_new");
  must(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
  unsigned char serial[16];
  must(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  must(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr, "serial");
  BN_free(bn);
  must(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr, "notBefore");
  must(X509_gmtime_adj(X509_getm_notAfter(cert), 86400) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert);
  must(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                  0) == 1,
       "subject");
  must(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
  must(X509_set_pubkey(cert, key) == 1, "X509_set_pubkey");
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  must(f != nullptr, "fopen");
  if (cert) must(PEM_write_X509(f.get(), cert) == 1, "PEM_write_X509");
  if (key) must(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_PrivateKey");
}

}  // namespace

TestCa::TestCa(std::string dir, const std::string& common_name, const std::string& stem) : dir_(std::move(dir)) {
  key_ = new_key();
  cert_ = new_cert(key_, common_name, nullptr);
  X509* cert = cert_;
  EVP_PKEY* key = key_;
  add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert, cert, NID_subject_key_identifier, "hash");
  must(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign (CA)");
  files_ = {dir_ + "/" + stem + ".pem", dir_ + "/" + stem + ".key"};
  write_pem(files_.cert, cert, nullptr);
  write_pem(files_.key, nullptr, key);
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

CertFiles TestCa::issue(const std::string& subject_alt_name, const std::string& stem) const {
  X509* ca_cert = cert_;
  EVP_PKEY* ca_key = key_;
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(new_key(), &EVP_PKEY_free);
  std::string cn = subject_alt_name.substr(subject_alt_name.find(':') + 1);
  cn = cn.substr(0, cn.find(','));
  std::unique_ptr<X509, void (*)(X509*)> cert(new_cert(key.get(), cn, ca_cert), &X509_free);
  add_ext(cert.get(), ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert, NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), ca_cert, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), ca_cert, NID_subject_alt_name, subject_alt_name);
  add_ext(cert.get(), ca_cert, NID_authority_key_identifier, "keyid:always");
  must(X509_sign(cert.get(), ca_key, EVP_sha256()) > 0, "X509_sign (leaf)");
  CertFiles out{dir_ + "/" + stem + ".pem", dir_ + "/" + stem + ".key"};
  write_pem(out.cert, cert.get(), nullptr);
  write_pem(out.key, nullptr, key.get());
  return out;
}

}  // namespace chipreg::testing
