// XML signatures from archives: validation data an XML signature carries (ds:X509CRL, XAdES
// CertificateValues and RevocationValues, OCSP responses included) is used like the certificates
// and crls of CMS SignedData, and signatures made with legacy algorithms (DSA with SHA-1 or
// SHA-256) are verified and left to the algorithm policy. No verdict goes without an explanation.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "test_pki.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_at = "2026-06-02T00:00:00Z";

std::string base64(const std::vector<unsigned char>& der) {
    return xml::base64_encode(der);
}

// Verifies offline at k_at against the test root; returns the first signature's report.
json verify(const fs::path& sig, const std::string& extra = "") {
    const auto r = ltsign("verify " + q(sig) + " --trust " + q(pki("root.pem")) + " --at " + k_at +
                          " --offline --json " + extra);
    EXPECT_FALSE(r.out.empty()) << r.err;
    if (r.out.empty()) return json::object();
    const auto file = json::parse(r.out)["files"][0];
    EXPECT_TRUE(file.contains("signatures")) << file.dump(2);
    if (!file.contains("signatures") || file["signatures"].empty()) return json::object();
    const auto s = file["signatures"][0];
    // Every verdict explains itself.
    EXPECT_TRUE(s["explanation"].is_string() && !s["explanation"].get<std::string>().empty())
        << s.dump(2);
    return s;
}

// ---------------------------------------------------------------------------------------------
// Item 11: revocation data carried in XML signatures.

class CarriedRevocation : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        doc = dir / "beslut.xml";
        test::write_text(doc, "<beslut nr=\"12\">Bygglov beviljas.</beslut>\n");
        // The signer names no revocation source of its own: only what the signature carries can
        // speak for it.
        serial = test::issue(dir.path(), "signer", {.cn = "Revoked XAdES signer"});
        ASSERT_EQ(test::run("openssl x509 -in " + q(pki("ca.pem")) + " -outform DER -out " +
                            q(dir / "ca.der"))
                      .exit_code,
                  0);
    }
    fs::path sign(const std::string& packaging) {
        const auto out = dir / ("signed-" + packaging + ".xml");
        const auto r = ltsign("sign " + q(doc) + " --format xades --packaging " + packaging +
                              " --key " + q(dir / "signer.p12") +
                              " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z "
                              "--force -o " +
                              q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out;
    }
    // A CRL of the issuing CA, base64; it lists the signer (revoked 2026-03-01) when `listed`.
    std::string crl(bool listed) {
        const auto file = dir / (listed ? "revoked.crl" : "empty.crl");
        std::vector<std::pair<std::string, TimePoint>> revoked;
        if (listed) revoked.emplace_back(serial, test::t("2026-03-01T00:00:00Z"));
        test::write_crl(file, revoked, test::t("2026-05-01T00:00:00Z"),
                        test::t("2026-07-01T00:00:00Z"));
        return base64(test::read_bytes(file));
    }
    // The CRL as a ds:X509CRL in the KeyInfo's X509Data (not signed).
    void add_to_key_info(const fs::path& sig, const std::string& b64) {
        test::replace_first(sig, "</ds:X509Data>",
                            "<ds:X509CRL>" + b64 + "</ds:X509CRL></ds:X509Data>");
    }
    // `properties` as new UnsignedSignatureProperties (the signature has none: level B).
    void add_unsigned(const fs::path& sig, const std::string& properties) {
        test::replace_first(sig, "</xades:SignedProperties>",
                            "</xades:SignedProperties><xades:UnsignedProperties>"
                            "<xades:UnsignedSignatureProperties>" +
                                properties +
                                "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>");
    }
    // The CRL as xades:RevocationValues in new UnsignedSignatureProperties (EN 319 132-1 5.5.2).
    void add_revocation_values(const fs::path& sig, const std::string& crl_b64,
                               const std::string& ocsp_b64 = "") {
        std::string values =
            "<xades:RevocationValues><xades:CRLValues><xades:EncapsulatedCRLValue>" + crl_b64 +
            "</xades:EncapsulatedCRLValue></xades:CRLValues>";
        if (!ocsp_b64.empty()) {
            values += "<xades:OCSPValues><xades:EncapsulatedOCSPValue>" + ocsp_b64 +
                      "</xades:EncapsulatedOCSPValue></xades:OCSPValues>";
        }
        values += "</xades:RevocationValues>";
        add_unsigned(sig, values);
    }
    // The issuing CA's certificate taken out of KeyInfo (which the signature does not sign);
    // returns it, base64.
    std::string take_ca_from_key_info(const fs::path& sig) {
        const std::string ca = base64(test::read_bytes(dir / "ca.der"));
        test::replace_first(sig, "<ds:X509Certificate>" + ca + "</ds:X509Certificate>", "");
        return ca;
    }

    test::TempDir dir;
    fs::path doc;
    std::string serial;
};

TEST_F(CarriedRevocation, WithoutCarriedDataTheSignerPasses) {
    const auto s = verify(sign("enveloped"));
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
}

TEST_F(CarriedRevocation, CrlInKeyInfoListingTheSignerIsRevokedNoPoe) {
    for (const char* packaging : {"enveloped", "enveloping"}) {
        SCOPED_TRACE(packaging);
        const auto sig = sign(packaging);
        add_to_key_info(sig, crl(true));
        const auto s = verify(sig);
        EXPECT_EQ(s["indication"], "INDETERMINATE") << s.dump(2);
        EXPECT_EQ(s["subIndication"], "REVOKED_NO_POE") << s.dump(2);
        EXPECT_NE(s["explanation"].get<std::string>().find("CRL in the signature"),
                  std::string::npos)
            << s.dump(2);
    }
}

TEST_F(CarriedRevocation, RevocationValuesListingTheSignerIsRevokedNoPoe) {
    const auto sig = sign("enveloped");
    add_revocation_values(sig, crl(true));
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "INDETERMINATE") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "REVOKED_NO_POE") << s.dump(2);
    EXPECT_EQ(s["level"], "B-LT");
}

TEST_F(CarriedRevocation, ACarriedCrlThatDoesNotListTheSignerIsUsedAndPasses) {
    const auto sig = sign("enveloped");
    add_revocation_values(sig, crl(false));
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
    ASSERT_FALSE(s["revocation"].empty()) << s.dump(2);
    EXPECT_EQ(s["revocation"][0]["status"], "good") << s.dump(2);
}

TEST_F(CarriedRevocation, AnOldCarriedCrlCannotHideARevocationListedByAnother) {
    // A good CRL in RevocationValues and one that lists the signer in KeyInfo: a revocation any
    // authentic CRL lists wins.
    const auto sig = sign("enveloped");
    add_revocation_values(sig, crl(false));
    add_to_key_info(sig, crl(true));
    const auto s = verify(sig);
    EXPECT_EQ(s["subIndication"], "REVOKED_NO_POE") << s.dump(2);
}

TEST_F(CarriedRevocation, AnUnreadableCarriedCrlIsAFormatFailure) {
    const auto sig = sign("enveloped");
    add_to_key_info(sig, base64({0x30, 0x03, 0x02, 0x01, 0x01}));
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "FORMAT_FAILURE") << s.dump(2);
}

TEST_F(CarriedRevocation, ACarriedOcspResponseCannotHideARevocationListedByACrl) {
    const auto sig = sign("enveloped");
    // A successful OCSPResponse without a response: read, and it answers nothing.
    add_revocation_values(sig, crl(true), base64({0x30, 0x03, 0x0a, 0x01, 0x00}));
    const auto s = verify(sig);
    EXPECT_EQ(s["subIndication"], "REVOKED_NO_POE") << s.dump(2);
}

TEST_F(CarriedRevocation, AnUnreadableCarriedOcspResponseIsAFormatFailure) {
    const auto sig = sign("enveloped");
    add_revocation_values(sig, crl(false), base64({0x30, 0x03, 0x02, 0x01, 0x01}));
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "FORMAT_FAILURE") << s.dump(2);
}

// EN 319 132-1 5.5.1: the certificates of xades:CertificateValues (and of a
// xadesv141:TimeStampValidationData) complete the chain, as KeyInfo's do.
TEST_F(CarriedRevocation, CertificateValuesCompleteTheChain) {
    const auto sig = sign("enveloped");
    const std::string ca = take_ca_from_key_info(sig);
    auto s = verify(sig);
    ASSERT_EQ(s["indication"], "INDETERMINATE") << "the chain needs the issuing CA: " << s.dump(2);

    const auto with_values = dir / "with-values.xml";
    fs::copy_file(sig, with_values);
    add_unsigned(with_values, "<xades:CertificateValues><xades:EncapsulatedX509Certificate>" + ca +
                                  "</xades:EncapsulatedX509Certificate></xades:CertificateValues>");
    s = verify(with_values);
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
    EXPECT_EQ(s["level"], "B-LT") << s.dump(2);

    const auto with_tsvd = dir / "with-tsvd.xml";
    fs::copy_file(sig, with_tsvd);
    add_unsigned(with_tsvd,
                 "<xadesv141:TimeStampValidationData "
                 "xmlns:xadesv141=\"http://uri.etsi.org/01903/v1.4.1#\"><xades:CertificateValues>"
                 "<xades:EncapsulatedX509Certificate>" +
                     ca +
                     "</xades:EncapsulatedX509Certificate></xades:CertificateValues>"
                     "</xadesv141:TimeStampValidationData>");
    s = verify(with_tsvd);
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
}

TEST_F(CarriedRevocation, AnUnreadableCertificateValueIsAFormatFailure) {
    const auto sig = sign("enveloped");
    add_unsigned(sig, "<xades:CertificateValues><xades:EncapsulatedX509Certificate>" +
                          base64({0x30, 0x03, 0x02, 0x01, 0x01}) +
                          "</xades:EncapsulatedX509Certificate></xades:CertificateValues>");
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "FORMAT_FAILURE") << s.dump(2);
}

// ---------------------------------------------------------------------------------------------
// Item 10: legacy algorithms (DSA), verified and judged by the policy.

// A DSA key made by the openssl CLI and a certificate for it from the test PKI's issuing CA,
// valid 2025-01-01 .. 2030-01-01 (fixed, so no test depends on today's date).
void make_dsa_signer(const fs::path& dir, const std::string& name, int bits) {
    const auto params = dir / (name + ".params");
    const auto key_file = dir / (name + ".key");
    ASSERT_EQ(test::run("openssl dsaparam -out " + q(params) + " " + std::to_string(bits) +
                        " 2>/dev/null && openssl gendsa -out " + q(key_file) + " " + q(params) +
                        " 2>/dev/null")
                  .exit_code,
              0);
    auto read_key = [](const fs::path& f) {
        ossl::Ptr<BIO> bio(BIO_new_file(f.c_str(), "rb"));
        return ossl::Ptr<EVP_PKEY>(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    };
    auto key = read_key(key_file);
    auto ca_key = read_key(pki("ca.key"));
    ASSERT_TRUE(key && ca_key);
    auto ca = std::move(ossl::load_certificates(pki("ca.pem")).front());
    ossl::Ptr<X509> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x0d5a0000 + bits);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
    X509_NAME* subject = X509_get_subject_name(cert.get());
    const std::string cn = "DSA-" + std::to_string(bits) + " archive signer";
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set1_notBefore(cert.get(), ossl::to_asn1_time(test::t("2025-01-01T00:00:00Z")).get());
    X509_set1_notAfter(cert.get(), ossl::to_asn1_time(test::t("2030-01-01T00:00:00Z")).get());
    X509_set_pubkey(cert.get(), key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair{NID_key_usage, "critical,digitalSignature,nonRepudiation"},
          std::pair{NID_basic_constraints, "CA:FALSE"},
          std::pair{NID_subject_key_identifier, "hash"},
          std::pair{NID_authority_key_identifier, "keyid"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        ASSERT_NE(ext, nullptr);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    ASSERT_GT(X509_sign(cert.get(), ca_key.get(), EVP_sha256()), 0);
    ossl::Ptr<BIO> out(BIO_new_file((dir / (name + ".pem")).c_str(), "wb"));
    ASSERT_EQ(PEM_write_bio_X509(out.get(), cert.get()), 1);
}

class LegacyAlgorithms : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_dir = new test::TempDir;
        make_dsa_signer(s_dir->path(), "dsa2048", 2048);
    }
    static void TearDownTestSuite() {
        delete s_dir;
        s_dir = nullptr;
    }
    void SetUp() override {
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut om arkivering, 2004.\n");
        test::write_text(accept_sha1, "{\"algorithms\": {\"sha1\": \"2100-01-01T00:00:00Z\"}}");
    }
    static fs::path signer(const std::string& ext) { return s_dir->path() / ("dsa2048." + ext); }

    // An enveloped XMLDSig made by xmlsec1 with `method` and reference digest `digest` (URIs).
    fs::path xmlsec1_sign(const std::string& method, const std::string& digest) {
        const auto tmpl = dir / "template.xml";
        test::write_text(
            tmpl,
            "<?xml version=\"1.0\"?>\n<beslut><text>Bygglov beviljas.</text>"
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
            "<CanonicalizationMethod "
            "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
            "<SignatureMethod Algorithm=\"" +
                method +
                "\"/><Reference URI=\"\"><Transforms><Transform "
                "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></Transforms>"
                "<DigestMethod Algorithm=\"" +
                digest +
                "\"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/>"
                "</KeyInfo></Signature></beslut>\n");
        const auto out = dir / "signed.xml";
        const auto r =
            test::run("xmlsec1 --sign --privkey-pem " + q(signer("key")) + "," + q(signer("pem")) +
                      "," + q(pki("ca.pem")) + " --output " + q(out) + " " + q(tmpl) + " 2>&1");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return out;
    }
    fs::path openssl_cms_sign(const std::string& md) {
        const auto out = dir / ("signed-" + md + ".p7s");
        const auto r =
            test::run("openssl cms -sign -binary -in " + q(doc) + " -signer " + q(signer("pem")) +
                      " -inkey " + q(signer("key")) + " -md " + md + " -certfile " +
                      q(pki("ca.pem")) + " -outform DER -out " + q(out) + " 2>&1");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return out;
    }

    static test::TempDir* s_dir;
    test::TempDir dir;
    fs::path doc;
    fs::path accept_sha1 = dir / "accept-sha1.json";
};
test::TempDir* LegacyAlgorithms::s_dir = nullptr;

constexpr const char* k_dsa_sha1 = "http://www.w3.org/2000/09/xmldsig#dsa-sha1";
constexpr const char* k_dsa_sha256 = "http://www.w3.org/2009/xmldsig11#dsa-sha256";
constexpr const char* k_sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
constexpr const char* k_sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";

TEST_F(LegacyAlgorithms, XmlDsaSha1IsJudgedByThePolicy) {
    const auto sig = xmlsec1_sign(k_dsa_sha1, k_sha1);
    auto s = verify(sig);
    EXPECT_EQ(s["indication"], "INDETERMINATE") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << s.dump(2);
    EXPECT_NE(s["explanation"].get<std::string>().find("sha1"), std::string::npos) << s.dump(2);
    EXPECT_EQ(s["signatureAlgorithm"], "dsa-sha1") << s.dump(2);
    s = verify(sig, "--policy " + q(accept_sha1));
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
}

TEST_F(LegacyAlgorithms, XmlDsa2048Sha256Passes) {
    const auto s = verify(xmlsec1_sign(k_dsa_sha256, k_sha256));
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
    EXPECT_EQ(s["signatureAlgorithm"], "dsa-sha256") << s.dump(2);
}

TEST_F(LegacyAlgorithms, XmlDsaSignatureValueTamperedFails) {
    const auto sig = xmlsec1_sign(k_dsa_sha256, k_sha256);
    test::replace_first(sig, "Bygglov beviljas.", "Bygglov avslås.");
    const auto s = verify(sig);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "HASH_FAILURE") << s.dump(2);
}

TEST_F(LegacyAlgorithms, CmsDsaSha1AndSha256AreJudgedByThePolicy) {
    auto s = verify(openssl_cms_sign("sha1"), "--data " + q(doc));
    EXPECT_EQ(s["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << s.dump(2);
    EXPECT_NE(s["explanation"].get<std::string>().find("sha1"), std::string::npos) << s.dump(2);
    s = verify(openssl_cms_sign("sha1"), "--data " + q(doc) + " --policy " + q(accept_sha1));
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
    s = verify(openssl_cms_sign("sha256"), "--data " + q(doc));
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
}

// Failure modes that used to end, or could end, without a word: each names what went wrong.
TEST_F(LegacyAlgorithms, EveryFailureExplainsItself) {
    struct Case {
        const char* name;
        const char* from;
        const char* to;
        const char* sub;
        const char* named;  // must occur in the explanation
    };
    const Case cases[] = {
        {"unknown SignatureMethod", k_dsa_sha256, "urn:example:no-such-method",
         "CRYPTO_CONSTRAINTS_FAILURE", "urn:example:no-such-method"},
        {"unknown DigestMethod", k_sha256, "urn:example:no-such-digest",
         "CRYPTO_CONSTRAINTS_FAILURE", "urn:example:no-such-digest"},
        {"detached document not given", "URI=\"\"", "URI=\"bilaga.pdf\"", "SIGNED_DATA_NOT_FOUND",
         "bilaga.pdf"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto sig = xmlsec1_sign(k_dsa_sha256, k_sha256);
        test::replace_first(sig, c.from, c.to);
        const auto s = verify(sig);
        EXPECT_EQ(s["indication"], "INDETERMINATE") << s.dump(2);
        EXPECT_EQ(s["subIndication"], c.sub) << s.dump(2);
        EXPECT_NE(s["explanation"].get<std::string>().find(c.named), std::string::npos)
            << s.dump(2);
    }
}

}  // namespace
}  // namespace ltsign
