// RFC 4998 hash trees (section 4.3): nodes hash the binary-sorted concatenation of their
// children; a node with one child passes its value up unchanged.
#pragma once

#include <optional>
#include <vector>

#include "ers/record.hpp"

namespace ltsign::ers {

// RFC 4998 4.3 steps 3-4: sort the hashes binary ascending (unsigned bytewise, a prefix first),
// concatenate, hash. One hash is returned unchanged.
Bytes node_hash(const EVP_MD* md, std::vector<Bytes> children);
// The same over views (what decoded records hold).
Bytes node_hash_views(const EVP_MD* md, std::vector<ByteView> children);

// A binary tree over `leaves` (document hashes), kept whole so each leaf's reduced tree can be
// cut from it.
class HashTree {
  public:
    HashTree(const EVP_MD* md, std::vector<Bytes> leaves);
    const Bytes& root() const { return m_levels.back().front(); }
    std::size_t size() const { return m_levels.front().size(); }
    // The reduced hash tree of leaf `i` (RFC 4998 4.2): the leaf alone first, then one list per
    // level holding the sibling of the path, where there is one. Views into this tree.
    std::vector<PartialHashtree> reduced(std::size_t i) const;

  private:
    std::vector<std::vector<Bytes>> m_levels;  // m_levels[0] the leaves, back() the root alone
};

// RFC 4998 5.3 step 2/3: the value a reduced hash tree leads to from `start`. The first list
// must contain `start` (nullopt otherwise); each later list is joined by the value so far.
std::optional<Bytes> root_from_reduced(const EVP_MD* md, const std::vector<PartialHashtree>& tree,
                                       ByteView start);

}  // namespace ltsign::ers
