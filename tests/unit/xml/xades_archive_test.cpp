// XAdES archive time-stamps (EN 319 132-1 5.5.2) against other toolkits' files: EU DSS's B-LTA
// signatures, read in place from ../shared/corpus. Each archive time-stamp's imprint must match
// what ltsign recomputes; the file with a certificate added after its archive time-stamp must
// not, and matches again once that certificate is taken out.
#include <gtest/gtest.h>

#include <regex>

#include "helpers.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using validation::Check;

struct Case {
    const char* file;
    const char* data;         // the detached document, or nullptr
    std::size_t archive = 1;  // archive time-stamps in it
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.file;
}

std::vector<validation::SignatureFacts> facts_of(const std::string& text,
                                                 const validation::DataObjects& objects) {
    auto found = xml::extract_facts(
        std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()), "corpus",
        objects);
    return std::move(found.facts);
}

class DssArchiveTimestamp : public ::testing::TestWithParam<Case> {};

TEST_P(DssArchiveTimestamp, ItsImprintIsRecomputed) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const Case& c = GetParam();
    validation::DataObjects objects;
    if (c.data != nullptr)
        objects.push_back(validation::DataObject::from_file(test::corpus_dir() / c.data));
    const auto facts = facts_of(test::read_text(test::corpus_dir() / c.file), objects);
    ASSERT_EQ(facts.size(), 1u);
    const auto& f = facts.front();
    EXPECT_FALSE(f.format_problem) << *f.format_problem;
    EXPECT_EQ(f.level, c.file == std::string("xades/dss_xades-extended-short-a.xml")
                           ? SignatureLevel::xades_a
                           : SignatureLevel::b_lta);
    ASSERT_EQ(f.archive_timestamps.size(), c.archive);
    for (const auto& a : f.archive_timestamps) {
        EXPECT_EQ(a.type, EntryType::archive_timestamp);
        EXPECT_EQ(a.imprint.status, Check::passed) << a.imprint.detail;
    }
    EXPECT_FALSE(f.certificates.empty());
    EXPECT_FALSE(f.ocsp_responses.empty()) << "its OCSPValues are read";
}

INSTANTIATE_TEST_SUITE_P(Corpus, DssArchiveTimestamp,
                         ::testing::Values(Case{"xades/dss_xades-lta-valid.xml", nullptr},
                                           Case{"xades/dss_xades-extended-short-a.xml", nullptr},
                                           Case{"xades/dss_xades-lta-detached.xml",
                                                "data/dss_sample.xml"}));

TEST(DssArchiveTimestampDetached, WithoutItsDocumentTheImprintCannotBeChecked) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const auto facts =
        facts_of(test::read_text(test::corpus_dir() / "xades/dss_xades-lta-detached.xml"), {});
    ASSERT_EQ(facts.front().archive_timestamps.size(), 1u);
    const auto& imprint = facts.front().archive_timestamps.front().imprint;
    EXPECT_EQ(imprint.status, Check::not_possible);
    EXPECT_NE(imprint.detail.find("detached document"), std::string::npos) << imprint.detail;
}

// DSS's XAdESLTACorruptedCertTest: a fourth, undecodable certificate was put into
// CertificateValues after the archive time-stamp. The signature fails; without that certificate
// the archive time-stamp covers the file again (so it is CertificateValues that broke it).
TEST(DssArchiveTimestampCorrupted, TheCertificateAddedAfterTheTimeStampBreaksIt) {
    if (test::corpus_dir().empty()) GTEST_SKIP() << "no ../shared/corpus";
    const std::string text =
        test::read_text(test::corpus_dir() / "xades/dss_xades-lta-corrupted-cert.xml");
    const auto broken = facts_of(text, {});
    ASSERT_TRUE(broken.front().format_problem);

    // The corrupted certificate: the EncapsulatedX509Certificate whose base64 does not decode.
    const std::regex value(
        "<([A-Za-z0-9]+:)?EncapsulatedX509Certificate[^>]*>([^<]*)</"
        "([A-Za-z0-9]+:)?EncapsulatedX509Certificate>");
    std::string repaired;
    int removed = 0;
    auto last = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), value), end; it != end; ++it) {
        if (!xml::base64_decode((*it)[2].str()).empty()) continue;
        repaired.append(last, text.cbegin() + it->position());
        last = text.cbegin() + it->position() + it->length();
        ++removed;
    }
    repaired.append(last, text.cend());
    ASSERT_EQ(removed, 1);
    const auto facts = facts_of(repaired, {});
    ASSERT_FALSE(facts.front().format_problem) << *facts.front().format_problem;
    ASSERT_EQ(facts.front().archive_timestamps.size(), 1u);
    EXPECT_EQ(facts.front().archive_timestamps.front().imprint.status, Check::passed)
        << facts.front().archive_timestamps.front().imprint.detail;
}

}  // namespace
}  // namespace ltsign
