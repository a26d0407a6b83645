// The shared certificate cache behind CMS decoding (crypto/certificate_cache.hpp): a certificate
// is reused only for the very same bytes, the decoded SignedData equals a plain decode, and a
// signature whose certificate was changed is judged on the changed certificate even when the
// original is already in the cache.
#include <gtest/gtest.h>

#include <algorithm>

#include "cms/cms_signature.hpp"
#include "core/der.hpp"
#include "crypto/certificate_cache.hpp"
#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

std::vector<core::Bytes> certificate_encodings(CMS_ContentInfo* cms) {
    const ossl::Ptr<STACK_OF(X509)> certs(CMS_get1_certs(cms));
    std::vector<core::Bytes> out;
    for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i)
        out.push_back(ossl::encode_der(sk_X509_value(certs.get(), i), i2d_X509, "certificate"));
    return out;
}

// The DER of every certificate the SignedData carries, sliced from its encoding.
std::vector<der::Tlv> certificate_tlvs(const core::Bytes& cms) {
    const auto ci = der::children(*der::read(cms));
    const auto sd = der::children((*der::children((*ci)[1]))[0]);
    return *der::children((*sd)[3]);
}

class CertificateCache : public ::testing::Test {
  protected:
    void SetUp() override {
        doc = dir / "doc.txt";
        test::write_text(doc, "content");
        const auto signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
        sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "good.p7s");
        good = test::read_bytes(dir / "good.p7s");
    }

    Indication verify_bytes(const core::Bytes& bytes) {
        test::write_bytes(dir / "check.p7s", bytes);
        ValidationContext ctx;
        ctx.trust.add(test::pki("root.pem"));
        ctx.validation_time = test::t("2026-06-02T00:00:00Z");
        return verify_file(dir / "check.p7s", {doc}, ctx).indication;
    }

    test::TempDir dir;
    fs::path doc;
    core::Bytes good;
};

TEST_F(CertificateCache, SameBytesShareOneCertificateAndOtherBytesDoNot) {
    const auto tlvs = certificate_tlvs(good);
    ASSERT_FALSE(tlvs.empty());
    const core::Bytes der(tlvs[0].all.begin(), tlvs[0].all.end());
    const auto a = ossl::shared_certificate(der);
    const auto b = ossl::shared_certificate(der);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a.get(), b.get());
    core::Bytes changed = der;
    changed[changed.size() - 3] ^= 0x01;  // inside the certificate's signature value
    const auto c = ossl::shared_certificate(changed);
    ASSERT_TRUE(c);
    EXPECT_NE(c.get(), a.get());
    EXPECT_EQ(ossl::encode_der(c.get(), i2d_X509, "certificate"), changed);
    // The remembered digest of a shared certificate and the computed one of any other are what
    // OpenSSL's X509_digest gives.
    for (X509* cert : {a.get(), c.get()}) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        ASSERT_EQ(X509_digest(cert, EVP_sha256(), md, &n), 1);
        const auto ours = ossl::certificate_sha256(cert);
        EXPECT_TRUE(std::equal(ours.begin(), ours.end(), md, md + n));
    }
    const auto unshared = ossl::decode_der_exact<X509>(changed, d2i_X509, "certificate");
    EXPECT_EQ(ossl::certificate_sha256(unshared.get()), ossl::certificate_sha256(c.get()));
    EXPECT_NE(ossl::certificate_sha256(unshared.get()), ossl::certificate_sha256(a.get()));
    core::Bytes trailing = der;
    trailing.push_back(0);
    EXPECT_FALSE(ossl::shared_certificate(trailing)) << "bytes after the certificate";
    EXPECT_FALSE(ossl::shared_certificate(core::Bytes{0x30, 0x03, 0x02, 0x01, 0x00}));
}

// A certificate far larger than any real one (here a 20 KB comment) is decoded for its caller
// and not kept: hostile signatures cannot make the cache grow.
TEST_F(CertificateCache, AHugeCertificateIsDecodedButNotKept) {
    ossl::Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    ASSERT_TRUE(key);
    ossl::Ptr<X509> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("huge"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    X509_set_pubkey(cert.get(), key.get());
    const std::string comment(20000, 'x');
    ossl::Ptr<X509_EXTENSION> ext(
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_netscape_comment, comment.c_str()));
    ASSERT_TRUE(ext);
    X509_add_ext(cert.get(), ext.get(), -1);
    ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
    const core::Bytes der = ossl::encode_der(cert.get(), i2d_X509, "certificate");
    ASSERT_GT(der.size(), 16u << 10);
    const auto a = ossl::shared_certificate(der);
    const auto b = ossl::shared_certificate(der);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a.get(), b.get()) << "not kept";
    EXPECT_EQ(ossl::encode_der(a.get(), i2d_X509, "certificate"), der);
    EXPECT_EQ(ossl::certificate_sha256(a.get()), ossl::certificate_sha256(b.get()));
}

TEST_F(CertificateCache, DecodedSignedDataEqualsAPlainDecode) {
    const auto cached = cms::parse_signed_data(good, "good");
    const auto plain = ossl::decode_der_exact<CMS_ContentInfo>(good, d2i_CMS_ContentInfo, "good");
    EXPECT_EQ(certificate_encodings(cached.get()), certificate_encodings(plain.get()));
    EXPECT_EQ(ossl::encode_der(cached.get(), i2d_CMS_ContentInfo, "cms"),
              ossl::encode_der(plain.get(), i2d_CMS_ContentInfo, "cms"));
    EXPECT_EQ(ossl::encode_der(cached.get(), i2d_CMS_ContentInfo, "cms"), good);
}

TEST_F(CertificateCache, AChangedCertificateIsJudgedAsChangedWithTheOriginalCached) {
    ASSERT_EQ(verify_bytes(good), Indication::total_passed);  // the originals are now cached
    const auto tlvs = certificate_tlvs(good);
    for (std::size_t i = 0; i < tlvs.size(); ++i) {
        core::Bytes tampered = good;
        const auto offset =
            static_cast<std::size_t>(tlvs[i].all.data() + tlvs[i].all.size() - 3 - good.data());
        tampered[offset] ^= 0x01;  // the certificate's signature value
        EXPECT_NE(verify_bytes(tampered), Indication::total_passed) << "certificate " << i;
    }
    EXPECT_EQ(verify_bytes(good), Indication::total_passed);
}

TEST_F(CertificateCache, ARepeatedCertificateIsDecodedAsBefore) {
    // certificates [0] with its first certificate twice: not what the cache splits, so the
    // SignedData is decoded whole, as OpenSSL always did.
    const auto ci = der::children(*der::read(good));
    const auto sd = der::children((*der::children((*ci)[1]))[0]);
    std::vector<core::Bytes> fields, certs;
    const auto carried = der::children((*sd)[3]);
    for (const auto& c : *carried) certs.emplace_back(c.all.begin(), c.all.end());
    certs.push_back(certs.front());
    for (std::size_t i = 0; i < sd->size(); ++i) {
        fields.push_back(i == 3 ? der::wrap(0xa0, certs)
                                : core::Bytes((*sd)[i].all.begin(), (*sd)[i].all.end()));
    }
    const core::Bytes twice =
        der::wrap(der::k_sequence, {core::Bytes((*ci)[0].all.begin(), (*ci)[0].all.end()),
                                    der::wrap(0xa0, {der::wrap(der::k_sequence, fields)})});
    const auto cms = cms::parse_signed_data(twice, "twice");
    EXPECT_EQ(certificate_encodings(cms.get()).size(), certs.size());
}

}  // namespace
}  // namespace ltsign
