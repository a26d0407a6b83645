// CAdES B-B: sign and verify across keys and digests; tamper with every part; chain verdicts.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include <fstream>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;

struct Made {
    test::TempDir dir;
    fs::path doc;
    fs::path sig;
};

std::unique_ptr<Made> make_signature(const std::string& p12, SignOptions options = {}) {
    auto m = std::make_unique<Made>();
    m->doc = m->dir / "beslut.txt";
    m->sig = m->dir / "beslut.txt.p7s";
    test::write_text(m->doc, "Bygglov beviljas för Ekbacken 3:14.\n");
    if (!options.signing_time) options.signing_time = test::sign_time();
    const auto signer = Signer::from_pkcs12(pki(p12), test::k_password);
    sign_file(m->doc, signer, options).save(m->sig);
    return m;
}

ValidationContext trusted(const char* at = "2026-06-02T00:00:00Z") {
    ValidationContext ctx;
    ctx.trust.add(pki("root.pem"));
    ctx.validation_time = test::t(at);
    return ctx;
}

FileReport verify(const Made& m, const ValidationContext& ctx) {
    return verify_file(m.sig, {m.doc}, ctx);
}

struct RoundTrip {
    const char* p12;
    DigestAlgorithm digest;
    RsaPadding padding;
};

void PrintTo(const RoundTrip& c, std::ostream* os) {
    *os << c.p12 << " " << to_string(c.digest) << (c.padding == RsaPadding::pss ? " pss" : "");
}

class CadesRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(CadesRoundTrip, SignedThenVerifiedIsTotalPassedAtLevelBB) {
    const auto& c = GetParam();
    const auto m = make_signature(c.p12, {.digest = c.digest, .rsa_padding = c.padding});
    const auto r = verify(*m, trusted());
    ASSERT_EQ(r.signatures.size(), 1u);
    const auto& s = r.signatures[0];
    EXPECT_EQ(s.indication, Indication::total_passed) << s.explanation;
    EXPECT_EQ(s.level, SignatureLevel::b_b);
    EXPECT_EQ(s.digest_algorithm, to_string(c.digest));
    EXPECT_EQ(s.signing_time, test::sign_time());
    EXPECT_NE(s.signer.find("Test Signer"), std::string::npos);
    EXPECT_EQ(s.chain.size(), 3u);  // signer, issuing CA, root
    EXPECT_EQ(r.indication, Indication::total_passed);
}

INSTANTIATE_TEST_SUITE_P(
    KeysAndDigests, CadesRoundTrip,
    ::testing::Values(RoundTrip{"rsa.p12", DigestAlgorithm::sha256, RsaPadding::pkcs1_v15},
                      RoundTrip{"rsa.p12", DigestAlgorithm::sha384, RsaPadding::pkcs1_v15},
                      RoundTrip{"rsa.p12", DigestAlgorithm::sha512, RsaPadding::pss},
                      RoundTrip{"rsa.p12", DigestAlgorithm::sha256, RsaPadding::pss},
                      RoundTrip{"rsa.p12", DigestAlgorithm::sha3_256, RsaPadding::pkcs1_v15},
                      RoundTrip{"ec.p12", DigestAlgorithm::sha256, RsaPadding::pkcs1_v15},
                      RoundTrip{"ec.p12", DigestAlgorithm::sha512, RsaPadding::pkcs1_v15},
                      RoundTrip{"ec.p12", DigestAlgorithm::sha384, RsaPadding::pkcs1_v15},
                      RoundTrip{"rsa.p12", DigestAlgorithm::sha3_512, RsaPadding::pkcs1_v15}));

TEST(CadesSign, Sha3WithEcdsaIsRefusedClearly) {
    test::TempDir dir;
    test::write_text(dir / "d", "x");
    const auto signer = Signer::from_pkcs12(pki("ec.p12"), test::k_password);
    try {
        sign_file(dir / "d", signer,
                  {.digest = DigestAlgorithm::sha3_256, .signing_time = test::sign_time()});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::usage);
    }
}

TEST(CadesSign, PssNeedsAnRsaKey) {
    test::TempDir dir;
    test::write_text(dir / "d", "x");
    const auto signer = Signer::from_pkcs12(pki("ec.p12"), test::k_password);
    EXPECT_THROW(sign_file(dir / "d", signer,
                           {.rsa_padding = RsaPadding::pss, .signing_time = test::sign_time()}),
                 Error);
}

TEST(CadesSign, RefusesAnExpiredCertificate) {
    test::TempDir dir;
    test::write_text(dir / "d", "x");
    const auto signer = Signer::from_pkcs12(pki("expired.p12"), test::k_password);
    EXPECT_THROW(sign_file(dir / "d", signer, {.signing_time = test::sign_time()}), Error);
}

TEST(CadesTamper, OneChangedByteInTheDocumentIsHashFailure) {
    const auto m = make_signature("rsa.p12");
    test::flip_byte(m->doc, 3);
    const auto r = verify(*m, trusted());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
    // The verdict does not depend on having a trust anchor.
    const auto untrusted = verify_file(m->sig, {m->doc}, ValidationContext{});
    EXPECT_EQ(untrusted.sub_indication, SubIndication::hash_failure);
}

TEST(CadesTamper, AppendedByteInTheDocumentIsHashFailure) {
    const auto m = make_signature("ec.p12");
    auto bytes = test::read_bytes(m->doc);
    bytes.push_back('\n');
    test::write_bytes(m->doc, bytes);
    EXPECT_EQ(verify(*m, trusted()).sub_indication, SubIndication::hash_failure);
}

TEST(CadesTamper, ChangedSigningTimeAttributeIsSigCryptoFailure) {
    const auto m = make_signature("rsa.p12");
    auto bytes = test::read_bytes(m->sig);
    const std::string when = "260601120000Z";  // the UTCTime of the signing-time attribute
    const auto at = test::find_bytes(bytes, {when.begin(), when.end()});
    ASSERT_NE(at, std::string::npos);
    bytes[at + 1] = '5';  // 2026 -> 2025
    test::write_bytes(m->sig, bytes);
    const auto r = verify(*m, trusted());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::sig_crypto_failure);
}

TEST(CadesTamper, ChangedSignatureValueIsSigCryptoFailure) {
    for (const char* p12 : {"rsa.p12", "ec.p12"}) {
        const auto m = make_signature(p12);
        test::flip_byte(m->sig, -1);  // the SignerInfo's signature is the last field
        const auto r = verify(*m, trusted());
        EXPECT_EQ(r.indication, Indication::total_failed) << p12;
        EXPECT_EQ(r.sub_indication, SubIndication::sig_crypto_failure) << p12;
    }
}

// A certificate like `original` but with another key or validity, signed by the issuing CA: the
// DER keeps its length so it can replace the original inside a signature.
ossl::Ptr<X509> substitute(X509* original, EVP_PKEY* new_key, long not_after_shift) {
    auto cas = ossl::load_certificates(pki("ca.pem"));
    ossl::Ptr<BIO> kb(BIO_new_file(pki("ca.key").c_str(), "r"));
    ossl::Ptr<EVP_PKEY> ca_key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    const auto want = ossl::to_der(original).size();
    for (int attempt = 0; attempt < 64; ++attempt) {
        ossl::Ptr<X509> forged(X509_dup(original));
        if (new_key != nullptr) X509_set_pubkey(forged.get(), new_key);
        const auto not_after = ossl::to_time_point(X509_get0_notAfter(original));
        ossl::Ptr<ASN1_TIME> na(
            ASN1_TIME_adj(nullptr, static_cast<time_t>(not_after.time_since_epoch().count()), 0,
                          not_after_shift));
        X509_set1_notAfter(forged.get(), na.get());
        X509_sign(forged.get(), ca_key.get(), EVP_sha256());
        if (ossl::to_der(forged.get()).size() == want) return forged;
    }
    return nullptr;
}

void replace_certificate(const fs::path& sig, X509* original, X509* replacement) {
    auto bytes = test::read_bytes(sig);
    const auto from = ossl::to_der(original);
    const auto to = ossl::to_der(replacement);
    ASSERT_EQ(from.size(), to.size());
    const auto at = test::find_bytes(bytes, from);
    ASSERT_NE(at, std::string::npos);
    std::copy(to.begin(), to.end(), bytes.begin() + static_cast<long>(at));
    test::write_bytes(sig, bytes);
}

TEST(CadesTamper, CertificateWithAnotherKeyIsNotPassed) {
    const auto m = make_signature("ec.p12");
    auto original = ossl::load_certificates(pki("ec.pem"));
    ossl::Ptr<EVP_PKEY> other(EVP_EC_gen("P-256"));
    auto forged = substitute(original[0].get(), other.get(), 0);
    ASSERT_TRUE(forged);
    replace_certificate(m->sig, original[0].get(), forged.get());
    const auto r = verify(*m, trusted());
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::sig_crypto_failure);
}

TEST(CadesTamper, SubstitutedCertificateWithTheSameKeyBreaksTheSigningCertificateBinding) {
    // Same key, issuer and serial, different certificate (a later expiry): the signature value
    // still verifies, but signing-certificate-v2 names the original (EN 319 122-1 5.2.2).
    const auto m = make_signature("ec.p12");
    auto original = ossl::load_certificates(pki("ec.pem"));
    auto forged = substitute(original[0].get(), nullptr, 3600);
    ASSERT_TRUE(forged);
    replace_certificate(m->sig, original[0].get(), forged.get());
    const auto r = verify(*m, trusted());
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::no_signing_certificate_found);
}

TEST(CadesChain, NoTrustAnchorIsNoCertificateChainFound) {
    const auto m = make_signature("rsa.p12");
    ValidationContext ctx;
    ctx.validation_time = test::t("2026-06-02T00:00:00Z");
    const auto r = verify(*m, ctx);
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::no_certificate_chain_found);
}

TEST(CadesChain, UnrelatedRootIsNoCertificateChainFound) {
    const auto m = make_signature("rsa.p12");
    ValidationContext ctx;
    ctx.trust.add(pki("other-root.pem"));
    ctx.validation_time = test::t("2026-06-02T00:00:00Z");
    EXPECT_EQ(verify(*m, ctx).sub_indication, SubIndication::no_certificate_chain_found);
}

TEST(CadesChain, IntermediateAsTrustAnchorIsEnough) {
    const auto m = make_signature("rsa.p12");
    ValidationContext ctx;
    ctx.trust.add(pki("ca.pem"));
    ctx.validation_time = test::t("2026-06-02T00:00:00Z");
    EXPECT_EQ(verify(*m, ctx).indication, Indication::total_passed);
}

TEST(CadesChain, ExpiredSignerWithoutProofOfExistence) {
    const auto m = make_signature("expired.p12", {.signing_time = test::t("2020-06-01T00:00:00Z")});
    const auto now = verify(*m, trusted("2026-06-01T00:00:00Z"));
    EXPECT_EQ(now.indication, Indication::indeterminate);
    EXPECT_EQ(now.sub_indication, SubIndication::out_of_bounds_no_poe);
    EXPECT_NE(now.signatures[0].explanation.find("expired"), std::string::npos);
    const auto then = verify(*m, trusted("2020-07-01T00:00:00Z"));
    EXPECT_EQ(then.indication, Indication::total_passed);
}

TEST(CadesChain, ValidationBeforeTheCertificateIsNotYetValid) {
    const auto m = make_signature("rsa.p12");
    const auto r = verify(*m, trusted("2024-06-01T00:00:00Z"));
    EXPECT_EQ(r.sub_indication, SubIndication::not_yet_valid);
}

TEST(CadesData, DetachedWithoutTheDocumentIsSignedDataNotFound) {
    const auto m = make_signature("rsa.p12");
    const auto r = verify_file(m->sig, {}, trusted());
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::signed_data_not_found);
}

TEST(CadesData, SigningALargeFileStreamsIt) {
    test::TempDir dir;
    const auto doc = dir / "scan.tif";
    {
        std::ofstream out(doc, std::ios::binary);
        std::string block(1 << 20, 'S');
        for (int i = 0; i < 5; ++i) out << block;
    }
    const auto signer = Signer::from_pkcs12(pki("ec.p12"), test::k_password);
    sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "scan.tif.p7s");
    EXPECT_EQ(verify_file(dir / "scan.tif.p7s", {doc}, trusted()).indication,
              Indication::total_passed);
    EXPECT_LT(fs::file_size(dir / "scan.tif.p7s"), 8000u);  // detached: the document is not inside
}

}  // namespace
}  // namespace ltsign
