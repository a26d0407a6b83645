// End to end: the ltsign binary, its exit codes (DESIGN.md), output files and JSON contract.
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

class Cli : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        ::setenv("LTSIGN_WRONG_PASS", "wrong", 1);
        docs = dir / "docs";
        fs::create_directories(docs / "2026");
        test::write_text(docs / "beslut.txt", "Beslut: bygglov beviljas.\n");
        test::write_text(docs / "protokoll.xml", "<protokoll><paragraf nr='87'/></protokoll>\n");
        test::write_text(docs / "2026" / "bilaga.tif", std::string(5000, '\x7f'));
    }

    std::string sign_args(const std::string& key = "rsa.p12") const {
        return "--key " + q(pki(key)) +
               " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z";
    }
    static std::string at() { return " --at 2026-06-02T00:00:00Z "; }
    static std::string trust() { return " --trust " + q(pki("root.pem")) + " "; }

    test::TempDir dir;
    fs::path docs;
};

TEST_F(Cli, SignOneFileThenVerifyPasses) {
    const auto out = dir / "beslut.txt.p7s";
    auto r = ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(fs::exists(out));
    r = ltsign("verify " + q(out) + " --data " + q(docs / "beslut.txt") + trust() + at());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.rfind("TOTAL_PASSED", 0), 0u) << r.out;  // the verdict comes first
}

TEST_F(Cli, PemKeyWithCertAndChain) {
    const auto out = dir / "x.p7s";
    auto r = ltsign("sign " + q(docs / "beslut.txt") + " --key " + q(pki("ec.key")) + " --cert " +
                    q(pki("ec.pem")) + " --chain " + q(pki("chain.pem")) +
                    " --signing-time 2026-06-01T12:00:00Z -o " + q(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(out) + " --data " + q(docs / "beslut.txt") + trust() + at());
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(Cli, ManyFilesIntoAFolderAndVerifyTheFolderWithDataPairing) {
    auto r = ltsign("sign " + q(docs) + " " + sign_args("ec.p12") + " -o " + q(dir / "sigs"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(dir / "sigs" / "beslut.txt.p7s"));
    EXPECT_TRUE(fs::exists(dir / "sigs" / "2026" / "bilaga.tif.p7s"));
    r = ltsign("verify " + q(dir / "sigs") + " --data " + q(docs) + trust() + at() + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["files"].size(), 3u);
    EXPECT_EQ(j["summary"]["passed"], 3);
    EXPECT_EQ(j["summary"]["failed"], 0);
    EXPECT_EQ(j["summary"]["indeterminate"], 0);
}

TEST_F(Cli, JsonContractFields) {
    const auto out = dir / "b.p7s";
    ASSERT_EQ(
        ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out)).exit_code,
        0);
    const auto r = ltsign("verify " + q(out) + " --data " + q(docs / "beslut.txt") + trust() +
                          at() + "--json");
    const auto j = nlohmann::json::parse(r.out);
    const auto& f = j.at("files").at(0);
    for (const char* key : {"path", "format", "indication", "subIndication", "signatures"}) {
        EXPECT_TRUE(f.contains(key)) << key;
    }
    EXPECT_EQ(f["format"], "cades");
    const auto& s = f.at("signatures").at(0);
    for (const char* key : {"type", "indication", "subIndication", "level", "signer", "signingTime",
                            "bestSignatureTime", "timestamps", "explanation"}) {
        EXPECT_TRUE(s.contains(key)) << key;
    }
    EXPECT_EQ(s["type"], "signature");
    EXPECT_EQ(s["indication"], "TOTAL_PASSED");
    EXPECT_EQ(s["level"], "B-B");
    EXPECT_EQ(s["signingTime"], "2026-06-01T12:00:00Z");
    EXPECT_TRUE(s["timestamps"].is_array());
    EXPECT_TRUE(j.at("summary").contains("passed"));
}

TEST_F(Cli, ChangedDocumentExitsOneWithHashFailure) {
    const auto out = dir / "b.p7s";
    ASSERT_EQ(
        ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out)).exit_code,
        0);
    test::flip_byte(docs / "beslut.txt", 0);
    const auto r = ltsign("verify " + q(out) + " --data " + q(docs / "beslut.txt") + trust() +
                          at() + "--json");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(nlohmann::json::parse(r.out)["files"][0]["subIndication"], "HASH_FAILURE");
}

TEST_F(Cli, NoTrustAnchorExitsTwo) {
    const auto out = dir / "b.p7s";
    ASSERT_EQ(
        ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out)).exit_code,
        0);
    const auto r = ltsign("verify " + q(out) + " --data " + q(docs / "beslut.txt") + at());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("NO_CERTIFICATE_CHAIN_FOUND"), std::string::npos);
    // The library's explanation names no option; the CLI says which one helps.
    EXPECT_NE(r.out.find("hint: name the trusted roots with --trust"), std::string::npos) << r.out;
}

TEST_F(Cli, DetachedSignatureWithoutDocumentHintsAtData) {
    const auto out = dir / "b.p7s";
    ASSERT_EQ(
        ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out)).exit_code,
        0);
    const auto r = ltsign("verify " + q(out) + trust() + at());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("SIGNED_DATA_NOT_FOUND"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hint: give the signed document with --data"), std::string::npos) << r.out;
    const auto j =
        nlohmann::json::parse(ltsign("verify " + q(out) + trust() + at() + "--json").out);
    EXPECT_EQ(j["files"][0]["signatures"][0]["explanation"].get<std::string>().find("--"),
              std::string::npos);
}

TEST_F(Cli, WrongPasswordExits77AndWritesNothing) {
    const auto out = dir / "b.p7s";
    const auto r = ltsign("sign " + q(docs / "beslut.txt") + " --key " + q(pki("rsa.p12")) +
                          " --pass-env LTSIGN_WRONG_PASS -o " + q(out));
    EXPECT_EQ(r.exit_code, 77);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_NE(r.err.find("password"), std::string::npos) << r.err;
    // The remedy comes from the library as a code, in the CLI's words.
    EXPECT_NE(r.err.find("--pass-env"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one clear line
}

TEST_F(Cli, ExpiredCertificateExits77) {
    const auto r = ltsign("sign " + q(docs / "beslut.txt") + " --key " + q(pki("expired.p12")) +
                          " --pass-env LTSIGN_TEST_PASS -o " + q(dir / "b.p7s"));
    EXPECT_EQ(r.exit_code, 77);
    EXPECT_NE(r.err.find("expired"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "b.p7s"));
}

TEST_F(Cli, MissingInputExits66) {
    EXPECT_EQ(
        ltsign("sign " + q(dir / "absent.txt") + " " + sign_args() + " -o " + q(dir / "x.p7s"))
            .exit_code,
        66);
    EXPECT_EQ(ltsign("verify " + q(dir / "absent.p7s")).exit_code, 66);
}

TEST_F(Cli, MissingInputAmongManyWritesNothing) {
    const auto r = ltsign("sign " + q(docs / "beslut.txt") + " " + q(dir / "absent.txt") + " " +
                          sign_args() + " -o " + q(dir / "out"));
    EXPECT_EQ(r.exit_code, 66);
    EXPECT_FALSE(fs::exists(dir / "out" / "beslut.txt.p7s"));
}

TEST_F(Cli, MalformedInputExits65) {
    test::write_text(dir / "junk.p7s", "this is not a signature");
    test::write_text(dir / "empty.p7s", "");
    auto r = ltsign("verify " + q(dir / "junk.p7s"));
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_NE(r.out.find("FORMAT_FAILURE"), std::string::npos);
    EXPECT_EQ(ltsign("verify " + q(dir / "empty.p7s")).exit_code, 65);
    EXPECT_EQ(ltsign("inspect " + q(dir / "junk.p7s")).exit_code, 65);
}

TEST_F(Cli, UsageErrorsExit64) {
    EXPECT_EQ(ltsign("").exit_code, 64);
    EXPECT_EQ(ltsign("frobnicate").exit_code, 64);
    EXPECT_EQ(ltsign("sign " + q(docs / "beslut.txt")).exit_code, 64);  // no --key, no -o
    EXPECT_EQ(ltsign("verify x.p7s --at yesterday").exit_code, 64);
    EXPECT_EQ(ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " --digest md5 -o x")
                  .exit_code,
              64);
}

TEST_F(Cli, HelpAndVersion) {
    EXPECT_EQ(ltsign("--version").exit_code, 0);
    for (const char* cmd : {"", "sign ", "verify ", "inspect "}) {
        const auto r = ltsign(std::string(cmd) + "--help");
        EXPECT_EQ(r.exit_code, 0) << cmd;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
    }
}

TEST_F(Cli, ExistingOutputIsNotOverwrittenWithoutForce) {
    const auto out = dir / "b.p7s";
    test::write_text(out, "precious");
    auto r = ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out));
    EXPECT_EQ(r.exit_code, 73);
    EXPECT_EQ(test::read_bytes(out).size(), 8u);
    r = ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " --force -o " + q(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(test::read_bytes(out).size(), 100u);
}

TEST_F(Cli, BatchWithOneBadFileKeepsGoingAndCountsExactly) {
    ASSERT_EQ(
        ltsign("sign " + q(docs) + " " + sign_args("ec.p12") + " -o " + q(dir / "sigs")).exit_code,
        0);
    test::flip_byte(docs / "protokoll.xml", 5);
    const auto r =
        ltsign("verify " + q(dir / "sigs") + " --data " + q(docs) + trust() + at() + "--json");
    EXPECT_EQ(r.exit_code, 1);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["summary"]["passed"], 2);
    EXPECT_EQ(j["summary"]["failed"], 1);
}

TEST_F(Cli, InspectShowsSignerAttributesAndCertificates) {
    const auto out = dir / "b.p7s";
    ASSERT_EQ(
        ltsign("sign " + q(docs / "beslut.txt") + " " + sign_args() + " -o " + q(out)).exit_code,
        0);
    auto r = ltsign("inspect " + q(out));
    EXPECT_EQ(r.exit_code, 0);
    for (const char* s : {"Test Signer RSA", "signingTime", "messageDigest", "signingCertificateV2",
                          "ltsign Test Issuing CA", "sha256"}) {
        EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
    }
    r = ltsign("inspect --json " + q(out));
    EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "cades");
}

}  // namespace
}  // namespace ltsign
