// Verifying time-stamp tokens and CAdES B-T signatures, and tampering with them.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;
using test::q;

class Tokens : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_dir = new test::TempDir;
        s_tsa = new test::TsaProcess(s_dir->path() / "serial",
                                     std::string("--test-clock ") + test::k_tsa_clock);
    }
    static void TearDownTestSuite() {
        delete s_tsa;
        delete s_dir;
    }
    void SetUp() override {
        doc = dir / "protokoll.xml";
        test::write_text(doc, "<protokoll nr='87'>Bygglov beviljas</protokoll>\n");
    }

    static ValidationContext ctx(const char* at = "2026-06-02T00:00:00Z") {
        ValidationContext c;
        c.trust.add(pki("root.pem"));
        c.validation_time = test::t(at);
        return c;
    }
    fs::path make_token() {
        const auto token = timestamp_file(doc, {.url = s_tsa->url()});
        SignedObject(token, ".tst").save(dir / "doc.tst");
        return dir / "doc.tst";
    }
    fs::path make_bt() {
        const auto signer = Signer::from_pkcs12(pki("ec.p12"), test::k_password);
        SignOptions o{.level = Level::t,
                      .signing_time = test::sign_time(),
                      .tsa = TsaClient{.url = s_tsa->url()}};
        sign_file(doc, signer, o).save(dir / "doc.p7s");
        return dir / "doc.p7s";
    }

    static test::TempDir* s_dir;
    static test::TsaProcess* s_tsa;
    test::TempDir dir;
    fs::path doc;
};
test::TempDir* Tokens::s_dir = nullptr;
test::TsaProcess* Tokens::s_tsa = nullptr;

TEST_F(Tokens, TokenOverTheDocumentPasses) {
    const auto r = verify_file(make_token(), {doc}, ctx());
    EXPECT_EQ(r.format, FileFormat::timestamp_token);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_EQ(r.signatures[0].type, EntryType::timestamp);
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(r.signatures[0].signing_time, test::t(test::k_tsa_clock));
    EXPECT_NE(r.signatures[0].signer.find("ltsign Test TSA"), std::string::npos);
}

TEST_F(Tokens, TokenOverOtherDataIsHashFailure) {
    const auto token = make_token();
    test::write_text(dir / "other.xml", "<protokoll nr='88'/>\n");
    const auto r = verify_file(token, {dir / "other.xml"}, ctx());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
}

TEST_F(Tokens, TokenWithoutTheDataIsSignedDataNotFound) {
    EXPECT_EQ(verify_file(make_token(), {}, ctx()).sub_indication,
              SubIndication::signed_data_not_found);
}

TEST_F(Tokens, AlteredTokenSignatureIsSigCryptoFailure) {
    const auto token = make_token();
    test::flip_byte(token, -1);  // the SignerInfo's signature value ends the token
    const auto r = verify_file(token, {doc}, ctx());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::sig_crypto_failure);
}

TEST_F(Tokens, AlteredGenTimeIsNotPassed) {
    const auto token = make_token();
    auto bytes = test::read_bytes(token);
    const std::string when = "20260601120500Z";
    const auto at = test::find_bytes(bytes, {when.begin(), when.end()});
    ASSERT_NE(at, std::string::npos);
    bytes[at + 3] = '5';  // 2026 -> 2025
    test::write_bytes(token, bytes);
    const auto r = verify_file(token, {doc}, ctx());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication,
              SubIndication::hash_failure);  // the signed message-digest of TSTInfo
}

TEST_F(Tokens, TokenSignedByACertificateWithoutTimeStampingUsageIsNotPassed) {
    // The same TSTInfo, re-signed as CMS by a certificate that is not a TSA certificate.
    const auto token = make_token();
    auto r = test::run("openssl cms -verify -noverify -inform DER -in " + q(token) + " -out " +
                       q(dir / "tstinfo.der"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run(
        "openssl cms -sign -binary -nodetach -cades -econtent_type 1.2.840.113549.1.9.16.1.4 -in " +
        q(dir / "tstinfo.der") + " -signer " + q(pki("tsa-noeku.pem")) + " -inkey " +
        q(pki("tsa-noeku.key")) + " -certfile " + q(pki("chain.pem")) + " -outform DER -out " +
        q(dir / "forged.tst"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto v = verify_file(dir / "forged.tst", {doc}, ctx());
    EXPECT_EQ(v.indication, Indication::indeterminate);
    EXPECT_EQ(v.sub_indication, SubIndication::chain_constraints_failure);
    EXPECT_NE(v.signatures[0].explanation.find("timeStamping"), std::string::npos);
}

TEST_F(Tokens, MalformedTokensAreRejected) {
    const auto token = make_token();
    const auto good = test::read_bytes(token);
    for (std::size_t len :
         {std::size_t{0}, std::size_t{1}, std::size_t{40}, good.size() / 2, good.size() - 1}) {
        test::write_bytes(dir / "cut.tst", {good.begin(), good.begin() + static_cast<long>(len)});
        try {
            const auto r = verify_file(dir / "cut.tst", {doc}, ctx());
            ADD_FAILURE() << "truncated token (" << len << " bytes) gave "
                          << to_string(r.indication);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << len;
        }
    }
    // Every single changed byte: a failure, a malformed-input error, or (only for a carried
    // certificate nothing can check, e.g. a root copy whose issuer name was changed) a pass whose
    // notes say so. Never a silent TOTAL_PASSED.
    for (std::size_t i = 0; i < good.size(); ++i) {
        auto bad = good;
        bad[i] ^= 0x41;
        test::write_bytes(dir / "bad.tst", bad);
        try {
            const auto r = verify_file(dir / "bad.tst", {doc}, ctx());
            if (r.indication == Indication::total_passed) {
                const auto& notes = r.signatures.at(0).notes;
                EXPECT_TRUE(std::any_of(
                    notes.begin(), notes.end(),
                    [](const Note& n) { return n.code == NoteCode::unchecked_certificate; }))
                    << "byte " << i << " changed, silently passed";
            }
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << i;
        }
    }
    test::write_bytes(dir / "good.tst", good);
    EXPECT_EQ(verify_file(dir / "good.tst", {doc}, ctx()).indication, Indication::total_passed);
}

TEST_F(Tokens, BtSignatureIsReportedAsBTWithTheTokenTimeAsBestSignatureTime) {
    const auto r = verify_file(make_bt(), {doc}, ctx());
    ASSERT_EQ(r.signatures.size(), 1u);
    const auto& s = r.signatures[0];
    EXPECT_EQ(s.indication, Indication::total_passed) << s.explanation;
    EXPECT_EQ(s.level, SignatureLevel::b_t);
    ASSERT_EQ(s.timestamps.size(), 1u);
    EXPECT_EQ(s.timestamps[0].type, EntryType::timestamp);
    EXPECT_EQ(s.timestamps[0].indication, Indication::total_passed) << s.timestamps[0].explanation;
    EXPECT_EQ(s.best_signature_time, test::t(test::k_tsa_clock));
}

TEST_F(Tokens, BtWithABrokenTimeStampIsNotPassed) {
    const auto sig = make_bt();
    auto bytes = test::read_bytes(sig);
    const std::string when = "20260601120500Z";  // genTime inside the embedded token
    const auto at = test::find_bytes(bytes, {when.begin(), when.end()});
    ASSERT_NE(at, std::string::npos);
    bytes[at + 12] = '9';
    test::write_bytes(sig, bytes);
    const auto r = verify_file(sig, {doc}, ctx());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.signatures[0].timestamps.at(0).indication, Indication::total_failed);
}

TEST_F(Tokens, ExtendBToTKeepsTheSignatureAndAddsTheToken) {
    const auto signer = Signer::from_pkcs12(pki("rsa.p12"), test::k_password);
    sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "b.p7s");
    const auto extended = extend_signature(dir / "b.p7s", Level::t, {.url = s_tsa->url()});
    extended.save(dir / "t.p7s");
    const auto r = verify_file(dir / "t.p7s", {doc}, ctx());
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(r.signatures[0].level, SignatureLevel::b_t);
    EXPECT_THROW(extend_signature(dir / "t.p7s", Level::t, {.url = s_tsa->url()}),
                 Error);  // already T
}

}  // namespace
}  // namespace ltsign
