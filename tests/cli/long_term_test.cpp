// Time travel (issue 14): a CAdES signature made at B-LTA in 2026 with a TSA whose certificate
// ends in 2037 proves nothing by 2040; renewed in 2035 with a second TSA (certificate 2034..2050)
// it verifies offline in 2040 (fixture: tests/support/time_travel.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cms/cades_archive.hpp"
#include "time_travel.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

using test::k_2040;
using test::LongTerm;

TEST_F(LongTerm, CadesLtaRenewedIn2035StillProvesTheSignatureIn2040) {
    const auto lta = dir / "protokoll.txt.p7s";
    const auto renewed = dir / "renewed.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_and_renew(lta, renewed));
    expect_proven_in_2040(renewed);

    // inspect shows the evidence timeline: each time-stamp, its TSA and when that one ends.
    const auto i = ltsign("inspect " + q(renewed));
    ASSERT_EQ(i.exit_code, 0) << i.err;
    for (const char* line :
         {"claimed signing time: 2026-06-01T12:00:00Z",
          "signature time-stamp: 2026-06-01T12:00:00Z", "archive time-stamp: 2035-03-01T12:00:00Z",
          "TSA: CN=LT TSA 2034,O=ltsign tests", "TSA certificate valid until: 2037-01-01T00:00:00Z",
          "renew by: "}) {
        EXPECT_NE(i.out.find(line), std::string::npos) << line << "\n" << i.out;
    }

    // A changed document still fails.
    const auto changed = dir / "changed.txt";
    test::write_text(changed, "Protokoll: kommunfullmaktige 2026-05-29.\n");
    const auto f = verify(renewed, k_2040, 1, changed);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);

    // openssl cms (an independent CMS implementation) still accepts the signature itself.
    const auto o = test::run("openssl cms -verify -binary -inform DER -in " + q(renewed) +
                             " -content " + q(doc) + " -CAfile " + q(pki("root.pem")) +
                             " -purpose any -attime 1780315200 -out /dev/null");
    EXPECT_EQ(o.exit_code, 0) << o.err;
}

// What an archive time-stamp covers cannot change unnoticed: each alteration below is caught
// (the tests build the attack on a real B-LTA signature).
TEST_F(LongTerm, CadesLtaTamperedValidationDataOrIndexFails) {
    const auto lta = dir / "protokoll.txt.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta));
    const auto bytes = test::read_bytes(lta);
    const auto parts = cms::slice_signed_data(std::make_shared<const core::Bytes>(bytes));
    ASSERT_TRUE(parts);
    const auto ocsp = cms::carried_ocsp(*parts);
    ASSERT_FALSE(ocsp.empty());
    ASSERT_FALSE(parts->certificates.empty());
    const auto index_oid =
        std::vector<unsigned char>{0x06, 0x07, 0x04, 0x00, 0x81, 0x95, 0x32, 0x01, 0x05};
    struct Case {
        const char* what;
        std::size_t offset;
    };
    const std::size_t ocsp_at = test::find_bytes(bytes, ocsp.front());
    const auto& cert = parts->certificates.back().all;
    const std::size_t index_at = test::find_bytes(bytes, index_oid);
    ASSERT_NE(ocsp_at, std::string::npos);
    ASSERT_NE(index_at, std::string::npos);
    const std::vector<Case> cases = {
        {"a byte of a carried OCSP response's signature", ocsp_at + ocsp.front().size() - 1},
        {"a byte of a carried certificate's signature",
         static_cast<std::size_t>(cert.data() - parts->bytes->data()) + cert.size() - 1},
        // OID, SET header, SEQUENCE header, AlgorithmIdentifier (13 bytes), list header, hash.
        {"a byte of the first hash in the ats-hash-index-v3", index_at + 9 + 2 + 2 + 13 + 2 + 4},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        auto changed = bytes;
        changed.at(c.offset) ^= 0x01;
        const auto file = dir / "tampered.p7s";
        test::write_bytes(file, changed);
        const auto f = verify(file, "2026-06-02T00:00:00Z", 1);
        EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
    }
}

// The same for an evidence record: sealed in 2026 (its token carrying its TSA's validation data),
// renewed in 2035 with the second TSA (the old token first gets its validation data of 2035).
TEST_F(LongTerm, EvidenceRecordRenewedIn2035StillProvesTheDocumentIn2040) {
    const auto record = dir / "sealed" / "protokoll.txt.ers";
    {
        responder_at(test::k_2026);
        test::TsaProcess tsa(dir / "serial1", "--test-clock 2026-06-01T12:00:00Z",
                             (dir / "tsa1.p12").string());
        const auto r =
            ltsign_at(test::k_2026, "seal " + q(doc) + " --tsa " + tsa.url() + " --trust " +
                                        q(pki("root.pem")) + " -o " + q(dir / "sealed"));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    auto f = verify(record, "2026-06-02T00:00:00Z", 0);
    EXPECT_EQ(f["signatures"][0]["renewBy"], "2037-01-01T00:00:00Z") << f.dump(2);
    f = verify(record, k_2040, 2);
    EXPECT_EQ(f["indication"], "INDETERMINATE") << f.dump(2);
    {
        responder_at(test::k_2035);
        test::TsaProcess tsa(dir / "serial2", "--test-clock 2035-03-01T12:00:00Z",
                             (dir / "tsa2.p12").string());
        const auto r = ltsign_at(test::k_2035, "renew " + q(record) + " --tsa " + tsa.url() +
                                                   " --trust " + q(pki("root.pem")));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    f = verify(record, k_2040, 0);
    EXPECT_EQ(f["indication"], "TOTAL_PASSED") << f.dump(2);
    EXPECT_EQ(f["signatures"][0]["timestamps"].size(), 2u);
    EXPECT_EQ(f["signatures"][0]["renewBy"], "2050-01-01T00:00:00Z") << f.dump(2);
    // The document changed under its own name (another name would be a mismatch, not a change).
    const auto changed = dir / "changed" / "protokoll.txt";
    fs::create_directories(changed.parent_path());
    test::write_text(changed, "Protokoll: kommunfullmaktige 2026-05-29.\n");
    f = verify(record, k_2040, 1, changed);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
}

// Many signatures arrive BER-encoded (indefinite lengths). What an archive time-stamp covers is
// each element's own encoding, which stays definite: such a signature verifies as its DER twin.
TEST_F(LongTerm, CadesLtaInABerContainerVerifies) {
    const auto lta = dir / "protokoll.txt.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta));
    auto bytes = test::read_bytes(lta);
    ASSERT_TRUE(bytes[0] == 0x30 && (bytes[1] & 0x80));
    const std::size_t header = 2 + (bytes[1] & 0x7f);
    std::vector<unsigned char> ber{0x30, 0x80};
    ber.insert(ber.end(), bytes.begin() + static_cast<long>(header), bytes.end());
    ber.insert(ber.end(), {0x00, 0x00});
    const auto file = dir / "ber.p7s";
    test::write_bytes(file, ber);
    const auto f = verify(file, "2026-06-02T00:00:00Z", 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
}

// Adversarial review: revocation data issued before the proof of existence cannot show that the
// signer's certificate was unrevoked then (it would hide a revocation between the two, e.g. of a
// stolen key). An OCSP "good" from 11:00, still current at the 11:45 time-stamp, embedded in a
// B-T signature by whoever made it, proves nothing offline.
TEST_F(LongTerm, RevocationDataIssuedBeforeTheProofOfExistenceDoesNotDecide) {
    responder_at("2026-06-01 11:00:00");
    const auto good = dir / "good.der";
    auto r =
        test::run("openssl ocsp -issuer " + q(pki("ca.pem")) + " -cert " + q(dir / "signer.pem") +
                  " -url " + ocsp->url() + " -respout " + q(good) + " -noverify -no_nonce");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto sig = dir / "bt.p7s";
    {
        test::TsaProcess tsa(dir / "serial1", "--test-clock 2026-06-01T11:45:00Z",
                             (dir / "tsa1.p12").string());
        r = ltsign_at("2026-06-01 11:45:00", "sign " + q(doc) + " --key " + q(dir / "signer.p12") +
                                                 " --pass-env LTSIGN_TEST_PASS --level T --tsa " +
                                                 tsa.url() + " -o " + q(sig));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    validation::ValidationData data;
    data.ocsp.push_back(test::read_bytes(good));
    test::write_bytes(sig, cms::add_validation_data(test::read_bytes(sig), "sig", data));
    const auto f = verify(sig, "2026-06-02T00:00:00Z", 2);
    EXPECT_EQ(f["signatures"][0]["subIndication"], "TRY_LATER") << f.dump(2);
    EXPECT_NE(f.dump().find("issued before"), std::string::npos) << f.dump(2);
}

// Adversarial review: extend must not write an archive time-stamp (or a record) that proves
// nothing, here from a TSA outside the trust anchors: it would read as a renewal and block the
// next one.
TEST_F(LongTerm, ExtendRefusesATimeStampThatDoesNotValidate) {
    const auto lta = dir / "protokoll.txt.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta));
    responder_at(test::k_2026);
    // A TSA issued by the root itself, while only the issuing CA is trusted: the signature and
    // its first TSA chain to that CA, the new time-stamp does not.
    test::CertOptions tsa3{"TSA outside the trust", "2026-01-01T00:00:00Z", "2037-01-01T00:00:00Z"};
    tsa3.key_usage = "critical,digitalSignature";
    tsa3.ext_key_usage = "critical,timeStamping";
    test::issue(dir.path(), "tsa3", tsa3, pki("root.key"), pki("root.pem"));
    test::TsaProcess other(dir / "serial3", "--test-clock 2026-06-01T12:00:00Z",
                           (dir / "tsa3.p12").string());
    for (const char* level : {"LTA", "ERS"}) {
        SCOPED_TRACE(level);
        const auto out = dir / (std::string("x-") + level + ".p7s");
        const auto r =
            ltsign_at(test::k_2026, "extend " + q(lta) + " --level " + level + " --tsa " +
                                        other.url() + " --trust " + q(pki("ca.pem")) + " --data " +
                                        q(doc) + " -o " + q(out));
        EXPECT_EQ(r.exit_code, 69) << r.out << r.err;
        EXPECT_FALSE(fs::exists(out));
    }
}

}  // namespace
}  // namespace ltsign
