// Byte encodings: hex and base64 (standard and URL-safe alphabets).
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "crypto/digest.hpp"

namespace chipreg::crypto {

std::string hex(const unsigned char* data, std::size_t n);
inline std::string hex(const Bytes& b) { return hex(b.data(), b.size()); }
inline std::string hex(const Digest32& d) { return hex(d.data(), d.size()); }
// Lowercase or uppercase hex, even length; error code BAD_HEX.
Result<Bytes> unhex(std::string_view text);

// Standard alphabet with '=' padding (RFC 4648 §4).
std::string base64(const unsigned char* data, std::size_t n);
inline std::string base64(std::string_view s) {
  return base64(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}
inline std::string base64(const Bytes& b) { return base64(b.data(), b.size()); }
// Decodes the standard (+/) or URL-safe (-_) alphabet, padded or not. Rejects mixed
// alphabets, characters outside them, bad padding, non-zero trailing bits and an
// impossible length (error code BAD_BASE64).
Result<Bytes> unbase64(std::string_view text);

}  // namespace chipreg::crypto
