// Errors as values for every chipreg library.
//
// A fallible function returns Result<T>: either a T or an Error. An Error carries a
// stable machine code (UPPER_SNAKE, e.g. "BAD_USCC"), a human message, and optionally the
// path of the offending field ("purchases[2].date") or a 1-based input line number.
// Exceptions stop at the program's edges (CLI main, HTTP handler boundary); inside the
// libraries failures travel as values and are checked at once:
//
//   auto date = Date::parse(text);
//   if (!date) return date.error();
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "base/utf8.hpp"

namespace chipreg {

struct Error {
  std::string code;     // stable, machine-readable, UPPER_SNAKE
  std::string message;  // for people; names the field or line where it can
  std::string field;    // path of the bad value, "" when not about one field
  long line = 0;        // 1-based input line, 0 when not about a line

  Error() = default;
  // Message and field are made well-formed UTF-8 here, once for every error, because they
  // often quote input (a bad value, a truncated name) and always end up in JSON.
  Error(std::string c, std::string m, std::string f = {}, long l = 0)
      : code(std::move(c)), message(utf8_repaired(std::move(m))), field(utf8_repaired(std::move(f))), line(l) {}

  // Returns a copy whose field path is prefixed by `outer` ("claims[0]" + "year").
  Error at(const std::string& outer) const {
    Error e = *this;
    if (e.field.empty()) e.field = outer;
    else if (!e.field.empty() && e.field.front() == '[') e.field = outer + e.field;
    else e.field = outer + "." + e.field;
    return e;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // REQUIRES: !ok()
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace chipreg
