// XAdES interop both ways with two independent implementations: xmlsec1 (C, libxml2) and
// xadesjs (JavaScript, its own DOM and canonicalisation), run with Node.js.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

const fs::path k_xadesjs = fs::path(LTSIGN_SOURCE_DIR) / "tests/interop/xadesjs";

test::RunResult xadesjs(const std::string& args) {
    if (!fs::exists(k_xadesjs / "node_modules/xadesjs")) {
        ADD_FAILURE() << "xadesjs is not installed: run scripts/setup (npm ci in " << k_xadesjs
                      << ")";
        return {};
    }
    return test::run("node " + q(k_xadesjs / "xadesjs.mjs") + " " + args);
}

// An all-RSA chain (root -> signer) made with the openssl command, valid from now for ten
// years. xadesjs imports the key of every KeyInfo certificate with the signature's algorithm, so
// it can only verify signatures whose chain keeps one key type; the test PKI's RSA signer sits
// under an EC issuing CA.
struct Identity {
    fs::path p12, key, cert, chain, root;
    std::string signing_time;  // ltsign sign option, empty for now
    std::string xmlsec_time;   // xmlsec1 option, empty for now
};

Identity rsa_chain(const fs::path& d) {
    const std::string run_in = "cd " + q(d) + " && ";
    const auto ok = [&](const std::string& cmd) {
        const auto r = test::run(run_in + cmd + " 2>&1");
        if (r.exit_code != 0) ADD_FAILURE() << cmd << ": " << r.out;
    };
    ok("openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout root.key -out root.pem "
       "-subj '/O=ltsign tests/CN=xadesjs interop RSA root' "
       "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    ok("openssl req -newkey rsa:2048 -nodes -keyout signer.key -out signer.csr "
       "-subj '/O=ltsign tests/CN=xadesjs interop RSA signer'");
    ok("printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' "
       "> signer.ext && openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key "
       "-CAcreateserial -days 3650 -extfile signer.ext -out signer.pem");
    ok("openssl pkcs12 -export -inkey signer.key -in signer.pem -certfile root.pem -passout "
       "pass:" +
       std::string(test::k_password) + " -out signer.p12");
    return {d / "signer.p12",
            d / "signer.key",
            d / "signer.pem",
            d / "root.pem",
            d / "root.pem",
            "",
            ""};
}

Identity test_pki_ec() {
    return {pki("ec.p12"),
            pki("ec.key"),
            pki("ec.pem"),
            pki("chain.pem"),
            pki("root.pem"),
            "--signing-time 2026-06-01T12:00:00Z",
            "--verification-time '2026-06-02 00:00:00'"};
}

struct Case {
    const char* packaging;
    const char* key;  // "rsa" (an all-RSA chain) or "ec" (the test PKI)
    const char* level;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.packaging << " " << c.key << " " << c.level;
}

// xmlsec1 checks the certificate chain to the identity's root.
test::RunResult xmlsec1_verify(const fs::path& file, const Identity& id) {
    return test::run("xmlsec1 --verify --trusted-pem " + q(id.root) + " --untrusted-pem " +
                     q(id.chain) + " " + id.xmlsec_time +
                     " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' " +
                     q(file));
}

class OthersVerifyLtsign : public ::testing::TestWithParam<Case> {};

TEST_P(OthersVerifyLtsign, Xmlsec1AndXadesjsAcceptItAndRejectATamperedCopy) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    const auto doc = dir / "protokoll.xml";
    test::write_text(doc,
                     "<?xml version=\"1.0\"?>\n<protokoll nr=\"87\"><beslut>Bygglov "
                     "beviljas.</beslut></protokoll>\n");
    const Identity id =
        std::string(GetParam().key) == "rsa" ? rsa_chain(dir.path()) : test_pki_ec();
    std::unique_ptr<test::TsaProcess> tsa;
    std::string extra;
    if (std::string(GetParam().level) == "T") {
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
        extra = " --level T --tsa " + tsa->url();
    }
    const auto sig = dir / "p.xades.xml";
    const auto r = ltsign("sign " + q(doc) + " --format xades --packaging " + GetParam().packaging +
                          " --key " + q(id.p12) + " --pass-env LTSIGN_TEST_PASS " +
                          id.signing_time + extra + " -o " + q(sig));
    ASSERT_EQ(r.exit_code, 0) << r.err;

    auto x = xmlsec1_verify(sig, id);
    EXPECT_EQ(x.exit_code, 0) << x.out << x.err;
    EXPECT_NE((x.out + x.err).find("OK"), std::string::npos) << x.out << x.err;
    auto j = xadesjs("verify " + q(sig));
    EXPECT_EQ(j.exit_code, 0) << j.out << j.err;

    // Both notice a change of the signed content.
    test::TempDir t;
    const auto tampered = t / "p.xades.xml";
    std::string text;
    {
        std::ifstream in(sig);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto at =
        text.find(GetParam().packaging == std::string("enveloped") ? "Bygglov" : "PD94bWwg");
    ASSERT_NE(at, std::string::npos);
    text[at + 1] = text[at + 1] == 'y' ? 'z' : 'y';
    test::write_text(tampered, text);
    EXPECT_NE(xmlsec1_verify(tampered, id).exit_code, 0);
    EXPECT_NE(xadesjs("verify " + q(tampered)).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Packagings, OthersVerifyLtsign,
    ::testing::Values(Case{"enveloped", "rsa", "B"}, Case{"enveloping", "rsa", "B"},
                      Case{"enveloped", "ec", "B"}, Case{"enveloping", "ec", "B"},
                      Case{"enveloped", "rsa", "T"}, Case{"enveloping", "ec", "T"}));

TEST(LtsignVerifiesOthers, XadesBesFromXadesjsIsTotalPassed) {
    for (const char* key : {"rsa", "ec"}) {
        SCOPED_TRACE(key);
        test::TempDir dir;
        const auto doc = dir / "beslut.xml";
        test::write_text(doc,
                         "<?xml version=\"1.0\"?>\n<beslut dnr=\"BN 2026/0142\">Bygglov "
                         "beviljas.</beslut>\n");
        const Identity id = std::string(key) == "rsa" ? rsa_chain(dir.path()) : test_pki_ec();
        // xadesjs wants PKCS#8.
        auto r = test::run("openssl pkey -in " + q(id.key) + " -out " + q(dir / "key.pk8"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto sig = dir / "beslut.signed.xml";
        r = xadesjs("sign " + q(dir / "key.pk8") + " " + q(id.cert) + " " + q(doc) + " " + q(sig) +
                    " " + q(id.chain));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        // xadesjs signs now; both identities are valid now.
        r = ltsign("verify " + q(sig) + " --trust " + q(id.root) + " --json");
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        const auto j = nlohmann::json::parse(r.out)["files"][0];
        EXPECT_EQ(j["format"], "xades");
        EXPECT_EQ(j["signatures"][0]["indication"], "TOTAL_PASSED") << j.dump(2);
        // xadesjs writes SigningCertificate (v1) and no DataObjectFormat: XAdES-BES, not B-B.
        EXPECT_EQ(j["signatures"][0]["level"], "XAdES-BES");

        // And a changed copy fails.
        std::string text;
        {
            std::ifstream in(sig);
            text.assign(std::istreambuf_iterator<char>(in), {});
        }
        text.replace(text.find("beviljas"), 8, "avslås!!");
        test::write_text(sig, text);
        r = ltsign("verify " + q(sig) + " --trust " + q(id.root) + " --json");
        EXPECT_EQ(r.exit_code, 1) << r.out;
    }
}

TEST(LtsignVerifiesOthers, EcdsaXmldsigFromXmlsec1IsTotalPassed) {
    // xmlsec1 verifies what ltsign signs above; here ltsign verifies xmlsec1's own output with
    // an ECDSA key, the reference and transforms xmlsec1 chose.
    test::TempDir dir;
    const auto tmpl = dir / "t.xml";
    test::write_text(
        tmpl,
        "<?xml version=\"1.0\"?>\n<arende><handling>Ansökan</handling>"
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
        "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform "
        "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform "
        "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
        "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/>"
        "</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/>"
        "</ds:KeyInfo></ds:Signature></arende>\n");
    const auto out = dir / "signed.xml";
    auto r = test::run("xmlsec1 --sign --privkey-pem " + q(pki("ec.key")) + "," + q(pki("ec.pem")) +
                       "," + q(pki("ca.pem")) + " --output " + q(out) + " " + q(tmpl));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(out) + " --trust " + q(pki("root.pem")) +
               " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["files"][0]["signatures"][0]["level"], "XMLDSig");
}

}  // namespace
}  // namespace ltsign
