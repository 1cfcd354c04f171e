// The shared strings' temporary table: what goes in comes out, by index, in any order,
// across block boundaries and far past the cache's size.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "importers/string_table.hpp"

using chipreg::importers::StringTable;

namespace {

// The i-th test string: lengths 0 to ~300 bytes, with a 200 KiB one every 50,000th (longer
// than three blocks), UTF-8 included.
std::string nth(std::uint64_t i) {
  if (i % 50'000 == 7) return std::string(200 * 1024, static_cast<char>('a' + i % 26));
  std::string s = "发票" + std::to_string(i * 2654435761u);
  s.append(static_cast<std::size_t>(i % 300), static_cast<char>('A' + i % 26));
  return i % 97 == 0 ? std::string() : s;
}

}  // namespace

TEST_CASE("string table: 300,000 strings (about 50 MiB, 10x the cache) read back exactly, in order and at random") {
  auto created = StringTable::create();
  REQUIRE(created.ok());
  StringTable t = std::move(*created);
  constexpr std::uint64_t n = 300'000;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string s = nth(i);
    total += s.size();
    // In two pieces, as expat hands text over.
    REQUIRE(t.append(std::string_view(s).substr(0, s.size() / 2)).ok());
    REQUIRE(t.append(std::string_view(s).substr(s.size() / 2)).ok());
    REQUIRE(t.end_string().ok());
  }
  REQUIRE(t.finish().ok());
  REQUIRE(t.size() == n);
  CHECK(total > 10 * StringTable::kCacheBlocks * StringTable::kBlockBytes);

  std::string out;
  for (std::uint64_t i = 0; i < n; i += 1) {
    REQUIRE(t.get(i, out).ok());
    if (out != nth(i)) FAIL("string " << i << " differs");
  }
  // Random order: every lookup a likely cache miss.
  std::mt19937_64 rnd(42);
  for (int k = 0; k < 20'000; ++k) {
    const std::uint64_t i = rnd() % n;
    REQUIRE(t.get(i, out).ok());
    if (out != nth(i)) FAIL("string " << i << " differs at random lookup " << k);
  }
  // The sheet's pattern: a few hot strings between streaming new ones.
  for (std::uint64_t i = 0; i < n; i += 3) {
    REQUIRE(t.get(i, out).ok());
    CHECK(out == nth(i));
    REQUIRE(t.get(i % 5, out).ok());
    CHECK(out == nth(i % 5));
  }
}

TEST_CASE("string table: an empty table, and one empty string") {
  auto t = StringTable::create();
  REQUIRE(t.ok());
  REQUIRE(t->finish().ok());
  CHECK(t->size() == 0);
  auto u = StringTable::create();
  REQUIRE(u.ok());
  REQUIRE(u->end_string().ok());
  REQUIRE(u->append("x").ok());
  REQUIRE(u->end_string().ok());
  REQUIRE(u->finish().ok());
  std::string out = "junk";
  REQUIRE(u->get(0, out).ok());
  CHECK(out.empty());
  REQUIRE(u->get(1, out).ok());
  CHECK(out == "x");
}

TEST_CASE("string table: an unusable temporary directory is IO_ERROR naming it") {
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", "/nonexistent-chipreg-dir", 1);
  auto t = StringTable::create();
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == "IO_ERROR");
  CHECK(t.error().message.find("/nonexistent-chipreg-dir") != std::string::npos);
}
