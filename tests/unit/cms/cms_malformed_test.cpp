// Malformed CMS input: every case is an Error(malformed_input), never a crash or a verdict.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

class CmsMalformed : public ::testing::Test {
  protected:
    void SetUp() override {
        doc = dir / "doc.txt";
        test::write_text(doc, "content");
        const auto signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
        sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "good.p7s");
        good = test::read_bytes(dir / "good.p7s");
    }

    // The error code for malformed input, or Errc::internal when a verdict was returned. A
    // verdict must never be a silent TOTAL_PASSED: only a carried certificate nothing can check
    // may pass, and then the notes say so.
    Errc verify_bytes(const std::vector<unsigned char>& bytes, const std::string& what = "") {
        test::write_bytes(dir / "bad.p7s", bytes);
        ValidationContext ctx;
        ctx.trust.add(test::pki("root.pem"));
        ctx.validation_time = test::t("2026-06-02T00:00:00Z");
        try {
            const auto r = verify_file(dir / "bad.p7s", {doc}, ctx);
            if (r.indication == Indication::total_passed) {
                const auto& notes = r.signatures.at(0).notes;
                const bool flagged = std::any_of(notes.begin(), notes.end(), [](const Note& n) {
                    return n.code == NoteCode::unchecked_certificate;
                });
                if (!flagged) ADD_FAILURE() << "tampered input passed silently " << what;
            }
            return Errc::internal;
        } catch (const Error& e) {
            return e.code();
        }
    }

    test::TempDir dir;
    fs::path doc;
    std::vector<unsigned char> good;
};

TEST_F(CmsMalformed, EmptyFile) {
    EXPECT_EQ(verify_bytes({}), Errc::malformed_input);
}

TEST_F(CmsMalformed, RandomBytes) {
    std::mt19937 rng(42);
    for (int i = 0; i < 50; ++i) {
        std::vector<unsigned char> junk(1 + rng() % 2000);
        for (auto& b : junk) b = static_cast<unsigned char>(rng());
        EXPECT_EQ(verify_bytes(junk), Errc::malformed_input) << i;
    }
}

TEST_F(CmsMalformed, EveryTruncation) {
    for (std::size_t len = 1; len < good.size(); len += 7) {
        std::vector<unsigned char> cut(good.begin(), good.begin() + static_cast<long>(len));
        EXPECT_EQ(verify_bytes(cut), Errc::malformed_input) << len;
    }
}

TEST_F(CmsMalformed, TrailingBytes) {
    auto more = good;
    more.push_back(0);
    EXPECT_EQ(verify_bytes(more), Errc::malformed_input);
}

TEST_F(CmsMalformed, AbsurdLengthField) {
    // The outer SEQUENCE claims 2 GiB.
    std::vector<unsigned char> bytes = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09, 0x2a, 0x86,
                                        0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80};
    EXPECT_EQ(verify_bytes(bytes), Errc::malformed_input);
    auto claimed = good;
    claimed[2] = 0x7f;  // the outer length's first byte
    EXPECT_EQ(verify_bytes(claimed), Errc::malformed_input);
}

TEST_F(CmsMalformed, EachSingleByteCorruptionNeverPasses) {
    // Verdict or malformed error, but never TOTAL_PASSED and never a crash.
    for (std::size_t i = 0; i < good.size(); ++i) {
        auto bad = good;
        bad[i] ^= 0x5a;
        verify_bytes(bad, "at byte " + std::to_string(i));
    }
    // The same check on the untouched signature passes: the loop above tested something.
    test::write_bytes(dir / "good.p7s", good);
    ValidationContext ctx;
    ctx.trust.add(test::pki("root.pem"));
    ctx.validation_time = test::t("2026-06-02T00:00:00Z");
    EXPECT_EQ(verify_file(dir / "good.p7s", {doc}, ctx).indication, Indication::total_passed);
}

// A PEM signature gets the checks a DER one gets: a SignedData version RFC 5652 does not allow,
// and data after the block, are refused (PEM used to skip both and pass).
TEST_F(CmsMalformed, PemGetsTheChecksOfDer) {
    const auto pem_of = [](const std::vector<unsigned char>& der) {
        const std::string b64 = xml::base64_encode(der);
        std::string out = "-----BEGIN CMS-----\n";
        for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
        return out + "-----END CMS-----\n";
    };
    const std::string pem = pem_of(good);
    test::write_text(dir / "good.pem", pem);
    ValidationContext ctx;
    ctx.trust.add(test::pki("root.pem"));
    ctx.validation_time = test::t("2026-06-02T00:00:00Z");
    EXPECT_EQ(verify_file(dir / "good.pem", {doc}, ctx).indication, Indication::total_passed);
    const std::string twice = pem + "junk\n" + pem;
    EXPECT_EQ(verify_bytes({twice.begin(), twice.end()}), Errc::malformed_input);
    auto v2 = good;
    const std::vector<unsigned char> version1 = {0x02, 0x01, 0x01, 0x31};
    const auto at = std::search(v2.begin(), v2.end(), version1.begin(), version1.end());
    ASSERT_NE(at, v2.end());
    at[2] = 0x02;  // SignedData version 2 with only v1 SignerInfos (RFC 5652 5.1 says 1)
    EXPECT_EQ(verify_bytes(v2), Errc::malformed_input);
    const std::string v2_pem = pem_of(v2);
    EXPECT_EQ(verify_bytes({v2_pem.begin(), v2_pem.end()}), Errc::malformed_input);
}

TEST_F(CmsMalformed, PemThatIsNotCms) {
    std::string pem = "-----BEGIN CMS-----\nAAAA\n-----END CMS-----\n";
    EXPECT_EQ(verify_bytes({pem.begin(), pem.end()}), Errc::malformed_input);
}

}  // namespace
}  // namespace ltsign
