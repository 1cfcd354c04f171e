// Specifications of the buffered random source (crypto::random_fill) that salts log leaves.
#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <string>

#include "crypto/digest.hpp"

using namespace chipreg;

TEST_CASE("random_fill: salts drawn across many blocks are all distinct and never the wiped zeros") {
  std::set<std::string> seen;
  const std::string zeros(32, '\0');
  // 1,000 salts of 32 bytes: about eight 4 KiB blocks, each refilled when used up.
  for (int i = 0; i < 1000; ++i) {
    std::array<unsigned char, 32> salt{};
    REQUIRE(crypto::random_fill(salt).ok());
    std::string s(salt.begin(), salt.end());
    CHECK(s != zeros);
    seen.insert(s);
  }
  CHECK(seen.size() == 1000);
  // Requests of other sizes straddle a block's end: the block is refilled, never overrun.
  for (int i = 0; i < 100; ++i) {
    std::array<unsigned char, 200> big{};
    REQUIRE(crypto::random_fill(big).ok());
    CHECK(std::string(big.begin(), big.end()) != std::string(200, '\0'));
  }
}
