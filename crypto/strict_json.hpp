// Strict JSON: the one reader of JSON that comes from outside (request bodies, DSSE
// envelopes and the statements they sign, scenarios, JSON Lines imports). It is RFC 8259
// as Boost.JSON reads it, plus two refusals Boost.JSON does not make:
//
//   DUPLICATE_KEY  an object names the same member twice. Boost.JSON keeps the last one, so
//                  two readers of the same bytes could see two different facts (a signed
//                  statement with "cost_fen": 100, "cost_fen": 999999999999). I-JSON
//                  (RFC 7493 §2.3) and RFC 8785 forbid it; so do we.
//   BAD_PRECISION  a non-integer number with more decimals than `max_decimals` (the
//                  contract's numbers with a fraction are percentages, at most 4 decimals).
//                  Boost.JSON would round 24.99999999999999999999 to the double 25.0, past
//                  the threshold the value was below. Trailing zeros and the exponent count
//                  (2.5e-3 has 4 decimals, 1.50000 has 1).
//
// Syntax errors are BAD_JSON. Every message names the line and column; Error::line is set.
// It lives in crypto/, the lowest compiled layer, because the DSSE envelope parser uses it.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

#include "base/result.hpp"

namespace chipreg {

struct StrictJsonOptions {
  std::size_t max_depth = 32;  // deeper nesting is BAD_JSON
  int max_decimals = 4;        // see BAD_PRECISION above; < 0: no limit
};

// Parses exactly one JSON value from `text` (trailing data other than whitespace is BAD_JSON).
Result<boost::json::value> parse_strict_json(std::string_view text, const StrictJsonOptions& options = {});

}  // namespace chipreg
