// Keys in a PKCS#11 token: a SoftHSM2 token the test initialises in a private folder, with the
// test PKI's keys and certificates imported; ltsign signs with them, independent tools verify.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_pin = "1234";

fs::path softhsm_module() {
    for (const char* p :
         {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
          "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"}) {
        if (fs::exists(p)) return p;
    }
    return {};
}

fs::path spy_module() {
    for (const char* p : {"/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
                          "/usr/lib/aarch64-linux-gnu/pkcs11/pkcs11-spy.so"}) {
        if (fs::exists(p)) return p;
    }
    return {};
}

// A SoftHSM2 token "ltsign test" (user PIN 1234) in a folder of its own, holding the test PKI's
// signers: each key (CKA_ID 01, 02, ...) with its certificate under the same id and label.
class Pkcs11 : public ::testing::Test {
  protected:
    void SetUp() override {
        module = softhsm_module();
        ASSERT_FALSE(module.empty()) << "scripts/setup installs softhsm2";
        fs::create_directories(dir / "tokens");
        test::write_text(dir / "softhsm2.conf",
                         "directories.tokendir = " + (dir / "tokens").string() +
                             "\nobjectstore.backend = file\n"
                             "log.level = ERROR\n");
        ::setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
        ::setenv("LTSIGN_PIN", k_pin, 1);
        ::setenv("LTSIGN_WRONG_PIN", "9999", 1);
        auto r = test::run(
            "softhsm2-util --init-token --free --label 'ltsign test' --so-pin 5678 "
            "--pin 1234");
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        int id = 1;
        for (const char* name : {"rsa", "ec", "expired", "notyet", "noku"}) import(name, id++);
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
    }

    void import(const std::string& name, int id) {
        const std::string hex = (id < 16 ? "0" : "") + std::to_string(id);
        const auto p8 = dir / (name + ".p8");
        auto r = test::run("openssl pkcs8 -topk8 -nocrypt -in " + q(pki(name + ".key")) + " -out " +
                           q(p8));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = test::run("softhsm2-util --import " + q(p8) + " --token 'ltsign test' --label " + name +
                      " --id " + hex + " --pin 1234");
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        r = test::run("pkcs11-tool --module " + q(module) + " --login --pin 1234 --write-object " +
                      q(pki(name + ".pem")) + " --type cert --id " + hex + " --label " + name);
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        fs::remove(p8);
    }

    std::string key(const std::string& label) const {
        return "--key 'pkcs11:token=ltsign%20test;object=" + label + "' --pkcs11-module " +
               q(module) + " --pass-env LTSIGN_PIN --chain " + q(pki("chain.pem")) +
               " --signing-time 2026-06-01T12:00:00Z ";
    }

    static std::string at() { return " --at 2026-06-02T00:00:00Z "; }

    test::TempDir dir;
    fs::path module;
    fs::path doc = dir / "beslut.txt";
};

TEST_F(Pkcs11, KeysListShowsTheTokenItsCertificatesAndAfterLoginItsPrivateKeys) {
    auto r = ltsign("keys list --pkcs11-module " + q(module));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("token ltsign test"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("certificate  rsa  CN=Test Signer RSA"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("private-key"), std::string::npos) << "private keys need the PIN";

    r = ltsign("keys list --json --pkcs11-module " + q(module) + " --pass-env LTSIGN_PIN");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["tokens"].size(), 1u);
    EXPECT_TRUE(j["tokens"][0]["loggedIn"].get<bool>());
    int private_keys = 0;
    for (const auto& o : j["tokens"][0]["objects"]) {
        if (o["kind"] != "private-key") continue;
        ++private_keys;
        if (o["label"] == "ec") {
            EXPECT_EQ(o["uri"], "pkcs11:token=ltsign%20test;object=ec;id=%02;type=private");
            EXPECT_EQ(o["description"], "EC 256");
        }
    }
    EXPECT_EQ(private_keys, 5);

    r = ltsign("keys list --pkcs11-module " + q(module) + " --pass-env LTSIGN_WRONG_PIN");
    EXPECT_EQ(r.exit_code, 77) << r.out << r.err;
    r = ltsign("keys list --pkcs11-module " + q(dir / "no-such-module.so"));
    EXPECT_EQ(r.exit_code, 66) << r.err;
}

struct TokenCase {
    const char* label;
    const char* extra;
};

class Pkcs11Sign : public Pkcs11, public ::testing::WithParamInterface<TokenCase> {};

// The key signs in the token, CAdES (openssl cms verifies) and XAdES (xmlsec1 verifies), and
// PAdES and ASiC-E through the same path (ltsign verifies).
TEST_P(Pkcs11Sign, CadesAndXadesVerifyInOpensslAndXmlsec1) {
    const std::string k = key(GetParam().label) + GetParam().extra;
    auto r = ltsign("sign " + q(doc) + " " + k + " -o " + q(dir / "d.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string cms_verify =
        "openssl cms -verify -binary -inform DER -in " + q(dir / "d.p7s") + " -content " + q(doc) +
        " -CAfile " + q(pki("root.pem")) + " -attime " +
        std::to_string(test::t("2026-06-02T00:00:00Z").time_since_epoch().count()) +
        " -purpose any -out /dev/null";
    r = test::run(cms_verify);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "d.p7s") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")) + at());
    EXPECT_EQ(r.exit_code, 0) << r.out;

    if (std::string(GetParam().extra).find("pss") != std::string::npos) return;  // CAdES only
    r = ltsign("sign " + q(doc) + " " + k + " --format xades -o " + q(dir / "d.xades.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run("cd " + q(dir.path()) + " && xmlsec1 --verify --trusted-pem " +
                  q(pki("root.pem")) + " --untrusted-pem " + q(pki("chain.pem")) +
                  " --verification-time '2026-06-02 00:00:00' --id-attr:Id "
                  "'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' --url-map:beslut.txt " +
                  q(doc) + " d.xades.xml");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

    // A one-page PDF, its cross-reference table written by qpdf.
    test::write_text(dir / "draft.pdf",
                     "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
                     "/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 "
                     "200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
    const auto pdf = dir / "beslut.pdf";
    test::run("qpdf " + q(dir / "draft.pdf") + " " + q(dir / "fixed.pdf"));  // warns: repaired
    ASSERT_EQ(test::run("qpdf --empty --pages " + q(dir / "fixed.pdf") + " -- " + q(pdf)).exit_code,
              0);
    r = ltsign("sign " + q(pdf) + " " + k + " --format pades -o " + q(dir / "signed.pdf"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "signed.pdf") + " --trust " + q(pki("root.pem")) + at());
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = ltsign("sign " + q(doc) + " " + k + " --format asic-e -o " + q(dir / "d.asice"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "d.asice") + " --trust " + q(pki("root.pem")) + at());
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Keys, Pkcs11Sign,
                         ::testing::Values(TokenCase{"rsa", ""}, TokenCase{"ec", ""},
                                           TokenCase{"rsa", "--rsa-pss"}),
                         [](const auto& info) {
                             return std::string(info.param.label) +
                                    (*info.param.extra != '\0' ? "_pss" : "");
                         });

TEST_F(Pkcs11, WrongPinIsRefusedWithExit77AndNothingWritten) {
    const auto out = dir / "d.p7s";
    auto r = ltsign("sign " + q(doc) + " --key 'pkcs11:token=ltsign%20test;object=ec' " +
                    "--pkcs11-module " + q(module) + " --pass-env LTSIGN_WRONG_PIN -o " + q(out));
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_NE(r.err.find("refused the PIN"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    // No PIN at all: the token needs one.
    r = ltsign("sign " + q(doc) + " --key 'pkcs11:token=ltsign%20test;object=ec' --pkcs11-module " +
               q(module) + " -o " + q(out));
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

// Certificates that cannot sign are refused with their reason, from a token as from a file;
// --force (which replaces outputs) does not change that.
TEST_F(Pkcs11, ExpiredNotYetValidAndWrongKeyUsageCertificatesAreRefused) {
    const std::pair<const char*, const char*> cases[] = {
        {"expired", "expired on 2021-01-01"},
        {"notyet", "is not valid until 2040-01-01"},
        {"noku", "does not allow digital signatures"},
    };
    for (const auto& [label, reason] : cases) {
        const auto out = dir / (std::string(label) + ".p7s");
        const auto r = ltsign("sign " + q(doc) + " " + key(label) + " --force -o " + q(out));
        EXPECT_EQ(r.exit_code, 77) << label << ": " << r.err;
        EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST_F(Pkcs11, UrisThatNameNothingOrCarryAPinAreRefused) {
    const std::pair<std::string, int> cases[] = {
        {"pkcs11:token=ltsign%20test;object=ec?pin-value=1234", 64},
        {"pkcs11:token=ltsign%20test;object=ec;colour=blue", 64},
        {"pkcs11:token=ltsign%20test;object=ec;object=rsa", 64},
        {"pkcs11:token=ltsign%2test;object=ec", 64},
        {"pkcs11:token=ltsign%20test;object=ec;type=cert", 64},
        {"pkcs11:token=ltsign%20test", 64},  // five keys match
        {"pkcs11:token=no%20such%20token;object=ec", 66},
        {"pkcs11:token=ltsign%20test;object=nothing", 66},
        {"pkcs11:token=ltsign%20test;id=%7f", 66},
    };
    for (const auto& [uri, code] : cases) {
        const auto r = ltsign("sign " + q(doc) + " --key '" + uri + "' --pkcs11-module " +
                              q(module) + " --pass-env LTSIGN_PIN -o " + q(dir / "x.p7s"));
        EXPECT_EQ(r.exit_code, code) << uri << ": " << r.err;
        EXPECT_FALSE(fs::exists(dir / "x.p7s"));
    }
    // The key found by its id alone, and the certificate given as a file instead of the token's.
    const auto r =
        ltsign("sign " + q(doc) + " --key 'pkcs11:token=ltsign%20test;id=%02' " +
               "--pkcs11-module " + q(module) + " --pass-env LTSIGN_PIN --cert " +
               q(pki("ec.pem")) + " --signing-time 2026-06-01T12:00:00Z -o " + q(dir / "x.p7s"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // A certificate that is not the key's.
    const auto w = ltsign("sign " + q(doc) + " " + key("ec") + " --cert " + q(pki("rsa.pem")) +
                          " -o " + q(dir / "y.p7s"));
    EXPECT_EQ(w.exit_code, 77) << w.err;
    EXPECT_FALSE(fs::exists(dir / "y.p7s"));
}

// 200 documents, one login: OpenSC's PKCS#11 spy sits between ltsign and SoftHSM2 and logs every
// call; the log shows one C_Login and a C_Sign (in the token) per document.
TEST_F(Pkcs11, TwoHundredDocumentsAreSignedWithOneLogin) {
    const fs::path spy = spy_module();
    ASSERT_FALSE(spy.empty()) << "scripts/setup installs opensc (pkcs11-spy)";
    fs::create_directories(dir / "batch");
    for (int i = 0; i < 200; ++i)
        test::write_text(dir / "batch" / ("d" + std::to_string(i) + ".txt"), std::to_string(i));
    const auto log = dir / "spy.log";
    const auto r = test::run("PKCS11SPY=" + q(module) + " PKCS11SPY_OUTPUT=" + q(log) + " " +
                             LTSIGN_BINARY + " sign " + q(dir / "batch") +
                             " --key 'pkcs11:token=ltsign%20test;object=ec' --pkcs11-module " +
                             q(spy) + " --pass-env LTSIGN_PIN --chain " + q(pki("chain.pem")) +
                             " --signing-time "
                             "2026-06-01T12:00:00Z -o " +
                             q(dir / "sigs"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string calls = test::read_text(log);
    auto count = [&](const std::string& name) {
        std::size_t n = 0;
        for (std::size_t p = calls.find(name); p != std::string::npos; p = calls.find(name, p + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(count(": C_Login\n"), 1u);
    EXPECT_EQ(count(": C_Sign\n"), 200u);
    const auto v = ltsign("verify " + q(dir / "sigs") + " --data " + q(dir / "batch") +
                          " --trust " + q(pki("root.pem")) + at());
    EXPECT_EQ(v.exit_code, 0) << v.out.substr(0, 2000);
}

}  // namespace
}  // namespace ltsign
