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

// Issue 12 item 8: equal leaves (identical documents, or the records of a batch sealed with one
// time-stamp when renewed) and equal inner nodes share one node, so no later list of a path
// holds the value computed so far and both readings of RFC 4998 4.3 lead to the root.
class EqualNodes : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(EqualNodes, NoPathDependsOnTheReading) {
    std::vector<Bytes> leaves;
    for (const auto& s : GetParam()) leaves.push_back(h(s));
    const HashTree tree(EVP_sha256(), leaves);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        for (const auto reading : {JoinReading::always, JoinReading::when_absent}) {
            bool depends = true;
            const auto root =
                root_from_reduced(EVP_sha256(), tree.reduced(i), leaves[i], reading, &depends);
            ASSERT_TRUE(root.has_value()) << i;
            EXPECT_EQ(*root, tree.root()) << i;
            EXPECT_FALSE(depends) << i;
        }
        // Equal leaves get the same path.
        for (std::size_t k = 0; k < leaves.size(); ++k) {
            if (leaves[k] != leaves[i]) continue;
            const auto a = tree.reduced(i), b = tree.reduced(k);
            ASSERT_EQ(a.size(), b.size());
            for (std::size_t l = 0; l < a.size(); ++l)
                EXPECT_TRUE(std::ranges::equal(a[l].front(), b[l].front())) << i << " " << k;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Batches, EqualNodes,
    ::testing::Values(std::vector<std::string>{"same", "same"},
                      std::vector<std::string>{"same", "same", "same", "same", "same"},
                      std::vector<std::string>{"a", "b", "a", "b"},
                      std::vector<std::string>{"a", "a", "b", "c", "c", "d", "a"}));

TEST(EqualNodes, AllLeavesEqualMakeATreeOfOne) {
    const HashTree tree(EVP_sha256(), {h("same"), h("same"), h("same")});
    EXPECT_EQ(tree.size(), 1u);
    EXPECT_EQ(tree.root(), h("same"));
}

TEST(EqualNodes, ALeafEqualToAnInnerNodeIsMergedToo) {
    // A document whose bytes are two other leaves joined hashes to their parent node: a writer
    // that kept both would put the value computed so far beside itself.
    Bytes a = h("a"), b = h("b");
    if (b < a) std::swap(a, b);
    Bytes joined = a;
    joined.insert(joined.end(), b.begin(), b.end());
    const Bytes c = crypto::digest_bytes(EVP_sha256(), joined);
    const std::vector<Bytes> leaves{a, b, c};
    const HashTree tree(EVP_sha256(), leaves);
    EXPECT_EQ(tree.root(), c);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        bool depends = true;
        EXPECT_EQ(root_from_reduced(EVP_sha256(), tree.reduced(i), leaves[i],
                                    JoinReading::when_absent, &depends),
                  tree.root());
        EXPECT_FALSE(depends) << i;
    }
}

TEST(JoinReadings, AListHoldingTheValueSoFarIsReadTwoWays) {
    // What ltsign wrote before issue 12 item 8 for two identical documents.
    const Bytes x = h("same");
    const std::vector<PartialHashtree> tree{{ByteView(x)}, {ByteView(x)}};
    bool depends = false;
    const auto always = root_from_reduced(EVP_sha256(), tree, x, JoinReading::always, &depends);
    EXPECT_TRUE(depends);
    const auto absent = root_from_reduced(EVP_sha256(), tree, x, JoinReading::when_absent);
    EXPECT_EQ(absent, x);
    EXPECT_EQ(always, node_hash(EVP_sha256(), {x, x}));
    EXPECT_NE(always, absent);
}

}  // namespace
}  // namespace ltsign::ers
