// End-to-end test support: the standard small world the flow and error tests share —
// a foundry with a registered key, a design house with a chip and its signed first tape-out,
// an OEM that bought 3,390,000.00 元 (tax included) of that chip in 2025, another OEM, and a
// token per role.
#pragma once

#include <string>

#include "e2e/fixture.hpp"

namespace chipreg::testing {

struct World {
  std::string foundry, design, oem, other;  // USCCs
  std::string key_prefix, keyid;
  std::string tapeout_envelope, tapeout_id;
  std::string foundry_token, design_token, oem_token, other_token, reviewer_token;
  boost::json::object tapeout_predicate;
};

// Builds the world through the HTTP API (and the CLI for keys and signatures).
World build_world(Registry& reg);

}  // namespace chipreg::testing
