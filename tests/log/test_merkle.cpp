// The pure RFC 9162 tree: the shared vectors, then seeded property tests on random sizes.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "crypto/encoding.hpp"
#include "registry/log/merkle.hpp"
#include "support/temp_dir.hpp"

using chipreg::tlog::Hash;
using chipreg::tlog::MemoryTree;
namespace tlog = chipreg::tlog;

namespace {

boost::json::object load_vectors() {
  return boost::json::parse(chipreg::testing::read_file(std::string(CHIPREG_TEST_DATA) + "/vectors/merkle-rfc9162.json"))
      .as_object();
}

Hash hash_from_hex(const boost::json::value& v) {
  auto bytes = chipreg::crypto::unhex(std::string(v.as_string()));
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() == 32);
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::vector<Hash> path_from_json(const boost::json::value& v) {
  std::vector<Hash> out;
  for (const auto& e : v.as_array()) out.push_back(hash_from_hex(e));
  return out;
}

std::string hexof(const Hash& h) { return chipreg::crypto::hex(h); }

MemoryTree vector_tree(const boost::json::object& vec, std::size_t n) {
  MemoryTree t;
  const auto& leaves = vec.at("leaves_hex").as_array();
  for (std::size_t i = 0; i < n; ++i) {
    auto bytes = chipreg::crypto::unhex(std::string(leaves[i].as_string()));
    REQUIRE(bytes.ok());
    t.append(std::string(bytes->begin(), bytes->end()));
  }
  return t;
}

// The sides of an inclusion proof, root first, taken from the RFC's recursive definition
// (independently of the verifier): 'R' when the sibling is on the right.
std::string inclusion_shape(std::uint64_t m, std::uint64_t n) {
  std::string s;
  while (n > 1) {
    std::uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    if (m < k) s += 'R', n = k;
    else s += 'L', m -= k, n -= k;
  }
  return s;
}

// The same for SUBPROOF(m, D[n], b); 'T' marks the old subtree's own hash in the path.
std::string consistency_shape(std::uint64_t m, std::uint64_t n) {
  std::string s;
  bool b = true;
  if (m == 0 || m == n) return "empty";
  for (;;) {
    if (m == n) {
      if (!b) s += 'T';
      return s;
    }
    std::uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    if (m <= k) s += 'R', n = k;
    else s += 'L', m -= k, n -= k, b = false;
  }
}

Hash flip(Hash h, int bit) {
  h[static_cast<std::size_t>(bit / 8)] ^= static_cast<unsigned char>(1u << (bit % 8));
  return h;
}

}  // namespace

TEST_CASE("merkle: leaf and node hashes match the RFC 9162 vectors") {
  auto vec = load_vectors();
  const auto& leaves = vec.at("leaves_hex").as_array();
  const auto& hashes = vec.at("leaf_hashes").as_array();
  REQUIRE(leaves.size() == 8);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    auto bytes = chipreg::crypto::unhex(std::string(leaves[i].as_string()));
    REQUIRE(bytes.ok());
    CHECK(hexof(tlog::leaf_hash(std::string(bytes->begin(), bytes->end()))) == hashes[i].as_string());
  }
}

TEST_CASE("merkle: roots for sizes 0 to 8 match the vectors") {
  auto vec = load_vectors();
  const auto& roots = vec.at("roots_by_size").as_object();
  REQUIRE(roots.size() == 9);
  for (const auto& [size_text, want] : roots) {
    const std::size_t n = std::stoul(std::string(size_text));
    MemoryTree t = vector_tree(vec, n);
    auto r = tlog::root(t.source(), n);
    REQUIRE(r.ok());
    CHECK(hexof(*r) == want.as_string());
  }
  CHECK(hexof(tlog::empty_root()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("merkle: every vector inclusion proof is generated exactly and verifies") {
  auto vec = load_vectors();
  MemoryTree t = vector_tree(vec, 8);
  const auto& leaf_hashes = vec.at("leaf_hashes").as_array();
  const auto& roots = vec.at("roots_by_size").as_object();
  const auto& cases = vec.at("inclusion").as_array();
  REQUIRE(cases.size() == 36);
  for (const auto& c : cases) {
    const auto index = static_cast<std::uint64_t>(c.at("index").as_int64());
    const auto size = static_cast<std::uint64_t>(c.at("size").as_int64());
    INFO("index " << index << " size " << size);
    const auto want = path_from_json(c.at("path"));
    auto got = tlog::inclusion_proof(t.source(), index, size);
    REQUIRE(got.ok());
    CHECK(*got == want);
    const Hash root = hash_from_hex(roots.at(std::to_string(size)));
    CHECK(tlog::verify_inclusion(index, size, hash_from_hex(leaf_hashes[index]), want, root).ok());
  }
}

TEST_CASE("merkle: every vector consistency proof is generated exactly and verifies") {
  auto vec = load_vectors();
  MemoryTree t = vector_tree(vec, 8);
  const auto& roots = vec.at("roots_by_size").as_object();
  const auto& cases = vec.at("consistency").as_array();
  REQUIRE(cases.size() == 28);
  for (const auto& c : cases) {
    const auto from = static_cast<std::uint64_t>(c.at("from").as_int64());
    const auto to = static_cast<std::uint64_t>(c.at("to").as_int64());
    INFO("from " << from << " to " << to);
    const auto want = path_from_json(c.at("path"));
    auto got = tlog::consistency_proof(t.source(), from, to);
    REQUIRE(got.ok());
    CHECK(*got == want);
    CHECK(tlog::verify_consistency(from, to, hash_from_hex(roots.at(std::to_string(from))),
                                   hash_from_hex(roots.at(std::to_string(to))), want)
              .ok());
  }
}

TEST_CASE("merkle: out-of-range requests are errors with stable codes") {
  MemoryTree t;
  for (int i = 0; i < 5; ++i) t.append(std::to_string(i));
  auto inc = tlog::inclusion_proof(t.source(), 5, 5);
  REQUIRE_FALSE(inc.ok());
  CHECK(inc.error().code == "NOT_FOUND");
  auto con = tlog::consistency_proof(t.source(), 4, 3);
  REQUIRE_FALSE(con.ok());
  CHECK(con.error().code == "BAD_REQUEST");
  auto same = tlog::consistency_proof(t.source(), 5, 5);
  REQUIRE(same.ok());
  CHECK(same->empty());
  auto r5 = tlog::root(t.source(), 5);
  auto r4 = tlog::root(t.source(), 4);
  REQUIRE((r5.ok() && r4.ok()));
  CHECK(tlog::verify_consistency(5, 5, *r5, *r5, {}).ok());
  CHECK_FALSE(tlog::verify_consistency(5, 5, *r4, *r5, {}).ok());
  CHECK(tlog::verify_consistency(0, 5, tlog::empty_root(), *r5, {}).ok());
  CHECK_FALSE(tlog::verify_consistency(4, 5, *r4, *r5, {}).ok());  // empty path for a real step
  CHECK_FALSE(tlog::verify_inclusion(5, 5, tlog::leaf_hash("4"), {}, *r5).ok());
}

TEST_CASE("merkle: random sizes up to 10,000: proofs verify, every single-bit change fails") {
  std::mt19937_64 rng(20240917);  // seeded: failures reproduce
  MemoryTree t;
  constexpr std::uint64_t kMax = 10000;
  for (std::uint64_t i = 0; i < kMax; ++i) {
    std::string entry(static_cast<std::size_t>(rng() % 40), '\0');
    for (auto& ch : entry) ch = static_cast<char>(rng());
    t.append(entry);
  }
  auto nodes = t.source();
  std::vector<std::uint64_t> sizes = {1, 2, 3, 7, 8, 9, 1023, 1024, 1025, kMax};
  for (int i = 0; i < 14; ++i) sizes.push_back(1 + rng() % kMax);

  int size_flips_accepted = 0;
  for (const std::uint64_t size : sizes) {
    auto root = tlog::root(nodes, size);
    REQUIRE(root.ok());
    // Inclusion.
    const std::uint64_t index = rng() % size;
    INFO("size " << size << " index " << index);
    auto path = tlog::inclusion_proof(nodes, index, size);
    REQUIRE(path.ok());
    const Hash leaf = t.node(0, index);
    REQUIRE(tlog::verify_inclusion(index, size, leaf, *path, *root).ok());
    for (std::size_t p = 0; p < path->size(); ++p) {
      for (int bit = 0; bit < 256; ++bit) {
        auto bad = *path;
        bad[p] = flip(bad[p], bit);
        REQUIRE_FALSE(tlog::verify_inclusion(index, size, leaf, bad, *root).ok());
      }
    }
    for (int bit = 0; bit < 256; ++bit) {
      REQUIRE_FALSE(tlog::verify_inclusion(index, size, leaf, *path, flip(*root, bit)).ok());
      REQUIRE_FALSE(tlog::verify_inclusion(index, size, flip(leaf, bit), *path, *root).ok());
    }
    for (int bit = 0; bit < 64; ++bit) {
      const std::uint64_t other_index = index ^ (std::uint64_t{1} << bit);
      REQUIRE_FALSE(tlog::verify_inclusion(other_index, size, leaf, *path, *root).ok());
      // A bare size is bound only through the root (see merkle.hpp): a flipped size
      // verifies exactly when the tree has the same shape along this path.
      const std::uint64_t other_size = size ^ (std::uint64_t{1} << bit);
      const bool same_shape = index < other_size && other_size < (std::uint64_t{1} << 40) &&
                              inclusion_shape(index, other_size) == inclusion_shape(index, size);
      const bool accepted = tlog::verify_inclusion(index, other_size, leaf, *path, *root).ok();
      REQUIRE(accepted == same_shape);
      size_flips_accepted += accepted ? 1 : 0;
    }
    // Dropping or adding a path element fails.
    if (!path->empty()) {
      auto shorter = *path;
      shorter.pop_back();
      REQUIRE_FALSE(tlog::verify_inclusion(index, size, leaf, shorter, *root).ok());
    }
    auto longer = *path;
    longer.push_back(*root);
    REQUIRE_FALSE(tlog::verify_inclusion(index, size, leaf, longer, *root).ok());

    // Consistency from a random older size.
    const std::uint64_t from = 1 + rng() % size;
    INFO("from " << from);
    auto old_root = tlog::root(nodes, from);
    REQUIRE(old_root.ok());
    auto cpath = tlog::consistency_proof(nodes, from, size);
    REQUIRE(cpath.ok());
    REQUIRE(tlog::verify_consistency(from, size, *old_root, *root, *cpath).ok());
    if (from == size) continue;
    for (std::size_t p = 0; p < cpath->size(); ++p) {
      for (int bit = 0; bit < 256; ++bit) {
        auto bad = *cpath;
        bad[p] = flip(bad[p], bit);
        REQUIRE_FALSE(tlog::verify_consistency(from, size, *old_root, *root, bad).ok());
      }
    }
    for (int bit = 0; bit < 256; ++bit) {
      REQUIRE_FALSE(tlog::verify_consistency(from, size, flip(*old_root, bit), *root, *cpath).ok());
      REQUIRE_FALSE(tlog::verify_consistency(from, size, *old_root, flip(*root, bit), *cpath).ok());
    }
    for (int bit = 0; bit < 64; ++bit) {
      const std::uint64_t other_from = from ^ (std::uint64_t{1} << bit);
      const std::uint64_t other_to = size ^ (std::uint64_t{1} << bit);
      const bool from_same = other_from != 0 && other_from < size &&
                             consistency_shape(other_from, size) == consistency_shape(from, size);
      REQUIRE(tlog::verify_consistency(other_from, size, *old_root, *root, *cpath).ok() == from_same);
      const bool to_same = other_to > from && other_to < (std::uint64_t{1} << 40) &&
                           consistency_shape(from, other_to) == consistency_shape(from, size);
      const bool accepted = tlog::verify_consistency(from, other_to, *old_root, *root, *cpath).ok();
      REQUIRE(accepted == to_same);
      size_flips_accepted += accepted ? 1 : 0;
    }
  }
  // Most size flips change the shape and fail; the rest are the RFC's known latitude.
  CHECK(size_flips_accepted < static_cast<int>(sizes.size()) * 64 / 4);
}
