// RFC 4998 hash trees: ordering, odd nodes, reduced trees, and the walk back to the root.
#include <gtest/gtest.h>

#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"

namespace ltsign::ers {
namespace {

Bytes h(const std::string& s) {
    return crypto::digest_bytes(
        EVP_sha256(), std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
}

TEST(NodeHash, SortsChildrenBinaryAscendingBeforeHashing) {
    const Bytes a = {0x01, 0xff}, b = {0x80, 0x00}, c = {0x01};
    // Unsigned order: 0x01 < 0x01ff (a prefix first) < 0x8000.
    Bytes joined = c;
    joined.insert(joined.end(), a.begin(), a.end());
    joined.insert(joined.end(), b.begin(), b.end());
    const auto expected = crypto::digest_bytes(EVP_sha256(), joined);
    EXPECT_EQ(node_hash(EVP_sha256(), {b, a, c}), expected);
    EXPECT_EQ(node_hash(EVP_sha256(), {a, c, b}), expected);
}

TEST(NodeHash, OneChildPassesUpUnchanged) {
    EXPECT_EQ(node_hash(EVP_sha256(), {h("x")}), h("x"));
}

class TreeSizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TreeSizes, EveryLeafsReducedTreeLeadsToTheRoot) {
    std::vector<Bytes> leaves;
    for (std::size_t i = 0; i < GetParam(); ++i)
        leaves.push_back(h("document " + std::to_string(i % 7)));  // duplicates too
    const HashTree tree(EVP_sha256(), leaves);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        const auto root = root_from_reduced(EVP_sha256(), tree.reduced(i), leaves[i]);
        ASSERT_TRUE(root.has_value()) << i;
        EXPECT_EQ(*root, tree.root()) << i;
    }
    // A hash that is not a leaf is not found in any first list.
    EXPECT_FALSE(root_from_reduced(EVP_sha256(), tree.reduced(0), h("not sealed")).has_value());
}

INSTANTIATE_TEST_SUITE_P(Sizes, TreeSizes, ::testing::Values(1, 2, 3, 4, 5, 7, 8, 9, 100, 1000));

TEST(HashTree, SingleLeafIsItsOwnRoot) {
    const HashTree tree(EVP_sha256(), {h("only")});
    EXPECT_EQ(tree.root(), h("only"));
}

TEST(HashTree, ChangedSiblingChangesTheRoot) {
    const HashTree tree(EVP_sha256(), {h("a"), h("b"), h("c")});
    auto reduced = tree.reduced(0);
    auto changed = Bytes(reduced.back().back().begin(), reduced.back().back().end());
    changed[0] ^= 1;
    reduced.back().back() = changed;
    EXPECT_NE(root_from_reduced(EVP_sha256(), reduced, h("a")).value(), tree.root());
}

}  // namespace
}  // namespace ltsign::ers
