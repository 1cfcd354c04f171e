// Ed25519, ECDSA P-256 and SM2 keys and signatures on OpenSSL 3 EVP (see keys.hpp).
//
// Every OpenSSL object lives in a unique_ptr with its free function; every OpenSSL failure
// becomes an Error carrying the library's error-queue text, and the queue is drained so a
// stale entry never leaks into an unrelated later report.
#include "crypto/keys.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cassert>
#include <cstring>
#include <mutex>
#include <string>

#include "crypto/encoding.hpp"
#include "crypto/openssl_util.hpp"

namespace chipreg::crypto {

struct PublicKey::Impl {
  PkeyPtr pkey;
  std::string keyid;  // cached: computed once at load, asked for on every envelope
  // A verification context initialized once (algorithm fetch, SM2 ID) and copied for
  // each verify: EVP_DigestVerifyInit costs about as much as an Ed25519 verify.
  // Protected by proto_mu; null until the first verify.
  std::mutex proto_mu;
  MdCtxPtr proto;
};

struct PrivateKey::Impl {
  PkeyPtr pkey;
};

namespace {

// Which of our three algorithms `pkey` is; BAD_KEY for anything else (RSA, other curves).
Result<Alg> classify(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return Alg::kEd25519;
  if (EVP_PKEY_is_a(pkey, "SM2")) return Alg::kSm2;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      return openssl_error("BAD_KEY", "EC key without a named curve");
    }
    const std::string name(group, len);
    if (name == "prime256v1" || name == "P-256") return Alg::kEcdsaP256;
    if (name == "SM2") return Alg::kSm2;
    return Error("BAD_KEY", "unsupported EC curve '" + name + "' (expected P-256 or SM2)");
  }
  return Error("BAD_KEY", "unsupported key type (expected ed25519, ecdsa-p256 or sm2)");
}

Result<Bytes> spki_der_of(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(pkey, &der);
  if (n <= 0) return openssl_error("CRYPTO_ERROR", "encoding SubjectPublicKeyInfo");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// Sets up `md` for signing or verifying with `pkey` under `alg`'s rules: Ed25519 takes no
// digest (pure), ECDSA hashes with SHA-256, SM2 with SM3 after Z computed from the
// distinguishing ID. The ID goes on the PKEY context that the Init call creates and `md`
// owns (OpenSSL 3 applies it at the first update, so setting it after Init is in time; a
// context attached with EVP_MD_CTX_set_pkey_ctx instead would stay the caller's to free).
Status digest_init(EVP_MD_CTX* md, EVP_PKEY* pkey, Alg alg, bool sign) {
  const EVP_MD* digest = nullptr;
  if (alg == Alg::kEcdsaP256) digest = EVP_sha256();
  if (alg == Alg::kSm2) digest = EVP_sm3();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  const int rc = sign ? EVP_DigestSignInit(md, &pctx, digest, nullptr, pkey)
                      : EVP_DigestVerifyInit(md, &pctx, digest, nullptr, pkey);
  if (rc != 1) return openssl_error("CRYPTO_ERROR", sign ? "EVP_DigestSignInit" : "EVP_DigestVerifyInit");
  if (alg == Alg::kSm2 && EVP_PKEY_CTX_set1_id(pctx, kSm2DistId.data(), kSm2DistId.size()) <= 0) {
    return openssl_error("CRYPTO_ERROR", "setting the SM2 distinguishing ID");
  }
  return Status::Ok();
}

}  // namespace

Result<Alg> parse_alg(std::string_view name) {
  if (name == "ed25519") return Alg::kEd25519;
  if (name == "ecdsa-p256") return Alg::kEcdsaP256;
  if (name == "sm2") return Alg::kSm2;
  return Error("BAD_ALG", "unknown algorithm '" + std::string(name.substr(0, 32)) +
                              "' (expected ed25519, ecdsa-p256 or sm2)");
}

std::string_view alg_name(Alg alg) {
  switch (alg) {
    case Alg::kEd25519: return "ed25519";
    case Alg::kEcdsaP256: return "ecdsa-p256";
    case Alg::kSm2: return "sm2";
  }
  return "?";
}

std::vector<std::string> alg_names() {
  std::vector<std::string> names;
  for (Alg alg : {Alg::kEd25519, Alg::kEcdsaP256, Alg::kSm2}) names.emplace_back(alg_name(alg));
  return names;
}

// ---- PublicKey ---------------------------------------------------------------------

namespace {

Result<PublicKey> make_public(PkeyPtr pkey) {
  auto alg = classify(pkey.get());
  if (!alg) return alg.error();
  auto der = spki_der_of(pkey.get());
  if (!der) return der.error();
  auto impl = std::make_shared<PublicKey::Impl>();
  impl->keyid = hex(sha256(der->data(), der->size()));
  impl->pkey = std::move(pkey);
  return PublicKey::wrap(std::move(impl), *alg);
}

}  // namespace

PublicKey PublicKey::wrap(std::shared_ptr<Impl> impl, Alg alg) {
  PublicKey k;
  k.impl_ = std::move(impl);
  k.alg_ = alg;
  return k;
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  clear_openssl_errors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error("CRYPTO_ERROR", "BIO_new_mem_buf");
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return openssl_error("BAD_KEY", "not a PEM SubjectPublicKeyInfo public key");
  return make_public(std::move(pkey));
}

Result<PublicKey> PublicKey::from_spki_der(const Bytes& der) {
  clear_openssl_errors();
  const unsigned char* p = der.data();
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return openssl_error("BAD_KEY", "not a DER SubjectPublicKeyInfo public key");
  if (p != der.data() + der.size()) return Error("BAD_KEY", "trailing bytes after SubjectPublicKeyInfo");
  return make_public(std::move(pkey));
}

Result<PublicKey> PublicKey::ed25519_from_raw(const Bytes& raw32) {
  clear_openssl_errors();
  if (raw32.size() != 32) return Error("BAD_KEY", "an Ed25519 public key is 32 bytes");
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw32.data(), raw32.size()));
  if (!pkey) return openssl_error("BAD_KEY", "Ed25519 raw public key");
  return make_public(std::move(pkey));
}

std::string PublicKey::to_pem() const {
  assert(impl_);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    clear_openssl_errors();
    return {};
  }
  return bio_to_string(bio.get());
}

Bytes PublicKey::spki_der() const {
  assert(impl_);
  auto der = spki_der_of(impl_->pkey.get());
  return der ? *der : Bytes{};
}

std::string PublicKey::keyid() const {
  assert(impl_);
  return impl_->keyid;
}

Bytes PublicKey::raw_ed25519() const {
  assert(impl_ && alg_ == Alg::kEd25519);
  Bytes out(32);
  std::size_t n = out.size();
  if (EVP_PKEY_get_raw_public_key(impl_->pkey.get(), out.data(), &n) != 1 || n != 32) {
    clear_openssl_errors();
    return {};
  }
  return out;
}

Status PublicKey::verify(std::string_view message, const Bytes& sig) const {
  assert(impl_);
  clear_openssl_errors();
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) return openssl_error("CRYPTO_ERROR", "EVP_MD_CTX_new");
  {
    std::lock_guard<std::mutex> lock(impl_->proto_mu);
    if (!impl_->proto) {
      MdCtxPtr proto(EVP_MD_CTX_new());
      if (!proto) return openssl_error("CRYPTO_ERROR", "EVP_MD_CTX_new");
      if (auto st = digest_init(proto.get(), impl_->pkey.get(), alg_, /*sign=*/false); !st) return st;
      impl_->proto = std::move(proto);
    }
    if (EVP_MD_CTX_copy_ex(md.get(), impl_->proto.get()) != 1) {
      return openssl_error("CRYPTO_ERROR", "EVP_MD_CTX_copy_ex");
    }
  }
  const int rc = EVP_DigestVerify(md.get(), sig.data(), sig.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc == 1) return Status::Ok();
  if (rc == 0) {
    clear_openssl_errors();
    return Error("BAD_SIGNATURE", std::string(alg_name(alg_)) + " signature does not verify");
  }
  // -1 and friends: a malformed signature (bad DER) or a library failure.
  return openssl_error("BAD_SIGNATURE", std::string(alg_name(alg_)) + " signature is malformed");
}

// ---- PrivateKey --------------------------------------------------------------------

PrivateKey PrivateKey::wrap(std::shared_ptr<Impl> impl, Alg alg) {
  PrivateKey k;
  k.impl_ = std::move(impl);
  k.alg_ = alg;
  return k;
}

namespace {

Result<PrivateKey> make_private(PkeyPtr pkey) {
  auto alg = classify(pkey.get());
  if (!alg) return alg.error();
  auto impl = std::make_shared<PrivateKey::Impl>();
  impl->pkey = std::move(pkey);
  return PrivateKey::wrap(std::move(impl), *alg);
}

}  // namespace

Result<PrivateKey> PrivateKey::generate(Alg alg) {
  clear_openssl_errors();
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case Alg::kEd25519: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case Alg::kEcdsaP256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case Alg::kSm2: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"); break;
  }
  PkeyPtr pkey(raw);
  if (!pkey) return openssl_error("CRYPTO_ERROR", "generating a " + std::string(alg_name(alg)) + " key");
  return make_private(std::move(pkey));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  clear_openssl_errors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error("CRYPTO_ERROR", "BIO_new_mem_buf");
  // PEM_read_bio_PrivateKey reads PKCS#8 and the traditional SEC1 "EC PRIVATE KEY" form.
  // A null passphrase callback with an empty password makes encrypted keys fail instead
  // of prompting on the terminal.
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  if (!pkey) return openssl_error("BAD_KEY", "not an unencrypted PEM private key");
  return make_private(std::move(pkey));
}

Result<PrivateKey> PrivateKey::ed25519_from_seed(const Bytes& seed32) {
  clear_openssl_errors();
  if (seed32.size() != 32) return Error("BAD_KEY", "an Ed25519 seed is 32 bytes");
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size()));
  if (!pkey) return openssl_error("BAD_KEY", "Ed25519 raw private key");
  return make_private(std::move(pkey));
}

std::string PrivateKey::to_pem() const {
  assert(impl_);
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") for every key type in 3.0.
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    clear_openssl_errors();
    return {};
  }
  return bio_to_string(bio.get());
}

PublicKey PrivateKey::public_key() const {
  assert(impl_);
  // Round-trip through the SPKI so the public key holds no private material.
  auto der = spki_der_of(impl_->pkey.get());
  assert(der);
  auto pub = PublicKey::from_spki_der(*der);
  assert(pub);
  return *pub;
}

Result<Bytes> PrivateKey::sign(std::string_view message) const {
  assert(impl_);
  clear_openssl_errors();
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) return openssl_error("CRYPTO_ERROR", "EVP_MD_CTX_new");
  if (auto st = digest_init(md.get(), impl_->pkey.get(), alg_, /*sign=*/true); !st) return st.error();
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  std::size_t len = 0;
  if (EVP_DigestSign(md.get(), nullptr, &len, msg, message.size()) != 1) {
    return openssl_error("CRYPTO_ERROR", "EVP_DigestSign (size)");
  }
  Bytes sig(len);
  if (EVP_DigestSign(md.get(), sig.data(), &len, msg, message.size()) != 1) {
    return openssl_error("CRYPTO_ERROR", "EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

Bytes PrivateKey::raw_ed25519_seed() const {
  assert(impl_ && alg_ == Alg::kEd25519);
  Bytes out(32);
  std::size_t n = out.size();
  if (EVP_PKEY_get_raw_private_key(impl_->pkey.get(), out.data(), &n) != 1 || n != 32) {
    clear_openssl_errors();
    return {};
  }
  return out;
}

}  // namespace chipreg::crypto
