// Interop both ways with an independent implementation: the openssl command.
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

// openssl checks certificates at this fixed moment, not at today's date.
std::string attime() {
    return " -attime " + std::to_string(test::t("2026-06-02T00:00:00Z").time_since_epoch().count());
}

struct Key {
    const char* p12;
    const char* extra;  // more ltsign sign options
};

void PrintTo(const Key& k, std::ostream* os) {
    *os << k.p12 << " " << k.extra;
}

class OpensslVerifiesLtsign : public ::testing::TestWithParam<Key> {};

TEST_P(OpensslVerifiesLtsign, CmsVerifyAcceptsTheDetachedSignature) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    const auto doc = dir / "beslut.pdf";
    test::write_text(doc, std::string("%PDF-1.7 fictitious decision\n") + std::string(3000, 'x'));
    auto r = ltsign("sign " + q(doc) + " --key " + q(pki(GetParam().p12)) +
                    " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z " +
                    GetParam().extra + " -o " + q(dir / "beslut.pdf.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string verify = "openssl cms -verify -binary -inform DER -in " +
                               q(dir / "beslut.pdf.p7s") + " -content " + q(doc) + " -CAfile " +
                               q(pki("root.pem")) + attime() + " -purpose any -out /dev/null";
    r = test::run(verify);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Verification successful"), std::string::npos) << r.err;

    // And openssl notices a changed document.
    test::flip_byte(doc, 10);
    EXPECT_NE(test::run(verify).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Keys, OpensslVerifiesLtsign,
                         ::testing::Values(Key{"rsa.p12", ""}, Key{"ec.p12", ""},
                                           Key{"rsa.p12", "--rsa-pss --digest sha512"},
                                           Key{"ec.p12", "--digest sha384"}));

class LtsignVerifiesOpenssl : public ::testing::TestWithParam<const char*> {};

TEST_P(LtsignVerifiesOpenssl, CadesFromOpensslCmsSignIsTotalPassed) {
    test::TempDir dir;
    const auto doc = dir / "protokoll.xml";
    test::write_text(doc, "<protokoll id='87'>Bygglov</protokoll>\n");
    const std::string name = GetParam();
    auto r = test::run("openssl cms -sign -cades -binary -md sha256 -in " + q(doc) + " -signer " +
                       q(pki(name + ".pem")) + " -inkey " + q(pki(name + ".key")) + " -certfile " +
                       q(pki("chain.pem")) + " -outform DER -out " + q(dir / "p.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "p.p7s") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["files"][0]["signatures"][0]["indication"], "TOTAL_PASSED");
    EXPECT_EQ(j["files"][0]["signatures"][0]["level"], "B-B");

    test::flip_byte(doc, 3);
    r = ltsign("verify " + q(dir / "p.p7s") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(nlohmann::json::parse(r.out)["files"][0]["subIndication"], "HASH_FAILURE");
}

TEST(LtsignVerifiesOpensslPlain, CmsWithoutCadesAttributesIsReportedAsPlainCms) {
    test::TempDir dir;
    const auto doc = dir / "d.txt";
    test::write_text(doc, "plain CMS\n");
    auto r = test::run("openssl cms -sign -binary -in " + q(doc) + " -signer " + q(pki("ec.pem")) +
                       " -inkey " + q(pki("ec.key")) + " -certfile " + q(pki("chain.pem")) +
                       " -outform DER -out " + q(dir / "d.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "d.p7s") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")) + " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["files"][0]["signatures"][0]["level"], "CMS");
}

INSTANTIATE_TEST_SUITE_P(Keys, LtsignVerifiesOpenssl, ::testing::Values("rsa", "ec"));

}  // namespace
}  // namespace ltsign
