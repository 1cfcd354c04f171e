// Rate: an exact percentage with up to four decimals, held as an integer count of
// 0.0001 % (so 25 % is 250'000 and 100 % is 1'000'000). Shareholdings and award rates
// both use it; comparisons are exact integer comparisons.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace chipreg {

class Rate {
 public:
  static constexpr std::int64_t kScale = 10'000;               // units per 1 %
  static constexpr std::int64_t kWhole = 100 * kScale;         // 100 %

  constexpr Rate() = default;
  static constexpr Rate units(std::int64_t u) { return Rate(u); }
  static constexpr Rate percent(std::int64_t p) { return Rate(p * kScale); }

  // "25", "25.5", "24.9999"; at most four decimals, no sign, no exponent.
  static Result<Rate> parse_percent(std::string_view text);
  // A JSON number as Boost.JSON delivers it. Accepts a double only when it is the
  // nearest double to a decimal with at most four places (so 24.99 is exactly 24.99 %).
  static Result<Rate> from_double_percent(double pct);

  constexpr std::int64_t units() const { return units_; }
  // "25.00%" style: at least two decimals, up to four when needed.
  std::string str() const;

  friend constexpr auto operator<=>(Rate, Rate) = default;
  friend constexpr Rate operator+(Rate a, Rate b) { return Rate(a.units_ + b.units_); }

 private:
  constexpr explicit Rate(std::int64_t u) : units_(u) {}
  std::int64_t units_ = 0;
};

}  // namespace chipreg
