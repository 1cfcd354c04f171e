// Canonical JSON: the byte form chipreg logs and hashes. Objects have their keys sorted
// by byte value, there is no insignificant whitespace, strings are escaped minimally
// (as Boost.JSON's serializer does), and numbers are integers only. Two equal facts
// always yield the same bytes.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace chipreg {

// REQUIRES: `v` holds no floating-point numbers (money and counts are integers).
std::string canonical_json(const boost::json::value& v);

}  // namespace chipreg
