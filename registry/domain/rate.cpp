#include "registry/domain/rate.hpp"

#include <cmath>

namespace chipreg {

Result<Rate> Rate::parse_percent(std::string_view text) {
  auto bad = [&] {
    return Error("BAD_PERCENT", "not a percentage with at most four decimals: '" + std::string(text) + "'");
  };
  if (text.empty() || text.size() > 24) return bad();
  std::int64_t whole = 0;
  std::size_t i = 0;
  std::size_t int_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    whole = whole * 10 + (text[i] - '0');
    if (whole > 1'000'000'000) return bad();
  }
  if (int_digits == 0) return bad();
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size()) {
    if (text[i] != '.') return bad();
    ++i;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || frac_digits == 4) return bad();
      frac = frac * 10 + (text[i] - '0');
      ++frac_digits;
    }
    if (frac_digits == 0) return bad();
  }
  for (int d = frac_digits; d < 4; ++d) frac *= 10;
  return Rate(whole * kScale + frac);
}

Result<Rate> Rate::from_double_percent(double pct) {
  if (!std::isfinite(pct) || pct < 0 || pct > 1e6) {
    return Error("BAD_PERCENT", "percentage out of range");
  }
  const double scaled = pct * static_cast<double>(kScale);
  const double nearest = std::nearbyint(scaled);
  // Below 1e6 % a double carries ~1e-10 absolute precision after scaling, so a decimal
  // with at most four places lands within 1e-6 of an integer; anything further away
  // had more than four decimals.
  if (std::fabs(scaled - nearest) > 1e-6) {
    return Error("BAD_PERCENT", "percentage has more than four decimals");
  }
  return Rate(static_cast<std::int64_t>(nearest));
}

std::string Rate::str() const {
  const std::int64_t abs = units_ < 0 ? -units_ : units_;
  std::string frac = std::to_string(abs % kScale);
  frac.insert(0, 4 - frac.size(), '0');
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  std::string out = units_ < 0 ? "-" : "";
  out += std::to_string(abs / kScale);
  out += '.';
  out += frac;
  out += '%';
  return out;
}

}  // namespace chipreg
