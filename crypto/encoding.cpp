#include "crypto/encoding.hpp"

#include <array>

namespace chipreg::crypto {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

Result<Bytes> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return Error("BAD_HEX", "hex string has odd length");
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error("BAD_HEX", "not a hex digit at offset " + std::to_string(2 * i));
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8 | data[i + 2];
    out += kStd[v >> 18];
    out += kStd[(v >> 12) & 63];
    out += kStd[(v >> 6) & 63];
    out += kStd[v & 63];
  }
  if (n - i == 1) {
    const unsigned v = unsigned(data[i]) << 16;
    out += kStd[v >> 18];
    out += kStd[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8;
    out += kStd[v >> 18];
    out += kStd[(v >> 12) & 63];
    out += kStd[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<Bytes> unbase64(std::string_view text) {
  auto bad = [](const std::string& why) { return Error("BAD_BASE64", "invalid base64: " + why); };
  // Strip padding, which must be at the end and make the length a multiple of four.
  std::size_t end = text.size();
  std::size_t pad = 0;
  while (end > 0 && text[end - 1] == '=') {
    --end;
    ++pad;
  }
  if (pad > 2) return bad("too much padding");
  if (pad > 0 && text.size() % 4 != 0) return bad("padding does not complete a quantum");
  if (end % 4 == 1) return bad("impossible length");
  bool std_alpha = false;
  bool url_alpha = false;
  Bytes out;
  out.reserve(end / 4 * 3 + 2);
  unsigned acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const char c = text[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '/') { v = c == '+' ? 62 : 63; std_alpha = true; }
    else if (c == '-' || c == '_') { v = c == '-' ? 62 : 63; url_alpha = true; }
    else return bad("unexpected character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
    }
  }
  if (std_alpha && url_alpha) return bad("mixes the standard and URL-safe alphabets");
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return bad("non-zero trailing bits");
  return out;
}

}  // namespace chipreg::crypto
