// Test support: a throwaway certificate authority, made at test time with OpenSSL's EVP and
// X509 APIs, for TLS peers that must be verified for real (the webhook client). Each key is
// EC P-256; each certificate is valid from an hour ago for a day and signed with SHA-256.
//
//   CA      CN=<name>, basicConstraints critical CA:TRUE, keyUsage keyCertSign+cRLSign
//   leaf    CN=<first name>, CA:FALSE, digitalSignature, serverAuth,
//           subjectAltName as given ("IP:127.0.0.1", "DNS:localhost, DNS:example.invalid")
#pragma once

#include <openssl/types.h>

#include <string>

namespace chipreg::testing {

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key (PKCS#8, unencrypted)
};

class TestCa {
 public:
  // Makes the CA and writes its certificate and key into `dir` as <stem>.pem and
  // <stem>.key. Throws std::runtime_error on any OpenSSL failure.
  TestCa(std::string dir, const std::string& common_name, const std::string& stem = "ca");
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;
  ~TestCa();

  const std::string& cert_file() const { return files_.cert; }

  // Issues a server certificate for `subject_alt_name`, written into the CA's directory as
  // <stem>.pem and <stem>.key.
  CertFiles issue(const std::string& subject_alt_name, const std::string& stem) const;

 private:
  std::string dir_;
  CertFiles files_;
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

}  // namespace chipreg::testing
