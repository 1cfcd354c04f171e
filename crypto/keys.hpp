// Asymmetric keys and signatures through OpenSSL 3 EVP: Ed25519 (pure), ECDSA P-256 with
// SHA-256 (DER signatures) and SM2 with SM3 (DER signatures, distinguishing ID
// "1234567812345678", set explicitly). Keys load and save as PEM: PKCS#8 for private
// keys, SubjectPublicKeyInfo for public keys. A keyid is the lowercase hex SHA-256 of the
// public key's DER SubjectPublicKeyInfo.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "crypto/digest.hpp"

namespace chipreg::crypto {

enum class Alg { kEd25519, kEcdsaP256, kSm2 };
// "ed25519", "ecdsa-p256", "sm2"; error code BAD_ALG otherwise.
Result<Alg> parse_alg(std::string_view name);
std::string_view alg_name(Alg alg);
// Every algorithm's name, in the order above (for the command line's allowed values).
std::vector<std::string> alg_names();

// SM2's distinguishing ID as the contract fixes it.
inline constexpr std::string_view kSm2DistId = "1234567812345678";

class PublicKey {
 public:
  // PEM SubjectPublicKeyInfo of one of the three algorithms; anything else is
  // BAD_KEY (including P-256 keys on other curves and RSA).
  static Result<PublicKey> from_pem(std::string_view pem);
  static Result<PublicKey> from_spki_der(const Bytes& der);
  static Result<PublicKey> ed25519_from_raw(const Bytes& raw32);

  Alg alg() const { return alg_; }
  std::string to_pem() const;
  Bytes spki_der() const;
  std::string keyid() const;  // hex SHA-256 of spki_der()
  // The raw 32-byte Ed25519 public key. REQUIRES: alg() == Alg::kEd25519.
  Bytes raw_ed25519() const;

  // OK when `sig` is a valid signature of `message` (for SM2/ECDSA over the digest the
  // algorithm prescribes). Error code BAD_SIGNATURE otherwise, with OpenSSL's reason.
  Status verify(std::string_view message, const Bytes& sig) const;

  struct Impl;  // holds the EVP_PKEY and the cached keyid
  // Internal to crypto/: builds a key around an already classified EVP_PKEY holder.
  static PublicKey wrap(std::shared_ptr<Impl> impl, Alg alg);
  // Internal to crypto/: the holder, for code that talks to EVP directly.
  const Impl* impl() const { return impl_.get(); }

 private:
  std::shared_ptr<Impl> impl_;
  Alg alg_ = Alg::kEd25519;
};

class PrivateKey {
 public:
  static Result<PrivateKey> generate(Alg alg);
  // PEM PKCS#8 ("BEGIN PRIVATE KEY"); also accepts SEC1 EC keys for convenience.
  static Result<PrivateKey> from_pem(std::string_view pem);
  static Result<PrivateKey> ed25519_from_seed(const Bytes& seed32);

  Alg alg() const { return alg_; }
  std::string to_pem() const;  // PKCS#8, unencrypted
  PublicKey public_key() const;
  Result<Bytes> sign(std::string_view message) const;
  // The raw 32-byte Ed25519 seed. REQUIRES: alg() == Alg::kEd25519.
  Bytes raw_ed25519_seed() const;

  struct Impl;
  // Internal to crypto/: builds a key around an already classified EVP_PKEY holder.
  static PrivateKey wrap(std::shared_ptr<Impl> impl, Alg alg);

 private:
  std::shared_ptr<Impl> impl_;
  Alg alg_ = Alg::kEd25519;
};

}  // namespace chipreg::crypto
