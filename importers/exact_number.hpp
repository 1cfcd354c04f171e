// Exact decimal lexicals -> int64 fen, with no floating point.
//
// Spreadsheet writers store numbers as text: Apache POI with Java's Double.toString
// ("1.2E7", "12000000.0", "1234.5", "-3.0E2"), Excel with up to 17 significant digits
// ("1234.5", "1.2E+7"). The value is read as the exact decimal it spells, so an amount
// is never rounded through a double:
//
//   lexical  := [+-]? mantissa exponent?
//   mantissa := digits ('.' digits?)? | '.' digits
//   exponent := ('e' | 'E') [+-]? digits
//
// fen = value x 100, which must be an integer (a value like 1.234 yuan is refused, not
// rounded) within int64. Leading and trailing ASCII blanks are allowed.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"

namespace chipreg::importers {

// The lexical's value in fen. Errors (field = `field`): BAD_AMOUNT when the text is not a
// number in the grammar above, when it is not a whole number of fen, or when it is beyond
// int64 fen.
Result<std::int64_t> lexical_to_fen(std::string_view text, std::string_view field = {});

}  // namespace chipreg::importers
