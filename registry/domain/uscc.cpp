#include "registry/domain/uscc.hpp"

#include <array>

namespace chipreg {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};

// Index of c in the USCC alphabet, or -1.
int uscc_value(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// GB 11714 value: digits 0–9, letters A=10 … Z=35; -1 otherwise.
int org_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

char org_check(std::string_view body8) {
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += org_value(body8[i]) * kOrgWeights[i];
  const int c = 11 - sum % 11;
  if (c == 11) return '0';
  if (c == 10) return 'X';
  return static_cast<char>('0' + c);
}

char uscc_check(std::string_view first17) {
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += uscc_value(first17[i]) * kUsccWeights[i];
  const int c = (31 - sum % 31) % 31;
  return kAlphabet[static_cast<std::size_t>(c)];
}

Status check_alphabet(std::string_view s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (uscc_value(s[i]) < 0) {
      const auto b = static_cast<unsigned char>(s[i]);
      static constexpr char kHex[] = "0123456789ABCDEF";
      const std::string shown = b > 0x20 && b < 0x7F ? "'" + std::string(1, s[i]) + "'"
                                                      : std::string("byte 0x") + kHex[b >> 4] + kHex[b & 0xF];
      return Error("BAD_USCC", "character " + std::to_string(i + 1) + " (" + shown +
                                   ") is not allowed in a USCC (digits and upper-case letters other than I, O, S, V, Z)");
    }
  }
  for (std::size_t i = 2; i < 8 && i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return Error("BAD_USCC", "characters 3–8 (administrative division) must be digits");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Uscc> Uscc::parse(std::string_view text) {
  if (text.size() != 18) {
    return Error("BAD_USCC", "a USCC has 18 characters, got " + std::to_string(text.size()));
  }
  if (auto st = check_alphabet(text, 18); !st) return st.error();
  if (org_check(text.substr(8, 8)) != text[16]) {
    return Error("BAD_USCC", "organization code check digit (character 17) is wrong in '" + std::string(text) + "'");
  }
  if (uscc_check(text.substr(0, 17)) != text[17]) {
    return Error("BAD_USCC", "check character (character 18) is wrong in '" + std::string(text) + "'");
  }
  return Uscc(std::string(text));
}

Result<Uscc> Uscc::complete(std::string_view prefix16) {
  if (prefix16.size() != 16) return Error("BAD_USCC", "a USCC prefix has 16 characters");
  if (auto st = check_alphabet(prefix16, 16); !st) return st.error();
  std::string code(prefix16);
  code += org_check(code.substr(8, 8));
  code += uscc_check(code);
  return Uscc(std::move(code));
}

}  // namespace chipreg
