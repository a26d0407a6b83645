// Revocation with real responders on loopback (openssl ocsp, an HTTP server for CRLs), proof of
// existence, and the algorithm policy.
#include <gtest/gtest.h>

#include <thread>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "responders.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;
using test::q;

class Revocation : public ::testing::Test {
  protected:
    void SetUp() override {
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut om bygglov.\n");
        fs::create_directories(dir / "www");
        ocsp_port = test::free_port();
        crl_server = std::make_unique<test::CrlServer>(dir / "www");
    }
    std::string ocsp_url() const { return test::OcspResponder::url_for(ocsp_port); }
    std::string crl_url() const { return crl_server->url("ca.crl"); }

    // A signer whose certificate names the OCSP responder and the CRL of this test.
    std::string signer(const std::string& name) {
        return test::issue(dir.path(), name,
                           {.cn = name, .ocsp_url = ocsp_url(), .crl_url = crl_url()});
    }
    fs::path sign(const std::string& name, const std::string& tsa_url = "") {
        const auto s = Signer::from_pkcs12(dir / (name + ".p12"), test::k_password);
        SignOptions o{.signing_time = test::sign_time()};
        if (!tsa_url.empty()) {
            o.level = Level::t;
            o.tsa = TsaClient{.url = tsa_url};
        }
        const auto out = dir / (name + ".p7s");
        sign_file(doc, s, o).save(out, true);
        return out;
    }
    FileReport verify(const fs::path& sig, bool offline = false, std::vector<fs::path> crls = {},
                      const char* at = "2026-12-01T00:00:00Z", const fs::path& cache = {}) {
        ValidationContext ctx;
        ctx.cache_dir = cache;
        ctx.trust.add(pki("root.pem"));
        ctx.validation_time = test::t(at);
        ctx.offline = offline;
        ctx.crl_files = std::move(crls);
        ctx.revocation_timeout = std::chrono::milliseconds(3000);
        return verify_file(sig, {doc}, ctx);
    }
    std::unique_ptr<test::OcspResponder> start_ocsp(const std::vector<test::IndexEntry>& entries) {
        fs::create_directories(dir / "ocsp");
        return std::make_unique<test::OcspResponder>(dir / "ocsp", entries, ocsp_port);
    }
    void publish_crl(const std::vector<std::pair<std::string, TimePoint>>& revoked,
                     const char* next_update = "2027-06-01T00:00:00Z") {
        test::write_crl(dir / "www" / "ca.crl", revoked, test::t("2026-11-01T00:00:00Z"),
                        test::t(next_update));
    }
    static const RevocationInfo& signer_status(const FileReport& r) {
        const auto& info = r.signatures.at(0).revocation.at(0);
        std::cout << "revocation: " << to_string(info.status) << " by " << info.source << ": "
                  << info.detail << "\n";
        return info;
    }

    test::TempDir dir;
    fs::path doc;
    int ocsp_port = 0;
    std::unique_ptr<test::CrlServer> crl_server;
};

TEST_F(Revocation, GoodPerOcsp) {
    const auto serial = signer("anna");
    auto ocsp = start_ocsp({{serial, "anna", std::nullopt}});
    const auto r = verify(sign("anna"));
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(signer_status(r).status, RevocationStatus::good);
    EXPECT_EQ(signer_status(r).source.rfind("OCSP", 0), 0u) << signer_status(r).source;
}

TEST_F(Revocation, RevokedWithoutProofOfExistenceIsRevokedNoPoe) {
    const auto serial = signer("bertil");
    auto ocsp = start_ocsp({{serial, "bertil", test::t("2026-03-01T00:00:00Z")}});
    const auto r = verify(sign("bertil"));
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe);
    EXPECT_NE(r.signatures[0].explanation.find("revoked on 2026-03-01"), std::string::npos)
        << r.signatures[0].explanation;
}

TEST_F(Revocation, RevokedBeforeTheTimeStampIsRevoked) {
    const auto serial = signer("cecilia");
    auto ocsp = start_ocsp({{serial, "cecilia", test::t("2026-03-01T00:00:00Z")}});
    test::TsaProcess tsa(dir / "serial",
                         std::string("--test-clock ") + test::k_tsa_clock);  // 2026-06-01
    const auto r = verify(sign("cecilia", tsa.url()));
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::revoked);
    EXPECT_NE(r.signatures[0].explanation.find("before the earliest proof"), std::string::npos);
}

TEST_F(Revocation, RevokedAfterTheTimeStampStillPasses) {
    const auto serial = signer("david");
    auto ocsp = start_ocsp({{serial, "david", test::t("2026-09-01T00:00:00Z")}});
    test::TsaProcess tsa(dir / "serial",
                         std::string("--test-clock ") + test::k_tsa_clock);  // 2026-06-01
    const auto r = verify(sign("david", tsa.url()));
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(signer_status(r).status, RevocationStatus::revoked);
}

TEST_F(Revocation, UnknownToTheResponderIsIndeterminate) {
    signer("erik");
    auto ocsp = start_ocsp({});  // erik is not in the index
    publish_crl({});             // and the CRL is not asked: OCSP answered
    const auto r = verify(sign("erik"));
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later);
}

TEST_F(Revocation, OcspDownCrlUpPasses) {
    signer("frida");
    publish_crl({});
    const auto r = verify(sign("frida"));  // no OCSP responder started
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(signer_status(r).source.rfind("CRL http", 0), 0u) << signer_status(r).source;
}

TEST_F(Revocation, DownloadedCrlIsCachedAndUsedWhenTheServerIsDown) {
    signer("lisa");
    publish_crl({});
    const auto sig = sign("lisa");
    const auto cache = dir / "cache";
    EXPECT_EQ(verify(sig, false, {}, "2026-12-01T00:00:00Z", cache).indication,
              Indication::total_passed);
    ASSERT_EQ(std::distance(fs::directory_iterator(cache), fs::directory_iterator()),
              1);  // one CRL, by URL hash
    crl_server->stop();
    EXPECT_EQ(verify(sig, false, {}, "2026-12-01T00:00:00Z", cache).indication,
              Indication::total_passed);
    EXPECT_EQ(verify(sig).sub_indication,
              SubIndication::try_later);  // without the cache: nothing answers
}

TEST_F(Revocation, AnErrorPageIsNeverCached) {
    signer("mats");
    test::write_text(dir / "www" / "ca.crl", "<html>502 Bad Gateway</html>");
    const auto cache = dir / "cache";
    EXPECT_EQ(verify(sign("mats"), false, {}, "2026-12-01T00:00:00Z", cache).sub_indication,
              SubIndication::try_later);
    EXPECT_FALSE(fs::exists(cache) && !fs::is_empty(cache));
}

TEST_F(Revocation, OcspDownCrlSaysRevoked) {
    const auto serial = signer("gustav");
    publish_crl({{serial, test::t("2026-02-01T00:00:00Z")}});
    const auto r = verify(sign("gustav"));
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe);
}

TEST_F(Revocation, BothDownIsIndeterminateTryLater) {
    signer("hanna");
    crl_server->stop();
    const auto r = verify(sign("hanna"));
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later);
}

TEST_F(Revocation, OfflineWithACrlFile) {
    const auto serial = signer("ivar");
    test::write_crl(dir / "given.crl", {{serial, test::t("2026-02-01T00:00:00Z")}},
                    test::t("2026-11-01T00:00:00Z"), test::t("2027-06-01T00:00:00Z"));
    auto r = verify(sign("ivar"), true, {dir / "given.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe);
    EXPECT_EQ(signer_status(r).source, "CRL file " + (dir / "given.crl").string());
    // Offline without any CRL: nothing fetched, so the status is unknown.
    r = verify(dir / "ivar.p7s", true);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later);
}

// A PEM file may bundle several CRLs; every one is read. Only the first used to be, so a bundle
// whose first CRL predates the revocation gave TOTAL_PASSED for a revoked signer.
TEST_F(Revocation, EveryCrlOfAPemBundleIsRead) {
    const auto serial = signer("vera");
    test::write_crl(dir / "empty.crl", {}, test::t("2026-11-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"));
    test::write_crl(dir / "revoked.crl", {{serial, test::t("2026-02-01T00:00:00Z")}},
                    test::t("2026-11-02T00:00:00Z"), test::t("2027-06-01T00:00:00Z"));
    const auto pem_of = [&](const fs::path& der_file) {
        const auto der = test::read_bytes(der_file);
        const auto crl = ossl::decode_der_exact<X509_CRL>(der, d2i_X509_CRL, "a test CRL");
        ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
        EXPECT_EQ(PEM_write_bio_X509_CRL(bio.get(), crl.get()), 1);
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(len));
    };
    const auto sig = sign("vera");
    test::write_text(dir / "bundle1.pem", pem_of(dir / "empty.crl") + pem_of(dir / "revoked.crl"));
    test::write_text(dir / "bundle2.pem", pem_of(dir / "revoked.crl") + pem_of(dir / "empty.crl"));
    for (const char* bundle : {"bundle1.pem", "bundle2.pem"}) {
        const auto r = verify(sig, true, {dir / bundle});
        EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << bundle;
    }
}

TEST_F(Revocation, StaleCrlIsNotEnough) {
    signer("johan");
    test::write_crl(dir / "stale.crl", {}, test::t("2026-01-01T00:00:00Z"),
                    test::t("2026-02-01T00:00:00Z"));
    const auto r = verify(sign("johan"), true, {dir / "stale.crl"});
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later);
    EXPECT_NE(r.signatures[0].explanation.find("stale"), std::string::npos)
        << r.signatures[0].explanation;
}

TEST_F(Revocation, CliExitCodesOnlineAndOffline) {
    // The CLI caches downloaded CRLs; a fresh cache keeps earlier runs out of this one.
    ::setenv("LTSIGN_CACHE_DIR", (dir / "cli-cache").c_str(), 1);
    const auto serial = signer("karin");
    auto ocsp = start_ocsp({{serial, "karin", test::t("2026-03-01T00:00:00Z")}});
    const auto sig = sign("karin");
    auto r = test::ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust " +
                          q(pki("root.pem")) + " --json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("REVOKED_NO_POE"), std::string::npos);
    test::write_crl(dir / "k.crl", {{serial, test::t("2026-03-01T00:00:00Z")}},
                    test::t("2026-11-01T00:00:00Z"), test::t("2027-06-01T00:00:00Z"));
    r = test::ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                     " --offline --crl " + q(dir / "k.crl") + " --at 2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("REVOKED"), std::string::npos);
    ocsp->stop();
    crl_server->stop();
    // The services are down: the responder's answer kept from the first run still proves the
    // revocation (as carried data would), and says where it came from.
    r = test::ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")) +
                     " --json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("REVOKED_NO_POE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("the cached answer of OCSP"), std::string::npos) << r.out;
    // With nothing kept, nothing answers.
    ::setenv("LTSIGN_CACHE_DIR", (dir / "empty-cache").c_str(), 1);
    r = test::ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust " + q(pki("root.pem")));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("TRY_LATER"), std::string::npos) << r.out;
    ::unsetenv("LTSIGN_CACHE_DIR");
}

TEST_F(Revocation, MissingIntermediateIsFetchedFromAuthorityInfoAccess) {
    // An intermediate the signature does not carry, published where the signer's AIA points.
    test::issue(dir.path(), "ica2", {.cn = "ltsign Test Issuing CA 2", .ca = true}, pki("root.key"),
                pki("root.pem"));
    test::run("openssl x509 -in " + q(dir / "ica2.pem") + " -outform DER -out " +
              q(dir / "www" / "ica2.cer"));
    test::issue(dir.path(), "nils", {.cn = "nils", .ca_issuers_url = crl_server->url("ica2.cer")},
                dir / "ica2.key", dir / "ica2.pem");
    const auto s =
        Signer::from_pem(dir / "nils.key", dir / "nils.pem", {}, "");  // no chain in the signature
    sign_file(doc, s, {.signing_time = test::sign_time()}).save(dir / "nils.p7s");
    auto r = verify(dir / "nils.p7s", true);  // offline: nothing fetched
    EXPECT_EQ(r.sub_indication, SubIndication::no_certificate_chain_found);
    r = verify(dir / "nils.p7s");
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(r.signatures[0].chain.size(), 3u);
}

// Expired signers and proofs of existence.
class ProofOfExistence : public ::testing::Test {
  protected:
    void SetUp() override {
        doc = dir / "protokoll.txt";
        test::write_text(doc, "Protokoll 2020.\n");
    }
    FileReport verify(const fs::path& sig, const char* at) {
        ValidationContext ctx;
        ctx.trust.add(pki("root.pem"));
        ctx.validation_time = test::t(at);
        return verify_file(sig, {doc}, ctx);
    }
    fs::path sign_2020(const std::string& tsa_url) {
        const auto s = Signer::from_pkcs12(pki("expired.p12"),
                                           test::k_password);  // valid 2020-01-01 .. 2021-01-01
        SignOptions o{.signing_time = test::t("2020-06-01T12:00:00Z")};
        if (!tsa_url.empty()) {
            o.level = Level::t;
            o.tsa = TsaClient{.url = tsa_url};
        }
        sign_file(doc, s, o).save(dir / "p.p7s", true);
        return dir / "p.p7s";
    }
    test::TempDir dir;
    fs::path doc;
};

TEST_F(ProofOfExistence, ExpiredSignerWithoutProofIsNotPassedNow) {
    const auto sig = sign_2020("");
    EXPECT_EQ(verify(sig, "2026-12-01T00:00:00Z").sub_indication,
              SubIndication::out_of_bounds_no_poe);
    EXPECT_EQ(verify(sig, "2020-07-01T00:00:00Z").indication, Indication::total_passed);
}

TEST_F(ProofOfExistence, ATimeStampBeforeExpiryMakesItPassNow) {
    test::TsaProcess tsa(dir / "serial", "--test-clock 2020-06-01T12:05:00Z");
    const auto r = verify(sign_2020(tsa.url()), "2026-12-01T00:00:00Z");
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(r.signatures[0].best_signature_time, test::t("2020-06-01T12:05:00Z"));
}

TEST_F(ProofOfExistence, AnEvidenceRecordBesideTheSignatureMakesItPassNow) {
    const auto sig = sign_2020("");
    {
        test::TsaProcess tsa(dir / "serial", "--test-clock 2020-09-01T00:00:00Z");
        SealOptions o;
        o.tsa.url = tsa.url();
        seal({sig}, dir / "rec", o);
    }
    fs::copy_file(dir / "rec" / "p.p7s.ers", dir / "p.p7s.ers");
    const auto r = verify(sig, "2026-12-01T00:00:00Z");
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    EXPECT_EQ(r.signatures[0].best_signature_time, test::t("2020-09-01T00:00:00Z"));
    // A record of something else proves nothing.
    test::write_text(dir / "p.p7s", "changed");
}

// The algorithm policy.
TEST(AlgorithmPolicy, Sha1IsRefusedNowAndAcceptableIn2008) {
    test::TempDir dir;
    const auto doc = dir / "d.txt";
    test::write_text(doc, "old record\n");
    // Signed with SHA-1 by a certificate valid now...
    auto r = test::run("openssl cms -sign -binary -md sha1 -in " + q(doc) + " -signer " +
                       q(pki("ec.pem")) + " -inkey " + q(pki("ec.key")) + " -certfile " +
                       q(pki("chain.pem")) + " -outform DER -out " + q(dir / "now.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ValidationContext ctx;
    ctx.trust.add(pki("root.pem"));
    ctx.validation_time = test::t("2026-12-01T00:00:00Z");
    auto v = verify_file(dir / "now.p7s", {doc}, ctx);
    EXPECT_EQ(v.indication, Indication::indeterminate);
    EXPECT_EQ(v.sub_indication, SubIndication::crypto_constraints_failure_no_poe);
    // ... and by one from an older PKI, judged in 2008, when SHA-1 was still acceptable.
    test::issue(dir.path(), "oldroot",
                {.cn = "Old Root",
                 .not_before = "2000-01-01T00:00:00Z",
                 .not_after = "2060-01-01T00:00:00Z",
                 .ca = true});
    test::issue(dir.path(), "old",
                {.cn = "Old Signer",
                 .not_before = "2005-01-01T00:00:00Z",
                 .not_after = "2015-01-01T00:00:00Z"},
                dir / "oldroot.key", dir / "oldroot.pem");
    r = test::run("openssl cms -sign -binary -md sha1 -in " + q(doc) + " -signer " +
                  q(dir / "old.pem") + " -inkey " + q(dir / "old.key") + " -outform DER -out " +
                  q(dir / "2008.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ValidationContext old;
    old.trust.add(dir / "oldroot.pem");
    old.validation_time = test::t("2008-06-01T00:00:00Z");
    v = verify_file(dir / "2008.p7s", {doc}, old);
    EXPECT_EQ(v.indication, Indication::total_passed) << v.signatures[0].explanation;
    // A policy file can move the date.
    test::write_text(dir / "policy.json", R"({"algorithms": {"sha1": "2007-01-01"}})");
    old.policy = ValidationPolicy::from_file(dir / "policy.json");
    EXPECT_EQ(verify_file(dir / "2008.p7s", {doc}, old).sub_indication,
              SubIndication::crypto_constraints_failure_no_poe);
    test::write_text(dir / "bad.json", R"({"algoritms": {}})");
    EXPECT_THROW(ValidationPolicy::from_file(dir / "bad.json"), Error);
}

TEST(AlgorithmPolicy, KeySizesFollowTheTable) {
    const auto p = ValidationPolicy::defaults();
    EXPECT_EQ(p.end_of_key("rsa", 1024), test::t("2010-01-01"));
    EXPECT_EQ(p.end_of_key("rsa", 2048), test::t("2031-01-01"));
    EXPECT_FALSE(p.end_of_key("rsa", 3072).has_value());
    EXPECT_FALSE(p.end_of_key("ec", 256).has_value());
    EXPECT_EQ(p.end_of_digest("sha1"), test::t("2009-01-01"));
    EXPECT_FALSE(p.end_of_digest("sha256").has_value());
}

// Attacks on revocation checking (issue 11 items 4 and 5, issue 12 items 5 and 6).

// A pre-revocation CRL stuffed into SignedData.crls (no key needed) must not hide the revocation
// the distribution point's newer CRL lists, while OCSP is down.
TEST_F(Revocation, AStaleCrlStuffedIntoTheSignatureDoesNotBeatTheCurrentOne) {
    const auto serial = signer("hugo");
    publish_crl({{serial, test::t("2026-10-01T00:00:00Z")}});  // thisUpdate 2026-11-01
    test::write_crl(dir / "old.crl", {}, test::t("2026-09-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"));  // before the revocation, "fresh" still
    const auto sig = sign("hugo");
    // The attacker's edit: add the old CRL to the signature's unsigned crls.
    auto der = test::read_bytes(sig);
    const unsigned char* p = der.data();
    ossl::Ptr<CMS_ContentInfo> cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(cms);
    const auto crl_der = test::read_bytes(dir / "old.crl");
    p = crl_der.data();
    ossl::Ptr<X509_CRL> old(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
    ASSERT_EQ(CMS_add1_crl(cms.get(), old.get()), 1);
    unsigned char* out = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &out);
    test::write_bytes(sig, std::vector<unsigned char>(out, out + len));
    OPENSSL_free(out);

    const auto r = verify(sig);  // no OCSP responder: the CRLs decide
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << r.signatures[0].explanation;
    EXPECT_EQ(signer_status(r).status, RevocationStatus::revoked);
    EXPECT_EQ(signer_status(r).source, "CRL " + crl_url());
}

// A CRL whose IssuingDistributionPoint covers only CA certificates says nothing about a signer.
TEST_F(Revocation, ACaOnlyCrlIsNoAnswerForASigner) {
    signer("ingrid");
    test::write_crl(dir / "www" / "ca.crl", {}, test::t("2026-11-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"),
                    {{"issuingDistributionPoint", "critical,onlyCA:TRUE"}});
    const auto r = verify(sign("ingrid"));
    EXPECT_EQ(r.indication, Indication::indeterminate) << r.signatures[0].explanation;
    EXPECT_EQ(r.sub_indication, SubIndication::try_later);
    EXPECT_NE(r.signatures[0].explanation.find("only CA certificates"), std::string::npos)
        << r.signatures[0].explanation;
    // The same CRL without the restriction is an answer.
    publish_crl({});
    EXPECT_EQ(verify(dir / "ingrid.p7s").indication, Indication::total_passed);
}

// A revocation listed in a CRL past its nextUpdate is still proven (issue 12.6).
TEST_F(Revocation, AStaleCrlStillProvesRevocation) {
    const auto serial = signer("jonas");
    test::write_crl(dir / "stale.crl", {{serial, test::t("2026-03-01T00:00:00Z")}},
                    test::t("2026-04-01T00:00:00Z"), test::t("2026-05-01T00:00:00Z"));
    const auto r = verify(sign("jonas"), true, {dir / "stale.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << r.signatures[0].explanation;
    EXPECT_NE(r.signatures[0].explanation.find("revoked on 2026-03-01"), std::string::npos);
    EXPECT_NE(r.signatures[0].explanation.find("past its nextUpdate"), std::string::npos);
}

// Giving a CRL must not make a CA certificate that publishes no revocation source need one: the
// offline recipe passes (issue 12.5).
TEST_F(Revocation, AGivenCrlDoesNotMakeTheIssuingCaNeedOne) {
    signer("klara");
    test::write_crl(dir / "k.crl", {}, test::t("2026-11-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"));
    const auto r = verify(sign("klara"), true, {dir / "k.crl"});
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
    ASSERT_EQ(r.signatures[0].revocation.size(), 2u);
    EXPECT_EQ(r.signatures[0].revocation[1].status, RevocationStatus::unpublished);
}

// A replayed OCSP response (no nonce, no nextUpdate) is refused: by default the nonce is
// required, and a policy that waives it still bounds the age of such a response.
TEST_F(Revocation, AReplayedOcspResponseIsRefused) {
    const auto serial =
        test::issue(dir.path(), "lars", {.cn = "lars", .ocsp_url = crl_server->url("old.ocsp")});
    // The response an eavesdropper kept: made by the real responder key for a request without
    // nonce, and without nextUpdate (openssl ocsp without -nmin/-ndays).
    test::write_text(dir / "index.txt", "V\t491231000000Z\t\t" + serial + "\tunknown\t/CN=lars\n");
    auto made = test::run("openssl ocsp -issuer " + q(pki("ca.pem")) + " -cert " +
                          q(dir / "lars.pem") + " -no_nonce -reqout " + q(dir / "req.der"));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    made =
        test::run("openssl ocsp -index " + q(dir / "index.txt") + " -rsigner " +
                  q(pki("ocsp.pem")) + " -rkey " + q(pki("ocsp.key")) + " -CA " + q(pki("ca.pem")) +
                  " -reqin " + q(dir / "req.der") + " -respout " + q(dir / "www" / "old.ocsp"));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    const auto sig = sign("lars");
    ValidationContext ctx;
    ctx.trust.add(pki("root.pem"));
    ctx.validation_time = test::t("2026-12-01T00:00:00Z");
    ctx.revocation_timeout = std::chrono::milliseconds(3000);
    auto r = verify_file(sig, {doc}, ctx);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later) << r.signatures[0].explanation;
    EXPECT_NE(r.signatures[0].explanation.find("nonce"), std::string::npos)
        << r.signatures[0].explanation;

    ctx.policy.require_ocsp_nonce = false;
    ctx.policy.ocsp_max_age = std::chrono::seconds(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    r = verify_file(sig, {doc}, ctx);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later) << r.signatures[0].explanation;
    EXPECT_NE(r.signatures[0].explanation.find("no nextUpdate"), std::string::npos)
        << r.signatures[0].explanation;

    ctx.policy.ocsp_max_age = std::chrono::seconds(3600);
    r = verify_file(sig, {doc}, ctx);
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures[0].explanation;
}

// A delta CRL lists only what changed since its base, and a CRL with a critical extension
// ltsign does not process is unusable (RFC 5280 5.2, 6.3.3): neither says a certificate is good.
TEST_F(Revocation, ADeltaCrlOrAnUnknownCriticalExtensionIsNoGoodAnswer) {
    signer("maja");
    const auto sig = sign("maja");
    test::write_crl(dir / "delta.crl", {}, test::t("2026-11-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"), {{"2.5.29.27", "critical,DER:02:01:05"}});
    auto r = verify(sig, true, {dir / "delta.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::try_later) << r.signatures[0].explanation;
    EXPECT_NE(r.signatures[0].explanation.find("delta CRL"), std::string::npos)
        << r.signatures[0].explanation;
    test::write_crl(dir / "unknown.crl", {}, test::t("2026-11-01T00:00:00Z"),
                    test::t("2027-06-01T00:00:00Z"), {{"1.2.3.4.5", "critical,DER:05:00"}});
    r = verify(sig, true, {dir / "unknown.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::try_later) << r.signatures[0].explanation;
    EXPECT_NE(r.signatures[0].explanation.find("critical extension"), std::string::npos)
        << r.signatures[0].explanation;
    // A delta CRL that lists the certificate still proves its revocation.
    const auto serial = test::issue(dir.path(), "nora", {.cn = "nora", .crl_url = crl_url()});
    const auto nora = sign("nora");
    test::write_crl(dir / "delta2.crl", {{serial, test::t("2026-03-01T00:00:00Z")}},
                    test::t("2026-11-01T00:00:00Z"), test::t("2027-06-01T00:00:00Z"),
                    {{"2.5.29.27", "critical,DER:02:01:05"}});
    r = verify(nora, true, {dir / "delta2.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << r.signatures[0].explanation;
}

// Review finding: an OCSP "good" returned at once, so a CRL at hand listing the certificate was
// never read. A revocation is permanent: the CRL wins.
TEST_F(Revocation, AGivenCrlListingTheCertificateOutweighsAnOcspGood) {
    const auto serial = signer("olle");
    auto ocsp = start_ocsp({{serial, "olle", std::nullopt}});  // the responder says good
    test::write_crl(dir / "revoked.crl", {{serial, test::t("2026-03-01T00:00:00Z")}},
                    test::t("2026-11-01T00:00:00Z"), test::t("2027-06-01T00:00:00Z"));
    const auto r = verify(sign("olle"), false, {dir / "revoked.crl"});
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << r.signatures[0].explanation;
    EXPECT_EQ(signer_status(r).status, RevocationStatus::revoked);
}

}  // namespace
}  // namespace ltsign
