// Sealing, verifying and renewing evidence records against a real TSA, in both encodings,
// cross-checked by an independent implementation of the verification walk.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/xml_record.hpp"
#include "helpers.hpp"
#include "independent_verifier.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"
#include "tsp/tsp_client.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;

class Records : public ::testing::TestWithParam<RecordFormat> {
  protected:
    void SetUp() override {
        docs = dir / "docs";
        out = dir / "records";
        fs::create_directories(docs);
    }
    std::string ext() const { return GetParam() == RecordFormat::xml ? ".ers.xml" : ".ers"; }

    // A TSA whose clock shows `when`, sharing one serial file across restarts.
    std::unique_ptr<test::TsaProcess> tsa_at(const std::string& when,
                                             const std::string& p12 = "tsa.p12") {
        return std::make_unique<test::TsaProcess>(dir / "serial", "--test-clock " + when, p12);
    }
    void write_docs(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            test::write_text(docs / ("doc" + std::to_string(i) + ".txt"),
                             "record " + std::to_string(i));
    }
    SealResult seal_docs(const std::string& url, DigestAlgorithm digest = DigestAlgorithm::sha256) {
        SealOptions o;
        o.tsa.url = url;
        o.digest = digest;
        o.tsa.digest = digest;
        o.format = GetParam();
        return seal({docs}, out, o);
    }
    FileReport verify_one(const fs::path& record, const fs::path& doc,
                          const char* at = "2026-12-31T00:00:00Z") {
        ValidationContext ctx;
        ctx.trust.add(pki("root.pem"));
        ctx.validation_time = test::t(at);
        return verify_file(record, {doc}, ctx);
    }
    void expect_all_pass(std::size_t n, const char* at = "2026-12-31T00:00:00Z") {
        for (std::size_t i = 0; i < n; ++i) {
            const auto name = "doc" + std::to_string(i) + ".txt";
            const auto r = verify_one(out / (name + ext()), docs / name, at);
            EXPECT_EQ(r.indication, Indication::total_passed)
                << name << ": " << r.signatures.at(0).explanation;
            expect_both_readings(name);
        }
    }
    // Every verifier reads what ltsign writes the same way: the record passes the independent
    // walk under both readings of RFC 4998 4.3 (issue 12 item 8).
    void expect_both_readings(const std::string& name) {
        if (GetParam() != RecordFormat::asn1) return;  // the walker reads DER
        for (const auto reading : {test::JoinReading::always, test::JoinReading::when_absent}) {
            EXPECT_TRUE(test::independent_ers_check(test::read_bytes(out / (name + ext())),
                                                    test::read_bytes(docs / name), reading))
                << name
                << (reading == test::JoinReading::always ? " (value always joins)"
                                                         : " (value joins when absent)");
        }
    }
    ers::EvidenceRecord load(const fs::path& p) {
        const auto b = test::read_bytes(p);
        return GetParam() == RecordFormat::xml ? ers::decode_xml(b, p.string())
                                               : ers::decode_der(b, p.string());
    }

    test::TempDir dir;
    fs::path docs, out;
};

TEST_P(Records, BatchesOf1To1000ShareOneTimestampAndEachVerifies) {
    for (std::size_t n : {1u, 2u, 3u, 1000u}) {
        fs::remove_all(docs);
        fs::remove_all(out);
        fs::create_directories(docs);
        write_docs(n);
        auto tsa = tsa_at("2026-06-01T12:00:00Z");
        const auto r = seal_docs(tsa->url());
        ASSERT_EQ(r.documents.size(), n);
        // One time-stamp for the batch: every record carries the same token.
        const auto first = load(out / ("doc0.txt" + ext()));
        const auto last = load(out / ("doc" + std::to_string(n - 1) + ".txt" + ext()));
        EXPECT_TRUE(std::ranges::equal(first.chains[0].stamps[0].time_stamp,
                                       last.chains[0].stamps[0].time_stamp));
        if (n <= 3) {
            expect_all_pass(n);
        } else {
            for (std::size_t i : {0u, 1u, 499u, 998u, 999u}) {
                const auto name = "doc" + std::to_string(i) + ".txt";
                EXPECT_EQ(verify_one(out / (name + ext()), docs / name).indication,
                          Indication::total_passed)
                    << name;
            }
        }
        const std::string text = test::read_text(out / "manifest.json");
        const auto manifest = nlohmann::json::parse(text);
        EXPECT_EQ(manifest["documents"].size(), n);
        // Written as text, it reads as the JSON document it is, laid out as nlohmann lays it out.
        EXPECT_EQ(manifest.dump(2) + "\n", text);
    }
}

TEST_P(Records, IdenticalAndEmptyDocuments) {
    test::write_text(docs / "a.txt", "same");
    test::write_text(docs / "b.txt", "same");
    test::write_text(docs / "empty.bin", "");
    test::write_text(docs / "citat \"x\" \\ \u00e5.txt", "a name the manifest escapes");
    auto tsa = tsa_at("2026-06-01T12:00:00Z");
    seal_docs(tsa->url());
    const std::string text = test::read_text(out / "manifest.json");
    EXPECT_EQ(nlohmann::json::parse(text).dump(2) + "\n", text);
    for (const char* name : {"a.txt", "b.txt", "empty.bin"}) {
        EXPECT_EQ(verify_one(out / (std::string(name) + ext()), docs / name).indication,
                  Indication::total_passed)
            << name;
        expect_both_readings(name);
    }
    // Identical documents share one leaf: their records carry the same path.
    const auto a = load(out / ("a.txt" + ext()));
    const auto b = load(out / ("b.txt" + ext()));
    ASSERT_TRUE(a.chains[0].stamps[0].reduced_hashtree.has_value());
    ASSERT_TRUE(b.chains[0].stamps[0].reduced_hashtree.has_value());
    const auto& ta = *a.chains[0].stamps[0].reduced_hashtree;
    const auto& tb = *b.chains[0].stamps[0].reduced_hashtree;
    ASSERT_EQ(ta.size(), tb.size());
    for (std::size_t i = 0; i < ta.size(); ++i) {
        ASSERT_EQ(ta[i].size(), tb[i].size());
        for (std::size_t k = 0; k < ta[i].size(); ++k)
            EXPECT_TRUE(std::ranges::equal(ta[i][k], tb[i][k])) << i << "," << k;
    }
}

TEST_P(Records, IdenticalDocumentsAloneAndTheirRenewalsReadTheSameEverywhere) {
    // Two identical documents alone, then renewed: every record's earlier time-stamp is the same
    // token, which the renewal hashes once.
    test::write_text(docs / "a.txt", "same");
    test::write_text(docs / "b.txt", "same");
    {
        auto tsa = tsa_at("2026-06-01T12:00:00Z");
        seal_docs(tsa->url());
    }
    for (const char* name : {"a.txt", "b.txt"}) expect_both_readings(name);
    {
        auto tsa = tsa_at("2026-07-01T12:00:00Z");
        renew({out}, {.tsa = {.url = tsa->url()}});
    }
    for (const char* name : {"a.txt", "b.txt"}) {
        EXPECT_EQ(verify_one(out / (std::string(name) + ext()), docs / name).indication,
                  Indication::total_passed)
            << name;
        expect_both_readings(name);
        // One distinct earlier time-stamp: the new one covers its hash, no tree needed.
        const auto rec = load(out / (std::string(name) + ext()));
        EXPECT_FALSE(rec.chains[0].stamps.at(1).reduced_hashtree.has_value()) << name;
    }
}

TEST_P(Records, RenewalOfABatchSealedWithOneTimestampReadsTheSameEverywhere) {
    // Seven documents, one time-stamp: the renewal finds seven copies of the same token.
    write_docs(7);
    {
        auto tsa = tsa_at("2026-06-01T12:00:00Z");
        seal_docs(tsa->url());
    }
    {
        auto tsa = tsa_at("2026-07-01T12:00:00Z");
        renew({out}, {.tsa = {.url = tsa->url()}});
    }
    expect_all_pass(7);
    {
        auto tsa = tsa_at("2026-08-01T12:00:00Z");
        renew({out}, {.tsa = {.url = tsa->url()}});
    }
    expect_all_pass(7);
}

TEST_P(Records, TamperingIsNeverPassed) {
    write_docs(5);
    auto tsa = tsa_at("2026-06-01T12:00:00Z");
    seal_docs(tsa->url());
    const auto rec = out / ("doc2.txt" + ext());
    // the document
    test::flip_byte(docs / "doc2.txt", 0);
    auto r = verify_one(rec, docs / "doc2.txt");
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
    test::flip_byte(docs / "doc2.txt", 0);
    // a record of another document
    r = verify_one(out / ("doc3.txt" + ext()), docs / "doc2.txt");
    EXPECT_EQ(r.indication, Indication::total_failed);
    // every single byte of the record
    const auto good = test::read_bytes(rec);
    std::size_t passed = 0;
    for (std::size_t i = 0; i < good.size(); i += (GetParam() == RecordFormat::xml ? 3 : 1)) {
        auto bad = good;
        bad[i] ^= 0x21;
        test::write_bytes(dir / ("bad" + ext()), bad);
        try {
            const auto v = verify_one(dir / ("bad" + ext()), docs / "doc2.txt");
            if (v.indication == Indication::total_passed) {
                ++passed;
                // Only bytes that carry no meaning may change without notice: XML whitespace and
                // base64 padding bits, and a carried certificate nothing can check (the report's
                // notes say so); the token and the tree are covered.
                bool flagged = false;
                for (const auto& ts : v.signatures.at(0).timestamps) {
                    for (const auto& n : ts.notes)
                        flagged |= n.code == NoteCode::unchecked_certificate;
                }
                if (GetParam() == RecordFormat::asn1 && !flagged)
                    ADD_FAILURE() << "byte " << i << " changed, still passed";
            }
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << i;
        }
    }
    EXPECT_LT(passed, good.size() / 20) << "too many XML bytes changed without effect";
}

TEST_P(Records, TimestampRenewalAndHashTreeRenewal) {
    write_docs(3);
    {
        auto tsa = tsa_at("2026-06-01T12:00:00Z");
        seal_docs(tsa->url());
    }
    {
        auto tsa = tsa_at("2026-07-01T12:00:00Z");
        renew({out}, {.tsa = {.url = tsa->url()}});
    }
    auto rec = load(out / ("doc1.txt" + ext()));
    ASSERT_EQ(rec.chains.size(), 1u);
    EXPECT_EQ(rec.chains[0].stamps.size(), 2u);
    expect_all_pass(3);
    {
        auto tsa = tsa_at("2026-08-01T12:00:00Z");
        RenewOptions o{.tsa = {.url = tsa->url(), .digest = DigestAlgorithm::sha512},
                       .new_digest = DigestAlgorithm::sha512,
                       .data = {docs}};
        renew({out}, o);
    }
    rec = load(out / ("doc1.txt" + ext()));
    ASSERT_EQ(rec.chains.size(), 2u);
    EXPECT_EQ(rec.chains[0].stamps.size() + rec.chains[1].stamps.size(), 3u);
    expect_all_pass(3);
    // Between the renewals, the record is judged with the time-stamps that existed then.
    const auto mid =
        verify_one(out / ("doc1.txt" + ext()), docs / "doc1.txt", "2026-07-15T00:00:00Z");
    EXPECT_EQ(mid.indication, Indication::total_passed);
    EXPECT_EQ(mid.signatures[0].timestamps.size(), 2u);
    // The hash-tree renewal still refuses a changed document.
    test::flip_byte(docs / "doc1.txt", 1);
    EXPECT_EQ(verify_one(out / ("doc1.txt" + ext()), docs / "doc1.txt").indication,
              Indication::total_failed);
}

TEST_P(Records, ThreeTimestampRenewalsTwoHashTreeRenewalsMixed) {
    write_docs(2);
    int month = 1;
    auto clock = [&] { return "2026-0" + std::to_string(month++) + "-01T00:00:00Z"; };
    {
        auto tsa = tsa_at(clock());
        seal_docs(tsa->url());
    }
    const std::vector<std::optional<DigestAlgorithm>> steps = {
        std::nullopt, DigestAlgorithm::sha384, std::nullopt, DigestAlgorithm::sha512, std::nullopt};
    for (const auto& step : steps) {
        auto tsa = tsa_at(clock());
        RenewOptions o{.tsa = {.url = tsa->url()}};
        if (step) {
            o.new_digest = step;
            o.tsa.digest = *step;
            o.data = {docs};
        }
        renew({out}, o);
    }
    const auto rec = load(out / ("doc0.txt" + ext()));
    EXPECT_EQ(rec.chains.size(), 3u);
    std::size_t stamps = 0;
    for (const auto& c : rec.chains) stamps += c.stamps.size();
    EXPECT_EQ(stamps, 6u);
    expect_all_pass(2);
    // Judged in the middle of the history: only what existed then counts.
    for (const char* at :
         {"2026-01-15T00:00:00Z", "2026-03-15T00:00:00Z", "2026-05-15T00:00:00Z"}) {
        EXPECT_EQ(verify_one(out / ("doc0.txt" + ext()), docs / "doc0.txt", at).indication,
                  Indication::total_passed)
            << at;
    }
}

TEST_P(Records, RenewalKeepsARecordAliveAfterItsTsaCertificateExpires) {
    write_docs(2);
    {
        auto tsa = tsa_at("2026-03-01T00:00:00Z", "tsa-short.p12");  // certificate ends 2027-01-01
        seal_docs(tsa->url());
    }
    fs::copy(out, dir / "unrenewed", fs::copy_options::recursive);
    {
        auto tsa = tsa_at("2026-11-01T00:00:00Z");  // renewed before that, by a long-lived TSA
        renew({out}, {.tsa = {.url = tsa->url()}});
    }
    const auto renewed =
        verify_one(out / ("doc0.txt" + ext()), docs / "doc0.txt", "2028-06-01T00:00:00Z");
    EXPECT_EQ(renewed.indication, Indication::total_passed) << renewed.signatures[0].explanation;
    const auto old = verify_one(dir / "unrenewed" / ("doc0.txt" + ext()), docs / "doc0.txt",
                                "2028-06-01T00:00:00Z");
    EXPECT_EQ(old.indication, Indication::indeterminate);
    EXPECT_EQ(old.sub_indication, SubIndication::out_of_bounds_no_poe);
}

TEST_P(Records, SwappedChainOrderIsNotPassed) {
    write_docs(1);
    {
        auto tsa = tsa_at("2026-06-01T12:00:00Z");
        seal_docs(tsa->url());
    }
    {
        auto tsa = tsa_at("2026-07-01T12:00:00Z");
        renew({out}, {.tsa = {.url = tsa->url(), .digest = DigestAlgorithm::sha512},
                      .new_digest = DigestAlgorithm::sha512,
                      .data = {docs}});
    }
    const auto rec_path = out / ("doc0.txt" + ext());
    if (GetParam() == RecordFormat::xml) {
        auto bytes = test::read_bytes(rec_path);
        std::string s(bytes.begin(), bytes.end());
        const std::string first = "ArchiveTimeStampChain Order=\"1\"";
        const auto a = s.find(first);
        ASSERT_NE(a, std::string::npos);
        s.replace(a, first.size(), "ArchiveTimeStampChain Order=\"3\"");  // chain 2 now sorts first
        test::write_text(rec_path, s);
    } else {
        auto rec = load(rec_path);
        std::swap(rec.chains[0], rec.chains[1]);
        test::write_bytes(rec_path, ers::encode_der(rec));
    }
    EXPECT_NE(verify_one(rec_path, docs / "doc0.txt").indication, Indication::total_passed);
}

TEST_P(Records, MalformedRecordsAreRejected) {
    write_docs(2);
    auto tsa = tsa_at("2026-06-01T12:00:00Z");
    seal_docs(tsa->url());
    const auto good = test::read_bytes(out / ("doc0.txt" + ext()));
    // (An XML record ends with a newline after its root element: cut into the element itself.)
    const std::size_t last = GetParam() == RecordFormat::xml ? good.size() - 3 : good.size() - 1;
    for (std::size_t len : {std::size_t{1}, std::size_t{10}, good.size() / 3, last}) {
        test::write_bytes(dir / ("cut" + ext()),
                          {good.begin(), good.begin() + static_cast<long>(len)});
        try {
            const auto r = verify_one(dir / ("cut" + ext()), docs / "doc0.txt");
            EXPECT_NE(r.indication, Indication::total_passed) << len;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << len;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Encodings, Records,
                         ::testing::Values(RecordFormat::asn1, RecordFormat::xml),
                         [](const auto& info) {
                             return info.param == RecordFormat::xml ? "xml" : "asn1";
                         });

// Records other writers made with a list holding the value computed so far, read both ways of
// RFC 4998 4.3: ltsign takes the reading the token's imprint confirms and notes it; the
// independent walker shows that only that reading fits.
TEST(JoinReadings, ARecordNeedingOneReadingVerifiesWithANote) {
    test::TempDir dir;
    test::write_text(dir / "doc.txt", "same");
    const auto doc = test::read_bytes(dir / "doc.txt");
    const ers::Bytes h = crypto::digest_bytes(EVP_sha256(), doc);
    const ers::Bytes joined = ers::node_hash(EVP_sha256(), {h, h});
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    ValidationContext ctx;
    ctx.trust.add(pki("root.pem"));
    ctx.validation_time = test::t("2026-12-31T00:00:00Z");
    for (const bool joins : {true, false}) {
        TsaClient client;
        client.url = tsa.url();
        const ers::Bytes token =
            tsp::request_token_for_digest(client, EVP_sha256(), joins ? joined : h);
        ers::EvidenceRecord rec;
        rec.digest_algorithms = {NID_sha256};
        ers::ArchiveTimeStamp ats;
        ats.digest_nid = NID_sha256;
        ats.reduced_hashtree =
            std::vector<ers::PartialHashtree>{{ers::ByteView(h)}, {ers::ByteView(h)}};
        ats.time_stamp = token;
        rec.chains.push_back({{std::move(ats)}, {}, {}});
        const auto der = ers::encode_der(rec);
        test::write_bytes(dir / "rec.ers", der);
        const auto r = verify_file(dir / "rec.ers", {dir / "doc.txt"}, ctx);
        EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures.at(0).explanation;
        bool noted = false;
        for (const auto& n : r.signatures.at(0).notes) {
            noted |= n.code == NoteCode::record_reading &&
                     n.text.find(joins ? "joins the list anyway"
                                       : "joins the list only when absent") != std::string::npos;
        }
        EXPECT_TRUE(noted) << joins;
        EXPECT_EQ(test::independent_ers_check(der, doc, test::JoinReading::always), joins);
        EXPECT_EQ(test::independent_ers_check(der, doc, test::JoinReading::when_absent), !joins);
    }
}

TEST(XmlRecords, WrittenRecordsAreSchemaValid) {
    test::TempDir dir;
    fs::create_directories(dir / "docs");
    test::write_text(dir / "docs" / "a.txt", "a");
    test::write_text(dir / "docs" / "b.xml", "<b>  <c x='1'/></b>");
    {
        test::TsaProcess tsa(dir / "serial");
        SealOptions o;
        o.tsa.url = tsa.url();
        o.format = RecordFormat::xml;
        seal({dir / "docs"}, dir / "out", o);
        renew({dir / "out"}, {.tsa = {.url = tsa.url()}});
        renew({dir / "out"}, {.tsa = {.url = tsa.url()},
                              .new_digest = DigestAlgorithm::sha512,
                              .data = {dir / "docs"}});
    }
    ASSERT_FALSE(xml::schema_dir().empty()) << "the standard schemas are needed for this test";
    for (const char* name : {"a.txt.ers.xml", "b.xml.ers.xml"}) {
        const auto bytes = test::read_bytes(dir / "out" / name);
        auto doc = xml::parse(bytes, name);
        const auto result = xml::validate(doc.get(), "rfc6283_ers.xsd");
        EXPECT_TRUE(result.performed);
        EXPECT_FALSE(result.problem.has_value()) << *result.problem;
    }
    // xmllint, an independent validator, agrees.
    const auto r = test::run("xmllint --noout --nonet --schema " +
                             test::q(xml::schema_dir() / "rfc6283_ers.xsd") + " " +
                             test::q(dir / "out" / "a.txt.ers.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(XmlRecords, HostileXmlIsRefusedQuickly) {
    test::TempDir dir;
    const std::string laughs =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 "
        "'&lol;&lol;&lol;&lol;&lol;&lol;'>"
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]><EvidenceRecord "
        "xmlns='urn:ietf:params:xml:ns:ers' "
        "Version='1.0'>&lol3;</EvidenceRecord>";
    const std::string xxe =
        "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        "<EvidenceRecord xmlns='urn:ietf:params:xml:ns:ers' Version='1.0'>&x;</EvidenceRecord>";
    std::string deep = "<EvidenceRecord xmlns='urn:ietf:params:xml:ns:ers' Version='1.0'>";
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    for (const auto& [name, text] :
         {std::pair{"laughs", laughs}, std::pair{"xxe", xxe}, std::pair{"deep", deep}}) {
        test::write_text(dir / (std::string(name) + ".ers.xml"), text);
        try {
            verify_file(dir / (std::string(name) + ".ers.xml"), {}, {});
            ADD_FAILURE() << name << " was accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << name;
            EXPECT_EQ(std::string(e.what()).find("root:"), std::string::npos)
                << "file content leaked: " << e.what();
        }
    }
}

}  // namespace
}  // namespace ltsign

namespace ltsign {
namespace {

// RFC 4998 2.1 cryptoInfos: verification data ltsign writes (and any a record already has) survive
// decoding and encoding, and read back as written; a renewal never drops them.
TEST(CryptoInfos, VerificationDataRoundTripsAndIsNeverDropped) {
    const auto corpus = test::corpus_dir();
    if (corpus.empty()) GTEST_SKIP() << "../shared/corpus is not here";
    const auto bytes = test::read_bytes(corpus / "ers-asn1" / "dss_er-asn1-simple.ers");
    ers::EvidenceRecord rec = ers::decode_der(bytes, "record");
    ASSERT_TRUE(rec.crypto_infos.empty());

    test::TempDir dir;
    ASSERT_EQ(test::run("openssl x509 -in " + test::q(test::pki("ca.pem")) + " -outform DER -out " +
                        test::q(dir / "ca.der"))
                  .exit_code,
              0);
    ers::VerificationData data;
    data.certificates.push_back(test::read_bytes(dir / "ca.der"));
    ers::add_verification_data(rec, data);
    ers::add_verification_data(rec, data);  // nothing twice
    ASSERT_EQ(rec.crypto_infos.size(), 1u);
    const auto encoded = ers::encode_der(rec);
    const ers::EvidenceRecord again = ers::decode_der(encoded, "record");
    EXPECT_EQ(ers::verification_data(again).certificates, data.certificates);
    EXPECT_EQ(ers::encode_der(again), encoded);
    // The chains (what renewals hash) are untouched by the verification data.
    EXPECT_EQ(ers::sequence_digest(EVP_sha256(), again, again.chains.size()),
              ers::sequence_digest(EVP_sha256(), ers::decode_der(bytes, "record"), 1));

    // cryptoInfos out of order, or empty, is no RFC 4998 record.
    auto damaged = encoded;
    const auto at = test::find_bytes(damaged, std::vector<unsigned char>{0xa0});
    ASSERT_NE(at, std::string::npos);
    damaged[at] = 0xa2;
    EXPECT_THROW(ers::decode_der(damaged, "record"), Error);
}

}  // namespace
}  // namespace ltsign
