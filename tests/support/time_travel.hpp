// The time-travel fixture (issue 14): a test PKI whose signer (2026..2030), first TSA
// (2026..2037) and second TSA (2034..2050) name one OCSP responder; the responder and the ltsign
// runs that fetch from it live under libfaketime (Debian package faketime) at the moment the test
// names, and the TSAs put a fixed time in their tokens (--test-clock).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "responders.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign::test {

constexpr const char* k_2026 = "2026-06-01 12:00:00";
constexpr const char* k_2035 = "2035-03-01 12:00:00";
constexpr const char* k_2040 = "2040-01-01T00:00:00Z";

class LongTerm : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(faketime_library().empty()) << "scripts/setup installs faketime";
        ::setenv("LTSIGN_TEST_PASS", k_password, 1);
        port = free_port();
        const std::string url = OcspResponder::url_for(port);
        CertOptions signer{"LT Signer", "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z"};
        signer.ocsp_url = url;
        CertOptions tsa1{"LT TSA 2026", "2026-01-01T00:00:00Z", "2037-01-01T00:00:00Z"};
        tsa1.key_usage = "critical,digitalSignature";
        tsa1.ext_key_usage = "critical,timeStamping";
        tsa1.ocsp_url = url;
        CertOptions tsa2 = tsa1;
        tsa2.cn = "LT TSA 2034";
        tsa2.not_before = "2034-01-01T00:00:00Z";
        tsa2.not_after = "2050-01-01T00:00:00Z";
        entries = {{issue(dir.path(), "signer", signer), "LT Signer"},
                   {issue(dir.path(), "tsa1", tsa1), "LT TSA 2026"},
                   {issue(dir.path(), "tsa2", tsa2), "LT TSA 2034"}};
        doc = dir / "protokoll.txt";
        write_text(doc, "Protokoll: kommunfullmaktige 2026-05-28.\n");
        std::filesystem::create_directories(dir / "ocsp");
    }

    // ltsign with the system clock at `when` (UTC), as if run then.
    RunResult ltsign_at(const char* when, const std::string& args) {
        return run("env TZ=UTC LD_PRELOAD=" + faketime_library() + " FAKETIME='@" + when +
                   "' ASAN_OPTIONS=\"${ASAN_OPTIONS}:verify_asan_link_order=0\" " +
                   q(LTSIGN_BINARY) + " " + args);
    }
    // One responder for the whole test, its clock moved (a restart could lose the port).
    void responder_at(const char* when) {
        if (!ocsp) {
            ocsp = std::make_unique<OcspResponder>(dir / "ocsp", entries, port, when);
        } else {
            ocsp->set_fake_time(when);
        }
    }
    nlohmann::json verify(const std::filesystem::path& sig, const std::string& at, int expected,
                          const std::filesystem::path& data = {}) {
        const auto r =
            ltsign("verify " + q(sig) + " --data " + q(data.empty() ? doc : data) + " --trust " +
                   q(pki("root.pem")) + " --offline --at " + at + " --json");
        EXPECT_EQ(r.exit_code, expected) << r.out << r.err;
        return nlohmann::json::parse(r.out)["files"][0];
    }
    // Signs at B-LTA in 2026 with the first TSA.
    // `extra`: further options, e.g. "--format xades".
    void sign_in_2026(const std::filesystem::path& out, const std::string& extra = "") {
        responder_at(k_2026);
        TsaProcess tsa(dir / "serial1", "--test-clock 2026-06-01T12:00:00Z",
                       (dir / "tsa1.p12").string());
        const auto r =
            ltsign_at(k_2026, "sign " + q(doc) + " --key " + q(dir / "signer.p12") +
                                  " --pass-env LTSIGN_TEST_PASS --level LTA --tsa " + tsa.url() +
                                  " --trust " + q(pki("root.pem")) + " " + extra + " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    // Renews in 2035 with the second TSA.
    RunResult renew_in_2035(const std::filesystem::path& in, const std::filesystem::path& out,
                            const std::string& extra = "") {
        responder_at(k_2035);
        TsaProcess tsa(dir / "serial2", "--test-clock 2035-03-01T12:00:00Z",
                       (dir / "tsa2.p12").string());
        return ltsign_at(k_2035, "extend " + q(in) + " --level LTA --tsa " + tsa.url() +
                                     " --trust " + q(pki("root.pem")) + " --data " + q(doc) + " " +
                                     extra + " -o " + q(out));
    }

    // Signs `lta` at B-LTA in 2026 (`extra` as for sign_in_2026), checks what it proves then and
    // that it proves nothing by 2040, and renews it in 2035 into `renewed`.
    void sign_and_renew(const std::filesystem::path& lta, const std::filesystem::path& renewed,
                        const std::string& extra = "") {
        ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta, extra));
        auto f = verify(lta, "2026-06-02T00:00:00Z", 0);
        EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
        EXPECT_EQ(archive_timestamps(f["signatures"][0]), 1) << f.dump(2);
        // The proof rests on the first TSA's certificate, which ends in 2037.
        EXPECT_EQ(f["signatures"][0]["renewBy"], "2037-01-01T00:00:00Z") << f.dump(2);

        // 2040: the only TSA certificate expired in 2037, nothing proves anything.
        f = verify(lta, k_2040, 2);
        EXPECT_EQ(f["indication"], "INDETERMINATE") << f.dump(2);

        const auto before = read_bytes(lta);
        const auto r = renew_in_2035(lta, renewed);
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        EXPECT_EQ(read_bytes(lta), before) << "extend -o leaves its input untouched";
    }
    // The renewed signature verifies offline in 2040 on its second archive time-stamp, from the
    // 2026 proof of existence; the report of the file.
    nlohmann::json expect_proven_in_2040(const std::filesystem::path& renewed) {
        auto f = verify(renewed, k_2040, 0);
        const auto& s = f["signatures"][0];
        EXPECT_EQ(s["indication"], "TOTAL_PASSED") << f.dump(2);
        EXPECT_EQ(s["level"], "B-LTA");
        EXPECT_EQ(s["bestSignatureTime"], "2026-06-01T12:00:00Z");
        EXPECT_EQ(s["renewBy"], "2050-01-01T00:00:00Z");
        EXPECT_EQ(archive_timestamps(s), 2) << f.dump(2);
        return f;
    }
    static int archive_timestamps(const nlohmann::json& signature) {
        int n = 0;
        for (const auto& t : signature["timestamps"]) n += t["type"] == "archive-timestamp" ? 1 : 0;
        return n;
    }

    TempDir dir;
    std::filesystem::path doc;
    int port = 0;
    std::vector<IndexEntry> entries;
    std::unique_ptr<OcspResponder> ocsp;
};

}  // namespace ltsign::test
