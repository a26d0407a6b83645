// Evidence records that verifiers read differently, and what ltsign says about records it cannot
// accept (issue 12 items 8 and 13). Other toolkits' records are read from ../shared/corpus in
// place; variants of them are written to a temporary folder, never into the repository.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "helpers.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::q;

fs::path corpus(const std::string& file) {
    return test::corpus_dir() / file;
}

#define NEEDS_CORPUS() \
    if (test::corpus_dir().empty()) GTEST_SKIP() << "../shared/corpus is absent"

nlohmann::json record_of(const test::RunResult& r) {
    return nlohmann::json::parse(r.out)["files"][0]["signatures"][0];
}

bool has_note(const nlohmann::json& sig, const std::string& text) {
    for (const auto& n : sig["notes"]) {
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
}

// DSS's records renewed with h(d) || ha unsorted (RFC 4998 5.2 step 4), where h(d) sorts after
// ha: only the unsorted reading fits, and the report says so.
TEST(ErsHashOrder, UnsortedRenewalPassesBothAndUnsortedFailsSorted) {
    NEEDS_CORPUS();
    const std::string base = "verify " + q(corpus("ers-asn1/dss_1_1_Renew_Unsorted.er")) +
                             " --data " + q(corpus("data/data_123456.bin")) + " --json";
    for (const char* order : {"", " --ers-hash-order both", " --ers-hash-order unsorted"}) {
        const auto r = ltsign(base + order);
        ASSERT_NE(r.exit_code, 65) << r.err;
        const auto sig = record_of(r);
        EXPECT_NE(sig["indication"], "TOTAL_FAILED") << order << ": " << sig["explanation"];
        EXPECT_TRUE(has_note(sig, "verifies with unsorted concatenation")) << order;
    }
    const auto r = ltsign(base + " --ers-hash-order sorted");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    const auto sig = record_of(r);
    EXPECT_EQ(sig["subIndication"], "HASH_FAILURE");
    EXPECT_NE(sig["explanation"].get<std::string>().find("only with unsorted concatenation"),
              std::string::npos)
        << sig["explanation"];
}

TEST(ErsHashOrder, UnknownOrderIsAUsageError) {
    EXPECT_EQ(ltsign("verify x.ers --ers-hash-order upside-down").exit_code, 64);
}

// Issue 12 item 13 (a): a record given a document it does not cover says so once, for the
// record; its time-stamp entries say what their imprint is, and name no CLI option.
TEST(ErsMessages, RecordOfAnotherDocumentSaysSoOnceAndTruly) {
    NEEDS_CORPUS();
    const auto r = ltsign("verify " + q(corpus("ers-asn1/dss_er-asn1-simple.ers")) + " --data " +
                          q(corpus("data/data_0.bin")) + " --json");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const auto sig = record_of(r);
    EXPECT_EQ(sig["subIndication"], "HASH_FAILURE");
    EXPECT_NE(sig["explanation"].get<std::string>().find("does not cover the document given"),
              std::string::npos)
        << sig["explanation"];
    ASSERT_FALSE(sig["timestamps"].empty());
    for (const auto& ts : sig["timestamps"]) {
        const std::string why = ts["explanation"];
        EXPECT_EQ(why.find("was not given"), std::string::npos) << why;
        EXPECT_EQ(why.find("--data"), std::string::npos) << why;
        EXPECT_EQ(why.find("does not cover"), std::string::npos) << "said twice: " << why;
        EXPECT_NE(why.find("root hash"), std::string::npos) << why;
    }
}

TEST(ErsMessages, RecordWithoutItsDocumentNamesNoOption) {
    NEEDS_CORPUS();
    const auto r = ltsign("verify " + q(corpus("ers-asn1/dss_er-asn1-simple.ers")) + " --json");
    const auto sig = record_of(r);
    EXPECT_EQ(sig["subIndication"], "SIGNED_DATA_NOT_FOUND");
    EXPECT_EQ(sig["explanation"].get<std::string>().find("--"), std::string::npos)
        << sig["explanation"];
    for (const auto& ts : sig["timestamps"])
        EXPECT_EQ(ts["explanation"].get<std::string>().find("--"), std::string::npos);
}

// Issue 12 item 13 (b): a record of another version is an evidence record ltsign does not read,
// not "not a signature": exit 65 with the version.
TEST(ErsMessages, UnsupportedVersionIsNamed) {
    NEEDS_CORPUS();
    test::TempDir dir;
    auto der = test::read_bytes(corpus("ers-asn1/dss_er-asn1-simple.ers"));
    // EvidenceRecord ::= SEQUENCE { version INTEGER { v1(1) }, ...: the first INTEGER after the
    // outer header.
    const std::size_t header = (der[1] & 0x80) ? 2 + (der[1] & 0x7f) : 2;
    ASSERT_EQ(der[header], 0x02);
    ASSERT_EQ(der[header + 1], 0x01);
    ASSERT_EQ(der[header + 2], 0x01);
    der[header + 2] = 0x02;
    test::write_bytes(dir / "v2.ers", der);
    auto r = ltsign("verify " + q(dir / "v2.ers"));
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_NE((r.out + r.err).find("unsupported evidence-record version 2"), std::string::npos)
        << r.out << r.err;
    EXPECT_EQ((r.out + r.err).find("not a signature ltsign recognises"), std::string::npos);

    const auto bytes = test::read_bytes(corpus("ers-xml/dss_er-simple.xml"));
    std::string xml(bytes.begin(), bytes.end());
    const auto at = xml.find("Version=\"1.0\"");
    ASSERT_NE(at, std::string::npos);
    xml.replace(at, 13, "Version=\"2.0\"");
    test::write_text(dir / "v2.ers.xml", xml);
    r = ltsign("verify " + q(dir / "v2.ers.xml"));
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_NE((r.out + r.err).find("unsupported evidence-record version 2.0"), std::string::npos)
        << r.out << r.err;
}

// The manifest's `needs` column for a corpus file, or "" if it has no row.
std::string needs_of(const std::string& file) {
    std::ifstream in(test::corpus_dir() / "MANIFEST.tsv");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(file + "\t", 0) != 0) continue;
        return line.substr(line.rfind('\t') + 1);
    }
    return "";
}

// The base64 word after `alg` in `text` ("SHA256 SMP/0kaa...=").
std::string digest_after(const std::string& text, const std::string& alg) {
    std::stringstream words(text);
    std::string w;
    while (words >> w) {
        if (w == alg && (words >> w)) {
            while (!w.empty() && (w.back() == ';' || w.back() == ',')) w.pop_back();
            return w;
        }
    }
    return "";
}

// A record renewed from SHA-256 to SHA-384 covers one document known by both digests: given both
// at once (--data-digest ALG:B64,ALG:B64), the record is checked in full. The corpus has no copy
// of LKSG_4.pdf; its manifest row gives the two digests.
TEST(ErsDataDigests, RecordRenewedAcrossAlgorithmsCheckedByTwoDigestsOfOneObject) {
    NEEDS_CORPUS();
    const std::string file = "ers-asn1/dss_LKSG_4.ers";
    const std::string needs = needs_of(file);
    const std::string sha256 = digest_after(needs, "SHA256"),
                      sha384 = digest_after(needs, "SHA384");
    if (sha256.empty() || sha384.empty()) GTEST_SKIP() << "no digests for " << file;
    auto r = ltsign("verify " + q(corpus(file)) + " --data-digest sha256:" + sha256 +
                    ",sha384:" + sha384 + " --json");
    ASSERT_NE(r.exit_code, 65) << r.err;
    auto sig = record_of(r);
    // No trust anchor is given: at best INDETERMINATE for the TSA chain, never a hash failure,
    // never a missing document.
    EXPECT_NE(sig["indication"], "TOTAL_FAILED") << sig["explanation"];
    EXPECT_NE(sig["subIndication"], "SIGNED_DATA_NOT_FOUND") << sig["explanation"];
    EXPECT_TRUE(has_note(sig, "2 chain(s)")) << sig["notes"];

    // One digest alone leaves the SHA-384 chain unchecked, and says which digest is missing.
    r = ltsign("verify " + q(corpus(file)) + " --data-digest sha256:" + sha256 + " --json");
    sig = record_of(r);
    EXPECT_EQ(sig["subIndication"], "SIGNED_DATA_NOT_FOUND") << sig["explanation"];
    EXPECT_NE(sig["explanation"].get<std::string>().find("sha384"), std::string::npos)
        << sig["explanation"];
    // A wrong SHA-384 digest is a hash failure.
    std::string bad = sha384;
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    r = ltsign("verify " + q(corpus(file)) + " --data-digest sha256:" + sha256 + ",sha384:" + bad +
               " --json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
}

}  // namespace
}  // namespace ltsign
