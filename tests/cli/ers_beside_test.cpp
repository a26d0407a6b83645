// End to end: an evidence record kept beside a signature (NAME.p7s.ers, NAME.p7s.ers.xml) is its
// proof of existence when it verifies over the signature file. One that does not verify proves
// nothing, and the signature's report says so: a broken record is never silently dropped, or an
// archivist would believe the signature protected by it (issue 13).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

class RecordBeside : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        test::write_text(dir / "a.txt", "Beslut A\n");
        test::write_text(dir / "b.txt", "Beslut B\n");
        const auto signed_ = ltsign("sign " + q(dir / "a.txt") + " --key " + q(pki("ec.p12")) +
                                    " --pass-env LTSIGN_TEST_PASS --signing-time "
                                    "2026-06-01T12:00:00Z -o " +
                                    q(signature));
        ASSERT_EQ(signed_.exit_code, 0) << signed_.err;
    }

    // A record sealed over `file` by the test TSA, as `format` (asn1 or xml).
    fs::path seal(const fs::path& file, const std::string& format) {
        const fs::path out = dir / ("sealed-" + format + "-" + file.filename().string());
        const auto r = ltsign("seal " + q(file) + " --tsa " + tsa.url() + " --format " + format +
                              " -o " + q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out / (file.filename().string() + (format == "xml" ? ".ers.xml" : ".ers"));
    }

    nlohmann::json verify() {
        const auto r =
            ltsign("verify " + q(signature) + " --data " + q(dir / "a.txt") + " --trust " +
                   q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z --json");
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        return nlohmann::json::parse(r.out)["files"][0]["signatures"][0];
    }

    // The notes about records beside the signature that prove nothing.
    static std::vector<std::string> notes_about_records(const nlohmann::json& sig) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < sig["notes"].size(); ++i) {
            if (sig["noteCodes"][i] == "evidence_record_not_verified")
                out.push_back(sig["notes"][i].get<std::string>());
        }
        return out;
    }

    test::TempDir dir;
    test::TsaProcess tsa{dir / "serial", std::string("--test-clock ") + test::k_tsa_clock};
    fs::path signature = dir / "a.txt.p7s";
};

TEST_F(RecordBeside, ARecordThatVerifiesIsTheProofOfExistenceAndNeedsNoNote) {
    fs::copy_file(seal(signature, "asn1"), dir / "a.txt.p7s.ers");
    const auto sig = verify();
    EXPECT_EQ(sig["indication"], "TOTAL_PASSED") << sig["explanation"];
    EXPECT_EQ(sig["bestSignatureTime"], test::k_tsa_clock);
    EXPECT_TRUE(notes_about_records(sig).empty()) << sig["notes"];
}

// A record of another file (b.txt) kept under the signature's name: it verifies over nothing
// here, so the signature is judged without it, and the note says why.
TEST_F(RecordBeside, ARecordThatDoesNotCoverTheSignatureBecomesANote) {
    const auto without = verify();
    fs::copy_file(seal(dir / "b.txt", "asn1"), dir / "a.txt.p7s.ers");
    const auto sig = verify();
    EXPECT_EQ(sig["indication"], without["indication"]);
    EXPECT_EQ(sig["bestSignatureTime"], without["bestSignatureTime"]);
    const auto notes = notes_about_records(sig);
    ASSERT_EQ(notes.size(), 1u) << sig["notes"];
    EXPECT_TRUE(
        notes[0].starts_with("the evidence record a.txt.p7s.ers beside it does not verify "
                             "(HASH_FAILURE: the record does not cover the document given"))
        << notes[0];
    EXPECT_TRUE(notes[0].ends_with("), so it proves nothing")) << notes[0];
}

// The signature was made again after it was sealed: the XML record beside no longer leads from
// it to its time-stamp.
TEST_F(RecordBeside, ARecordOfAnEarlierSignatureBecomesANote) {
    fs::copy_file(seal(signature, "xml"), dir / "a.txt.p7s.ers.xml");
    const auto sealed = test::read_bytes(signature);
    fs::remove(signature);
    const auto r = ltsign("sign " + q(dir / "a.txt") + " --key " + q(pki("ec.p12")) +
                          " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:01Z -o " +
                          q(signature));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_NE(test::read_bytes(signature), sealed);
    const auto notes = notes_about_records(verify());
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].starts_with(
        "the evidence record a.txt.p7s.ers.xml beside it does not verify (HASH_FAILURE: "))
        << notes[0];
}

// What is not a record at all is no proof either; the text report carries the note too.
TEST_F(RecordBeside, AnUnreadableRecordBecomesANote) {
    test::write_text(dir / "a.txt.p7s.ers", "not an evidence record");
    const auto notes = notes_about_records(verify());
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].starts_with(
        "the evidence record a.txt.p7s.ers beside it does not verify (FORMAT_FAILURE: "))
        << notes[0];
    const auto text = ltsign("verify " + q(signature) + " --data " + q(dir / "a.txt") +
                             " --trust " + q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z");
    EXPECT_NE(text.out.find("the evidence record a.txt.p7s.ers beside it does not verify"),
              std::string::npos)
        << text.out;
}

// Both kinds beside one signature: the one that verifies gives the proof, the other is named.
TEST_F(RecordBeside, EachBrokenRecordIsNamedEvenWhenAnotherVerifies) {
    fs::copy_file(seal(signature, "asn1"), dir / "a.txt.p7s.ers");
    fs::copy_file(seal(dir / "b.txt", "xml"), dir / "a.txt.p7s.ers.xml");
    const auto sig = verify();
    EXPECT_EQ(sig["bestSignatureTime"], test::k_tsa_clock);
    const auto notes = notes_about_records(sig);
    ASSERT_EQ(notes.size(), 1u) << sig["notes"];
    EXPECT_TRUE(notes[0].starts_with("the evidence record a.txt.p7s.ers.xml beside it does not"))
        << notes[0];
}

}  // namespace
}  // namespace ltsign
