// Canonical JSON: the byte form chipreg logs and hashes. Objects have their keys sorted
// by byte value, there is no insignificant whitespace, strings are escaped minimally
// (as Boost.JSON's serializer does), integers are written in full and floating-point
// numbers (a scenario's equity pct) as ECMAScript writes them: this is RFC 8785 (JCS) for
// the ASCII keys chipreg uses. Two equal facts always yield the same bytes.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace chipreg {

// REQUIRES: every double in `v` is finite. Log leaves hold no doubles at all (money and
// counts are integers); facts bundles hold pct values such as 24.99.
std::string canonical_json(const boost::json::value& v);
// canonical_json(v) appended to `out`.
void append_canonical_json(std::string& out, const boost::json::value& v);
// canonical_json(o) appended to `out`, except that the value of member `key` (a
// placeholder in `o`) is what `write_member` appends: for a writer whose one large member (a
// claim's lines, a bundle's purchases) is written directly instead of built as values.
// REQUIRES: `write_member` appends the canonical form of that member's value.
void append_canonical_object(std::string& out, const boost::json::object& o, std::string_view key,
                             const std::function<void(std::string&)>& write_member);

// The pieces, for writers that emit a fixed-shape fact without building a JSON value first
// (the purchase leaf). Each appends exactly what canonical_json writes for that value.
void append_json_string(std::string& out, std::string_view s);
void append_json_int(std::string& out, std::int64_t v);
// RFC 8785 §3.2.2.3 (ECMAScript Number::toString): 24.99, 1e+21, 0.0001, 1e-7.
// REQUIRES: std::isfinite(v).
void append_json_double(std::string& out, double v);

}  // namespace chipreg
