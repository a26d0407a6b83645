// Attacks on the verdict, each built here with independent tools (openssl, the OpenSSL API) and
// run against the built `ltsign` (issue 11: weak imprints, detached made attached, weak
// certificate signatures, certificate bags, and the time-stamp checks of RFC 3161).
#include <gtest/gtest.h>

#include <algorithm>

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

// Two different 128-byte blocks with one MD5 (Wang, Feng, Lai, Yu 2004; public): a token or a
// record whose imprint is MD5 proves as much for the one as for the other.
constexpr const char* k_collision_a =
    "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70";
constexpr const char* k_collision_b =
    "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70";

std::vector<unsigned char> from_hex(const std::string& hex) {
    std::vector<unsigned char> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

class VerdictAttack : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
    }

    // An `openssl ts -reply` configuration with the given TSA identity and digests.
    fs::path tsa_config(const fs::path& cert, const fs::path& key, const std::string& digests) {
        const auto cnf = dir / "tsa.cnf";
        test::write_text(
            cnf, "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = " +
                     (dir / "openssl-serial").string() + "\nsigner_cert = " + cert.string() +
                     "\ncerts = " + pki("chain.pem").string() + "\nsigner_key = " + key.string() +
                     "\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                     "digests = " +
                     digests +
                     "\naccuracy = secs:1\ness_cert_id_alg = sha256\n"
                     "ess_cert_id_chain = no\n");
        return cnf;
    }
    // A token over `data` made by `openssl ts -reply`.
    fs::path openssl_token(const fs::path& data, const std::string& digest, const fs::path& cnf,
                           const std::string& name, bool cert_req = true) {
        auto r = test::run("openssl ts -query -data " + q(data) + " -" + digest +
                           (cert_req ? " -cert" : "") + " -out " + q(dir / (name + ".tsq")));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        r = test::run("openssl ts -reply -config " + q(cnf) + " -queryfile " +
                      q(dir / (name + ".tsq")) + " -token_out -out " + q(dir / (name + ".tst")));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return dir / (name + ".tst");
    }
    // The TSTInfo of a token, and a token made by signing a TSTInfo with `cert`/`key` through
    // `openssl cms` (how a forger, or a TSA that openssl ts would not run, makes one).
    fs::path tst_info(const fs::path& token, const std::string& name) {
        const auto out = dir / (name + ".tstinfo");
        const auto r = test::run("openssl cms -verify -noverify -binary -inform DER -in " +
                                 q(token) + " -out " + q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out;
    }
    fs::path sign_tst_info(const fs::path& info, const fs::path& cert, const fs::path& key,
                           const std::string& name) {
        const auto out = dir / (name + ".tst");
        const auto r = test::run(
            "openssl cms -sign -binary -nodetach -cades -nosmimecap -md sha256 "
            "-econtent_type 1.2.840.113549.1.9.16.1.4 -in " +
            q(info) + " -signer " + q(cert) + " -inkey " + q(key) + " -certfile " +
            q(pki("chain.pem")) + " -outform DER -out " + q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out;
    }
    static nlohmann::json verify_json(const std::string& args, int* exit_code = nullptr) {
        const auto r = ltsign("verify " + args + " --json");
        if (exit_code) *exit_code = r.exit_code;
        EXPECT_FALSE(r.out.empty()) << r.err;
        return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
    }
    static const nlohmann::json& first(const nlohmann::json& j) {
        return j["files"][0]["signatures"][0];
    }

    test::TempDir dir;
    fs::path doc;
};

// Item 1: an MD5 imprint proves nothing today, so a token made for one half of a collision pair
// does not pass for the other.
TEST_F(VerdictAttack, AnMd5ImprintDoesNotPassForTheCollidingFile) {
    const auto a = dir / "a.bin", b = dir / "b.bin";
    test::write_bytes(a, from_hex(k_collision_a));
    test::write_bytes(b, from_hex(k_collision_b));
    ASSERT_EQ(test::run("openssl dgst -md5 -r " + q(a)).out.substr(0, 32),
              test::run("openssl dgst -md5 -r " + q(b)).out.substr(0, 32));
    const auto token =
        openssl_token(a, "md5", tsa_config(pki("tsa.pem"), pki("tsa.key"), "md5, sha256"), "a");
    int code = 0;
    const auto j =
        verify_json(q(token) + " --data " + q(b) + " --trust " + q(pki("root.pem")), &code);
    EXPECT_NE(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << j.dump(2);
    EXPECT_EQ(code, 2);
    bool listed = false;
    for (const auto& alg : first(j)["algorithms"])
        listed |= alg["algorithm"] == "md5" && alg["acceptable"] == false;
    EXPECT_TRUE(listed) << first(j)["algorithms"].dump(2);
    // The same token with a SHA-256 imprint passes: the policy, not the token, refused it.
    const auto good =
        openssl_token(a, "sha256", tsa_config(pki("tsa.pem"), pki("tsa.key"), "sha256"), "g");
    EXPECT_EQ(first(verify_json(q(good) + " --data " + q(a) + " --trust " +
                                q(pki("root.pem"))))["indication"],
              "TOTAL_PASSED");
}

// Item 2: eContent is not covered by the signature, so a signature that carries content must
// also match the document it is given.
TEST_F(VerdictAttack, AnAttachedSignatureMustMatchTheDocumentGiven) {
    const auto sig = dir / "attached.p7s";
    auto r = test::run("openssl cms -sign -nodetach -binary -cades -md sha256 -in " + q(doc) +
                       " -signer " + q(pki("ec.pem")) + " -inkey " + q(pki("ec.key")) +
                       " -outform DER -out " + q(sig));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto tampered = dir / "tampered.txt";
    test::write_text(tampered, "Beslut: bygglov avslås.\n");
    const std::string common =
        " --trust " + q(pki("root.pem")) + " --certs " + q(pki("chain.pem")) + " --offline";
    int code = 0;
    auto j = verify_json(q(sig) + " --data " + q(tampered) + common, &code);
    EXPECT_EQ(first(j)["indication"], "TOTAL_FAILED") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "HASH_FAILURE");
    EXPECT_NE(first(j)["explanation"].get<std::string>().find("differs from the content"),
              std::string::npos)
        << first(j)["explanation"];
    EXPECT_EQ(code, 1);
    j = verify_json(q(sig) + " --data " + q(doc) + common, &code);
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
    j = verify_json(q(sig) + common, &code);
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
}

// Item 10: a certificate of the chain signed with SHA-1 after SHA-1's end date fails the policy.
TEST_F(VerdictAttack, AWeakSignatureOnAChainCertificateIsJudged) {
    test::issue(dir.path(), "weak", {.cn = "weak chain signer", .digest = "sha1"});
    auto r = ltsign("sign " + q(doc) + " --key " + q(dir / "weak.p12") +
                    " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z -o " +
                    q(dir / "weak.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string common =
        q(dir / "weak.p7s") + " --data " + q(doc) + " --trust " + q(pki("root.pem")) + " --offline";
    const auto j = verify_json(common + " --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE") << j.dump(2);
    EXPECT_NE(first(j)["explanation"].get<std::string>().find("certificate of"), std::string::npos)
        << first(j)["explanation"];
    // A policy that still accepts SHA-1 lets it pass: the chain itself is sound.
    test::write_text(dir / "policy.json", R"({"algorithms": {"sha1": null}})");
    EXPECT_EQ(first(verify_json(common + " --at 2026-06-02T00:00:00Z --policy " +
                                q(dir / "policy.json")))["indication"],
              "TOTAL_PASSED");
}

// Item 13: a signature stuffed with hundreds of same-name certificates is judged in seconds.
TEST_F(VerdictAttack, ACertificateBagIsJudgedInSeconds) {
    auto bag = [&](int n, const fs::path& file) {
        ossl::Ptr<BIO> out(BIO_new_file(file.c_str(), "w"));
        for (int i = 0; i < n; ++i) {
            ossl::Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
            ossl::Ptr<X509> c(X509_new());
            X509_set_version(c.get(), 2);
            ASN1_INTEGER_set(X509_get_serialNumber(c.get()), i + 1);
            X509_NAME* name = X509_get_subject_name(c.get());
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("bag"), -1, -1, 0);
            X509_set_issuer_name(c.get(), name);
            X509_set1_notBefore(c.get(), ossl::to_asn1_time(test::t("2025-01-01T00:00:00Z")).get());
            X509_set1_notAfter(c.get(), ossl::to_asn1_time(test::t("2030-01-01T00:00:00Z")).get());
            X509_set_pubkey(c.get(), key.get());
            ASSERT_GT(X509_sign(c.get(), key.get(), EVP_sha256()), 0);
            PEM_write_bio_X509(out.get(), c.get());
        }
    };
    for (const int n : {250, 800}) {
        const auto pem = dir / ("bag" + std::to_string(n) + ".pem");
        const auto sig = dir / ("bag" + std::to_string(n) + ".p7s");
        bag(n, pem);
        auto r = test::run("openssl cms -sign -binary -cades -md sha256 -in " + q(doc) +
                           " -signer " + q(pki("ec.pem")) + " -inkey " + q(pki("ec.key")) +
                           " -certfile " + q(pem) + " -outform DER -out " + q(sig));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto start = std::chrono::steady_clock::now();
        int code = 0;
        const auto j = verify_json(q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                                       " --offline --at 2026-06-02T00:00:00Z",
                                   &code);
        const auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
        std::cout << n << " certificates: " << seconds.count() << " s, " << first(j)["indication"]
                  << "\n";
        EXPECT_LT(seconds.count(), 10.0 * test::k_sanitizer_time_factor) << n;
        if (n > 256) EXPECT_EQ(first(j)["subIndication"], "FORMAT_FAILURE") << j.dump(2);
    }
}

// Item 23: a TSA vouches only for times its certificate was valid at: a TSTInfo back-dated to
// 2019 and signed with the TSA key (certificate 2020..2050) is refused.
TEST_F(VerdictAttack, ATokenDatedBeforeItsTsaCertificateIsRefused) {
    const auto honest =
        openssl_token(doc, "sha256", tsa_config(pki("tsa.pem"), pki("tsa.key"), "sha256"), "h");
    auto info = test::read_bytes(tst_info(honest, "h"));
    // genTime: GeneralizedTime (tag 0x18) "YYYYMMDDHHMMSS...Z"; rewrite its first 14 digits.
    std::size_t at = 0;
    for (std::size_t i = 0; i + 16 < info.size(); ++i) {
        if (info[i] == 0x18 && info[i + 2] == '2' && info[i + 3] == '0') {
            at = i + 2;
            break;
        }
    }
    ASSERT_NE(at, 0u);
    const std::string back = "20190601000000";
    std::copy(back.begin(), back.end(), info.begin() + static_cast<long>(at));
    test::write_bytes(dir / "back.tstinfo", info);
    const auto token = sign_tst_info(dir / "back.tstinfo", pki("tsa.pem"), pki("tsa.key"), "back");
    const auto j = verify_json(q(token) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                               " --offline --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["indication"], "TOTAL_FAILED") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "NOT_YET_VALID");
    EXPECT_EQ(first(j)["signingTime"], "2019-06-01T00:00:00Z");
}

// Item 24: a token dated after the validation time proves nothing at that time.
TEST_F(VerdictAttack, ATokenDatedAfterTheValidationTimeProvesNothingThen) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    auto r = ltsign("timestamp " + q(doc) + " --tsa " + tsa.url() + " -o " + q(dir / "d.tst"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string common =
        q(dir / "d.tst") + " --data " + q(doc) + " --trust " + q(pki("root.pem")) + " --offline";
    auto j = verify_json(common + " --at 2026-06-01T00:00:00Z");  // before 12:05 that day
    EXPECT_EQ(first(j)["indication"], "INDETERMINATE") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "NO_POE");
    j = verify_json(common + " --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
}

// Item 25: a token made without certReq carries no certificate; the TSA's certificate given as
// an extra certificate identifies it.
TEST_F(VerdictAttack, ATokenWithoutCertificatesIsCheckedWithTheSuppliedOne) {
    const auto token =
        openssl_token(doc, "sha256", tsa_config(pki("tsa.pem"), pki("tsa.key"), "sha256"), "n",
                      /*cert_req=*/false);
    const std::string common = q(token) + " --data " + q(doc) + " --trust " + q(pki("root.pem"));
    auto j = verify_json(common);
    EXPECT_EQ(first(j)["subIndication"], "NO_SIGNING_CERTIFICATE_FOUND") << j.dump(2);
    EXPECT_NE(first(j)["explanation"].get<std::string>().find("extra certificates"),
              std::string::npos);
    j = verify_json(common + " --certs " + q(pki("tsa.pem")) + " --certs " + q(pki("chain.pem")));
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
}

// Item 26: RFC 3161 2.3 allows exactly one KeyPurposeId in a TSA certificate.
TEST_F(VerdictAttack, ATsaCertificateWithASecondKeyPurposeIsRefused) {
    test::issue(dir.path(), "tsa2",
                {.cn = "two-purpose TSA",
                 .key_usage = "critical,digitalSignature",
                 .ext_key_usage = "critical,timeStamping,1.3.6.1.5.5.7.3.4"});
    // openssl ts refuses such a signer; openssl cms signs the same TSTInfo with it.
    const auto honest =
        openssl_token(doc, "sha256", tsa_config(pki("tsa.pem"), pki("tsa.key"), "sha256"), "h");
    const auto token =
        sign_tst_info(tst_info(honest, "h"), dir / "tsa2.pem", dir / "tsa2.key", "e");
    const auto j = verify_json(q(token) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                               " --offline --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["indication"], "INDETERMINATE") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "CHAIN_CONSTRAINTS_FAILURE");
    EXPECT_NE(first(j)["explanation"].get<std::string>().find("exactly one"), std::string::npos);
}

// Item 22: a bare token saved as NAME.p7s is reported as what it is, counted apart from
// signatures, and refused where a signature is required.
TEST_F(VerdictAttack, ATokenNamedLikeASignatureIsNotCountedAsOne) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    fs::create_directories(dir / "in");
    auto r = ltsign("timestamp " + q(doc) + " --tsa " + tsa.url() + " -o " +
                    q(dir / "in" / "beslut.txt.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string common = q(dir / "in") + " --data " + q(dir.path()) + " --trust " +
                               q(pki("root.pem")) + " --offline --at 2026-06-02T00:00:00Z";
    int code = 0;
    auto j = verify_json(common, &code);
    EXPECT_EQ(code, 0) << j.dump(2);
    EXPECT_EQ(first(j)["type"], "timestamp");
    EXPECT_EQ(j["summary"]["signatures"], 0);
    EXPECT_EQ(j["summary"]["timestamps"], 1);
    j = verify_json(common + " --require signed", &code);
    EXPECT_EQ(code, 1) << j.dump(2);
    EXPECT_EQ(j["files"][0]["indication"], "TOTAL_FAILED");
    r = ltsign("verify " + common + " --require signed");
    EXPECT_NE(r.out.find("only a time-stamp token"), std::string::npos) << r.out;
}

// Issue 12 item 4: a key that may only time-stamp neither signs documents nor passes as a
// signer.
TEST_F(VerdictAttack, ATimeStampingKeyNeitherSignsNorPassesAsASigner) {
    auto r = ltsign("sign " + q(doc) + " --key " + q(pki("tsa.p12")) +
                    " --pass-env LTSIGN_TEST_PASS -o " + q(dir / "x.p7s"));
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_NE(r.err.find("cannot sign documents"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "x.p7s"));
    // The same signature made with another tool is not passed either.
    r = test::run("openssl cms -sign -binary -cades -md sha256 -in " + q(doc) + " -signer " +
                  q(pki("tsa.pem")) + " -inkey " + q(pki("tsa.key")) + " -certfile " +
                  q(pki("chain.pem")) + " -outform DER -out " + q(dir / "t.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = verify_json(q(dir / "t.p7s") + " --data " + q(doc) + " --trust " +
                               q(pki("root.pem")) + " --offline --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["indication"], "INDETERMINATE") << j.dump(2);
    EXPECT_EQ(first(j)["subIndication"], "CHAIN_CONSTRAINTS_FAILURE");
}

// Issue 12 item 7: a token whose SignedData version is 1 (RFC 5652 5.1 requires 3 for TSTInfo) is
// malformed, as the BSI verifier says, whether on its own or inside a record.
TEST_F(VerdictAttack, ATokenWithSignedDataVersionOneIsMalformed) {
    const auto token =
        openssl_token(doc, "sha256", tsa_config(pki("tsa.pem"), pki("tsa.key"), "sha256"), "v");
    auto der = test::read_bytes(token);
    // ContentInfo { signedData OID, [0] { SignedData { version INTEGER 3, ... } } }: the first
    // INTEGER after the OID. The version is not covered by any signature.
    const std::vector<unsigned char> oid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
    const auto at = test::find_bytes(der, oid);
    ASSERT_NE(at, std::string::npos);
    std::size_t v = at + oid.size();
    while (v + 2 < der.size() && !(der[v] == 0x02 && der[v + 1] == 0x01 && der[v + 2] == 0x03)) ++v;
    ASSERT_LT(v + 2, der.size());
    der[v + 2] = 0x01;
    test::write_bytes(dir / "v1.tst", der);
    const auto r = ltsign("verify " + q(dir / "v1.tst") + " --data " + q(doc) + " --trust " +
                          q(pki("root.pem")) + " --offline");
    EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("version"), std::string::npos) << r.out << r.err;
}

// Issue 12 item 9: an intermediate that completes a chain is given as an extra certificate, never
// trusted; without it, the explanation names the missing issuer instead of asking to trust it.
TEST_F(VerdictAttack, AMissingIntermediateIsNamedAndCanBeGivenWithoutTrustingIt) {
    const auto sig = dir / "nochain.p7s";
    auto r = test::run("openssl cms -sign -binary -cades -md sha256 -in " + q(doc) + " -signer " +
                       q(pki("ec.pem")) + " -inkey " + q(pki("ec.key")) + " -outform DER -out " +
                       q(sig));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string common = q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                               " --offline --at 2026-06-02T00:00:00Z";
    auto j = verify_json(common);
    EXPECT_EQ(first(j)["subIndication"], "NO_CERTIFICATE_CHAIN_FOUND") << j.dump(2);
    const auto why = first(j)["explanation"].get<std::string>();
    EXPECT_NE(why.find("ltsign Test Issuing CA"), std::string::npos) << why;
    EXPECT_EQ(why.find("--trust"), std::string::npos) << why;
    j = verify_json(common + " --certs " + q(pki("chain.pem")));
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
    // An extra certificate is not an anchor: the intermediate alone does not make it trusted.
    j = verify_json(q(sig) + " --data " + q(doc) + " --trust " + q(pki("other-root.pem")) +
                    " --certs " + q(pki("chain.pem")) + " --offline --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(first(j)["subIndication"], "NO_CERTIFICATE_CHAIN_FOUND") << j.dump(2);
}

// Review finding: many references to one large document made verification take 14 s and 1.2 GB
// before any key was trusted. The references' targets are bounded before xmlsec1 digests them.
TEST_F(VerdictAttack, AnXmlSignatureWithManyReferencesIsRefusedCheaply) {
    std::string refs;
    for (int i = 0; i < 100; ++i) {
        refs +=
            "<Reference URI=\"\"><Transforms><Transform "
            "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></Transforms>"
            "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
            "<DigestValue/></Reference>";
    }
    const std::string filler(300000, 'x');
    test::write_text(
        dir / "tpl.xml",
        "<doc><data>" + filler +
            "</data><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
            "<CanonicalizationMethod "
            "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
            "<SignatureMethod "
            "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>" +
            refs +
            "</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo>"
            "</Signature></doc>");
    auto r = test::run("xmlsec1 --sign --privkey-pem " + q(pki("ec.key")) + "," + q(pki("ec.pem")) +
                       " --output " + q(dir / "many.xml") + " " + q(dir / "tpl.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto start = std::chrono::steady_clock::now();
    int code = 0;
    const auto j = verify_json(q(dir / "many.xml") + " --trust " + q(pki("root.pem")) +
                                   " --offline --at 2026-06-02T00:00:00Z",
                               &code);
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    EXPECT_LT(seconds.count(), 5.0 * test::k_sanitizer_time_factor);
    EXPECT_EQ(first(j)["subIndication"], "FORMAT_FAILURE") << j.dump(2);
    EXPECT_NE(first(j)["explanation"].get<std::string>().find("references would digest"),
              std::string::npos)
        << first(j)["explanation"];
}

// Review finding: a SignerInfo repeated thousands of times made the verifier hash a large
// document again for each.
TEST_F(VerdictAttack, ManySignerInfosAreRefused) {
    std::string signers;
    for (int i = 0; i < 17; ++i)
        signers += " -signer " + q(pki("ec.pem")) + " -inkey " + q(pki("ec.key"));
    // Without certificates: openssl cms refuses to add the same certificate twice.
    auto r = test::run("openssl cms -sign -nocerts -binary -md sha256 -in " + q(doc) + signers +
                       " -outform DER -out " + q(dir / "many.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = ltsign("verify " + q(dir / "many.p7s") + " --data " + q(doc) + " --offline");
    EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("SignerInfos"), std::string::npos) << r.out << r.err;
}

// Review finding: digests the policy did not list (sha3-224, RIPEMD-160) were accepted forever.
TEST_F(VerdictAttack, DigestsThePolicyDoesNotNameAreNotAccepted) {
    for (const char* md : {"sha3-224", "ripemd160"}) {
        const auto sig = dir / (std::string(md) + ".p7s");
        auto r = test::run("openssl cms -sign -binary -md " + std::string(md) + " -in " + q(doc) +
                           " -signer " + q(pki("rsa.pem")) + " -inkey " + q(pki("rsa.key")) +
                           " -certfile " + q(pki("chain.pem")) + " -outform DER -out " + q(sig));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto j = verify_json(q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                                   " --offline --at 2026-06-02T00:00:00Z");
        EXPECT_EQ(first(j)["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE")
            << md << j.dump(2);
    }
    // A policy that names a digest without an end accepts it.
    test::write_text(dir / "policy.json", R"({"algorithms": {"ripemd160": null}})");
    const auto j = verify_json(q(dir / "ripemd160.p7s") + " --data " + q(doc) + " --trust " +
                               q(pki("root.pem")) + " --offline --at 2026-06-02T00:00:00Z" +
                               " --policy " + q(dir / "policy.json"));
    EXPECT_EQ(first(j)["indication"], "TOTAL_PASSED") << j.dump(2);
}

// Review finding: --report-xml replaced whatever file it named, even the signature verified.
TEST_F(VerdictAttack, TheReportNeverReplacesAnInputOrAnExistingFile) {
    auto r = ltsign("sign " + q(doc) + " --key " + q(pki("ec.p12")) +
                    " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z -o " +
                    q(dir / "d.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto before = test::read_bytes(dir / "d.p7s");
    const std::string common = q(dir / "d.p7s") + " --data " + q(doc) + " --trust " +
                               q(pki("root.pem")) + " --offline --at 2026-06-02T00:00:00Z";
    r = ltsign("verify " + common + " --report-xml " + q(dir / "d.p7s") + " --force");
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_EQ(test::read_bytes(dir / "d.p7s"), before);
    r = ltsign("verify " + common + " --report-xml " + q(doc));
    EXPECT_EQ(r.exit_code, 64) << r.err;
    test::write_text(dir / "old.xml", "keep me");
    r = ltsign("verify " + common + " --report-xml " + q(dir / "old.xml"));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_EQ(test::read_bytes(dir / "old.xml").size(), 7u);
    r = ltsign("verify " + common + " --report-xml " + q(dir / "old.xml") + " --force");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(test::read_bytes(dir / "old.xml").size(), 7u);
}

// Review finding: an XML record matches a document in canonical form, so a changed comment
// still passes (RFC 6283 allows it); the report must say what the record does not protect.
TEST_F(VerdictAttack, AnXmlRecordSaysWhatCanonicalFormLeavesUnprotected) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    fs::create_directories(dir / "docs");
    test::write_text(dir / "docs" / "o.xml",
                     "<order><!-- approved: NO --><amount>100</amount></order>\n");
    auto r = ltsign("seal " + q(dir / "docs") + " --tsa " + tsa.url() + " --format xml -o " +
                    q(dir / "out"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    test::write_text(dir / "docs" / "o.xml",
                     "<order><!-- approved: YES --><amount >100</amount></order>\n");
    const auto j =
        verify_json(q(dir / "out" / "o.xml.ers.xml") + " --data " + q(dir / "docs" / "o.xml") +
                    " --trust " + q(pki("root.pem")) + " --offline --at 2026-06-02T00:00:00Z");
    const auto& codes = first(j)["noteCodes"];
    EXPECT_NE(std::find(codes.begin(), codes.end(), "record_canonical_only"), codes.end())
        << j.dump(2);
}

}  // namespace
}  // namespace ltsign
