// HMAC-SHA256 (RFC 2104 over SHA-256), through OpenSSL 3's EVP_MAC. Webhook deliveries
// sign their bodies with it (api/webhook_worker.hpp); receivers check with the same key.
#pragma once

#include <string_view>

#include "crypto/digest.hpp"

namespace chipreg::crypto {

// HMAC-SHA256 of the concatenation of `parts` under `key` (any length, empty allowed).
// Never fails for in-memory input: an EVP failure aborts, as for the digests (it means the
// OpenSSL installation is broken, not that the input was bad).
Digest32 hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

}  // namespace chipreg::crypto
