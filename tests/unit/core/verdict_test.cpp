#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

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

// Note codes are a contract (DESIGN.md, Verdicts): each has one distinct name, and the JSON schema
// of the report lists exactly those names.
TEST(Verdict, NoteCodesHaveDistinctNamesTheSchemaLists) {
    std::set<std::string> names;
    for (int i = 0; i <= static_cast<int>(NoteCode::ingest_recorded); ++i) {
        const std::string name(to_string(static_cast<NoteCode>(i)));
        EXPECT_FALSE(name.empty()) << i;
        EXPECT_TRUE(names.insert(name).second) << name << " is used twice";
    }
    std::ifstream in(std::filesystem::path(LTSIGN_SOURCE_DIR) / "schemas" /
                     "verify-report.schema.json");
    const auto schema = nlohmann::json::parse(in);
    std::set<std::string> listed;
    for (const auto& n : schema["$defs"]["signature"]["properties"]["noteCodes"]["items"]["enum"])
        listed.insert(n.get<std::string>());
    EXPECT_EQ(listed, names);
}

}  // namespace
}  // namespace ltsign
