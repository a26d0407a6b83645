// The JSON the CLI prints and writes matches the schemas in schemas/ (checked by an independent
// validator, Debian's python3-jsonschema).
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

test::RunResult check(const fs::path& document, const std::string& schema) {
    const fs::path s = fs::path(LTSIGN_SOURCE_DIR) / "schemas" / schema;
    return test::run(
        "/usr/bin/python3 -c 'import json,sys,jsonschema; "
        "jsonschema.validate(json.load(open(sys.argv[1])), "
        "json.load(open(sys.argv[2])))' " +
        q(document) + " " + q(s));
}

TEST(JsonSchemas, VerifyReportSealManifestAndPolicy) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    fs::create_directories(dir / "docs");
    fs::create_directories(dir / "in");  // the folder of a single output must exist
    test::write_text(dir / "docs" / "a.txt", "a");
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    ASSERT_EQ(ltsign("sign " + q(dir / "docs" / "a.txt") + " --key " + q(pki("ec.p12")) +
                     " --pass-env LTSIGN_TEST_PASS --level T --tsa " + tsa.url() + " -o " +
                     q(dir / "in" / "a.txt.p7s"))
                  .exit_code,
              0);
    ASSERT_EQ(ltsign("timestamp " + q(dir / "docs" / "a.txt") + " --tsa " + tsa.url() + " -o " +
                     q(dir / "in" / "a.txt.tst"))
                  .exit_code,
              0);
    ASSERT_EQ(ltsign("seal " + q(dir / "docs") + " --tsa " + tsa.url() + " -o " + q(dir / "ers"))
                  .exit_code,
              0);
    ASSERT_EQ(ltsign("sign " + q(dir / "docs" / "a.txt") + " --format xades --key " +
                     q(pki("ec.p12")) + " --pass-env LTSIGN_TEST_PASS --level T --tsa " +
                     tsa.url() + " -o " + q(dir / "in" / "a.txt.xades.xml"))
                  .exit_code,
              0);
    fs::copy_file(dir / "ers" / "a.txt.ers", dir / "in" / "a.txt.ers");
    test::write_text(dir / "in" / "broken.p7s", "not a signature");
    const auto r = ltsign("verify " + q(dir / "in") + " --data " + q(dir / "docs") + " --trust " +
                          q(pki("root.pem")) + " --json");
    test::write_text(dir / "report.json", r.out);
    EXPECT_NE(r.out.find("\"signedData\""), std::string::npos);
    auto v = check(dir / "report.json", "verify-report.schema.json");
    EXPECT_EQ(v.exit_code, 0) << v.err;
    v = check(dir / "ers" / "manifest.json", "seal-manifest.schema.json");
    EXPECT_EQ(v.exit_code, 0) << v.err;
    test::write_text(
        dir / "policy.json",
        R"({"algorithms": {"sha1": "2009-01-01", "rsa-2048": null}, "requireRevocation": true})");
    v = check(dir / "policy.json", "policy.schema.json");
    EXPECT_EQ(v.exit_code, 0) << v.err;
    // The validator is not a rubber stamp.
    test::write_text(dir / "bad.json", R"({"files": [], "summary": {"passed": -1}})");
    EXPECT_NE(check(dir / "bad.json", "verify-report.schema.json").exit_code, 0);
}

}  // namespace
}  // namespace ltsign
