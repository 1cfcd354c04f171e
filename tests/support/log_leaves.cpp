#include "support/log_leaves.hpp"

#include <catch2/catch.hpp>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace chipreg::testing {

std::string stored_salt(db::Db& db, std::int64_t index) {
  auto st = db.prepare(
      "SELECT salt FROM log_entries WHERE idx = ?1 UNION ALL SELECT salt FROM purchases WHERE id = ?1 + 1 AND leaf_hash IS NOT NULL");
  REQUIRE(st.ok());
  st->bind(1, index);
  auto row = st->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  const auto blob = st->blob_view(0);
  return std::string(blob.begin(), blob.end());
}

std::string expected_commitment(const std::string& kind, const std::string& salt, const std::string& opening) {
  return "{\"commitment\":\"" + crypto::hex(crypto::sha256(salt + opening)) + "\",\"kind\":\"" + kind + "\",\"v\":2}";
}

std::string expected_leaf(db::Db& db, std::int64_t index, const std::string& kind, const std::string& opening) {
  const std::string salt = stored_salt(db, index);
  REQUIRE(salt.size() == 32);
  return expected_commitment(kind, salt, opening);
}

}  // namespace chipreg::testing
