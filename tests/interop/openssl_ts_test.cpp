// RFC 3161 interop with `openssl ts` both ways.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "net/http_client.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

class OpensslTs : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TSA_PASS", test::k_password, 1);
        doc = dir / "protokoll.xml";
        test::write_text(doc, "<protokoll nr='87'/>\n");
    }
    std::string openssl_verify(const fs::path& in, bool token) const {
        return "openssl ts -verify -data " + q(doc) + " -in " + q(in) +
               (token ? " -token_in" : "") + " -CAfile " + q(pki("root.pem")) + " -untrusted " +
               q(pki("ca.pem"));
    }
    test::TempDir dir;
    fs::path doc;
};

TEST_F(OpensslTs, OpensslVerifiesTheReplyOfLtsignsTsa) {
    test::TsaProcess tsa(dir / "serial");
    auto r =
        test::run("openssl ts -query -data " + q(doc) + " -sha256 -cert -out " + q(dir / "q.tsq"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto query = test::read_bytes(dir / "q.tsq");
    const auto resp = net::post(tsa.url(), "application/timestamp-query", query, {});
    ASSERT_EQ(resp.status, 200);
    test::write_bytes(dir / "r.tsr", resp.body);
    r = test::run(openssl_verify(dir / "r.tsr", false));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Verification: OK"), std::string::npos) << r.out;
    // and ltsign reads the whole TimeStampResp too
    r = ltsign("verify " + q(dir / "r.tsr") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")));
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(OpensslTs, OpensslVerifiesTokensFromLtsignsClient) {
    test::TsaProcess tsa(dir / "serial");
    ASSERT_EQ(ltsign("timestamp " + q(doc) + " --tsa " + tsa.url() + " --digest sha512 -o " +
                     q(dir / "d.tst"))
                  .exit_code,
              0);
    const auto r = test::run(openssl_verify(dir / "d.tst", true));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(OpensslTs, OpensslCmsVerifiesBtSignaturesAndTheirToken) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TsaProcess tsa(dir / "serial");
    auto r = ltsign("sign " + q(doc) + " --key " + q(pki("rsa.p12")) +
                    " --pass-env LTSIGN_TEST_PASS --level T --tsa " + tsa.url() + " -o " +
                    q(dir / "d.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run("openssl cms -verify -binary -inform DER -in " + q(dir / "d.p7s") + " -content " +
                  q(doc) + " -CAfile " + q(pki("root.pem")) + " -purpose any -out /dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // The embedded token is an ordinary RFC 3161 token: openssl cms prints it in the unsigned
    // attributes.
    r = test::run("openssl cms -cmsout -print -inform DER -in " + q(dir / "d.p7s"));
    EXPECT_NE(r.out.find("id-smime-aa-timeStampToken"), std::string::npos);
}

TEST_F(OpensslTs, LtsignVerifiesTokensFromOpensslTsReply) {
    test::write_text(
        dir / "tsa.cnf",
        "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = " + (dir / "openssl-serial").string() +
            "\nsigner_cert = " + pki("tsa.pem").string() +
            "\ncerts = " + pki("chain.pem").string() + "\nsigner_key = " + pki("tsa.key").string() +
            "\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, "
            "sha512\n"
            "accuracy = secs:1\ness_cert_id_alg = sha256\ness_cert_id_chain = no\n");
    auto r =
        test::run("openssl ts -query -data " + q(doc) + " -sha256 -cert -out " + q(dir / "q.tsq"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run("openssl ts -reply -config " + q(dir / "tsa.cnf") + " -queryfile " +
                  q(dir / "q.tsq") + " -out " + q(dir / "o.tsr"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run("openssl ts -reply -config " + q(dir / "tsa.cnf") + " -queryfile " +
                  q(dir / "q.tsq") + " -token_out -out " + q(dir / "o.tst"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* f : {"o.tsr", "o.tst"}) {
        r = ltsign("verify " + q(dir / f) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                   " --json");
        EXPECT_EQ(r.exit_code, 0) << f << r.out;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["files"][0]["signatures"][0]["type"], "timestamp");
        EXPECT_EQ(j["files"][0]["signatures"][0]["indication"], "TOTAL_PASSED") << f;
    }
    test::flip_byte(doc, 2);
    r = ltsign("verify " + q(dir / "o.tst") + " --data " + q(doc) + " --trust " +
               q(pki("root.pem")));
    EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace ltsign
