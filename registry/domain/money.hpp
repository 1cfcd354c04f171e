// Money: an exact count of fen (1 元 = 100 fen) in an int64, with overflow-checked
// arithmetic. No floating point ever touches a Money.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "registry/domain/rate.hpp"

namespace chipreg {

class Money {
 public:
  // The largest amount the registry takes in one fact (a purchase line's amount or tax, a
  // tape-out's cost, another level's award): 10^12 fen, 100 亿元 (ten billion yuan), far
  // above any real chip purchase or mask set. Intake refuses larger ones (AMOUNT_TOO_LARGE),
  // so that a claim's sums, which add at most millions of such amounts, cannot overflow
  // int64 (9.2 x 10^18 fen) however the facts are combined.
  static constexpr std::int64_t kMaxIntakeFen = 1'000'000'000'000;

  constexpr Money() = default;
  static constexpr Money fen(std::int64_t f) { return Money(f); }
  // REQUIRES: |yuan| * 100 fits in int64.
  static constexpr Money yuan(std::int64_t y) { return Money(y * 100); }

  // Parses a yuan amount: optional '-', digits with optional ',' thousands separators
  // (groups of exactly three), optional '.' and one or two decimals.
  // "1,234,567.89", "0.1", "-5.00" are accepted; "1.234", "1,23", "", "1e5" are not.
  static Result<Money> parse_yuan(std::string_view text);

  constexpr std::int64_t fen() const { return fen_; }

  Result<Money> plus(Money other) const;
  Result<Money> minus(Money other) const;
  Result<Money> times(std::int64_t factor) const;
  // fen × rate, rounded down (toward negative infinity) to the fen.
  Result<Money> apply(Rate rate) const;

  // "1,234,567.89" and, with the unit, "1,234,567.89 元".
  std::string plain() const;
  std::string str() const { return plain() + " 元"; }

  friend constexpr auto operator<=>(Money, Money) = default;

 private:
  constexpr explicit Money(std::int64_t f) : fen_(f) {}
  std::int64_t fen_ = 0;
};

}  // namespace chipreg
