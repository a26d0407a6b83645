#include "ers/hash_tree.hpp"

#include <algorithm>
#include <map>

#include "crypto/digests.hpp"
#include "ltsign/language.hpp"

namespace ltsign::ers {

Bytes node_hash(const EVP_MD* md, std::vector<Bytes> children) {
    if (children.size() == 1) return std::move(children.front());
    // std::vector<unsigned char>'s operator< is the unsigned lexicographic order RFC 4998 asks for.
    std::sort(children.begin(), children.end());
    Bytes joined;
    for (const auto& c : children) joined.insert(joined.end(), c.begin(), c.end());
    return crypto::digest_bytes(md, joined);
}

Bytes node_hash_views(const EVP_MD* md, std::vector<ByteView> children) {
    if (children.size() == 1) return Bytes(children.front().begin(), children.front().end());
    std::sort(children.begin(), children.end(), [](ByteView a, ByteView b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    });
    crypto::Hasher h(md);
    for (const auto c : children) h.update(c);
    return h.final();
}

namespace {

// The distinct hashes of `nodes`, first occurrences in order; `index[i]` is where nodes[i] went.
std::vector<Bytes> distinct(std::vector<Bytes> nodes, std::vector<std::size_t>& index) {
    std::map<Bytes, std::size_t> seen;
    std::vector<Bytes> out;
    index.clear();
    index.reserve(nodes.size());
    for (auto& n : nodes) {
        const auto [it, fresh] = seen.try_emplace(n, out.size());
        if (fresh) out.push_back(std::move(n));
        index.push_back(it->second);
    }
    return out;
}

}  // namespace

HashTree::HashTree(const EVP_MD* md, std::vector<Bytes> leaves) {
    if (leaves.empty()) throw Error(Errc::usage, tr("a hash tree needs at least one document"));
    // Equal hashes share one node, on every level: with no two equal nodes side by side, no path
    // holds a sibling equal to the value computed so far, so no path depends on the reading of
    // RFC 4998 4.3 (issue 12 item 8). Identical documents, and the records of a batch sealed with
    // one time-stamp when they are renewed, share one leaf and one path.
    m_levels.push_back(distinct(std::move(leaves), m_leaf_index));
    while (m_levels.back().size() > 1) {
        const auto& below = m_levels.back();
        std::vector<Bytes> above;
        for (std::size_t i = 0; i < below.size(); i += 2) {
            if (i + 1 < below.size()) {
                above.push_back(node_hash(md, {below[i], below[i + 1]}));
            } else {
                above.push_back(below[i]);  // an odd node passes up unchanged
            }
        }
        m_parent.emplace_back();
        m_levels.push_back(distinct(std::move(above), m_parent.back()));
    }
}

std::vector<PartialHashtree> HashTree::reduced(std::size_t i) const {
    // The first list holds the document's hash alone: siblings go into the next list, so a record
    // covers its own document and never its neighbour's (both lead to the same root, since a
    // one-hash list passes up unchanged).
    std::size_t index = m_leaf_index.at(i);
    std::vector<PartialHashtree> out{{ByteView(m_levels[0][index])}};
    for (std::size_t level = 0; level + 1 < m_levels.size(); ++level) {
        const std::size_t sibling = index ^ 1u;
        if (sibling < m_levels[level].size()) out.push_back({ByteView(m_levels[level][sibling])});
        index = m_parent[level][index / 2];
    }
    return out;
}

std::optional<Bytes> root_from_reduced(const EVP_MD* md, const std::vector<PartialHashtree>& tree,
                                       ByteView start, JoinReading reading,
                                       bool* depends_on_reading) {
    if (depends_on_reading != nullptr) *depends_on_reading = false;
    if (tree.empty()) return Bytes(start.begin(), start.end());
    const auto& first = tree.front();
    const auto equal = [&](ByteView h) { return std::ranges::equal(h, start); };
    if (std::find_if(first.begin(), first.end(), equal) == first.end()) return std::nullopt;
    Bytes value = node_hash_views(md, first);
    std::vector<ByteView> node;
    for (std::size_t i = 1; i < tree.size(); ++i) {
        node.assign(tree[i].begin(), tree[i].end());
        // RFC 4998 4.3 step 3: the value so far joins the list (JoinReading for the two readings
        // of a list that already holds it).
        const bool held = std::any_of(node.begin(), node.end(),
                                      [&](ByteView h) { return std::ranges::equal(h, value); });
        if (held && depends_on_reading != nullptr) *depends_on_reading = true;
        if (!held || reading == JoinReading::always) node.push_back(value);
        value = node_hash_views(md, node);
    }
    return value;
}

}  // namespace ltsign::ers
