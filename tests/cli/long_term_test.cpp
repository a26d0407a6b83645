// Time travel (issue 14): a CAdES signature made at B-LTA in 2026 with a TSA whose certificate
// ends in 2037 proves nothing by 2040; renewed in 2035 with a second TSA (certificate 2034..2050)
// it verifies offline in 2040. The OCSP responder and the ltsign runs that fetch from it live
// under libfaketime; the TSAs put a fixed time in their tokens (--test-clock).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/der.hpp"
#include "helpers.hpp"
#include "responders.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_2026 = "2026-06-01 12:00:00";
constexpr const char* k_2035 = "2035-03-01 12:00:00";
constexpr const char* k_2040 = "2040-01-01T00:00:00Z";

class LongTerm : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(test::faketime_library().empty()) << "scripts/setup installs faketime";
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        port = test::free_port();
        const std::string url = test::OcspResponder::url_for(port);
        test::CertOptions signer{"LT Signer", "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z"};
        signer.ocsp_url = url;
        test::CertOptions tsa1{"LT TSA 2026", "2026-01-01T00:00:00Z", "2037-01-01T00:00:00Z"};
        tsa1.key_usage = "critical,digitalSignature";
        tsa1.ext_key_usage = "critical,timeStamping";
        tsa1.ocsp_url = url;
        test::CertOptions tsa2 = tsa1;
        tsa2.cn = "LT TSA 2034";
        tsa2.not_before = "2034-01-01T00:00:00Z";
        tsa2.not_after = "2050-01-01T00:00:00Z";
        entries = {{test::issue(dir.path(), "signer", signer), "LT Signer"},
                   {test::issue(dir.path(), "tsa1", tsa1), "LT TSA 2026"},
                   {test::issue(dir.path(), "tsa2", tsa2), "LT TSA 2034"}};
        doc = dir / "protokoll.txt";
        test::write_text(doc, "Protokoll: kommunfullmaktige 2026-05-28.\n");
        fs::create_directories(dir / "ocsp");
    }

    // ltsign with the system clock at `when` (UTC), as if run then.
    test::RunResult ltsign_at(const char* when, const std::string& args) {
        return test::run("env TZ=UTC LD_PRELOAD=" + test::faketime_library() + " FAKETIME='@" +
                         when + "' ASAN_OPTIONS=\"${ASAN_OPTIONS}:verify_asan_link_order=0\" " +
                         q(LTSIGN_BINARY) + " " + args);
    }
    std::unique_ptr<test::OcspResponder> responder_at(const char* when) {
        return std::make_unique<test::OcspResponder>(dir / "ocsp", entries, port, when);
    }
    nlohmann::json verify(const fs::path& sig, const std::string& at, int expected,
                          const fs::path& data = {}) {
        const auto r =
            ltsign("verify " + q(sig) + " --data " + q(data.empty() ? doc : data) + " --trust " +
                   q(pki("root.pem")) + " --offline --at " + at + " --json");
        EXPECT_EQ(r.exit_code, expected) << r.out << r.err;
        return nlohmann::json::parse(r.out)["files"][0];
    }
    // Signs at B-LTA in 2026 with the first TSA.
    void sign_in_2026(const fs::path& out) {
        const auto ocsp = responder_at(k_2026);
        test::TsaProcess tsa(dir / "serial1", "--test-clock 2026-06-01T12:00:00Z",
                             (dir / "tsa1.p12").string());
        const auto r =
            ltsign_at(k_2026, "sign " + q(doc) + " --key " + q(dir / "signer.p12") +
                                  " --pass-env LTSIGN_TEST_PASS --level LTA --tsa " + tsa.url() +
                                  " --trust " + q(pki("root.pem")) + " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    // Renews in 2035 with the second TSA.
    test::RunResult renew_in_2035(const fs::path& in, const fs::path& out) {
        const auto ocsp = responder_at(k_2035);
        test::TsaProcess tsa(dir / "serial2", "--test-clock 2035-03-01T12:00:00Z",
                             (dir / "tsa2.p12").string());
        return ltsign_at(k_2035, "extend " + q(in) + " --level LTA --tsa " + tsa.url() +
                                     " --trust " + q(pki("root.pem")) + " --data " + q(doc) +
                                     " -o " + q(out));
    }

    test::TempDir dir;
    fs::path doc;
    int port = 0;
    std::vector<test::IndexEntry> entries;
};

TEST_F(LongTerm, CadesLtaRenewedIn2035StillProvesTheSignatureIn2040) {
    const auto lta = dir / "protokoll.txt.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta));
    auto f = verify(lta, "2026-06-02T00:00:00Z", 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
    // The proof rests on the first TSA's certificate, which ends in 2037.
    EXPECT_EQ(f["signatures"][0]["renewBy"], "2037-01-01T00:00:00Z") << f.dump(2);

    // 2040: the only TSA certificate expired in 2037, nothing proves anything.
    f = verify(lta, k_2040, 2);
    EXPECT_EQ(f["indication"], "INDETERMINATE") << f.dump(2);

    const auto before = test::read_bytes(lta);
    const auto renewed = dir / "renewed.p7s";
    const auto r = renew_in_2035(lta, renewed);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(test::read_bytes(lta), before) << "extend -o leaves its input untouched";

    f = verify(renewed, k_2040, 0);
    const auto& s = f["signatures"][0];
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << f.dump(2);
    EXPECT_EQ(s["level"], "B-LTA");
    EXPECT_EQ(s["bestSignatureTime"], "2026-06-01T12:00:00Z");
    EXPECT_EQ(s["renewBy"], "2050-01-01T00:00:00Z");
    int archive = 0;
    for (const auto& t : s["timestamps"]) archive += t["type"] == "archive-timestamp" ? 1 : 0;
    EXPECT_EQ(archive, 2);

    // A changed document still fails.
    const auto changed = dir / "changed.txt";
    test::write_text(changed, "Protokoll: kommunfullmaktige 2026-05-29.\n");
    f = verify(renewed, k_2040, 1, changed);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);

    // openssl cms (an independent CMS implementation) still accepts the signature itself.
    const auto o = test::run("openssl cms -verify -binary -inform DER -in " + q(renewed) +
                             " -content " + q(doc) + " -CAfile " + q(pki("root.pem")) +
                             " -purpose any -attime 1780315200 -out /dev/null");
    EXPECT_EQ(o.exit_code, 0) << o.err;
}

}  // namespace
}  // namespace ltsign
