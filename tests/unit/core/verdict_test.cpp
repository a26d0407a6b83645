#include <gtest/gtest.h>

#include "ltsign/verdict.hpp"

namespace ltsign {
namespace {

TEST(Verdict, SpellingFollowsEn319102) {
    EXPECT_EQ(to_string(Indication::total_passed), "TOTAL_PASSED");
    EXPECT_EQ(to_string(Indication::total_failed), "TOTAL_FAILED");
    EXPECT_EQ(to_string(Indication::indeterminate), "INDETERMINATE");
    EXPECT_EQ(to_string(SubIndication::hash_failure), "HASH_FAILURE");
    EXPECT_EQ(to_string(SubIndication::crypto_constraints_failure_no_poe),
              "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
    EXPECT_EQ(to_string(SubIndication::none), "");
}

TEST(Verdict, NamesRoundTrip) {
    for (int i = 0; i <= static_cast<int>(SubIndication::generic); ++i) {
        const auto sub = static_cast<SubIndication>(i);
        const auto back = sub_indication_from_string(to_string(sub));
        ASSERT_TRUE(back.has_value()) << i;
        EXPECT_EQ(*back, sub);
    }
    EXPECT_FALSE(sub_indication_from_string("NOT_A_SUBINDICATION").has_value());
}

TEST(Verdict, SeverityOrdersPassedIndeterminateFailed) {
    EXPECT_LT(severity(Indication::total_passed), severity(Indication::indeterminate));
    EXPECT_LT(severity(Indication::indeterminate), severity(Indication::total_failed));
}

}  // namespace
}  // namespace ltsign
