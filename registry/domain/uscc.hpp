// Uscc: the 18-character unified social credit code (统一社会信用代码, GB 32100-2015).
//
//   offset  len  content
//   0       1    registration authority code (登记管理部门代码)
//   1       1    organization category code (机构类别代码)
//   2       6    administrative division code (行政区划码), digits
//   8       9    organization code (GB 11714): 8 body characters + mod-11 check
//   17      1    mod-31 check character over characters 0..16
//
// Characters come from "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, S, V, Z).
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace chipreg {

class Uscc {
 public:
  // Accepts exactly 18 characters (upper case) with both check characters correct.
  static Result<Uscc> parse(std::string_view text);
  // Completes a 16-character prefix (positions 0..7 and the 8 organization-code body
  // characters) with both check characters. Fails if the prefix has a character outside
  // the alphabet, or if the organization-code check would be a character the USCC
  // alphabet lacks. Used to mint codes for demo data and tests.
  static Result<Uscc> complete(std::string_view prefix16);

  const std::string& str() const { return code_; }
  friend bool operator==(const Uscc&, const Uscc&) = default;
  friend auto operator<=>(const Uscc&, const Uscc&) = default;

 private:
  explicit Uscc(std::string code) : code_(std::move(code)) {}
  std::string code_;
};

}  // namespace chipreg
