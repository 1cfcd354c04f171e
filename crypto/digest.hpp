// Message digests (SHA-256, SM3) and secure randomness, through OpenSSL 3 EVP.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace chipreg::crypto {

using Bytes = std::vector<unsigned char>;
using Digest32 = std::array<unsigned char, 32>;

// SHA-256 of the bytes. Never fails for in-memory input (an EVP failure aborts: it means
// the OpenSSL installation is broken, not that the input was bad).
Digest32 sha256(std::string_view data);
Digest32 sha256(const unsigned char* data, std::size_t n);
// SHA-256 of the parts' concatenation, on this thread's reused digest context (for short,
// frequent inputs such as Merkle leaves and nodes).
Digest32 sha256_concat(std::initializer_list<std::string_view> parts);
// SM3 (GB/T 32905-2016).
Digest32 sm3(std::string_view data);

// Incremental SHA-256 for inputs assembled in pieces (Merkle nodes, PAE).
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();
  Sha256& update(const void* data, std::size_t n);
  Sha256& update(std::string_view s) { return update(s.data(), s.size()); }
  Digest32 finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// n cryptographically secure random bytes (RAND_bytes).
Result<Bytes> random_bytes(std::size_t n);
// Fills `out` (at most 256 bytes) from a thread-local block of 4 KiB drawn from RAND_bytes:
// the same generator, one call per block instead of per request, for callers that take
// many small values (a salt per log leaf). Bytes handed out are wiped from the block.
// Errors: CRYPTO_ERROR.
Status random_fill(std::span<unsigned char> out);

// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
bool constant_time_equal(const unsigned char* a, const unsigned char* b, std::size_t n);

}  // namespace chipreg::crypto
