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
// cut from it. Equal hashes share one node on every level, so no path holds a sibling equal to
// the value computed so far: every reading of RFC 4998 4.3 (see JoinReading) gives the root.
class HashTree {
  public:
    HashTree(const EVP_MD* md, std::vector<Bytes> leaves);
    const Bytes& root() const { return m_levels.back().front(); }
    // Distinct leaves: 1 when every leaf is the same hash (then the root is that hash, and a
    // time-stamp over it needs no reduced tree).
    std::size_t size() const { return m_levels.front().size(); }
    // The reduced hash tree of the `i`th leaf given (RFC 4998 4.2): the leaf alone first, then one
    // list per level holding the sibling of the path, where there is one. Views into this tree.
    std::vector<PartialHashtree> reduced(std::size_t i) const;

  private:
    std::vector<std::vector<Bytes>> m_levels;  // m_levels[0] the leaves, back() the root alone
    std::vector<std::size_t> m_leaf_index;     // leaf given -> its node in m_levels[0]
    // m_parent[k][p]: the node in m_levels[k + 1] made from pair p of m_levels[k]
    std::vector<std::vector<std::size_t>> m_parent;
};

// RFC 4998 4.3 is read two ways when a later list already holds the value computed so far:
// the value joins the list anyway (then H(v || v) for a list of v alone), or only when absent
// (then a list of v alone passes v up unchanged). Implementations differ; ltsign writes no path
// where the two differ, and tells which reading a record it verifies needs.
enum class JoinReading { always, when_absent };

// RFC 4998 5.3 step 2/3: the value a reduced hash tree leads to from `start`. The first list
// must contain `start` (nullopt otherwise); each later list is joined by the value so far, as
// `reading` says. `depends_on_reading`, if given, is set when some later list held that value.
std::optional<Bytes> root_from_reduced(const EVP_MD* md, const std::vector<PartialHashtree>& tree,
                                       ByteView start, JoinReading reading = JoinReading::always,
                                       bool* depends_on_reading = nullptr);

}  // namespace ltsign::ers
