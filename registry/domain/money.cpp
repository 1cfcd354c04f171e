#include "registry/domain/money.hpp"

#include <limits>

namespace chipreg {
namespace {

__extension__ typedef __int128 Int128;

Error overflow(const char* what) {
  return Error("MONEY_OVERFLOW", std::string("amount overflows in ") + what);
}

}  // namespace

Result<Money> Money::parse_yuan(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error("BAD_AMOUNT", "not a yuan amount (" + why + "): '" + std::string(text) + "'");
  };
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  if (i == text.size()) return bad("empty");

  // Integer part, with optional thousands separators in groups of three.
  std::int64_t yuan = 0;
  std::size_t digits = 0;         // digits in the integer part
  std::size_t group = 0;          // digits since the last separator
  bool separated = false;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c == ',') {
      if (digits == 0 || (separated && group != 3) || (!separated && group > 3)) return bad("misplaced ','");
      separated = true;
      group = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("unexpected character");
    if (__builtin_mul_overflow(yuan, 10, &yuan) || __builtin_add_overflow(yuan, c - '0', &yuan)) {
      return bad("too large");
    }
    ++digits;
    ++group;
  }
  if (digits == 0) return bad("no digits");
  if (separated && group != 3) return bad("misplaced ','");

  std::int64_t cents = 0;
  if (i < text.size()) {
    ++i;  // '.'
    int places = 0;
    for (; i < text.size(); ++i, ++places) {
      const char c = text[i];
      if (c < '0' || c > '9') return bad("unexpected character");
      if (places == 2) return bad("more than two decimals");
      cents = cents * 10 + (c - '0');
    }
    if (places == 0) return bad("no decimals after '.'");
    if (places == 1) cents *= 10;
  }
  std::int64_t fen = 0;
  if (__builtin_mul_overflow(yuan, 100, &fen) || __builtin_add_overflow(fen, cents, &fen)) {
    return bad("too large");
  }
  return Money(negative ? -fen : fen);
}

Result<Money> Money::plus(Money other) const {
  std::int64_t r = 0;
  if (__builtin_add_overflow(fen_, other.fen_, &r)) return overflow("addition");
  return Money(r);
}

Result<Money> Money::minus(Money other) const {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(fen_, other.fen_, &r)) return overflow("subtraction");
  return Money(r);
}

Result<Money> Money::times(std::int64_t factor) const {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(fen_, factor, &r)) return overflow("multiplication");
  return Money(r);
}

Result<Money> Money::apply(Rate rate) const {
  const Int128 product = static_cast<Int128>(fen_) * rate.units();
  const Int128 whole = Rate::kWhole;
  Int128 q = product / whole;
  if (product % whole != 0 && product < 0) --q;  // round toward negative infinity
  if (q > std::numeric_limits<std::int64_t>::max() || q < std::numeric_limits<std::int64_t>::min()) {
    return overflow("rate application");
  }
  return Money(static_cast<std::int64_t>(q));
}

std::string Money::plain() const {
  // Work in unsigned space so INT64_MIN formats correctly.
  const bool negative = fen_ < 0;
  const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(fen_) : static_cast<std::uint64_t>(fen_);
  std::string digits = std::to_string(abs / 100);
  std::string out;
  out.reserve(digits.size() * 4 / 3 + 5);
  if (negative) out += '-';
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out.append(digits, 0, lead);
  for (std::size_t k = lead; k < digits.size(); k += 3) {
    out += ',';
    out.append(digits, k, 3);
  }
  const unsigned cents = static_cast<unsigned>(abs % 100);
  out += '.';
  out += static_cast<char>('0' + cents / 10);
  out += static_cast<char>('0' + cents % 10);
  return out;
}

}  // namespace chipreg
