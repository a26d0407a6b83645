// XAdES end to end: each packaging signed and verified, each part tampered with, B-T, and the
// XML attacks (signature wrapping, duplicate IDs, XXE, billion laughs, deep nesting).
#include <gtest/gtest.h>

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

// Replaces the first match of `pattern` in the file; the test fails if there is none.
void edit(const fs::path& file, const std::string& pattern, const std::string& replacement) {
    const std::string before = test::read_text(file);
    const std::string after = std::regex_replace(before, std::regex(pattern), replacement,
                                                 std::regex_constants::format_first_only);
    ASSERT_NE(before, after) << "pattern not found: " << pattern;
    test::write_text(file, after);
}

std::string capture(const fs::path& file, const std::string& pattern) {
    const std::string text = test::read_text(file);
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return "";
    return m.size() > 1 ? m[1].str() : m[0].str();
}

// An RSA-SHA256 XMLDSig template with one reference, for xmlsec1 to sign: the reference's URI and
// its ds:Transform elements.
std::string xmldsig_template(const std::string& uri, const std::string& transforms) {
    return "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
           "<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
           "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
           "<Reference URI=\"" +
           uri + "\"><Transforms>" + transforms +
           "</Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
           "<DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/>"
           "</KeyInfo></Signature>";
}

std::string transform(const std::string& algorithm, const std::string& content = "") {
    return "<Transform Algorithm=\"" + algorithm + "\">" + content + "</Transform>";
}

// xmlsec1 signs `tmpl` with the test PKI's RSA signer (chain included), in the template's folder,
// where detached references resolve.
test::RunResult xmlsec1_sign(const fs::path& tmpl, const fs::path& out) {
    return test::run("cd " + q(tmpl.parent_path()) + " && xmlsec1 --sign --privkey-pem " +
                     q(pki("rsa.key")) + "," + q(pki("rsa.pem")) + "," + q(pki("ca.pem")) +
                     " --output " + q(out) + " " + q(tmpl.filename()));
}

class Xades : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        xml_doc = dir / "protokoll.xml";
        test::write_text(xml_doc,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<protokoll nr=\"87\">\n"
                         "  <paragraf Id=\"p87\">Bygglov beviljas, Ekbacken 3:14.</paragraf>\n"
                         "  <justering>Per Lind</justering>\n</protokoll>\n");
        binary = dir / "ritning.tif";
        std::string bytes = "II*\0";
        for (int i = 0; i < 5000; ++i) bytes += static_cast<char>((i * 7919) & 0xff);
        test::write_text(binary, bytes);
    }
    test::RunResult sign(const fs::path& file, const std::string& packaging, const fs::path& out,
                         const std::string& extra = "", const std::string& p12 = "rsa.p12") {
        return ltsign("sign " + q(file) + " --format xades --packaging " + packaging + " --key " +
                      q(pki(p12)) +
                      " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z " + extra +
                      " -o " + q(out));
    }
    json verify(const fs::path& sig, int expected_exit, const std::string& extra = "") {
        const auto r = ltsign("verify " + q(sig) + " --trust " + q(pki("root.pem")) +
                              " --at 2026-06-02T00:00:00Z --json " + extra);
        EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
        if (r.out.empty()) return json::object();
        return json::parse(r.out)["files"][0];
    }

    test::TempDir dir;
    fs::path xml_doc, binary;
};

TEST_F(Xades, EachPackagingSignsAndVerifiesWithBothKeyTypes) {
    for (const char* p12 : {"rsa.p12", "ec.p12"}) {
        for (const char* packaging : {"enveloped", "enveloping", "detached"}) {
            SCOPED_TRACE(std::string(p12) + " " + packaging);
            const auto out = dir / (std::string(packaging) + ".xades.xml");
            const auto r = sign(xml_doc, packaging, out, "--force", p12);
            ASSERT_EQ(r.exit_code, 0) << r.err;
            const auto f = verify(
                out, 0,
                std::string(packaging) == "detached" ? "--data " + q(xml_doc) : std::string());
            EXPECT_EQ(f["format"], "xades");
            const auto& s = f["signatures"][0];
            EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
            EXPECT_EQ(s["level"], "B-B");
            EXPECT_EQ(s["signingTime"], "2026-06-01T12:00:00Z");
            ASSERT_EQ(s["signedData"].size(), 1u);
            EXPECT_EQ(s["signedData"][0]["mimeType"], "text/xml");
        }
    }
}

TEST_F(Xades, DetachedBinaryVerifiesWithDataAndFailsAfterOneByteChange) {
    const auto sig = dir / "ritning.tif.xades.xml";
    ASSERT_EQ(sign(binary, "detached", sig).exit_code, 0);
    auto f = verify(sig, 0, "--data " + q(binary));
    EXPECT_EQ(f["signatures"][0]["signedData"][0]["target"], "file " + binary.string());
    EXPECT_EQ(f["signatures"][0]["signedData"][0]["mimeType"], "image/tiff");
    // Without the document: the signed data is not found, nothing is claimed about it.
    f = verify(sig, 2);
    EXPECT_EQ(f["subIndication"], "SIGNED_DATA_NOT_FOUND");
    test::flip_byte(binary, 2500);
    f = verify(sig, 1, "--data " + q(binary));
    EXPECT_EQ(f["subIndication"], "HASH_FAILURE");
}

TEST_F(Xades, EnvelopingCarriesAnyFileAndBatchPairingFindsDetachedDocuments) {
    const auto sig = dir / "out" / "ritning.tif.xades.xml";
    fs::create_directories(sig.parent_path());  // the folder of a single output must exist
    ASSERT_EQ(sign(binary, "enveloping", sig).exit_code, 0);
    EXPECT_EQ(verify(sig, 0)["signatures"][0]["indication"], "TOTAL_PASSED");
    // --data DIR pairs NAME.xades.xml with DIR/NAME.
    ASSERT_EQ(sign(xml_doc, "detached", dir / "out" / "protokoll.xml.xades.xml").exit_code, 0);
    const auto r = ltsign("verify " + q(dir / "out") + " --data " + q(dir.path()) + " --trust " +
                          q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(json::parse(r.out)["summary"]["passed"], 2);
}

TEST_F(Xades, AFolderOfEnvelopedXmlIsVerifiedAndUnsignedXmlIsLeftOut) {
    fs::create_directories(dir / "leverans");
    ASSERT_EQ(sign(xml_doc, "enveloped", dir / "leverans" / "protokoll.xml").exit_code, 0);
    test::write_text(dir / "leverans" / "bilaga.xml", "<bilaga>osignerad</bilaga>");
    const auto r = ltsign("verify " + q(dir / "leverans") + " --trust " + q(pki("root.pem")) +
                          " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto j = json::parse(r.out);
    ASSERT_EQ(j["files"].size(), 1u);
    EXPECT_EQ(j["files"][0]["format"], "xades");
}

TEST_F(Xades, EveryTamperedPartIsCaught) {
    struct Case {
        const char* name;
        const char* packaging;
        const char* pattern;
        const char* replacement;
        const char* sub;
    };
    const Case cases[] = {
        {"referenced content", "enveloped", "Ekbacken 3:14", "Ekbacken 3:15", "HASH_FAILURE"},
        {"enveloped object", "enveloping", "(<ds:Object Id=\"o-id-[^>]*>)P", "$1Q", "HASH_FAILURE"},
        {"SignedProperties", "enveloped", "2026-06-01T12:00:00Z", "2026-05-01T12:00:00Z",
         "HASH_FAILURE"},
        {"SignatureValue", "enveloping", "(<ds:SignatureValue[^>]*>)[A-Za-z0-9+/]{4}", "$1AAAA",
         "SIG_CRYPTO_FAILURE"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto sig = dir / (std::string(c.packaging) + ".xades.xml");
        ASSERT_EQ(sign(xml_doc, c.packaging, sig, "--force").exit_code, 0);
        edit(sig, c.pattern, c.replacement);
        const auto f = verify(sig, 1);
        EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
        EXPECT_EQ(f["subIndication"], c.sub) << f.dump(2);
    }
}

TEST_F(Xades, SubstitutedKeyInfoCertificateNeverPasses) {
    const auto sig = dir / "s.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloped", sig).exit_code, 0);
    // Another certificate of the same PKI in KeyInfo: the signature does not verify with its key
    // and the signed SigningCertificateV2 does not name it.
    const std::string other = test::read_text(pki("ec.pem"));
    std::string b64;
    std::istringstream lines(other);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("-----") == std::string::npos) b64 += line;
    }
    edit(sig, "<ds:X509Certificate>[^<]*</ds:X509Certificate>",
         "<ds:X509Certificate>" + b64 + "</ds:X509Certificate>");
    const auto f = verify(sig, 1);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
    // A certificate that is not DER at all is a format failure.
    edit(sig, "<ds:X509Certificate>MII", "<ds:X509Certificate>MIJ");
    EXPECT_EQ(verify(sig, 1)["subIndication"], "FORMAT_FAILURE");
}

TEST_F(Xades, WrappingAttacksAreRefused) {
    const auto sig = dir / "w.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloping", sig).exit_code, 0);
    const std::string object_id = capture(sig, "<ds:Object Id=\"(o-id-[^\"]+)\"");
    const std::string object = capture(sig, "(<ds:Object Id=\"o-id-[^>]*>[^<]*</ds:Object>)");
    ASSERT_FALSE(object.empty());
    const std::string original = test::read_text(sig);
    const std::string forged = "<ds:Object Id=\"" + object_id +
                               "\" Encoding=\"http://www.w3.org/2000/09/xmldsig#base64\">"
                               "Rm9yZ2VkIGRlY2lzaW9u</ds:Object>";
    // 1. The signed object moved into a wrapper, a forged one in its place: two elements carry
    //    the ID, so what was signed is ambiguous.
    {
        std::string text = original;
        text.replace(text.find(object), object.size(),
                     forged + "<ds:Object><wrapper>" + object + "</wrapper></ds:Object>");
        test::write_text(sig, text);
        const auto f = verify(sig, 1);
        EXPECT_EQ(f["subIndication"], "FORMAT_FAILURE") << f.dump(2);
    }
    // 2. The signed object moved into a wrapper with nothing in its place: the reference now
    //    reaches a ds:Object that is not the signature's own.
    {
        std::string text = original;
        text.replace(text.find(object), object.size(),
                     "<ds:Object><wrapper>" + object + "</wrapper></ds:Object>");
        test::write_text(sig, text);
        const auto f = verify(sig, 2);
        EXPECT_EQ(f["subIndication"], "SIGNED_DATA_NOT_FOUND") << f.dump(2);
    }
    // 3. A forged copy of SignedProperties: the signed one moved to a ds:Object of its own, an
    //    unsigned one with another signing time put in the QualifyingProperties.
    {
        std::string text = original;
        const auto from = text.find("<xades:SignedProperties");
        const auto to = text.find("</xades:SignedProperties>") + 25;
        const std::string signed_sp = text.substr(from, to - from);
        std::string fake =
            std::regex_replace(signed_sp, std::regex("Id=\"xades-id-"), "Id=\"fake-id-");
        fake = std::regex_replace(fake, std::regex("2026-06-01T12:00:00Z"), "2016-06-01T12:00:00Z");
        text.replace(from, to - from, fake);
        // The moved original needs the xades namespace it no longer inherits.
        std::string moved = signed_sp;
        moved.insert(moved.find(' '), " xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\"");
        text.insert(text.find("</ds:Signature>"), "<ds:Object>" + moved + "</ds:Object>");
        test::write_text(sig, text);
        const auto f = verify(sig, 2);
        EXPECT_EQ(f["subIndication"], "SIGNED_DATA_NOT_FOUND") << f.dump(2);
        EXPECT_NE(f["signatures"][0]["explanation"].get<std::string>().find("wrapping"),
                  std::string::npos);
    }
}

TEST_F(Xades, DuplicateIdInEnvelopedDocumentIsAFailure) {
    const auto sig = dir / "d.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloped", sig).exit_code, 0);
    const std::string sp_id = capture(sig, "<xades:SignedProperties Id=\"([^\"]+)\"");
    ASSERT_FALSE(sp_id.empty());
    // A second element with the SignedProperties' ID, outside the signature: the enveloped
    // document changes too, but the ambiguity is reported first.
    const std::string original = test::read_text(sig);
    for (const char* attribute : {"Id", "id", "xml:id"}) {
        SCOPED_TRACE(attribute);
        test::write_text(sig, original);
        edit(sig, "<justering>", "<justering " + std::string(attribute) + "=\"" + sp_id + "\">");
        const auto f = verify(sig, 1);
        EXPECT_EQ(f["subIndication"], "FORMAT_FAILURE") << f.dump(2);
        EXPECT_NE(f["signatures"][0]["explanation"].get<std::string>().find("more than once"),
                  std::string::npos);
    }
}

// A listening loopback socket that records whether anyone connected.
class Listener {
  public:
    Listener() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(m_fd, 8);
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
    }
    ~Listener() { ::close(m_fd); }
    int port() const { return m_port; }
    bool contacted() const {
        pollfd p{m_fd, POLLIN, 0};
        return ::poll(&p, 1, 0) > 0;
    }

  private:
    int m_fd = -1;
    int m_port = 0;
};

TEST_F(Xades, XxeBillionLaughsAndDeepNestingEndFastWithoutReadingAnything) {
    const auto sig = dir / "base.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloped", sig).exit_code, 0);
    const std::string signed_text = test::read_text(sig);
    const std::string body = signed_text.substr(signed_text.find("<protokoll"));
    Listener listener;
    const std::string secret = (dir / "secret.txt").string();
    test::write_text(secret, "TOP-SECRET-CONTENT");
    std::string laughs = "<!DOCTYPE protokoll [<!ENTITY l0 \"ha\">";
    for (int i = 1; i <= 12; ++i) {
        laughs += "<!ENTITY l" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) laughs += "&l" + std::to_string(i - 1) + ";";
        laughs += "\">";
    }
    laughs += "]>";
    // Deep nesting inside a signature, so that the XML parser (not format detection) meets it.
    std::string deep =
        "<?xml version=\"1.0\"?><ds:Signature "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:Object>";
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    for (int i = 0; i < 100000; ++i) deep += "</a>";
    deep += "</ds:Object></ds:Signature>";
    const std::pair<const char*, std::string> attacks[] = {
        {"file XXE", "<?xml version=\"1.0\"?><!DOCTYPE protokoll [<!ENTITY x SYSTEM \"file://" +
                         secret + "\">]>" +
                         std::regex_replace(body, std::regex("Per Lind"), "&x;")},
        {"network XXE",
         "<?xml version=\"1.0\"?><!DOCTYPE protokoll [<!ENTITY x SYSTEM \"http://127.0.0.1:" +
             std::to_string(listener.port()) + "/x\">]>" +
             std::regex_replace(body, std::regex("Per Lind"), "&x;")},
        {"external DTD", "<?xml version=\"1.0\"?><!DOCTYPE protokoll SYSTEM \"http://127.0.0.1:" +
                             std::to_string(listener.port()) + "/d.dtd\">" + body},
        {"billion laughs", "<?xml version=\"1.0\"?>" + laughs +
                               std::regex_replace(body, std::regex("Per Lind"), "&l12;")},
        {"deep nesting", deep},
    };
    for (const auto& [name, text] : attacks) {
        SCOPED_TRACE(name);
        const auto file = dir / "attack.xml";
        test::write_text(file, text);
        const auto start = std::chrono::steady_clock::now();
        const auto r = ltsign("verify " + q(file) + " --trust " + q(pki("root.pem")) + " --json");
        const auto took = std::chrono::steady_clock::now() - start;
        EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
        EXPECT_EQ(r.out.find("TOP-SECRET"), std::string::npos);
        EXPECT_EQ(r.err.find("TOP-SECRET"), std::string::npos);
        // A guard against hangs, not a benchmark: the refusal happens while parsing.
        EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 5000);
        const auto j = json::parse(r.out);
        EXPECT_EQ(j["files"][0]["subIndication"], "FORMAT_FAILURE");
    }
    EXPECT_FALSE(listener.contacted()) << "an entity or DTD was fetched from the network";
}

TEST_F(Xades, DetachedXmlParsedForATransformLoadsNothingAndKeepsTheDepthLimit) {
    // xmlsec1 signs a detached XML document through a C14N transform, so verifying parses it.
    fs::create_directories(dir / "sign");
    test::write_text(dir / "sign" / "arende.xml", "<arende><beslut>Bygglov</beslut></arende>");
    test::write_text(
        dir / "sign" / "tmpl.xml",
        "<?xml version=\"1.0\"?>\n" +
            xmldsig_template("arende.xml",
                             transform("http://www.w3.org/TR/2001/REC-xml-c14n-20010315")) +
            "\n");
    const auto sig = dir / "sign" / "arende.xml.sig.xml";
    auto r = xmlsec1_sign(dir / "sign" / "tmpl.xml", sig);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(
        verify(sig, 0, "--data " + q(dir / "sign" / "arende.xml"))["signatures"][0]["indication"],
        "TOTAL_PASSED");

    Listener listener;
    const std::string secret = (dir / "secret.txt").string();
    test::write_text(secret, "TOP-SECRET-CONTENT");
    std::string deep;
    for (int i = 0; i < 50000; ++i) deep += "<a>";
    for (int i = 0; i < 50000; ++i) deep += "</a>";
    // {document, may it pass}: an external DTD that is not loaded leaves the canonical form,
    // and so the signed bytes, unchanged; entities are not expanded and the depth limit holds.
    const std::pair<std::string, bool> hostile[] = {
        {"<!DOCTYPE arende [<!ENTITY f SYSTEM \"file://" + secret +
             "\"><!ENTITY n SYSTEM \"http://127.0.0.1:" + std::to_string(listener.port()) +
             "/x\">]><arende><beslut>&f;&n;</beslut></arende>",
         false},
        {"<!DOCTYPE arende SYSTEM \"http://127.0.0.1:" + std::to_string(listener.port()) +
             "/d.dtd\"><arende><beslut>Bygglov</beslut></arende>",
         true},
        {"<arende>" + deep + "</arende>", false},
    };
    for (const auto& [text, may_pass] : hostile) {
        test::write_text(dir / "hostile.xml", text);
        const auto start = std::chrono::steady_clock::now();
        r = ltsign("verify " + q(sig) + " --data " + q(dir / "hostile.xml") + " --trust " +
                   q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json");
        const auto took = std::chrono::steady_clock::now() - start;
        if (!may_pass) EXPECT_NE(r.exit_code, 0) << r.out;
        EXPECT_EQ(r.out.find("TOP-SECRET"), std::string::npos);
        EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 5000);
    }
    EXPECT_FALSE(listener.contacted()) << "a detached document made ltsign fetch something";
}

TEST_F(Xades, LevelTCarriesASignatureTimeStampOverTheSignatureValue) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto sig = dir / "t.xades.xml";
    const auto r = sign(xml_doc, "enveloped", sig, "--level T --tsa " + tsa.url());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto f = verify(sig, 0);
    const auto& s = f["signatures"][0];
    EXPECT_EQ(s["level"], "B-T");
    ASSERT_EQ(s["timestamps"].size(), 1u);
    EXPECT_EQ(s["timestamps"][0]["indication"], "TOTAL_PASSED");
    EXPECT_EQ(s["bestSignatureTime"], test::k_tsa_clock);
    // A token over another value is caught: swap in the SignatureValue of a second signature.
    const auto other = dir / "t2.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloped", other, "--level T --tsa " + tsa.url()).exit_code, 0);
    const std::string token = capture(other, "<xades:EncapsulatedTimeStamp>([^<]+)<");
    edit(sig, "<xades:EncapsulatedTimeStamp>[^<]+<", "<xades:EncapsulatedTimeStamp>" + token + "<");
    f = verify(sig, 1);
    EXPECT_EQ(f["signatures"][0]["timestamps"][0]["subIndication"], "HASH_FAILURE") << f.dump(2);
}

TEST_F(Xades, ExtendRaisesBToTInPlaceAndStillVerifies) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    for (const char* packaging : {"enveloped", "enveloping", "detached"}) {
        SCOPED_TRACE(packaging);
        const auto sig = dir / (std::string(packaging) + ".xades.xml");
        ASSERT_EQ(sign(xml_doc, packaging, sig, "--force").exit_code, 0);
        auto r = ltsign("extend " + q(sig) + " --level T --tsa " + tsa.url() + " --in-place");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const std::string data =
            std::string(packaging) == "detached" ? "--data " + q(xml_doc) : std::string();
        const auto f = verify(sig, 0, data);
        EXPECT_EQ(f["signatures"][0]["level"], "B-T") << f.dump(2);
        EXPECT_EQ(f["signatures"][0]["bestSignatureTime"], test::k_tsa_clock);
        // Already T: nothing to do, no error (scripts re-run), and the file is left alone.
        const std::string before = test::read_text(sig);
        r = ltsign("extend " + q(sig) + " --level T --tsa " + tsa.url() + " --in-place" +
                   (data.empty() ? "" : " " + data));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("is at B-T already (level T asked): nothing to do"), std::string::npos)
            << r.out;
        EXPECT_EQ(test::read_text(sig), before);
        r = ltsign("extend " + q(sig) + " --level T --tsa " + tsa.url() + " -o " +
                   q(dir / "again.xml") + (data.empty() ? "" : " " + data));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_FALSE(fs::exists(dir / "again.xml"));
    }
}

TEST_F(Xades, WithoutStandardSchemasTheReportSaysValidationWasNotPerformed) {
    const auto sig = dir / "s.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloped", sig).exit_code, 0);
    ::setenv("LTSIGN_SCHEMA_DIR", (dir / "no-schemas").c_str(), 1);
    const auto f = verify(sig, 0);
    ::unsetenv("LTSIGN_SCHEMA_DIR");
    // Programs read the code; the sentence beside it is for people.
    const auto& codes = f["signatures"][0]["noteCodes"];
    EXPECT_NE(std::find(codes.begin(), codes.end(), "schema_not_performed"), codes.end())
        << f["signatures"][0]["notes"];
    // With them, a signature that breaks the schema is a format failure.
    edit(sig, "<xades:SigningTime>", "<xades:SigningTime>x");
    EXPECT_EQ(verify(sig, 1)["subIndication"], "FORMAT_FAILURE");
}

TEST_F(Xades, PlainXmldsigFromXmlsec1IsReportedAsSuch) {
    const auto tmpl = dir / "tmpl.xml";
    test::write_text(tmpl,
                     "<?xml version=\"1.0\"?>\n<protokoll nr=\"87\"><justering>Per "
                     "Lind</justering>" +
                         xmldsig_template("", transform("http://www.w3.org/2000/09/"
                                                        "xmldsig#enveloped-signature")) +
                         "</protokoll>\n");
    const auto out = dir / "plain.xml";
    const auto r = xmlsec1_sign(tmpl, out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto f = verify(out, 0);
    EXPECT_EQ(f["format"], "xmldsig");
    EXPECT_EQ(f["signatures"][0]["level"], "XMLDSig");
    EXPECT_EQ(f["signatures"][0]["indication"], "TOTAL_PASSED");
    edit(out, "Per Lind", "Per Lund");
    EXPECT_EQ(verify(out, 1)["subIndication"], "HASH_FAILURE");
}

TEST_F(Xades, AnXPathThatSignsOnlyPartOfTheDocumentIsReported) {
    const auto tmpl = dir / "tmpl.xml";
    test::write_text(tmpl,
                     "<?xml version=\"1.0\"?>\n<arende><beslut>Bygglov beviljas</beslut>"
                     "<kommentar>osignerad</kommentar>" +
                         xmldsig_template("", transform("http://www.w3.org/TR/1999/"
                                                        "REC-xpath-19991116",
                                                        "<XPath>ancestor-or-self::beslut"
                                                        "</XPath>")) +
                         "</arende>\n");
    const auto out = dir / "part.xml";
    const auto r = xmlsec1_sign(tmpl, out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The unselected part may change without breaking the signature; the report says it is not
    // signed.
    edit(out, "osignerad", "ändrad");
    const auto f = verify(out, 0);
    const auto& s = f["signatures"][0];
    EXPECT_NE(s["signedData"][0]["target"].get<std::string>().find("ancestor-or-self::beslut"),
              std::string::npos)
        << s.dump(2);
    EXPECT_NE(s["notes"].dump().find("is not signed"), std::string::npos) << s.dump(2);
    edit(out, "beviljas", "avslås");
    EXPECT_EQ(verify(out, 1)["subIndication"], "HASH_FAILURE");
}

TEST_F(Xades, InspectShowsTheStructure) {
    const auto sig = dir / "i.xades.xml";
    ASSERT_EQ(sign(xml_doc, "enveloping", sig).exit_code, 0);
    const auto r = ltsign("inspect " + q(sig) + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["format"], "xades");
    EXPECT_NE(r.out.find("SigningCertificateV2"), std::string::npos);
    EXPECT_NE(r.out.find("2026-06-01T12:00:00Z"), std::string::npos);
}

TEST_F(Xades, UsageErrorsSayWhatToDo) {
    auto r = sign(binary, "enveloped", dir / "x.xml");
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("enveloping or detached"), std::string::npos) << r.err;
    r = ltsign("sign " + q(xml_doc) + " --packaging enveloped --key " + q(pki("rsa.p12")) +
               " --pass-env LTSIGN_TEST_PASS -o " + q(dir / "y.p7s"));
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("--format xades"), std::string::npos) << r.err;
    r = sign(xml_doc, "enveloped", dir / "z.xml", "--rsa-pss");
    EXPECT_EQ(r.exit_code, 64);
    r = sign(xml_doc, "enveloped", dir / "z.xml", "--digest sha3-256");
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_FALSE(fs::exists(dir / "x.xml") || fs::exists(dir / "y.p7s") ||
                 fs::exists(dir / "z.xml"));
}

}  // namespace
}  // namespace ltsign
