// End-to-end: the real binary's init, --help and --version.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using chipreg::testing::run_chipreg;

TEST_CASE("cli: init prints an admin token once, then migrates silently") {
  chipreg::testing::TempDir dir;
  auto first = run_chipreg({"init", "--db", dir.file("r.db")});
  REQUIRE(first.exit_code == 0);
  auto doc = boost::json::parse(first.out).as_object();
  CHECK(doc.at("admin_token").as_string().size() == 64);
  auto second = run_chipreg({"init", "--db", dir.file("r.db")});
  CHECK(second.exit_code == 0);
  CHECK(second.out.empty());
}

TEST_CASE("cli: usage errors exit 2 with a JSON error") {
  auto r = run_chipreg({"init"});
  CHECK(r.exit_code == 2);
  auto doc = boost::json::parse(r.err).as_object();
  CHECK(doc.at("error").at("code").as_string() == "USAGE");
  CHECK(run_chipreg({"frobnicate"}).exit_code == 2);
  CHECK(run_chipreg({"init", "--db"}).exit_code == 2);
}

TEST_CASE("cli: --help and --version") {
  auto help = run_chipreg({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("init --db PATH"));
  auto version = run_chipreg({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("chipreg 0."));
}
