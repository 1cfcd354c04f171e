// Authentication on its own: Authorization value -> live token -> the caller's role.
#include <catch2/catch.hpp>

#include <string>

#include "api/auth.hpp"
#include "api/message.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::api;

namespace {

struct Tokens {
  testing::TempDir dir;
  db::Db db;
  std::string admin;
  std::string reviewer;

  Tokens() {
    auto d = db::Db::open(dir.file("t.db"));
    REQUIRE(d);
    db = std::move(*d);
    REQUIRE(store::migrate(db));
    auto a = store::create_token(db, "admin", std::nullopt, "ops");
    REQUIRE(a);
    admin = *a;
    auto r = store::create_token(db, "reviewer", std::nullopt);
    REQUIRE(r);
    reviewer = *r;
  }
};

}  // namespace

TEST_CASE("auth: a live bearer token authenticates as its own id, role and label") {
  Tokens t;
  auto who = authenticate(t.db, "Bearer " + t.admin);
  REQUIRE(who);
  CHECK(who->id == 1);
  CHECK(who->role == "admin");
  CHECK(who->label == "ops");
  CHECK_FALSE(who->enterprise);
  auto rev = authenticate(t.db, "bearer   " + t.reviewer + "  ");  // scheme in any case, spaces around
  REQUIRE(rev);
  CHECK(rev->id == 2);
  CHECK(rev->role == "reviewer");
  CHECK(actor(*rev) == "reviewer#2");
}

TEST_CASE("auth: no bearer token, another scheme, an unknown or a revoked token are 401 UNAUTHENTICATED") {
  Tokens t;
  auto missing = authenticate(t.db, "");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "UNAUTHENTICATED");
  CHECK(missing.error().message == "missing bearer token (Authorization: Bearer TOKEN)");
  auto basic = authenticate(t.db, "Basic " + t.admin);
  REQUIRE_FALSE(basic);
  CHECK(basic.error().message == "missing bearer token (Authorization: Bearer TOKEN)");
  auto glued = authenticate(t.db, "Bearer" + t.admin);  // no space after the scheme
  REQUIRE_FALSE(glued);
  CHECK(glued.error().code == "UNAUTHENTICATED");
  auto unknown = authenticate(t.db, "Bearer " + std::string(64, 'f'));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "UNAUTHENTICATED");
  CHECK(unknown.error().message == "unknown or revoked token");
  // One character off is unknown too.
  std::string near = t.admin;
  near.back() = near.back() == '0' ? '1' : '0';
  CHECK_FALSE(authenticate(t.db, "Bearer " + near));

  auto revoked = store::revoke_token(t.db, 2);
  REQUIRE(revoked);
  REQUIRE(*revoked);
  auto gone = authenticate(t.db, "Bearer " + t.reviewer);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message == "unknown or revoked token");
  // Every one of these is answered 401 with the error envelope.
  const Response r = error_response(gone.error());
  CHECK(r.status == 401);
  CHECK(r.body == R"({"error":{"code":"UNAUTHENTICATED","message":"unknown or revoked token"}})");
  CHECK(authenticate(t.db, "Bearer " + t.admin));  // the other token still works
}

TEST_CASE("auth: a token lookup that fails is the store's error, not a 401") {
  testing::TempDir dir;
  auto db = db::Db::open(dir.file("empty.db"));  // no schema: no tokens table
  REQUIRE(db);
  auto who = authenticate(*db, "Bearer " + std::string(64, 'a'));
  REQUIRE_FALSE(who);
  CHECK(who.error().code == "DB_ERROR");
  CHECK(error_response(who.error()).status == 500);
}
