// Canonical JSON: the byte form chipreg logs and hashes. Objects have their keys sorted
// by byte value, there is no insignificant whitespace, strings are escaped minimally
// (as Boost.JSON's serializer does), and numbers are integers only. Two equal facts
// always yield the same bytes.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace chipreg {

// REQUIRES: `v` holds no floating-point numbers (money and counts are integers).
std::string canonical_json(const boost::json::value& v);

// The pieces, for writers that emit a fixed-shape fact without building a JSON value first
// (the purchase leaf). Each appends exactly what canonical_json writes for that value.
void append_json_string(std::string& out, std::string_view s);
void append_json_int(std::string& out, std::int64_t v);

}  // namespace chipreg
