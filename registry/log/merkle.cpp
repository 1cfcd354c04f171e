// RFC 9162 §2.1 hashing and proofs over complete-subtree hashes (see merkle.hpp).
#include "registry/log/merkle.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <string>

namespace chipreg::tlog {
namespace {

// The largest power of two strictly below n. REQUIRES: n >= 2.
std::uint64_t split_point(std::uint64_t n) {
  assert(n >= 2);
  return std::uint64_t{1} << (std::bit_width(n - 1) - 1);
}

// MTH(D[a:b]) for a range that occurs in the RFC's recursion: `a` is a multiple of the
// smallest power of two >= b - a, so the range splits into complete aligned subtrees of
// decreasing size (the binary digits of b - a), folded from the right.
Result<Hash> range_hash(const NodeSource& nodes, std::uint64_t a, std::uint64_t b) {
  assert(b > a);
  Hash pieces[64];
  int count = 0;
  std::uint64_t cursor = a;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if (((b - a) & width) == 0) continue;
    assert(cursor % width == 0);
    auto h = nodes(level, cursor >> level);
    if (!h) return h.error();
    pieces[count++] = *h;
    cursor += width;
  }
  Hash acc = pieces[count - 1];
  for (int i = count - 2; i >= 0; --i) acc = node_hash(pieces[i], acc);
  return acc;
}

Error bad_proof(const std::string& why) { return Error("BAD_PROOF", why); }

bool equal(const Hash& a, const Hash& b) { return crypto::constant_time_equal(a.data(), b.data(), a.size()); }

}  // namespace

Hash leaf_hash(std::string_view entry) { return crypto::sha256_concat({std::string_view("\x00", 1), entry}); }

Hash node_hash(const Hash& left, const Hash& right) {
  auto bytes = [](const Hash& h) { return std::string_view(reinterpret_cast<const char*>(h.data()), h.size()); };
  return crypto::sha256_concat({std::string_view("\x01", 1), bytes(left), bytes(right)});
}

Hash empty_root() { return crypto::sha256(std::string_view()); }

Result<Hash> root(const NodeSource& nodes, std::uint64_t size) {
  if (size == 0) return empty_root();
  return range_hash(nodes, 0, size);
}

Result<std::vector<Hash>> inclusion_proof(const NodeSource& nodes, std::uint64_t index, std::uint64_t size) {
  if (index >= size) {
    return Error("NOT_FOUND", "leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size),
                 "index");
  }
  std::vector<Hash> path;
  std::uint64_t lo = 0;
  std::uint64_t hi = size;
  while (hi - lo > 1) {
    assert(lo <= index && index < hi);
    const std::uint64_t k = split_point(hi - lo);
    Result<Hash> sibling = index < lo + k ? range_hash(nodes, lo + k, hi) : range_hash(nodes, lo, lo + k);
    if (!sibling) return sibling.error();
    if (index < lo + k) hi = lo + k;
    else lo = lo + k;
    path.push_back(*sibling);
  }
  assert(path.size() <= 64 && "a path has one hash per level of a tree of at most 2^64 leaves");
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Hash>> consistency_proof(const NodeSource& nodes, std::uint64_t from, std::uint64_t to) {
  if (from > to) {
    return Error("BAD_REQUEST", "from (" + std::to_string(from) + ") is greater than to (" + std::to_string(to) + ")",
                 "from");
  }
  std::vector<Hash> path;
  if (from == 0 || from == to) return path;
  // SUBPROOF(from, D[lo:hi], complete) unrolled; collected root-first, then reversed.
  std::uint64_t lo = 0;
  std::uint64_t hi = to;
  bool complete = true;  // the RFC's `b`: D[lo:hi] is still a subtree of the old tree's root
  for (;;) {
    const std::uint64_t n = hi - lo;
    const std::uint64_t m = from - lo;
    assert(lo < from && m <= n && "the old tree's edge stays inside D[lo:hi]");
    if (m == n) {
      if (!complete) {
        auto h = range_hash(nodes, lo, hi);
        if (!h) return h.error();
        path.push_back(*h);
      }
      break;
    }
    const std::uint64_t k = split_point(n);
    if (m <= k) {
      auto h = range_hash(nodes, lo + k, hi);
      if (!h) return h.error();
      path.push_back(*h);
      hi = lo + k;
    } else {
      auto h = range_hash(nodes, lo, lo + k);
      if (!h) return h.error();
      path.push_back(*h);
      lo = lo + k;
      complete = false;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Status verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf, const std::vector<Hash>& path,
                        const Hash& root) {
  if (index >= size) return bad_proof("leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return bad_proof("inclusion path is longer than the tree is deep");
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_proof("inclusion path is shorter than the tree is deep");
  if (!equal(r, root)) return bad_proof("inclusion path does not lead to the root");
  return Status::Ok();
}

Status verify_consistency(std::uint64_t from, std::uint64_t to, const Hash& old_root, const Hash& new_root,
                          const std::vector<Hash>& path) {
  if (from > to) return bad_proof("old size " + std::to_string(from) + " is greater than new size " + std::to_string(to));
  if (from == to) {
    if (!path.empty()) return bad_proof("equal sizes need an empty consistency path");
    if (!equal(old_root, new_root)) return bad_proof("equal sizes but different roots");
    return Status::Ok();
  }
  if (from == 0) {
    if (!path.empty()) return bad_proof("consistency with the empty tree needs an empty path");
    return Status::Ok();
  }
  if (path.empty()) return bad_proof("consistency path is empty");
  std::vector<Hash> p;
  p.reserve(path.size() + 1);
  if (std::has_single_bit(from)) p.push_back(old_root);
  p.insert(p.end(), path.begin(), path.end());
  std::uint64_t fn = from - 1;
  std::uint64_t sn = to - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0];
  Hash sr = p[0];
  for (std::size_t i = 1; i < p.size(); ++i) {
    const Hash& c = p[i];
    if (sn == 0) return bad_proof("consistency path is longer than the tree is deep");
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad_proof("consistency path is shorter than the tree is deep");
  if (!equal(fr, old_root)) return bad_proof("consistency path does not lead to the old root");
  if (!equal(sr, new_root)) return bad_proof("consistency path does not lead to the new root");
  return Status::Ok();
}

void MemoryTree::append_leaf_hash(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (std::size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    const Hash parent = node_hash(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

NodeSource MemoryTree::source() const {
  return [this](int level, std::uint64_t index) -> Result<Hash> {
    const auto l = static_cast<std::size_t>(level);
    if (l >= levels_.size() || index >= levels_[l].size()) {
      return Error("LOG_CORRUPT", "missing subtree hash at level " + std::to_string(level) + " index " + std::to_string(index));
    }
    return levels_[l][index];
  };
}

}  // namespace chipreg::tlog
