// Attacks on XML signature verification that a correct signature makes possible (issue 11): a
// reference resolved to another element than the one xmlsec1 digests, weak algorithms beside
// strong ones, transforms that sign only part of a document, and a document given beside a
// signature that carries another one. Every signature here is made by xmlsec1 or by ltsign's
// sign command; the attacks are edits of the signed files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
constexpr const char* k_sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
constexpr const char* k_rsa_sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
constexpr const char* k_rsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr const char* k_c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
constexpr const char* k_enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* k_xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116";
constexpr const char* k_filter2 = "http://www.w3.org/2002/06/xmldsig-filter2";
constexpr const char* k_xptr = "http://www.w3.org/2001/04/xmldsig-more/xptr";
constexpr const char* k_dsig = "http://www.w3.org/2000/09/xmldsig#";

std::string transform(const std::string& algorithm, const std::string& content = "") {
    return "<Transform Algorithm=\"" + algorithm + "\">" + content + "</Transform>";
}

struct Ref {
    std::string uri;  // already escaped for an attribute
    std::string transforms;
    std::string digest = k_sha256;
};

// An XMLDSig template for xmlsec1 to sign with the test PKI's RSA key.
std::string signature_template(const std::vector<Ref>& refs,
                               const std::string& method = k_rsa_sha256) {
    std::string out = std::string("<Signature xmlns=\"") + k_dsig +
                      "\"><SignedInfo><CanonicalizationMethod Algorithm=\"" + k_c14n +
                      "\"/><SignatureMethod Algorithm=\"" + method + "\"/>";
    for (const auto& r : refs) {
        out += "<Reference URI=\"" + r.uri + "\">";
        if (!r.transforms.empty()) out += "<Transforms>" + r.transforms + "</Transforms>";
        out += "<DigestMethod Algorithm=\"" + r.digest + "\"/><DigestValue/></Reference>";
    }
    return out + "</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>";
}

class XmlAttack : public ::testing::Test {
  protected:
    // xmlsec1 signs `document` (a root element's content with a template inside); elements named
    // pay carry IDs in their Id attribute, as xmlsec1 must be told.
    fs::path xmlsec1_signed(const std::string& name, const std::string& content) {
        const auto tmpl = dir / (name + ".tmpl.xml");
        const auto out = dir / (name + ".xml");
        test::write_text(tmpl,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<arende "
                         "xmlns:x=\"urn:example:bilaga\">" +
                             content + "</arende>\n");
        const auto r = test::run("xmlsec1 --sign --id-attr:Id pay --privkey-pem " +
                                 q(pki("rsa.key")) + "," + q(pki("rsa.pem")) + "," +
                                 q(pki("ca.pem")) + " --output " + q(out) + " " + q(tmpl));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out;
    }
    json verify(const fs::path& sig, const std::string& extra = "") {
        const auto r = ltsign("verify " + q(sig) + " --trust " + q(pki("root.pem")) +
                              " --at 2026-06-02T00:00:00Z --json " + extra);
        EXPECT_NE(r.out, "") << r.err;
        last_exit = r.exit_code;
        if (r.out.empty()) return json::object();
        return json::parse(r.out)["files"][0]["signatures"][0];
    }
    static validation::SignatureFacts facts(const fs::path& file) {
        const auto bytes = test::read_bytes(file);
        auto found = xml::extract_facts(bytes, file.string(), {});
        return std::move(found.facts.front());
    }

    test::TempDir dir;
    int last_exit = -1;
};

// Issue 11 item 3: "#xpointer(id('payX'))" must name the element xmlsec1 digests, not one whose
// ID is a prefix of it.
TEST_F(XmlAttack, AnInsertedElementWithAShorterIdIsNotNamedAsTheSignedData) {
    const auto sig = xmlsec1_signed(
        "xpointer", "<pay Id=\"payX\">100 kr</pay>" +
                        signature_template({{"#xpointer(id('payX'))", transform(k_c14n)}}));
    test::replace_first(sig, "<pay Id=\"payX\">",
                        "<pay Id=\"pay\">1 000 000 kr</pay><pay Id=\"payX\">");
    auto s = verify(sig);
    ASSERT_EQ(s["signedData"].size(), 1u) << s.dump(2);
    const std::string target = s["signedData"][0]["target"];
    EXPECT_NE(target.find("Id=\"payX\""), std::string::npos) << s.dump(2);
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
    // The element ltsign names is the one xmlsec1 digests: changing it breaks the signature.
    test::replace_first(sig, "100 kr", "900 kr");
    s = verify(sig);
    EXPECT_EQ(s["subIndication"], "HASH_FAILURE") << s.dump(2);
}

// Every same-document URI form both ltsign and xmlsec1 accept, with IDs that are hard to cut out
// of a URI (a bare "#a)b" is refused by both: it becomes xpointer(id('a)b'))); a decoy whose ID is
// the target's without its last character sits beside the target.
TEST_F(XmlAttack, EveryUriFormNamesTheElementXmlsecDigests) {
    struct Case {
        std::string id;   // the Id attribute, as written in XML
        std::string uri;  // the Reference URI, as written in XML
        bool whole;       // the whole document is signed
    };
    const Case cases[] = {
        {"p1", "", true},
        {"p1", "#xpointer(/)", true},
        {"payX", "#payX", false},
        {"payX", "#xpointer(id('payX'))", false},
        {"payX", "#xpointer(id(&quot;payX&quot;))", false},
        {"111", "#111", false},
        {"111", "#xpointer(id('111'))", false},
        // XPointer ends the scheme data at an unbalanced ")" unless escaped with "^".
        {"a)b", "#xpointer(id('a^)b'))", false},
        {"a.b-c_d", "#a.b-c_d", false},
        {"a'b", "#xpointer(id(&quot;a'b&quot;))", false},
        {"\xc3\xa5r-2", "#xpointer(id('\xc3\xa5r-2'))", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.uri + " Id=" + c.id);
        const std::string decoy = c.id.substr(0, c.id.size() - 1);
        const std::string transforms =
            c.whole ? transform(k_enveloped) + transform(k_c14n) : transform(k_c14n);
        const auto sig = xmlsec1_signed("forms", "<pay Id=\"" + decoy + "\">decoy</pay><pay Id=\"" +
                                                     c.id + "\">signed</pay>" +
                                                     signature_template({{c.uri, transforms}}));
        auto s = verify(sig);
        EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
        ASSERT_EQ(s["signedData"].size(), 1u) << s.dump(2);
        const std::string target = s["signedData"][0]["target"];
        if (c.whole) {
            EXPECT_EQ(target.rfind("the whole document", 0), 0u) << target;
        } else {
            EXPECT_NE(target.find("Id=\"" + c.id + "\""), std::string::npos) << target;
            // The decoy is not signed; the target is.
            test::replace_first(sig, ">decoy<", ">changed<");
            EXPECT_EQ(verify(sig)["indication"], "TOTAL_PASSED");
        }
        test::replace_first(sig, ">signed<", ">changed<");
        EXPECT_EQ(verify(sig)["subIndication"], "HASH_FAILURE");
    }
}

// Issue 11 item 9: a SHA-1 SignatureMethod protects everything the references protect.
TEST_F(XmlAttack, AnRsaSha1SignatureMethodFailsTheAlgorithmPolicy) {
    const auto sig = xmlsec1_signed(
        "rsa-sha1",
        "<beslut>Bygglov</beslut>" +
            signature_template({{"", transform(k_enveloped) + transform(k_c14n)}}, k_rsa_sha1));
    const auto s = verify(sig);
    EXPECT_NE(s["indication"], "TOTAL_PASSED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << s.dump(2);
    const auto f = facts(sig);
    bool method = false;
    for (const auto& a : f.algorithms) {
        if (a.purpose == "the SignatureMethod") {
            method = true;
            EXPECT_EQ(a.digest, "sha1");
            EXPECT_EQ(a.key_kind, "rsa");
            EXPECT_GE(a.key_bits, 2048);
        }
    }
    EXPECT_TRUE(method);
}

TEST_F(XmlAttack, ASha1ReferenceBesideASha256OneFailsTheAlgorithmPolicy) {
    const auto sig =
        xmlsec1_signed("mixed", "<pay Id=\"a1\">one</pay><pay Id=\"b1\">two</pay>" +
                                    signature_template({{"#a1", transform(k_c14n), k_sha256},
                                                        {"#b1", transform(k_c14n), k_sha1}}));
    const auto s = verify(sig);
    EXPECT_NE(s["indication"], "TOTAL_PASSED") << s.dump(2);
    EXPECT_EQ(s["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << s.dump(2);
    EXPECT_EQ(s["digestAlgorithm"], "sha1");
    const auto f = facts(sig);
    std::vector<std::string> digests;
    for (const auto& a : f.algorithms) {
        if (a.purpose.rfind("the digest of reference", 0) == 0) digests.push_back(a.digest);
    }
    EXPECT_EQ(digests, (std::vector<std::string>{"sha256", "sha1"}));
}

// XAdES made by ltsign: its SigningCertificateV2 digest is listed with the references'.
TEST_F(XmlAttack, TheCertDigestIsListedWithTheOtherAlgorithms) {
    test::write_text(dir / "doc.xml", "<beslut>Bygglov</beslut>");
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    const auto r =
        ltsign("sign " + q(dir / "doc.xml") + " --format xades --packaging enveloped --key " +
               q(pki("rsa.p12")) + " --pass-env LTSIGN_TEST_PASS -o " + q(dir / "s.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto f = facts(dir / "s.xml");
    bool cert_digest = false, method = false;
    int references = 0;
    for (const auto& a : f.algorithms) {
        cert_digest = cert_digest || a.purpose.find("CertDigest") != std::string::npos;
        method = method || a.purpose == "the SignatureMethod";
        if (a.purpose.rfind("the digest of reference", 0) == 0) ++references;
    }
    EXPECT_TRUE(cert_digest);
    EXPECT_TRUE(method);
    EXPECT_EQ(references, 2);  // the document and the SignedProperties
    EXPECT_EQ(f.digest_algorithm, "sha256");
}

// Issue 11 item 11: transforms that select less than the document, whatever their text looks
// like. The unselected part changes and the signature still verifies (that is XMLDSig), but the
// report must never say the whole document is signed.
TEST_F(XmlAttack, ATransformThatSelectsPartOfTheDocumentIsReportedAsPartial) {
    const std::string body =
        "<beslut>Bygglov beviljas</beslut><x:Signature>bilaga: inga villkor</x:Signature>";
    struct Case {
        const char* name;
        std::string transforms;
    };
    const Case cases[] = {
        {"XPath with ds bound to another namespace",
         transform(k_xpath,
                   "<XPath xmlns:ds=\"urn:example:bilaga\">not(ancestor-or-self::ds:Signature)"
                   "</XPath>") +
             transform(k_enveloped)},
        {"XPath Filter 2.0 with ds bound to another namespace",
         transform(k_filter2, std::string("<XPath xmlns=\"") + k_filter2 +
                                  "\" xmlns:ds=\"urn:example:bilaga\" Filter=\"subtract\">"
                                  "//ds:Signature</XPath>") +
             transform(k_enveloped)},
        {"XPointer transform", transform(k_xptr, std::string("<XPointer xmlns=\"") + k_xptr +
                                                     "\">xpointer(/arende/beslut)</XPointer>")},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto sig = xmlsec1_signed("partial", body + signature_template({{"", c.transforms}}));
        test::replace_first(sig, "inga villkor", "villkor: inga, byggnaden får rivas");
        auto s = verify(sig);
        ASSERT_EQ(s["signedData"].size(), 1u) << s.dump(2);
        const std::string target = s["signedData"][0]["target"];
        EXPECT_EQ(target.find("the whole document"), std::string::npos) << target;
        EXPECT_NE(target.find("part"), std::string::npos) << target;
        EXPECT_NE(s["notes"].dump().find("is not signed"), std::string::npos) << s.dump(2);
        // The selected part is signed.
        test::replace_first(sig, "beviljas", "avslås");
        EXPECT_EQ(verify(sig)["subIndication"], "HASH_FAILURE");
    }
}

// The usual filters, correctly bound, select the whole document (the signature excluded): they
// are judged by what they select, not by how they are written.
TEST_F(XmlAttack, AFilterThatOnlyRemovesTheSignatureSignsTheWholeDocument) {
    const std::string body = "<beslut>Bygglov beviljas</beslut>";
    const std::string cases[] = {
        transform(k_xpath, std::string("<XPath xmlns:dsig=\"") + k_dsig +
                               "\">not(ancestor-or-self::dsig:Signature)</XPath>"),
        transform(k_filter2, std::string("<XPath xmlns=\"") + k_filter2 +
                                 "\" Filter=\"subtract\">here()/ancestor::*[local-name()="
                                 "'Signature'][1]</XPath>"),
    };
    for (const auto& transforms : cases) {
        SCOPED_TRACE(transforms);
        const auto sig = xmlsec1_signed("whole", body + signature_template({{"", transforms}}));
        const auto s = verify(sig);
        EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
        ASSERT_EQ(s["signedData"].size(), 1u) << s.dump(2);
        const std::string target = s["signedData"][0]["target"];
        EXPECT_EQ(target.rfind("the whole document", 0), 0u) << target;
    }
}

// Issue 11 item 2: a signature that carries its content, verified with another document given
// beside it, must not pass as if that document were signed.
TEST_F(XmlAttack, ADocumentGivenBesideASignatureThatCarriesAnotherIsAHashFailure) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    const auto doc = dir / "beslut.xml";
    const auto other = dir / "annat.xml";
    test::write_text(doc, "<beslut nr=\"12\">Bygglov beviljas</beslut>\n");
    test::write_text(other, "<beslut nr=\"12\">Bygglov avslås</beslut>\n");
    for (const char* packaging : {"enveloping", "enveloped"}) {
        SCOPED_TRACE(packaging);
        const auto sig = dir / (std::string(packaging) + ".xml");
        const auto r =
            ltsign("sign " + q(doc) + " --format xades --packaging " + packaging + " --key " +
                   q(pki("rsa.p12")) + " --pass-env LTSIGN_TEST_PASS --force -o " + q(sig));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        // The document it carries (for an enveloped one also the signed file itself) matches.
        auto s = verify(sig, "--data " + q(doc));
        EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
        EXPECT_NE(s["notes"].dump().find("the document given is the content"), std::string::npos);
        if (std::string(packaging) == "enveloped")
            EXPECT_EQ(verify(sig, "--data " + q(sig))["indication"], "TOTAL_PASSED");
        s = verify(sig, "--data " + q(other));
        EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
        EXPECT_EQ(s["subIndication"], "HASH_FAILURE") << s.dump(2);
        const std::string why = s["explanation"];
        EXPECT_NE(why.find("the document given"), std::string::npos) << why;
        EXPECT_EQ(why.find("--data"), std::string::npos) << why;
    }
}

}  // namespace
}  // namespace ltsign
