#include <gtest/gtest.h>

#include "ltsign/time.hpp"

namespace ltsign {
namespace {

struct TimeCase {
    const char* text;
    const char* utc;  // nullptr: must be rejected
};

void PrintTo(const TimeCase& c, std::ostream* os) {
    *os << '"' << c.text << '"';
}

class Rfc3339 : public ::testing::TestWithParam<TimeCase> {};

TEST_P(Rfc3339, ParsesOrRejects) {
    const auto& c = GetParam();
    const auto parsed = parse_rfc3339(c.text);
    if (c.utc == nullptr) {
        EXPECT_FALSE(parsed.has_value()) << c.text;
    } else {
        ASSERT_TRUE(parsed.has_value()) << c.text;
        EXPECT_EQ(format_rfc3339(*parsed), c.utc);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Rfc3339,
    ::testing::Values(TimeCase{"2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z"},
                      TimeCase{"2026-03-01t12:00:00z", "2026-03-01T12:00:00Z"},
                      TimeCase{"2026-03-01T12:00:00+01:00", "2026-03-01T11:00:00Z"},
                      TimeCase{"2026-03-01T00:30:00-02:30", "2026-03-01T03:00:00Z"},
                      TimeCase{"2026-03-01T12:00:00.123456Z", "2026-03-01T12:00:00Z"},
                      TimeCase{"2026-03-01", "2026-03-01T00:00:00Z"},
                      TimeCase{"2008-12-31T23:59:59Z", "2008-12-31T23:59:59Z"},
                      TimeCase{"2060-01-01T00:00:00Z", "2060-01-01T00:00:00Z"},
                      TimeCase{"2026-02-30T00:00:00Z", nullptr},
                      TimeCase{"2026-03-01T12:00:00", nullptr},
                      TimeCase{"2026-03-01T25:00:00Z", nullptr}, TimeCase{"2026-3-1", nullptr},
                      TimeCase{"yesterday", nullptr}, TimeCase{"", nullptr},
                      TimeCase{"2026-03-01T12:00:00Zjunk", nullptr},
                      TimeCase{"2026-03-01T12:00:00.Z", nullptr}));

}  // namespace
}  // namespace ltsign
