// End to end: ltsign timestamp, sign --level T, extend, and what happens when the TSA is down.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "cms/cades_archive.hpp"
#include "crypto/digests.hpp"
#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

class TimestampCli : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
    }
    std::string key() const {
        return " --key " + q(pki("ec.p12")) +
               " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z ";
    }
    static std::string verify_opts() {
        return " --trust " + q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json ";
    }
    nlohmann::json verify_json(const fs::path& file, int expected_exit = 0) {
        const auto r = ltsign("verify " + q(file) + " --data " + q(doc) + verify_opts());
        EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
        return nlohmann::json::parse(r.out);
    }

    test::TempDir dir;
    fs::path doc;
    std::unique_ptr<test::TsaProcess> tsa;
};

TEST_F(TimestampCli, TimestampWritesATokenThatVerifies) {
    const auto r =
        ltsign("timestamp " + q(doc) + " --tsa " + tsa->url() + " -o " + q(dir / "b.tst"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = verify_json(dir / "b.tst");
    EXPECT_EQ(j["files"][0]["format"], "tst");
    EXPECT_EQ(j["files"][0]["signatures"][0]["type"], "timestamp");
    EXPECT_EQ(j["files"][0]["signatures"][0]["signingTime"], test::k_tsa_clock);
}

TEST_F(TimestampCli, SignLevelTIsBTWithTheTimestampListed) {
    const auto r = ltsign("sign " + q(doc) + key() + "--level T --tsa " + tsa->url() + " -o " +
                          q(dir / "b.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = verify_json(dir / "b.p7s");
    const auto& s = j["files"][0]["signatures"][0];
    EXPECT_EQ(s["level"], "B-T");
    EXPECT_EQ(s["indication"], "TOTAL_PASSED");
    EXPECT_EQ(s["bestSignatureTime"], test::k_tsa_clock);
    ASSERT_EQ(s["timestamps"].size(), 1u);
    EXPECT_EQ(s["timestamps"][0]["indication"], "TOTAL_PASSED");
    EXPECT_NE(ltsign("inspect " + q(dir / "b.p7s")).out.find("id-smime-aa-timeStampToken"),
              std::string::npos);
}

TEST_F(TimestampCli, ExtendToANewFileAndInPlace) {
    ASSERT_EQ(ltsign("sign " + q(doc) + key() + "-o " + q(dir / "b.p7s")).exit_code, 0);
    auto r = ltsign("extend " + q(dir / "b.p7s") + " --level T --tsa " + tsa->url() + " -o " +
                    q(dir / "t.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(verify_json(dir / "t.p7s")["files"][0]["signatures"][0]["level"], "B-T");
    EXPECT_EQ(verify_json(dir / "b.p7s")["files"][0]["signatures"][0]["level"],
              "B-B");  // input untouched
    r = ltsign("extend " + q(dir / "b.p7s") + " --level T --tsa " + tsa->url() + " --in-place");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(verify_json(dir / "b.p7s")["files"][0]["signatures"][0]["level"], "B-T");
    // Nothing but the two signatures (and the TSA's serial file) is left in the folder.
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir.path()))
        n += e.path().extension() == ".p7s" ? 1 : 0;
    EXPECT_EQ(n, 2u);
}

// CAdES-E-ERS (EN 319 122-3): an evidence record over the signature and its document, embedded
// in an id-aa-er-external attribute; it proves the signature existed, and what it covers cannot
// change unnoticed.
TEST_F(TimestampCli, ExtendEmbedsAnEvidenceRecordThatCoversSignatureAndDocument) {
    ASSERT_EQ(ltsign("sign " + q(doc) + key() + "-o " + q(dir / "b.p7s")).exit_code, 0);
    const auto before = test::read_bytes(dir / "b.p7s");
    auto r = ltsign("extend " + q(dir / "b.p7s") + " --level ERS --tsa " + tsa->url() + " -o " +
                    q(dir / "e.p7s"));
    EXPECT_EQ(r.exit_code, 66) << "a detached signature's record covers its document: " << r.err;
    r = ltsign("extend " + q(dir / "b.p7s") + " --level ERS --tsa " + tsa->url() + " --data " +
               q(doc) + " -o " + q(dir / "e.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(test::read_bytes(dir / "b.p7s"), before);
    auto j = verify_json(dir / "e.p7s");
    const auto& s = j["files"][0]["signatures"][0];
    ASSERT_EQ(s["timestamps"].size(), 1u) << j.dump(2);
    EXPECT_EQ(s["timestamps"][0]["type"], "evidence-record");
    EXPECT_EQ(s["timestamps"][0]["indication"], "TOTAL_PASSED") << j.dump(2);
    EXPECT_EQ(s["bestSignatureTime"], test::k_tsa_clock);

    const auto changed = dir / "changed.txt";
    test::write_text(changed, "Beslut: bygglov avslås.\n");
    r = ltsign("verify " + q(dir / "e.p7s") + " --data " + q(changed) + verify_opts());
    EXPECT_EQ(r.exit_code, 1) << r.out;

    // The document's hash inside the record, altered: the record no longer covers it.
    auto bytes = test::read_bytes(dir / "e.p7s");
    const auto digest = crypto::digest_bytes(EVP_sha256(), test::read_bytes(doc));
    const auto at = test::find_bytes(bytes, digest);
    ASSERT_NE(at, std::string::npos);
    bytes[at + 5] ^= 0x01;
    test::write_bytes(dir / "t.p7s", bytes);
    j = verify_json(dir / "t.p7s", 1);
    EXPECT_EQ(j["files"][0]["signatures"][0]["subIndication"], "HASH_FAILURE") << j.dump(2);
}

// Augmenting what other toolkits made: a DSS CAdES B-LT signature (its PKI long expired and not
// trusted here) taken to B-LTA with --force. The archive time-stamp covers DSS's encodings as
// they are, verifies, and openssl cms still accepts the signature itself.
TEST_F(TimestampCli, ExtendsASignatureFromAnotherToolkitToLta) {
    const auto corpus = test::corpus_dir();
    if (corpus.empty()) GTEST_SKIP() << "../shared/corpus is not here";
    const auto in = corpus / "cades" / "dss_Signature-C-LT.p7m";
    auto r = ltsign("extend " + q(in) + " --level LTA --tsa " + tsa->url() + " --trust " +
                    q(pki("root.pem")) + " -o " + q(dir / "lta.p7m"));
    EXPECT_EQ(r.exit_code, 2) << "refused: DSS's chain is not trusted here: " << r.err;
    EXPECT_FALSE(fs::exists(dir / "lta.p7m"));
    r = ltsign("extend " + q(in) + " --level LTA --force --tsa " + tsa->url() + " --trust " +
               q(pki("root.pem")) + " -o " + q(dir / "lta.p7m"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "lta.p7m") + verify_opts());
    const auto j = nlohmann::json::parse(r.out);
    const auto& s = j["files"][0]["signatures"][0];
    EXPECT_EQ(s["level"], "B-LTA") << j.dump(2);
    EXPECT_NE(s["indication"], "TOTAL_FAILED") << j.dump(2);
    bool archive_passed = false;
    for (const auto& t : s["timestamps"]) {
        archive_passed |= t["type"] == "archive-timestamp" && t["indication"] == "TOTAL_PASSED";
    }
    EXPECT_TRUE(archive_passed) << j.dump(2);
    const auto o = test::run("openssl cms -verify -noverify -binary -inform DER -in " +
                             q(dir / "lta.p7m") + " -out /dev/null");
    EXPECT_EQ(o.exit_code, 0) << o.err;
}

// Adversarial review: two records embedded within one second (the test TSA's clock stands
// still): the one appended later covers the first, the first does not cover the later one.
TEST_F(TimestampCli, TwoEvidenceRecordsOfTheSameSecondBothVerify) {
    ASSERT_EQ(ltsign("sign " + q(doc) + key() + "-o " + q(dir / "b.p7s")).exit_code, 0);
    for (const char* step : {"b.p7s e1.p7s", "e1.p7s e2.p7s"}) {
        std::istringstream names(step);
        std::string in, out;
        names >> in >> out;
        const auto r = ltsign("extend " + q(dir / in) + " --level ERS --tsa " + tsa->url() +
                              " --data " + q(doc) + " -o " + q(dir / out));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    const auto j = verify_json(dir / "e2.p7s");
    const auto& stamps = j["files"][0]["signatures"][0]["timestamps"];
    ASSERT_EQ(stamps.size(), 2u) << j.dump(2);
    for (const auto& t : stamps) EXPECT_EQ(t["indication"], "TOTAL_PASSED") << j.dump(2);
}

// Adversarial review: a renewal from a TSA whose clock is behind the record's last time-stamp
// would leave the record unverifiable (time-stamps out of order): refused, nothing written.
TEST_F(TimestampCli, RenewalFromATsaWhoseClockIsBehindIsRefused) {
    ASSERT_EQ(
        ltsign("seal " + q(doc) + " --tsa " + tsa->url() + " -o " + q(dir / "sealed")).exit_code,
        0);
    const auto record = dir / "sealed" / "beslut.txt.ers";
    const auto before = test::read_bytes(record);
    test::TsaProcess behind(dir / "serial-behind", "--test-clock 2026-06-01T12:00:00Z");
    const auto r = ltsign("renew " + q(record) + " --tsa " + behind.url());
    EXPECT_EQ(r.exit_code, 69) << r.err;
    EXPECT_NE(r.err.find("clock"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_bytes(record), before);
}

// Malformed long-term attributes: an archive-time-stamp-v3 or an embedded-record attribute whose
// value is no token / no record is damage to the signature (FORMAT_FAILURE), never ignored.
TEST_F(TimestampCli, MalformedArchiveTimeStampOrEmbeddedRecordIsAFormatFailure) {
    ASSERT_EQ(ltsign("sign " + q(doc) + key() + "-o " + q(dir / "b.p7s")).exit_code, 0);
    const auto bytes = test::read_bytes(dir / "b.p7s");
    const auto parts = cms::slice_signed_data(std::make_shared<const core::Bytes>(bytes));
    ASSERT_TRUE(parts);
    const core::Bytes garbage{0x30, 0x03, 0x02, 0x01, 0x07};  // a SEQUENCE, but nothing known
    for (const char* oid : {"0.4.0.1733.2.4", "1.2.840.113549.1.9.16.2.50"}) {
        SCOPED_TRACE(oid);
        test::write_bytes(dir / "m.p7s",
                          cms::with_unsigned_attribute(*parts, 0, cms::attribute(oid, {garbage})));
        const auto j = verify_json(dir / "m.p7s", 1);
        EXPECT_EQ(j["files"][0]["subIndication"], "FORMAT_FAILURE") << j.dump(2);
    }
}

TEST_F(TimestampCli, TsaDownGivesExit69AndNoOutput) {
    const std::string dead = test::dead_url();
    auto r = ltsign("sign " + q(doc) + key() + "--level T --tsa " + dead + " --timeout 3 -o " +
                    q(dir / "b.p7s"));
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_NE(r.err.find(dead), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "b.p7s"));

    r = ltsign("timestamp " + q(doc) + " --tsa " + dead + " --timeout 3 -o " + q(dir / "b.tst"));
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_FALSE(fs::exists(dir / "b.tst"));

    ASSERT_EQ(ltsign("sign " + q(doc) + key() + "-o " + q(dir / "c.p7s")).exit_code, 0);
    const auto before = test::read_bytes(dir / "c.p7s");
    r = ltsign("extend " + q(dir / "c.p7s") + " --level T --tsa " + dead +
               " --timeout 3 --in-place");
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_EQ(test::read_bytes(dir / "c.p7s"), before);
}

TEST_F(TimestampCli, TsaRejectionGivesExit69WithItsStatus) {
    const auto r = ltsign("timestamp " + q(doc) + " --tsa " + tsa->url() +
                          " --tsa-policy 1.2.3.4.5 -o " + q(dir / "x.tst"));
    EXPECT_EQ(r.exit_code, 69) << r.err;  // the TSA rejects a policy it does not serve
    EXPECT_NE(r.err.find("unacceptedPolicy"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "x.tst"));
}

TEST_F(TimestampCli, LevelTWithoutTsaIsUsage) {
    EXPECT_EQ(ltsign("sign " + q(doc) + key() + "--level T -o " + q(dir / "b.p7s")).exit_code, 64);
    EXPECT_EQ(ltsign("timestamp " + q(doc) + " -o " + q(dir / "b.tst")).exit_code, 64);
}

}  // namespace
}  // namespace ltsign
