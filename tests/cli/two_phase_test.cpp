// Two-phase signing: ltsign prepares, an independent signer (openssl pkeyutl) signs the data to
// be signed, ltsign completes; what cannot be a value for that data and key is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

struct PhaseCase {
    const char* format;   // cades, xades
    const char* signer;   // rsa, ec
    const char* pkeyopt;  // openssl pkeyutl options (besides the digest)
    const char* ltsign_options;
};

void PrintTo(const PhaseCase& c, std::ostream* os) {
    *os << c.format << " " << c.signer << " " << c.ltsign_options;
}

class TwoPhase : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
    }

    // ltsign sign --prepare; the data to be signed also as a file of its own.
    test::RunResult prepare(const std::string& format, const std::string& cert,
                            const std::string& extra = "") {
        return ltsign("sign " + q(doc) + " --prepare --format " + format + " --cert " +
                      q(pki(cert + ".pem")) + " --chain " + q(pki("chain.pem")) +
                      " --signing-time 2026-06-01T12:00:00Z " + extra + " -o " + q(pending) +
                      " --to-be-signed " + q(tbs));
    }

    // The independent signer: openssl hashes the data to be signed and signs the digest.
    void sign_with_openssl(const std::string& key, const fs::path& data, const fs::path& value,
                           const std::string& pkeyopt = "") {
        auto r = test::run("openssl dgst -sha256 -binary -out " + q(dir / "h") + " " + q(data));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = test::run("openssl pkeyutl -sign -inkey " + q(pki(key + ".key")) +
                      " -pkeyopt digest:sha256 " + pkeyopt + " -in " + q(dir / "h") + " -out " +
                      q(value));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    test::RunResult complete(const fs::path& value, const fs::path& out,
                             const std::string& extra = "") {
        return ltsign("sign " + q(doc) + " --complete " + q(pending) + " --signature-value " +
                      q(value) + " " + extra + " -o " + q(out));
    }

    test::TempDir dir;
    fs::path doc = dir / "beslut.txt";
    fs::path pending = dir / "beslut.pending";
    fs::path tbs = dir / "beslut.tbs";
};

class TwoPhaseInterop : public TwoPhase, public ::testing::WithParamInterface<PhaseCase> {};

TEST_P(TwoPhaseInterop, PreparedSignedByOpensslCompletedVerifiesEverywhere) {
    const auto& c = GetParam();
    auto r = prepare(c.format, c.signer, c.ltsign_options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(test::read_text(pending));
    EXPECT_EQ(j["format"], c.format);
    EXPECT_EQ(j["signingTime"], "2026-06-01T12:00:00Z");
    EXPECT_EQ(j["document"]["name"], "beslut.txt");
    EXPECT_TRUE(j.contains("expires"));
    // The pending file matches its schema (Debian's python3-jsonschema, an independent validator).
    const auto schema = test::run(
        "/usr/bin/python3 -c 'import json,sys,jsonschema; "
        "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' " +
        q(pending) + " " +
        q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "pending-signature.schema.json"));
    EXPECT_EQ(schema.exit_code, 0) << schema.err;
    // The data to be signed: DER signed attributes (a SET) or the canonical SignedInfo.
    const auto data = test::read_bytes(tbs);
    ASSERT_FALSE(data.empty());
    if (std::string(c.format) == "cades") {
        EXPECT_EQ(data.front(), 0x31);
    } else {
        EXPECT_EQ(std::string(data.begin(), data.begin() + 14), "<ds:SignedInfo");
    }
    sign_with_openssl(c.signer, tbs, dir / "value", c.pkeyopt);
    const auto out = dir / (std::string("out.") + c.format);
    r = complete(dir / "value", out);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    r = ltsign("verify " + q(out) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
               " --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    if (std::string(c.format) == "cades") {
        r = test::run("openssl cms -verify -binary -inform DER -in " + q(out) + " -content " +
                      q(doc) + " -CAfile " + q(pki("root.pem")) + " -attime " +
                      std::to_string(test::t("2026-06-02T00:00:00Z").time_since_epoch().count()) +
                      " -purpose any -out /dev/null");
    } else {
        r = test::run("cd " + q(dir.path()) + " && xmlsec1 --verify --trusted-pem " +
                      q(pki("root.pem")) + " --untrusted-pem " + q(pki("chain.pem")) +
                      " --verification-time '2026-06-02 00:00:00' --id-attr:Id "
                      "'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' "
                      "--url-map:beslut.txt " +
                      q(doc) + " " + q(out));
    }
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

    // A value of other data (the signed copy's digest is not the one prepared) is refused.
    test::write_text(dir / "other", "not the signed attributes");
    sign_with_openssl(c.signer, dir / "other", dir / "bad", c.pkeyopt);
    r = complete(dir / "bad", dir / "bad.out");
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "bad.out"));
}

INSTANTIATE_TEST_SUITE_P(
    Formats, TwoPhaseInterop,
    ::testing::Values(PhaseCase{"cades", "rsa", "", ""}, PhaseCase{"cades", "ec", "", ""},
                      PhaseCase{"cades", "rsa",
                                "-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest",
                                "--rsa-pss"},
                      PhaseCase{"xades", "rsa", "", ""}, PhaseCase{"xades", "ec", "", ""},
                      PhaseCase{"xades", "ec", "", "--packaging enveloping"}),
    [](const auto& info) {
        return std::string(info.param.format) + "_" + info.param.signer +
               (*info.param.ltsign_options ? "_" + std::to_string(info.index) : "");
    });

TEST_F(TwoPhase, AnotherKeyAnotherCertificateOrAnotherDocumentIsRefusedAndNothingWritten) {
    ASSERT_EQ(prepare("cades", "ec").exit_code, 0);
    const auto out = dir / "out.p7s";
    // The value of another key (noku has an EC P-256 key too).
    sign_with_openssl("noku", tbs, dir / "other-key");
    auto r = complete(dir / "other-key", out);
    EXPECT_EQ(r.exit_code, 77) << r.err;
    // An RSA value for an EC certificate.
    sign_with_openssl("rsa", tbs, dir / "rsa-value");
    r = complete(dir / "rsa-value", out);
    EXPECT_EQ(r.exit_code, 77) << r.err;
    // The right value with another certificate named.
    sign_with_openssl("ec", tbs, dir / "value");
    r = complete(dir / "value", out, "--cert " + q(pki("rsa.pem")));
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_NE(r.err.find("not the certificate the signature was prepared for"), std::string::npos);
    // Another document.
    test::write_text(doc, "Beslut: bygglov avslås.\n");
    r = complete(dir / "value", out);
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("not the document the signature was prepared for"), std::string::npos);
    EXPECT_FALSE(fs::exists(out));
    // Without the document it completes (the value is checked all the same); base64 accepted.
    ASSERT_EQ(test::run("openssl base64 -in " + q(dir / "value") + " -out " + q(dir / "value.b64"))
                  .exit_code,
              0);
    r = ltsign("sign --complete " + q(pending) + " --signature-value " + q(dir / "value.b64") +
               " -o " + q(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Every part of a pending file is checked against the others before completion trusts it.
TEST_F(TwoPhase, EditedTruncatedOrExpiredPendingFilesAreRefused) {
    ASSERT_EQ(prepare("xades", "ec").exit_code, 0);
    sign_with_openssl("ec", tbs, dir / "value");
    const std::string original = test::read_text(pending);
    const json j = json::parse(original);
    auto edited = [&](const std::function<void(json&)>& edit) {
        json e = j;
        edit(e);
        return e.dump(2);
    };
    const std::pair<const char*, std::string> cases[] = {
        {"truncated", original.substr(0, original.size() / 2)},
        {"not JSON", "%PDF-1.7\n"},
        {"empty", ""},
        {"type not a string (found by fuzz_pending)",
         "{\"type\": \"ltsign-pending-signature\", \"type\": 1}"},
        {"tsa not a string", edited([](json& e) { e["tsa"] = 7; })},
        {"wrong type", edited([](json& e) { e["type"] = "something-else"; })},
        {"digest of other data", edited([](json& e) {
             e["toBeSignedDigest"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
         })},
        {"other data to be signed",
         edited([](json& e) { e["toBeSigned"] = "PGRzOlNpZ25lZEluZm8+"; })},
        {"certificate renamed",
         edited([](json& e) { e["certificate"]["sha256"] = std::string(64, '0'); })},
        {"document digest not hex", edited([](json& e) { e["document"]["digest"] = "xyz"; })},
        {"prepared signature not base64", edited([](json& e) { e["preparedSignature"] = "!!!"; })},
        {"missing expiry", edited([](json& e) { e.erase("expires"); })},
        {"level unknown", edited([](json& e) { e["level"] = "LTA"; })},
    };
    for (const auto& [what, text] : cases) {
        test::write_text(pending, text);
        const auto r = complete(dir / "value", dir / "out.xml");
        EXPECT_EQ(r.exit_code, 65) << what << ": " << r.err;
        EXPECT_FALSE(fs::exists(dir / "out.xml")) << what;
    }
    // The document's recorded digest changed: the document given no longer matches it.
    test::write_text(pending,
                     edited([](json& e) { e["document"]["digest"] = std::string(64, 'a'); }));
    EXPECT_EQ(complete(dir / "value", dir / "out.xml").exit_code, 65);

    // An hour later than its expiry (libfaketime moves the clock), the intact file is refused.
    test::write_text(pending, original);
    const std::string lib = test::faketime_library();
    ASSERT_FALSE(lib.empty()) << "scripts/setup installs faketime";
    // (Under ASan the preloaded library comes before the runtime: allowed, as time_travel.hpp.)
    const auto r = test::run(
        "LD_PRELOAD=" + lib + " ASAN_OPTIONS=\"${ASAN_OPTIONS}:verify_asan_link_order=0\"" +
        " FAKETIME=+2d " + LTSIGN_BINARY + " sign --complete " + q(pending) +
        " --signature-value " + q(dir / "value") + " -o " + q(dir / "out.xml"));
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("the pending signature expired at"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out.xml"));
    // And in time it completes.
    EXPECT_EQ(complete(dir / "value", dir / "out.xml").exit_code, 0);
}

// PAdES: the pending file holds the PDF with the update laid out; completion fills /Contents.
TEST_F(TwoPhase, PadesPreparedSignedByOpensslCompletedVerifies) {
    test::write_text(dir / "draft.pdf",
                     "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
                     "/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 "
                     "200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
    test::run("qpdf " + q(dir / "draft.pdf") + " " + q(dir / "fixed.pdf"));  // warns: repaired
    doc = dir / "beslut.pdf";
    ASSERT_EQ(test::run("qpdf --empty --pages " + q(dir / "fixed.pdf") + " -- " + q(doc)).exit_code,
              0);
    for (const char* signer : {"rsa", "ec"}) {
        auto r = prepare("pades", signer, "--force");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        sign_with_openssl(signer, tbs, dir / "value");
        const auto out = dir / (std::string("signed-") + signer + ".pdf");
        r = complete(dir / "value", out);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = ltsign("verify " + q(out) + " --trust " + q(pki("root.pem")) +
                   " --at 2026-06-02T00:00:00Z");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        // The original's bytes are the signed file's first bytes (an incremental update).
        const auto original = test::read_bytes(doc);
        const auto signed_pdf = test::read_bytes(out);
        EXPECT_TRUE(std::equal(original.begin(), original.end(), signed_pdf.begin()));
    }
    // The PDF in the pending file changed: refused, whatever the value.
    json j = json::parse(test::read_text(pending));
    std::string pdf = j["preparedDocument"];
    pdf[10] = pdf[10] == 'A' ? 'B' : 'A';
    j["preparedDocument"] = pdf;
    test::write_text(pending, j.dump());
    const auto r = complete(dir / "value", dir / "bad.pdf");
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_FALSE(fs::exists(dir / "bad.pdf"));
}

// ASiC: the pending file holds the new container; completion puts the value in and verifies it.
TEST_F(TwoPhase, AsicContainersPreparedSignedByOpensslCompletedVerify) {
    test::write_text(dir / "bilaga.txt", "Bilaga 1\n");
    const std::pair<const char*, const char*> cases[] = {
        {"asic-e", "xades"}, {"asic-e", "cades"}, {"asic-s", "xades"}, {"asic-s", "cades"}};
    for (const auto& [format, inner] : cases) {
        const std::string files =
            q(doc) +
            (std::string(format) == "asic-e" ? " " + q(dir / "bilaga.txt") : std::string());
        auto r = ltsign("sign " + files + " --prepare --format " + format + " --packaging " +
                        inner + " --cert " + q(pki("ec.pem")) + " --chain " + q(pki("chain.pem")) +
                        " --signing-time 2026-06-01T12:00:00Z --force -o " + q(pending) +
                        " --to-be-signed " + q(tbs));
        ASSERT_EQ(r.exit_code, 0) << format << " " << inner << ": " << r.err;
        sign_with_openssl("ec", tbs, dir / "value");
        const auto out = dir / (std::string("out-") + format + "-" + inner);
        r = complete(dir / "value", out);
        ASSERT_EQ(r.exit_code, 0) << format << " " << inner << ": " << r.err;
        r = ltsign("verify " + q(out) + " --trust " + q(pki("root.pem")) +
                   " --at 2026-06-02T00:00:00Z");
        EXPECT_EQ(r.exit_code, 0) << format << " " << inner << ": " << r.out;
        // A value of another key is refused, nothing written.
        sign_with_openssl("noku", tbs, dir / "other");
        r = complete(dir / "other", dir / "bad");
        EXPECT_EQ(r.exit_code, 77) << r.err;
        EXPECT_FALSE(fs::exists(dir / "bad"));
    }
    // A document inside the prepared container changed: its signature no longer covers it.
    json j = json::parse(test::read_text(pending));
    const auto archive = dir / "archive.zip";
    test::write_text(dir / "archive.b64", j["preparedDocument"].get<std::string>());
    ASSERT_EQ(
        test::run("openssl base64 -d -A -in " + q(dir / "archive.b64") + " -out " + q(archive))
            .exit_code,
        0);
    // Rewritten by Python's zipfile: a well-formed container whose document says otherwise.
    const auto rewrite = test::run(
        "/usr/bin/python3 -c 'import sys,zipfile\n"
        "src=zipfile.ZipFile(sys.argv[1]); dst=zipfile.ZipFile(sys.argv[2],\"w\")\n"
        "for i in src.infolist():\n"
        "    d=src.read(i)\n"
        "    if i.filename==\"beslut.txt\": d=d.replace(b\"beviljas\",b\"avslas\")\n"
        "    dst.writestr(i,d)\n"
        "dst.close()' " +
        q(archive) + " " + q(dir / "edited.zip"));
    ASSERT_EQ(rewrite.exit_code, 0) << rewrite.err;
    fs::rename(dir / "edited.zip", archive);
    ASSERT_EQ(test::run("openssl base64 -A -in " + q(archive) + " -out " + q(dir / "archive.b64"))
                  .exit_code,
              0);
    j["preparedDocument"] = test::read_text(dir / "archive.b64");
    test::write_text(pending, j.dump());
    const auto r = complete(dir / "value", dir / "bad");
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_FALSE(fs::exists(dir / "bad"));
}

// Level T: the TSA named at prepare time is asked at completion, over the completed value.
TEST_F(TwoPhase, LevelTGetsItsTimeStampAtCompletionFromTheRecordedTsa) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    for (const char* format : {"cades", "xades"}) {
        ASSERT_EQ(prepare(format, "ec", "--level T --tsa " + tsa.url()).exit_code, 0);
        sign_with_openssl("ec", tbs, dir / "value");
        const auto out = dir / (std::string("t.") + format);
        auto r = ltsign("sign --complete " + q(pending) + " --signature-value " + q(dir / "value") +
                        " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = ltsign("verify " + q(out) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                   " --at 2026-06-02T00:00:00Z");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        EXPECT_NE(r.out.find("B-T"), std::string::npos) << r.out;
        fs::remove(pending);
        fs::remove(tbs);
    }
}

// The certificate is judged at prepare time, as when signing with a key at hand.
TEST_F(TwoPhase, ExpiredNotYetValidAndWrongKeyUsageCertificatesAreRefusedAtPrepare) {
    const std::pair<const char*, const char*> cases[] = {
        {"expired", "expired on 2021-01-01"},
        {"notyet", "is not valid until 2040-01-01"},
        {"noku", "does not allow digital signatures"},
    };
    for (const auto& [cert, reason] : cases) {
        for (const char* format : {"cades", "xades"}) {
            const auto r = prepare(format, cert, "--force");
            EXPECT_EQ(r.exit_code, 77) << cert << " " << format << ": " << r.err;
            EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
            EXPECT_FALSE(fs::exists(pending));
        }
    }
    // And signing with the key at hand: --force replaces outputs, it never overrides validity.
    const auto r = ltsign("sign " + q(doc) + " --key " + q(pki("expired.p12")) +
                          " --pass-env LTSIGN_TEST_PASS --force -o " + q(dir / "x.p7s"));
    EXPECT_EQ(r.exit_code, 77) << r.err;
}

}  // namespace
}  // namespace ltsign
