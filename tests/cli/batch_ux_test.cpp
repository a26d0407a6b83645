// Batches as archivists run them (issue 23): pairing signatures with documents by name in any
// layout and Unicode form, quiet and failure-only output, progress only on a terminal, one
// download per CRL and a responder that never answers given up on once, self-contained reports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>

#include "helpers.hpp"
#include "responders.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

// "ärende" in NFC (one code point for ä) and in NFD (a, then the combining diaeresis), as a file
// copied from macOS names it.
const std::string k_nfc = "\xc3\xa4rende";
const std::string k_nfd = "a\xcc\x88rende";

class Pairing : public ::testing::Test {
  protected:
    // leverans/dokument/<sub>/<doc> and leverans/signaturer/<sub>/<doc>.p7s, detached CAdES;
    // the documents of one folder named in NFD, their signatures in NFC.
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        for (const auto& [sub, doc_name, sig_name] :
             std::vector<std::tuple<std::string, std::string, std::string>>{
                 {"bygglov", "beslut-" + k_nfc + ".txt", "beslut-" + k_nfc + ".txt"},
                 {"bygglov", "ritning.txt", "ritning.txt"},
                 {"protokoll", "protokoll-" + k_nfd + ".txt", "protokoll-" + k_nfc + ".txt"},
                 {"protokoll/2026", "m\xc3\xb6te.txt", "m\xc3\xb6te.txt"}}) {
            const fs::path doc = docs / sub / doc_name;
            fs::create_directories(doc.parent_path());
            test::write_text(doc, "Handling " + doc_name + "\n");
            const fs::path sig = sigs / sub / (sig_name + ".p7s");
            fs::create_directories(sig.parent_path());
            const auto r = ltsign("sign " + q(doc) + " --key " + q(pki("ec.p12")) +
                                  " --pass-env LTSIGN_TEST_PASS --signing-time "
                                  "2026-06-01T12:00:00Z -o " +
                                  q(sig));
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
    }
    test::RunResult verify(const std::string& args) {
        return ltsign("verify " + args + " --trust " + q(pki("root.pem")) +
                      " --at 2026-12-01T00:00:00Z --json");
    }
    static std::map<std::string, std::pair<std::string, std::string>> verdicts(
        const test::RunResult& r) {
        std::map<std::string, std::pair<std::string, std::string>> out;
        const auto j = json::parse(r.out);
        for (const auto& f : j["files"]) {
            const std::string explanation =
                f["signatures"].empty() ? "" : f["signatures"][0].value("explanation", "");
            out[fs::path(f["path"].get<std::string>()).filename().string()] = {
                f["indication"].get<std::string>() + "/" +
                    (f["subIndication"].is_string() ? f["subIndication"].get<std::string>() : ""),
                explanation};
        }
        return out;
    }

    test::TempDir dir;
    fs::path docs = dir / "leverans" / "dokument";
    fs::path sigs = dir / "leverans" / "signaturer";
};

TEST_F(Pairing, TheRootASubfolderAndOneFileAllPairInNfcAndNfd) {
    for (const auto& [what, expected] : std::vector<std::pair<fs::path, std::size_t>>{
             {sigs, 4},
             {sigs / "protokoll", 2},
             {sigs / "protokoll" / "2026", 1},
             {sigs / "protokoll" / ("protokoll-" + k_nfc + ".txt.p7s"), 1}}) {
        const auto r = verify(q(what) + " --data " + q(docs));
        EXPECT_EQ(r.exit_code, 0) << what << "\n" << r.out.substr(0, 3000);
        const auto v = verdicts(r);
        EXPECT_EQ(v.size(), expected) << what;
        for (const auto& [name, verdict] : v)
            EXPECT_EQ(verdict.first, "TOTAL_PASSED/") << what << ": " << name;
    }
}

TEST_F(Pairing, OneWrongDocumentIsAMismatchNeverAChangeForTheOthers) {
    const fs::path other = docs / "bygglov" / "ritning.txt";
    // Several signatures, one document: only its own signature takes it; the others say that
    // no document of their name was given, never that their document changed.
    auto r = verify(q(sigs / "bygglov") + " --data " + q(other));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    auto v = verdicts(r);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v["ritning.txt.p7s"].first, "TOTAL_PASSED/");
    const auto& lost = v["beslut-" + k_nfc + ".txt.p7s"];
    EXPECT_EQ(lost.first, "INDETERMINATE/SIGNED_DATA_NOT_FOUND");
    EXPECT_NE(lost.second.find("no document named beslut-" + k_nfc + ".txt"), std::string::npos)
        << lost.second;
    EXPECT_NE(lost.second.find("ritning.txt"), std::string::npos) << lost.second;

    // One signature given the wrong document: the names differ, so it says so.
    r = verify(q(sigs / "bygglov" / ("beslut-" + k_nfc + ".txt.p7s")) + " --data " + q(other));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    v = verdicts(r);
    ASSERT_EQ(v.size(), 1u);
    const auto& mismatch = v.begin()->second;
    EXPECT_EQ(mismatch.first, "INDETERMINATE/SIGNED_DATA_NOT_FOUND");
    EXPECT_NE(mismatch.second.find("does not match this signature's name"), std::string::npos)
        << mismatch.second;

    // The same document, changed, under its own name: that is a change.
    const fs::path own = docs / "bygglov" / ("beslut-" + k_nfc + ".txt");
    test::write_text(own, "Handling ändrad\n");
    r = verify(q(sigs / "bygglov") + " --data " + q(docs));
    v = verdicts(r);
    EXPECT_EQ(v["beslut-" + k_nfc + ".txt.p7s"].first, "TOTAL_FAILED/HASH_FAILURE");
    EXPECT_EQ(v["ritning.txt.p7s"].first, "TOTAL_PASSED/");
    EXPECT_EQ(r.exit_code, 1);
}

TEST_F(Pairing, ADocumentNotFoundSaysWhereItWasLookedForAndGivesNoHintToPassData) {
    fs::remove(docs / "bygglov" / "ritning.txt");
    auto r = ltsign("verify " + q(sigs / "bygglov") + " --data " + q(docs) + " --trust " +
                    q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("no document named ritning.txt was found under " + docs.string()),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("give the signed document with --data"), std::string::npos) << r.out;
}

// Forty signatures by one signer whose certificate names an OCSP responder and a CRL
// distribution point on loopback, each over its own document.
class Revocation : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        fs::create_directories(docs);
    }
    void sign_forty(const std::string& ocsp_url, const std::string& crl_url) {
        test::issue(dir.path(), "signer",
                    {.cn = "Handläggare", .ocsp_url = ocsp_url, .crl_url = crl_url});
        for (int i = 0; i < 40; ++i)
            test::write_text(docs / ("beslut-" + std::to_string(i) + ".txt"),
                             "Beslut " + std::to_string(i) + "\n");
        const auto r = ltsign(
            "sign " + q(docs) + " --key " + q(dir / "signer.p12") +
            " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z -o " + q(sigs));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    test::RunResult verify(const std::string& more) {
        // A private cache folder: nothing from another run may answer for the services.
        ::setenv("LTSIGN_CACHE_DIR", (dir / "cache").c_str(), 1);
        auto r =
            ltsign("verify " + q(sigs) + " --data " + q(docs) + " --trust " + q(pki("root.pem")) +
                   " --certs " + q(pki("ca.pem")) + " --at 2026-12-01T00:00:00Z " + more);
        ::unsetenv("LTSIGN_CACHE_DIR");
        return r;
    }
    test::TempDir dir;
    fs::path docs = dir / "dokument";
    fs::path sigs = dir / "signaturer";
};

TEST_F(Revocation, FortySignaturesDownloadTheirCrlOnce) {
    fs::create_directories(dir / "www");
    test::write_crl(dir / "www" / "ca.crl", {}, *parse_rfc3339("2026-11-30T00:00:00Z"),
                    *parse_rfc3339("2027-01-30T00:00:00Z"));
    test::CrlServer server(dir / "www");
    sign_forty("", server.url("ca.crl"));
    const auto r = verify("--json");
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(json::parse(r.out)["summary"]["passed"], 40);
    EXPECT_EQ(server.requests(), 1);
}

// The reports stand on their own: the JSON names the tool, the policy, the anchors and each
// document's digest and is schema-valid; the ETSI report embeds the one CRL once, referenced by
// all forty signatures, binds each document by digest, names its validator, and is schema-valid.
TEST_F(Revocation, ReportsAreSelfContainedAndEmbedTheCrlOnce) {
    fs::create_directories(dir / "www");
    test::write_crl(dir / "www" / "ca.crl", {}, *parse_rfc3339("2026-11-30T00:00:00Z"),
                    *parse_rfc3339("2027-01-30T00:00:00Z"));
    test::CrlServer server(dir / "www");
    sign_forty("", server.url("ca.crl"));
    const fs::path xml = dir / "rapport.xml";
    auto r = verify("--json --report-xml " + q(xml));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    test::write_text(dir / "report.json", r.out);
    const fs::path schema = fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "verify-report.schema.json";
    const auto valid = test::run(
        "/usr/bin/python3 -c 'import json,sys,jsonschema; "
        "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' " +
        q(dir / "report.json") + " " + q(schema));
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["reportVersion"], "2.0");
    EXPECT_EQ(j["tool"]["name"], "ltsign");
    EXPECT_EQ(j["policy"]["name"], "ltsign default");
    EXPECT_EQ(j["policy"]["sha256"].get<std::string>().size(), 64u);
    ASSERT_EQ(j["trustAnchors"].size(), 1u);
    EXPECT_NE(j["trustAnchors"][0]["subject"].get<std::string>().find("Root"), std::string::npos);
    EXPECT_EQ(j["summary"]["total"], 40);
    const std::string digest = test::run("sha256sum " + q(docs / "beslut-7.txt")).out.substr(0, 64);
    bool found = false;
    for (const auto& f : j["files"]) {
        if (fs::path(f["path"].get<std::string>()).filename() == "beslut-7.txt.p7s") {
            EXPECT_EQ(f["dataDigest"]["value"], digest);
            found = true;
        }
    }
    EXPECT_TRUE(found);

    const std::string text = test::read_text(xml);
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(count("urn:etsi:019102:validationObject:CRL"), 1u);
    EXPECT_EQ(count("<vr:SignersDocument>"), 40u);
    EXPECT_NE(text.find("<tsl:Other>ltsign "), std::string::npos);
    const auto lint = test::run(
        "XML_CATALOG_FILES=" + q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "catalog.xml") +
        " xmllint --nonet --noout --schema " + q(xml::schema_dir() / "1910202xmlSchema.xsd") + " " +
        q(xml));
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
    // Written reports are never replaced unasked.
    r = verify("--report-xml " + q(xml));
    EXPECT_EQ(r.exit_code, 73) << r.err;
}

TEST_F(Revocation, AResponderThatNeverAnswersIsGivenUpOnceAndReportedOnce) {
    test::BlackHole hole;
    sign_forty(hole.url("ocsp"), hole.url("ca.crl"));
    const auto start = std::chrono::steady_clock::now();
    const auto r = verify("--timeout 2");
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 3000);
    EXPECT_LT(seconds, 10 * test::k_sanitizer_time_factor) << r.out.substr(0, 3000);
    // Every signature lacks its revocation status, and the service is named once, at the end.
    EXPECT_NE(r.out.find("0 passed, 0 failed, 40 indeterminate"), std::string::npos) << r.out;
    const std::regex said("service http://127\\.0\\.0\\.1:[0-9]+ did not answer");
    const auto count = std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), said),
                                     std::sregex_iterator());
    EXPECT_EQ(count, 1) << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0);
    EXPECT_NE(r.out.find("TRY_LATER"), std::string::npos);
}

TEST_F(Revocation, QuietPrintsTheSummaryAndTheOneFailureOnly) {
    fs::create_directories(dir / "www");
    test::write_crl(dir / "www" / "ca.crl", {}, *parse_rfc3339("2026-11-30T00:00:00Z"),
                    *parse_rfc3339("2027-01-30T00:00:00Z"));
    test::CrlServer server(dir / "www");
    sign_forty("", server.url("ca.crl"));
    test::write_text(docs / "beslut-17.txt", "Beslut 17, ändrat\n");
    auto r = verify("--quiet");
    EXPECT_EQ(r.exit_code, 1);
    std::size_t lines = std::count(r.out.begin(), r.out.end(), '\n');
    EXPECT_LE(lines, 4u) << r.out;
    EXPECT_NE(r.out.find("beslut-17.txt.p7s"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("39 passed, 1 failed"), std::string::npos) << r.out;
    r = verify("--only-problems");
    EXPECT_EQ(r.out.find("beslut-16.txt.p7s"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("HASH_FAILURE  " + (sigs / "beslut-17.txt.p7s").string()),
              std::string::npos)
        << r.out;
}

// CLI manners: a mistyped command is named with the likely one, every --help has examples and
// exit codes, an output into a missing folder is 73 before anything is done, a password is asked
// on a terminal (never echoed) and said to be missing elsewhere, and every writing command can
// say what it wrote as JSON.
class Manners : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        fs::create_directories(docs);
        for (const char* name : {"a.txt", "b.txt", "c.txt"})
            test::write_text(docs / name, std::string("Handling ") + name + "\n");
    }
    test::TempDir dir;
    fs::path docs = dir / "dokument";
};

TEST_F(Manners, AMistypedCommandIsNamedAndEveryHelpHasExamplesAndExitCodes) {
    auto r = ltsign("verfy x.p7s");
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("unknown command verfy; did you mean verify?"), std::string::npos)
        << r.err;
    for (const char* command : {"sign", "verify", "inspect", "timestamp", "extend", "seal", "renew",
                                "tsa", "keys", "serve"}) {
        r = ltsign(std::string(command) + " --help");
        EXPECT_EQ(r.exit_code, 0) << command;
        EXPECT_NE(r.out.find("Examples:\n  ltsign " + std::string(command)), std::string::npos)
            << command << "\n"
            << r.out;
        EXPECT_NE(r.out.find("Exit codes: 0 passed"), std::string::npos) << command;
    }
}

TEST_F(Manners, AnOutputIntoAMissingFolderIs73AndNothingIsMade) {
    auto r = ltsign("sign " + q(docs / "a.txt") + " --key " + q(pki("ec.p12")) +
                    " --pass-env LTSIGN_TEST_PASS -o " + q(dir / "saknas" / "a.p7s"));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_NE(r.err.find("does not exist; create it first"), std::string::npos) << r.err;
    r = ltsign("timestamp " + q(docs / "a.txt") + " --tsa http://127.0.0.1:1/ -o " +
               q(dir / "saknas" / "a.tst"));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_FALSE(fs::exists(dir / "saknas"));
    // A batch's output folder is made.
    r = ltsign("sign " + q(docs) + " --key " + q(pki("ec.p12")) +
               " --pass-env LTSIGN_TEST_PASS --quiet -o " + q(dir / "ny" / "sig"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "signed 3 file(s) -> " + (dir / "ny" / "sig").string() + "\n");
}

TEST_F(Manners, APasswordIsAskedOnATerminalNeverEchoedAndSaidMissingElsewhere) {
    const std::string sign = std::string(LTSIGN_BINARY) + " sign " + (docs / "a.txt").string() +
                             " --key " + pki("rsa.p12").string() + " -o ";
    auto r = ltsign("sign " + q(docs / "a.txt") + " --key " + q(pki("rsa.p12")) + " -o " +
                    q(dir / "a.p7s"));
    EXPECT_EQ(r.exit_code, 77);
    EXPECT_NE(r.err.find("needs a password and none was given"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a.p7s"));
    // Typed once the prompt is shown: a second's pause, as a person would take.
    // (test::run gives the command /dev/null as input: the pipe goes inside the parentheses.)
    r = test::run("{ (sleep 1; echo " + q(test::k_password) + ") | timeout 30 script -qec " +
                  q(sign + (dir / "a.p7s").string()) + " /dev/null; }");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("password for "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(test::k_password), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(dir / "a.p7s"));
}

TEST_F(Manners, WritingCommandsSayWhatTheyWroteAsJsonAndExtendTakesAFolderTwice) {
    auto r = ltsign("sign " + q(docs) + " --key " + q(pki("ec.p12")) +
                    " --pass-env LTSIGN_TEST_PASS --json -o " + q(dir / "sig"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["command"], "sign");
    EXPECT_EQ(j["signatures"].size(), 3u);
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    r = ltsign("seal " + q(docs) + " --tsa " + tsa.url() + " --json -o " + q(dir / "bevis"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = json::parse(r.out);
    EXPECT_EQ(j["command"], "seal");
    EXPECT_EQ(j["documents"].size(), 3u);
    // inspect opens an evidence record: its chain and the digests its time-stamp covers.
    r = ltsign("inspect " + q(dir / "bevis" / "b.txt.ers") + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string digest = test::run("sha256sum " + q(docs / "b.txt")).out.substr(0, 64);
    EXPECT_NE(r.out.find("\"chain 1\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("covered digests"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(digest), std::string::npos) << r.out;
    // extend DIR: every signature to T; again, nothing to do and exit 0.
    const std::string extend = "extend " + q(dir / "sig") + " --level T --tsa " + tsa.url() +
                               " --data " + q(docs) + " --in-place --json";
    r = ltsign(extend);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    j = json::parse(r.out);
    EXPECT_EQ(j["summary"]["extended"], 3);
    r = ltsign(extend);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    j = json::parse(r.out);
    EXPECT_EQ(j["summary"]["already"], 3) << r.out;
    EXPECT_EQ(j["summary"]["extended"], 0);
}

}  // namespace
}  // namespace ltsign
