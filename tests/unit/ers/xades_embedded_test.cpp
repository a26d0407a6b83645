// XAdES-E-ERS (ETSI TS 119 132-3) against EU DSS's files, read in place from ../shared/corpus:
// the data object an embedded evidence record covers is recomputed to the values DSS's own unit
// test holds (XAdESEvidenceRecordDigestBuilderTest), the valid records cover their signature and
// the one made for another signature does not.
#include <gtest/gtest.h>

#include "crypto/digests.hpp"
#include "ers/embedded.hpp"
#include "helpers.hpp"
#include "validation/evidence.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {

struct Case {
    const char* file;
    const char* data;    // the detached document, or nullptr
    const char* digest;  // what its record covers (DSS's constant, parallel records), hex
    bool covered;        // whether its record holds that digest
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.file;
}

constexpr const char* k_detached_lt =
    "8ebbc33629e40276970f8f4e135d7b4c77bb28f6a695cb522af8ab003adf4b88";
constexpr const char* k_basic = "e69f1ed3ce0ab6f8a72d9773cd9e862ed56e5c558dd79c2e695993810bc5b0e1";

std::string hex(const core::Bytes& b) {
    return ossl::to_hex(b.data(), b.size());
}

xml::XmlSignatures read(const Case& c) {
    validation::DataObjects objects;
    if (c.data != nullptr)
        objects.push_back(validation::DataObject::from_file(test::corpus_dir() / c.data));
    const auto bytes = test::read_bytes(test::corpus_dir() / c.file);
    return xml::extract_facts(bytes, c.file, objects);
}

class DssEmbeddedRecord : public ::testing::TestWithParam<Case> {};

TEST_P(DssEmbeddedRecord, CoversTheDigestDssComputes) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const Case& c = GetParam();
    auto found = read(c);
    ASSERT_EQ(found.records.size(), 1u);
    const auto& record = found.records.front();
    EXPECT_FALSE(record.asn1);
    ASSERT_TRUE(record.covered) << record.not_covered;
    EXPECT_EQ(hex(ers::xades_covered_digest(EVP_sha256(), record.covered(EVP_sha256()))), c.digest);

    ers::add_embedded_records(found, c.file);
    const auto& facts = found.facts.front();
    EXPECT_FALSE(facts.format_problem) << *facts.format_problem;
    for (const auto& n : facts.notes)
        EXPECT_NE(n.code, NoteCode::not_checked) << "nothing is left unverified: " << n.text;
    ASSERT_EQ(facts.evidence_records.size(), 1u);
    const auto& chains = facts.evidence_records.front()->chains;
    ASSERT_FALSE(chains.empty());
    ASSERT_EQ(chains.front().stamps.front().objects.size(), 1u);
    const auto& coverage = chains.front().stamps.front().objects.front();
    ASSERT_TRUE(coverage.digest);
    EXPECT_EQ(hex(*coverage.digest), c.digest);
    EXPECT_EQ(!coverage.fits.empty(), c.covered);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, DssEmbeddedRecord,
    ::testing::Values(
        Case{"xades/dss_X-E-ERS-DETACHED-LT.xml", "data/dss_sample.xml", k_detached_lt, true},
        // The same signature with a record made for X-E-ERS-basic's signature (its digest in
        // the first list), time-stamped anew so that its tree is consistent.
        Case{"xades/dss_X-E-ERS-DETACHED-LT-sig-invalid-digest.xml", "data/dss_sample.xml",
             k_detached_lt, false},
        Case{"xades/dss_X-E-ERS-basic.xml", nullptr, k_basic, true}));

// The holding SealingEvidenceRecords is not covered by its own record: with it, the digest is
// the one DSS's test gives for a record that is not parallel (a later, separate one).
TEST(DssEmbeddedRecordBasic, TheHoldingPropertyIsLeftOut) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const auto bytes = test::read_bytes(test::corpus_dir() / "xades/dss_X-E-ERS-basic.xml");
    const xml::Doc doc = xml::parse(bytes, "basic");
    const auto checked = xml::check_signatures(doc.get(), "basic", {}, true);
    ASSERT_EQ(checked.size(), 1u);
    xmlNode* sig = checked.front().signature;
    xmlNode* usp = xml::unsigned_signature_properties(doc.get(), xml::qualifying_properties(sig));
    const auto digest = [&](xmlNode* holder) {
        return hex(ers::xades_covered_digest(
            EVP_sha256(),
            xml::evidence_record_digests(doc.get(), sig, usp, holder,
                                         checked.front().reference_data, EVP_sha256())));
    };
    EXPECT_EQ(digest(xml::child(usp, xml::k_xadesen_ns, "SealingEvidenceRecords")), k_basic);
    EXPECT_EQ(digest(nullptr).substr(0, 8), "28fad563");
}

// Without the detached document what the record covers cannot be computed, and says why.
TEST(DssEmbeddedRecordDetached, WithoutItsDocumentItsCoverageIsUnknown) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    auto found = read({"xades/dss_X-E-ERS-DETACHED-LT.xml", nullptr, k_detached_lt, true});
    ASSERT_EQ(found.records.size(), 1u);
    EXPECT_FALSE(found.records.front().covered);
    EXPECT_NE(found.records.front().not_covered.find("detached document"), std::string::npos);
    ers::add_embedded_records(found, "detached");
    const auto& record = *found.facts.front().evidence_records.front();
    EXPECT_FALSE(record.objects_given);
    ASSERT_FALSE(record.notes.empty());
    EXPECT_NE(record.notes.back().text.find("detached document"), std::string::npos);
}

// A xadesen:SealingEvidenceRecords that holds something else, or nothing, is a format problem;
// so is a record that cannot be decoded.
TEST(XadesEmbeddedRecordShape, WhatIsNoRecordIsAFormatProblem) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const std::string text = test::read_text(test::corpus_dir() / "xades/dss_X-E-ERS-basic.xml");
    const auto with_holder = [&](const std::string& content) {
        const std::string open = "<xadesen:SealingEvidenceRecords";
        const std::string close = "</xadesen:SealingEvidenceRecords>";
        const auto at = text.find(open);
        const auto start = text.find('>', at) + 1;
        const auto end = text.find(close);
        std::string t = text;
        t.replace(start, end - start, content);
        auto found = xml::extract_facts(
            std::span(reinterpret_cast<const unsigned char*>(t.data()), t.size()), "shape", {});
        ers::add_embedded_records(found, "shape");
        return found.facts.front().format_problem.value_or("");
    };
    EXPECT_NE(with_holder("").find("holds no evidence record"), std::string::npos);
    EXPECT_NE(with_holder("<xadesen:Other/>").find("no evidence record"), std::string::npos);
    EXPECT_NE(with_holder("<xadesen:ASN1EvidenceRecord>AAAA</xadesen:ASN1EvidenceRecord>")
                  .find("embedded evidence record"),
              std::string::npos);
    EXPECT_NE(with_holder("<ers:EvidenceRecord xmlns:ers=\"urn:ietf:params:xml:ns:ers\" "
                          "Version=\"1.0\"/>")
                  .find("embedded evidence record"),
              std::string::npos);
}

// Each holder covers every property before it: a file of many holders would cost its size
// squared to check. Past a bound, later records say why their coverage was not computed.
TEST(XadesEmbeddedRecordShape, ManyHoldersAreBounded) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    std::string text = test::read_text(test::corpus_dir() / "xades/dss_X-E-ERS-basic.xml");
    const std::string close = "</xadesen:SealingEvidenceRecords>";
    const auto from = text.find("<xadesen:SealingEvidenceRecords");
    const auto to = text.find(close) + close.size();
    const std::string holder = text.substr(from, to - from);
    std::string many;
    for (int i = 0; i < 200; ++i) many += holder;
    text.replace(from, to - from, many);
    auto found = xml::extract_facts(
        std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()), "many", {});
    ASSERT_EQ(found.records.size(), 200u);
    ers::add_embedded_records(found, "many");
    const auto& records = found.facts.front().evidence_records;
    ASSERT_EQ(records.size(), 200u);
    EXPECT_TRUE(records.front()->objects_given);
    EXPECT_FALSE(records.back()->objects_given);
    ASSERT_FALSE(records.back()->notes.empty());
    EXPECT_NE(records.back()->notes.back().text.find("so many evidence records"),
              std::string::npos);
}

}  // namespace
}  // namespace ltsign
