// RFC 9162 §2.1 Merkle tree hashing, proof generation and proof verification, with no
// storage of its own.
//
// Hashing (SHA-256):
//   MTH({})        = SHA-256("")
//   leaf hash      = SHA-256(0x00 ‖ entry)
//   node hash      = SHA-256(0x01 ‖ left ‖ right)
//   MTH(D[0:n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
//
// Generation reads only hashes of *complete aligned subtrees*: the subtree at (level L,
// index i) covers leaves [i·2^L, (i+1)·2^L). A NodeSource supplies them (the SQLite log
// from `log_nodes`, MemoryTree from memory), so a root or a proof costs O(log n) reads and
// never touches all leaves. The hash of an incomplete right-edge subtree is folded from
// the complete subtrees it splits into.
//
// Proof paths are ordered as RFC 9162 writes them: from the leaf (or the old tree's
// subtree) upwards to the root.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "crypto/digest.hpp"

namespace chipreg::tlog {

using Hash = crypto::Digest32;

Hash leaf_hash(std::string_view entry);
Hash node_hash(const Hash& left, const Hash& right);
// MTH of the empty tree: SHA-256 of no bytes.
Hash empty_root();

// Supplies the hash of the complete subtree (level, index). Generation only asks for
// subtrees that are complete within the tree size it was given.
using NodeSource = std::function<Result<Hash>(int level, std::uint64_t index)>;

// MTH(D[0:size]). Size 0 yields empty_root().
Result<Hash> root(const NodeSource& nodes, std::uint64_t size);

// PATH(index, D[0:size]) per RFC 9162 §2.1.3.1.
// Errors: NOT_FOUND when index >= size.
Result<std::vector<Hash>> inclusion_proof(const NodeSource& nodes, std::uint64_t index, std::uint64_t size);

// PROOF(from, D[0:to]) per RFC 9162 §2.1.4.1. from == to and from == 0 give an empty path
// (nothing to prove). Errors: BAD_REQUEST when from > to.
Result<std::vector<Hash>> consistency_proof(const NodeSource& nodes, std::uint64_t from, std::uint64_t to);

// RFC 9162 §2.1.3.2. OK when `path` proves that the leaf with hash `leaf` sits at `index`
// in the tree of `size` leaves whose root is `root`; error BAD_PROOF otherwise (the
// message says which check failed).
//
// Note the RFC algorithm binds the size only through the root: a path can also verify
// for a different size whose tree has the same shape along that path. That is harmless
// because a checkpoint signs size and root together, and it is why callers verify
// against a signed checkpoint rather than a bare size.
Status verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                        const std::vector<Hash>& path, const Hash& root);

// RFC 9162 §2.1.4.2. OK when `path` proves the tree (from, old_root) is a prefix of the
// tree (to, new_root). Edge cases the RFC leaves to the caller: from == to needs an empty
// path and equal roots; from == 0 needs an empty path (every tree extends the empty one);
// from > to fails. Error code BAD_PROOF.
Status verify_consistency(std::uint64_t from, std::uint64_t to, const Hash& old_root, const Hash& new_root,
                          const std::vector<Hash>& path);

// An in-memory log holding every complete subtree hash, for tests, benchmarks and the
// audit's recomputation. Appending is amortized O(1) hashes.
class MemoryTree {
 public:
  void append(std::string_view entry) { append_leaf_hash(leaf_hash(entry)); }
  void append_leaf_hash(const Hash& leaf);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // The complete subtree (level, index). REQUIRES: it exists.
  const Hash& node(int level, std::uint64_t index) const { return levels_[static_cast<std::size_t>(level)][index]; }
  // Every level as stored (levels_[L][i] as in log_nodes).
  const std::vector<std::vector<Hash>>& levels() const { return levels_; }
  NodeSource source() const;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace chipreg::tlog
