// RFC 3161 client and TSA server against each other: real process, real HTTP on loopback.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "net/http_client.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"
#include "tsp/tsp_client.hpp"

namespace ltsign {
namespace {

std::span<const unsigned char> as_bytes(const std::string& s) {
    return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// The public API takes std::byte.
std::span<const std::byte> public_bytes(const std::string& s) {
    return std::as_bytes(std::span(s));
}

ossl::Ptr<TS_TST_INFO> tst_of(const std::vector<std::byte>& token) {
    const auto* p = reinterpret_cast<const unsigned char*>(token.data());
    ossl::Ptr<PKCS7> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
    if (!p7) return nullptr;
    return ossl::Ptr<TS_TST_INFO>(PKCS7_to_TS_TST_INFO(p7.get()));
}

std::string serial_of(const std::vector<std::byte>& token) {
    auto tst = tst_of(token);
    return tst ? ossl::integer_hex(TS_TST_INFO_get_serial(tst.get())) : "";
}

class Tsa : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("LTSIGN_TSA_PASS", test::k_password, 1); }

    test::TempDir dir;
    std::filesystem::path serials = dir / "serial";
};

TEST_F(Tsa, FortyParallelRequestsGetFortyDistinctSerials) {
    test::TsaProcess tsa(serials);
    std::vector<std::string> got(40);
    std::vector<std::thread> threads;
    for (int i = 0; i < 40; ++i) {
        threads.emplace_back([&, i] {
            try {
                got[i] = serial_of(request_timestamp(
                    {.url = tsa.url()}, public_bytes("document " + std::to_string(i))));
            } catch (const std::exception& e) {
                got[i] = std::string("error: ") + e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    const std::set<std::string> distinct(got.begin(), got.end());
    EXPECT_EQ(distinct.size(), 40u);
    for (const auto& s : got) EXPECT_EQ(s.find("error"), std::string::npos) << s;
}

TEST_F(Tsa, SerialsContinueAfterARestart) {
    std::string last;
    {
        test::TsaProcess tsa(serials);
        for (int i = 0; i < 3; ++i)
            last = serial_of(request_timestamp({.url = tsa.url()}, public_bytes("x")));
    }
    EXPECT_EQ(last, "03");
    test::TsaProcess again(serials);
    EXPECT_EQ(serial_of(request_timestamp({.url = again.url()}, public_bytes("y"))), "04");
}

TEST_F(Tsa, TokenCarriesTheFixedTestClockPolicyAccuracyAndNonce) {
    test::TsaProcess tsa(
        serials, std::string("--test-clock ") + test::k_tsa_clock + " --policy 1.2.752.99.1");
    const auto token =
        request_timestamp({.url = tsa.url(), .policy = "1.2.752.99.1"}, public_bytes("beslut"));
    auto tst = tst_of(token);
    ASSERT_TRUE(tst);
    EXPECT_EQ(ossl::to_time_point(TS_TST_INFO_get_time(tst.get())), test::t(test::k_tsa_clock));
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(tst.get()), 1);
    EXPECT_STREQ(oid, "1.2.752.99.1");
    EXPECT_NE(TS_TST_INFO_get_accuracy(tst.get()), nullptr);
    EXPECT_NE(TS_TST_INFO_get_nonce(tst.get()), nullptr);
}

TEST_F(Tsa, GarbageGetsARejectionAndTheServerKeepsServing) {
    test::TsaProcess tsa(serials);
    const std::string garbage = "this is not a TimeStampReq";
    auto resp = net::post(tsa.url(), "application/timestamp-query", as_bytes(garbage), {});
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.content_type, "application/timestamp-reply");
    const unsigned char* p = resp.body.data();
    ossl::Ptr<TS_RESP> r(d2i_TS_RESP(nullptr, &p, static_cast<long>(resp.body.size())));
    ASSERT_TRUE(r);
    EXPECT_EQ(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r.get()))),
              TS_STATUS_REJECTION);

    resp = net::post(tsa.url(), "text/plain", as_bytes(garbage), {});
    EXPECT_EQ(resp.status, 415);
    resp = net::post(tsa.url(), "application/timestamp-query",
                     as_bytes(std::string(200 * 1024, 'A')), {});
    EXPECT_EQ(resp.status, 413);  // over the request size limit

    EXPECT_NO_THROW(request_timestamp({.url = tsa.url()}, public_bytes("still serving")));
}

TEST_F(Tsa, Sha1ImprintIsRejectedWithBadAlg) {
    test::TsaProcess tsa(serials);
    auto req = tsp::make_request(EVP_sha1(), crypto::digest_bytes(EVP_sha1(), as_bytes("x")),
                                 std::nullopt);
    const auto resp = net::post(tsa.url(), "application/timestamp-query", req.der, {});
    try {
        tsp::check_response(req, resp.body, {.url = tsa.url()});
        FAIL() << "SHA-1 request granted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::service_unavailable);
        EXPECT_NE(std::string(e.what()).find("badAlg"), std::string::npos) << e.what();
    }
}

TEST_F(Tsa, AnswerToAnotherRequestIsRefusedForItsNonce) {
    test::TsaProcess tsa(serials);
    const auto digest = crypto::digest_bytes(EVP_sha256(), as_bytes("same data"));
    auto mine = tsp::make_request(EVP_sha256(), digest, std::nullopt);
    auto other = tsp::make_request(EVP_sha256(), digest, std::nullopt);
    const auto resp = net::post(tsa.url(), "application/timestamp-query", other.der, {});
    EXPECT_NO_THROW(tsp::check_response(other, resp.body, {.url = tsa.url()}));
    try {
        tsp::check_response(mine, resp.body, {.url = tsa.url()});
        FAIL() << "a reply to another request was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("nonce"), std::string::npos) << e.what();
    }
}

TEST_F(Tsa, UnreachableTsaIsServiceUnavailable) {
    try {
        request_timestamp({.url = test::dead_url(), .timeout = std::chrono::milliseconds(3000)},
                          public_bytes("x"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::service_unavailable);
    }
}

TEST_F(Tsa, RefusesToStartWithoutTheTimeStampingUsage) {
    const auto r = test::ltsign("tsa --key " + test::q(test::pki("tsa-noeku.p12")) +
                                " --pass-env LTSIGN_TSA_PASS --listen 127.0.0.1:0 --serial-file " +
                                test::q(serials));
    EXPECT_EQ(r.exit_code, 77);
    EXPECT_NE(r.err.find("timeStamping"), std::string::npos) << r.err;
}

TEST_F(Tsa, RefusesNonLoopbackWithoutAllowRemote) {
    const auto r = test::ltsign("tsa --key " + test::q(test::pki("tsa.p12")) +
                                " --pass-env LTSIGN_TSA_PASS --listen 0.0.0.0:0 --serial-file " +
                                test::q(serials));
    EXPECT_EQ(r.exit_code, 64);
}

}  // namespace
}  // namespace ltsign
