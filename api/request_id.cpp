// RequestIds: prefix-counter request ids (see request_id.hpp).
#include "api/request_id.hpp"

#include <cstdio>

namespace chipreg::api {

std::string RequestIds::next() {
  const std::uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(n));
  return prefix_ + "-" + hex;
}

}  // namespace chipreg::api
