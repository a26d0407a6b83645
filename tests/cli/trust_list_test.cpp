// EU trusted lists (issue 18): a LOTL and national lists made and signed here (xmlsec1, with
// scheme operator keys from the test PKI), served on loopback, fetched into a snapshot; signatures
// of the test PKI verified with the snapshot as their only trust source.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "responders.hpp"
#include "test_pki.hpp"
#include "trusted_lists.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

class TrustedLists : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        fs::create_directories(www());
        server = std::make_unique<test::CrlServer>(www());
        test::CertOptions op{"Test Scheme Operator"};
        op.key_usage = "critical,digitalSignature";
        test::issue(dir.path(), "lotl-op", {"Test LOTL Operator"});
        test::issue(dir.path(), "se-op", op);
        test::issue(dir.path(), "wrong-op", {"Test Someone Else"});
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
    }

    fs::path www() const { return dir / "www"; }
    std::string url(const std::string& name) const { return server->url(name); }

    // A TSP with the test PKI's issuing CA (CA/QC) and TSA (TSA/QTST).
    static test::TlProvider tsp(const std::string& name, const std::string& ca_status = "granted",
                                const std::string& since = "2020-01-01T00:00:00Z") {
        test::TlService ca{"Test Issuing CA service", "CA/QC", ca_status, since, {}, pki("ca.pem")};
        if (ca_status != "granted") ca.history = {{"granted", "2020-01-01T00:00:00Z"}};
        test::TlService tsa{"Test TSA service",     "TSA/QTST", "granted",
                            "2020-01-01T00:00:00Z", {},         pki("tsa.pem")};
        return {name, {ca, tsa}};
    }

    // Writes the national list `name` (signed by `signer`) and a LOTL pointing to each of
    // `territories` (name, territory), all signed for the operators the LOTL names.
    void publish(const std::vector<std::pair<std::string, std::string>>& lists) {
        test::TlSpec lotl;
        lotl.lotl = true;
        lotl.territory = "EU";
        for (const auto& [file, territory] : lists)
            lotl.pointers.push_back({url(file), territory, dir / "se-op.pem"});
        test::write_signed_list(lotl, dir / "lotl-op.key", dir / "lotl-op.pem", www() / "lotl.xml");
    }

    test::RunResult fetch(const std::string& extra = "") {
        return ltsign("trust fetch --lotl " + url("lotl.xml") + " --lotl-signer " +
                      q(dir / "lotl-op.pem") + " -o " + q(dir / "snapshot") + " " + extra);
    }

    // Signs the document with `p12` (level T with the test TSA when `tsa` is given).
    fs::path sign(const std::string& name, const std::string& p12, test::TsaProcess* tsa) {
        const fs::path out = dir / (name + ".p7s");
        const auto r = ltsign(
            "sign " + q(doc) + " --key " + q(p12) + " --pass-env LTSIGN_TEST_PASS " +
            (tsa ? "--level T --tsa " + tsa->url() : std::string("--level B")) + " -o " + q(out));
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        return out;
    }

    json verify(const fs::path& sig, const std::string& at, int expected,
                const std::string& extra = "") {
        const auto r = ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust-list " +
                              q(dir / "snapshot") + " --offline --at " + at + " --json " + extra);
        EXPECT_EQ(r.exit_code, expected) << r.out << r.err;
        return json::parse(r.out);
    }

    test::TempDir dir;
    std::unique_ptr<test::CrlServer> server;
    fs::path doc;
};

TEST_F(TrustedLists, SignaturePassesViaTheListAndReportsNameTheTsp) {
    test::TlSpec se;
    se.providers = {tsp("Test TSP AB")};
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "se.xml");
    publish({{"se.xml", "SE"}});
    const auto f = fetch();
    ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
    const std::string digest = test::read_text(dir / "snapshot" / "digest");
    ASSERT_EQ(digest.rfind("sha256:", 0), 0u);

    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto sig = sign("signed", pki("rsa.p12"), &tsa);
    const json report = verify(sig, "2026-06-02T00:00:00Z", 0);
    const auto& s = report["files"][0]["signatures"][0];
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << report.dump(2);
    EXPECT_EQ(s["anchoredBy"]["source"], "trusted-list");
    EXPECT_EQ(s["anchoredBy"]["tsp"], "Test TSP AB");
    EXPECT_EQ(s["anchoredBy"]["service"], "Test Issuing CA service");
    EXPECT_EQ(s["anchoredBy"]["territory"], "SE");
    EXPECT_EQ(s["anchoredBy"]["serviceType"], "http://uri.etsi.org/TrstSvc/Svctype/CA/QC");
    // No QC statement in the test certificate: an advanced signature, not a qualified one.
    EXPECT_EQ(s["anchoredBy"]["qualification"], "AdES");
    EXPECT_EQ(s["timestamps"][0]["anchoredBy"]["service"], "Test TSA service");
    EXPECT_EQ(s["timestamps"][0]["anchoredBy"]["qualification"], "QTST");
    EXPECT_EQ(report["trustList"]["snapshotDigest"], digest.substr(0, digest.size() - 1));
    EXPECT_EQ(report["trustList"]["lists"].size(), 2u);

    // The report matches its schema.
    test::write_text(dir / "report.json", report.dump());
    const auto v = test::run(
        "/usr/bin/python3 -c 'import json,sys,jsonschema; "
        "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' " +
        q(dir / "report.json") + " " +
        q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "verify-report.schema.json"));
    EXPECT_EQ(v.exit_code, 0) << v.err;

    // Text and ETSI XML name the TSP and service too.
    const auto text =
        ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust-list " + q(dir / "snapshot") +
               " --offline --at 2026-06-02T00:00:00Z " + "--report-xml " + q(dir / "report.xml"));
    EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
    EXPECT_NE(text.out.find("anchored by: the service \"Test Issuing CA service\" of Test TSP AB"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find(digest.substr(0, digest.size() - 1)), std::string::npos) << text.out;
    const std::string xml = test::read_text(dir / "report.xml");
    EXPECT_NE(xml.find("Test TSP AB"), std::string::npos);
    EXPECT_NE(xml.find("urn:etsi:019102:validationObject:trustedList"), std::string::npos);
    EXPECT_NE(xml.find("urn:ltsign:qualification:AdES"), std::string::npos);

    // trust show: territories, TSPs, services and their status.
    const auto show = ltsign("trust show " + q(dir / "snapshot"));
    EXPECT_EQ(show.exit_code, 0) << show.err;
    EXPECT_NE(show.out.find("TSP Test TSP AB"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("CA/QC  Test Issuing CA service: granted since 2020-01-01"),
              std::string::npos)
        << show.out;
    const auto shown = json::parse(ltsign("trust show " + q(dir / "snapshot") + " --json").out);
    EXPECT_EQ(shown["lists"][1]["territory"], "SE");
    EXPECT_EQ(shown["lists"][1]["providers"][0]["services"][1]["type"],
              "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST");

    // Without the snapshot the same signature has no anchor: the list is what anchored it.
    const auto none =
        ltsign("verify " + q(sig) + " --data " + q(doc) + " --offline --at 2026-06-02T00:00:00Z");
    EXPECT_EQ(none.exit_code, 2) << none.out;
}

// Each broken list is refused with its reason; the signatures whose CA it names are
// INDETERMINATE with that sentence, never passed, never a bare "no chain".
TEST_F(TrustedLists, ChangedWrongSignerAndExpiredListsAreRefused) {
    struct Bad {
        std::string territory, reason;
    };
    const std::vector<Bad> bad = {
        {"NO", "changed after it was signed"},
        {"DK", "not by a signer the pointing list names"},
        {"FI", "expired: its NextUpdate 2021-01-01T00:00:00Z has passed"}};
    test::CertOptions ca_opts{"", "2020-01-01T00:00:00Z", "2040-01-01T00:00:00Z", true};
    for (const auto& b : bad) {
        ca_opts.cn = "Test CA " + b.territory;
        test::issue(dir.path(), "ca-" + b.territory, ca_opts, pki("root.key"), pki("root.pem"));
        test::issue(dir.path(), "signer-" + b.territory, {"Test Signer " + b.territory},
                    dir / ("ca-" + b.territory + ".key"), dir / ("ca-" + b.territory + ".pem"));
        test::TlSpec tl;
        tl.territory = b.territory;
        test::TlService svc{"CA " + b.territory,    "CA/QC", "granted",
                            "2020-01-01T00:00:00Z", {},      dir / ("ca-" + b.territory + ".pem")};
        tl.providers = {{"TSP " + b.territory, {svc}}};
        if (b.territory == "FI") tl.next_update = "2021-01-01T00:00:00Z";
        const bool wrong = b.territory == "DK";
        test::write_signed_list(tl, dir / (wrong ? "wrong-op.key" : "se-op.key"),
                                dir / (wrong ? "wrong-op.pem" : "se-op.pem"),
                                www() / (b.territory + ".xml"));
    }
    test::replace_first(www() / "NO.xml", "TSP NO", "TSP NP");  // one byte, after signing
    test::TlSpec se;
    se.providers = {tsp("Test TSP AB")};
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "SE.xml");
    publish({{"SE.xml", "SE"}, {"NO.xml", "NO"}, {"DK.xml", "DK"}, {"FI.xml", "FI"}});

    const auto f = fetch();
    EXPECT_EQ(f.exit_code, 2) << f.out << f.err;  // written, but not all of it usable
    for (const auto& b : bad) {
        EXPECT_NE(f.err.find(b.territory + " refused: "), std::string::npos) << f.err;
        EXPECT_NE(f.err.find(b.reason), std::string::npos) << b.reason << "\n" << f.err;
    }
    for (const auto& b : bad) {
        const auto sig = sign("signed-" + b.territory,
                              (dir / ("signer-" + b.territory + ".p12")).string(), nullptr);
        const json r = verify(sig, "2026-06-02T00:00:00Z", 2);
        const auto& s = r["files"][0]["signatures"][0];
        EXPECT_EQ(s["indication"], "INDETERMINATE") << r.dump(2);
        const std::string why = s["explanation"];
        EXPECT_NE(why.find("the chain would be anchored by the trusted list of " + b.territory),
                  std::string::npos)
            << why;
        EXPECT_NE(why.find(b.reason), std::string::npos) << why;
    }
    // The good list still anchors its own signatures.
    const auto good = sign("signed-SE", pki("ec.p12"), nullptr);
    EXPECT_EQ(verify(good, "2026-06-02T00:00:00Z", 0)["files"][0]["indication"], "TOTAL_PASSED");
}

// TS 119 615: the CA's status when the signature is proven to exist. Withdrawn on 2026-07-01, the
// CA anchors a signature time-stamped on 2026-06-01, and not one without a time-stamp.
TEST_F(TrustedLists, StatusHistoryDecidesWithTheProofOfExistence) {
    test::TlSpec se;
    se.providers = {tsp("Test TSP AB", "withdrawn", "2026-07-01T00:00:00Z")};
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "se.xml");
    publish({{"se.xml", "SE"}});
    ASSERT_EQ(fetch().exit_code, 0);

    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto stamped = sign("stamped", pki("rsa.p12"), &tsa);
    const auto plain = sign("plain", pki("rsa.p12"), nullptr);
    const json a = verify(stamped, "2026-08-01T00:00:00Z", 0);
    EXPECT_EQ(a["files"][0]["indication"], "TOTAL_PASSED") << a.dump(2);
    EXPECT_EQ(a["files"][0]["signatures"][0]["anchoredBy"]["status"],
              "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted");
    const json b = verify(plain, "2026-08-01T00:00:00Z", 2);
    const auto& s = b["files"][0]["signatures"][0];
    EXPECT_EQ(s["subIndication"], "NO_CERTIFICATE_CHAIN_FOUND") << b.dump(2);
    const std::string why = s["explanation"];
    EXPECT_NE(why.find("was withdrawn (since 2026-07-01T00:00:00Z), not granted"),
              std::string::npos)
        << why;
    // Before the withdrawal, the plain one passes too.
    EXPECT_EQ(verify(plain, "2026-06-15T00:00:00Z", 0)["files"][0]["indication"], "TOTAL_PASSED");
    // Reproducible: the same snapshot and inputs give the same verdicts.
    const json again = verify(plain, "2026-08-01T00:00:00Z", 2);
    EXPECT_EQ(again["files"], b["files"]);
}

// The snapshot is evidence: changed after fetching, it is refused or its changed list unused.
TEST_F(TrustedLists, ChangedSnapshotIsRefused) {
    test::TlSpec se;
    se.providers = {tsp("Test TSP AB")};
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "se.xml");
    publish({{"se.xml", "SE"}});
    ASSERT_EQ(fetch().exit_code, 0);
    const auto sig = sign("signed", pki("ec.p12"), nullptr);

    // A list's file changed: that list is not used, and says why.
    fs::path list;
    for (const auto& e : fs::directory_iterator(dir / "snapshot" / "lists"))
        if (e.path().filename().string().find("SE") != std::string::npos) list = e.path();
    ASSERT_FALSE(list.empty());
    test::replace_first(list, "Test TSP AB", "Test TSP AC");
    const json r = verify(sig, "2026-06-02T00:00:00Z", 2);
    const std::string why = r["files"][0]["signatures"][0]["explanation"];
    EXPECT_NE(why.find("differs from the list fetched"), std::string::npos) << why;

    // The index changed: the snapshot is refused as a whole.
    test::replace_first(dir / "snapshot" / "index.json", "\"used\": true", "\"used\": false");
    const auto bad = ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust-list " +
                            q(dir / "snapshot") + " --offline");
    EXPECT_EQ(bad.exit_code, 65) << bad.out << bad.err;
    EXPECT_NE(bad.err.find("does not match its digest"), std::string::npos) << bad.err;

    // The LOTL itself refused: nothing is written.
    test::TlSpec lotl;
    lotl.lotl = true;
    test::write_signed_list(lotl, dir / "wrong-op.key", dir / "wrong-op.pem", www() / "lotl.xml");
    const auto f = ltsign("trust fetch --lotl " + url("lotl.xml") + " --lotl-signer " +
                          q(dir / "lotl-op.pem") + " -o " + q(dir / "snapshot2"));
    EXPECT_EQ(f.exit_code, 65) << f.out << f.err;
    EXPECT_FALSE(fs::exists(dir / "snapshot2"));
    // Unreachable: 69, nothing written.
    const auto down =
        ltsign("trust fetch --tl " + test::OcspResponder::url_for(test::free_port()) +
               "tl.xml --tl-signer " + q(dir / "se-op.pem") + " -o " + q(dir / "snapshot3"));
    EXPECT_EQ(down.exit_code, 69) << down.err;
    EXPECT_FALSE(fs::exists(dir / "snapshot3"));
}

// TS 119 612 5.3.2: a list served with a lower sequence number than the snapshot it replaces is an
// old list replayed; it is refused, and the replaced snapshot is swapped out whole.
TEST_F(TrustedLists, RolledBackSequenceNumberIsRefused) {
    test::TlSpec se;
    se.sequence = 5;
    se.providers = {tsp("Test TSP AB")};
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "se.xml");
    publish({{"se.xml", "SE"}});
    ASSERT_EQ(fetch().exit_code, 0);
    const std::string first = test::read_text(dir / "snapshot" / "digest");
    se.sequence = 3;
    test::write_signed_list(se, dir / "se-op.key", dir / "se-op.pem", www() / "se.xml");
    const auto again = fetch();
    EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
    EXPECT_NE(again.err.find("TSLSequenceNumber 3 is lower than the 5"), std::string::npos)
        << again.err;
    EXPECT_NE(test::read_text(dir / "snapshot" / "digest"), first);
    // Nothing is left beside the snapshot.
    int entries = 0;
    for (const auto& e : fs::directory_iterator(dir.path()))
        entries += e.path().filename().string().rfind(".snapshot", 0) == 0 ? 1 : 0;
    EXPECT_EQ(entries, 0);
    const auto sig = sign("signed", pki("ec.p12"), nullptr);
    const json r = verify(sig, "2026-06-02T00:00:00Z", 2);
    const std::string why = r["files"][0]["signatures"][0]["explanation"];
    EXPECT_NE(why.find("lower than the 5"), std::string::npos) << why;
}

// Named local anchors (a trust configuration) beside or instead of a snapshot.
TEST_F(TrustedLists, TrustConfigurationNamesLocalAnchors) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto sig = sign("signed", pki("rsa.p12"), &tsa);
    const auto config = [&](const std::string& anchors) {
        test::write_text(dir / "trust.json", "{\"anchors\": [" + anchors + "]}");
        return ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust-config " +
                      q(dir / "trust.json") + " --offline --at 2026-06-02T00:00:00Z --json");
    };
    const std::string root = "\"certificate\": " + json(pki("root.pem").string()).dump();
    auto r = config("{\"label\": \"Test root (SITHS-like)\", " + root +
                    ", \"purposes\": [\"signatures\", \"timestamps\"], \"validFrom\": "
                    "\"2020-01-01T00:00:00Z\", \"validUntil\": \"2040-01-01T00:00:00Z\"}");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["files"][0]["signatures"][0]["anchoredBy"]["label"], "Test root (SITHS-like)");
    EXPECT_EQ(j["files"][0]["signatures"][0]["anchoredBy"]["source"], "trust-config");

    // Its validity period ended before the validation time: not an anchor, and said so.
    r = config("{\"label\": \"Old root\", " + root + ", \"validUntil\": \"2026-01-01T00:00:00Z\"}");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    j = json::parse(r.out);
    const std::string why = j["files"][0]["signatures"][0]["explanation"];
    EXPECT_NE(why.find("\"Old root\""), std::string::npos) << why;
    EXPECT_NE(why.find("validity period"), std::string::npos) << why;

    // Trusted for time-stamps only: the signature has no anchor, its time-stamp has.
    r = config("{\"label\": \"TSA root\", " + root + ", \"purposes\": [\"timestamps\"]}");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    j = json::parse(r.out);
    EXPECT_EQ(j["files"][0]["signatures"][0]["timestamps"][0]["indication"], "TOTAL_PASSED");

    // The configuration matches its schema; a malformed one is refused (65).
    test::write_text(dir / "trust.json",
                     "{\"anchors\": [{\"label\": \"x\", " + root + ", \"purposes\": [\"all\"]}]}");
    r = ltsign("verify " + q(sig) + " --trust-config " + q(dir / "trust.json"));
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("unknown purpose"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ltsign
