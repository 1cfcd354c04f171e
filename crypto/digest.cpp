#include "crypto/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>

namespace chipreg::crypto {
namespace {

[[noreturn]] void die(const char* what) {
  // Digest failures on in-memory data can only mean a broken OpenSSL installation.
  std::fprintf(stderr, "chipreg: fatal OpenSSL failure in %s\n", what);
  std::abort();
}

// One digest context per thread, re-initialized for every digest: creating and freeing a
// context (what EVP_Digest does inside) costs about as much as hashing a 500-byte leaf.
EVP_MD_CTX* thread_ctx() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) die("EVP_MD_CTX_new");
  return holder.ctx;
}

Digest32 digest_parts(const EVP_MD* md, std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = thread_ctx();
  if (md == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1) die("EVP_DigestInit_ex2");
  for (std::string_view p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) die("EVP_DigestUpdate");
  }
  Digest32 out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) die("EVP_DigestFinal_ex");
  return out;
}

Digest32 digest_with(const EVP_MD* md, const void* data, std::size_t n) {
  return digest_parts(md, {std::string_view(static_cast<const char*>(data), n)});
}

// The digests fetched from the default provider once: passing EVP_sha256() makes OpenSSL 3
// fetch the implementation again on every call, which costs more than hashing a short leaf.
// Never freed: they live as long as the process.
const EVP_MD* fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) die("EVP_MD_fetch");
  return md;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = fetched("SHA256");
  return md;
}
const EVP_MD* sm3_md() {
  static const EVP_MD* const md = fetched("SM3");
  return md;
}

}  // namespace

Digest32 sha256(std::string_view data) { return digest_with(sha256_md(), data.data(), data.size()); }
Digest32 sha256(const unsigned char* data, std::size_t n) { return digest_with(sha256_md(), data, n); }
Digest32 sm3(std::string_view data) { return digest_with(sm3_md(), data.data(), data.size()); }
Digest32 sha256_concat(std::initializer_list<std::string_view> parts) { return digest_parts(sha256_md(), parts); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) != 1) {
    die("EVP_DigestInit_ex");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

Sha256& Sha256::update(const void* data, std::size_t n) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n) != 1) die("EVP_DigestUpdate");
  return *this;
}

Digest32 Sha256::finish() {
  Digest32 out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len) != 1) die("EVP_DigestFinal_ex");
  return out;
}

Result<Bytes> random_bytes(std::size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    return Error("CRYPTO_ERROR", "RAND_bytes failed");
  }
  return out;
}

Status random_fill(std::span<unsigned char> out) {
  constexpr std::size_t kBlock = 4096;
  assert(out.size() <= 256);
  thread_local std::array<unsigned char, kBlock> block{};
  thread_local std::size_t used = kBlock;
  if (kBlock - used < out.size()) {
    if (RAND_bytes(block.data(), static_cast<int>(kBlock)) != 1) return Error("CRYPTO_ERROR", "RAND_bytes failed");
    used = 0;
  }
  std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(used), out.size(), out.begin());
  OPENSSL_cleanse(block.data() + used, out.size());
  used += out.size();
  return Status::Ok();
}

bool constant_time_equal(const unsigned char* a, const unsigned char* b, std::size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}

}  // namespace chipreg::crypto
