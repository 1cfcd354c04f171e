// Exact decimal lexical -> fen (see exact_number.hpp).
#include "importers/exact_number.hpp"

#include <limits>
#include <string>

namespace chipreg::importers {

Result<std::int64_t> lexical_to_fen(std::string_view text, std::string_view field) {
  const std::string name = field.empty() ? std::string("amount") : std::string(field);
  auto fail = [&](const char* why) {
    return Error("BAD_AMOUNT", name + ": '" + std::string(text.substr(0, 40)) + "' " + why, name);
  };
  std::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  // Mantissa: the significant digits (leading zeros dropped) and how many were after '.'.
  std::string digits;
  std::int64_t fraction = 0;
  bool any = false, point = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (point) ++fraction;
      if (!(digits.empty() && c == '0')) digits += c;
      if (digits.size() > 400) return fail("has too many digits");
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return fail("is not a number");
  std::int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    const std::size_t start = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      // Past a million the value is 0 or out of range anyway; stop growing.
      if (exponent < 1'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (i == start) return fail("is not a number (an exponent without digits)");
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return fail("is not a number");
  if (digits.empty()) return 0;  // zero, whatever its exponent
  // value = digits x 10^(exponent - fraction); fen = digits x 10^scale.
  std::int64_t scale = exponent - fraction + 2;
  while (scale < 0) {
    if (digits.back() != '0') return fail("is not a whole number of fen (at most two decimals)");
    digits.pop_back();
    ++scale;
  }
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t v = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return fail("is beyond the largest amount");
    v = v * 10 + d;
  }
  for (std::int64_t k = 0; k < scale; ++k) {
    if (v > kMax / 10) return fail("is beyond the largest amount");
    v *= 10;
  }
  const auto fen = static_cast<std::int64_t>(v);
  return negative ? -fen : fen;
}

}  // namespace chipreg::importers
