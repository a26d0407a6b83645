// The ETSI TS 119 102-2 XML report: schema-valid, one SignatureValidationReport per signature.
// The JSON report: written a slice of files at a time, yet the very text one JSON document gives.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;
using test::q;

TEST(EtsiReport, IsSchemaValidAndNamesEachVerdict) {
    test::TempDir dir;
    fs::create_directories(dir / "docs");
    test::write_text(dir / "docs" / "a.txt", "a");
    test::write_text(dir / "docs" / "b.txt", "b");
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto signer = Signer::from_pkcs12(pki("ec.p12"), test::k_password);
    fs::create_directories(dir / "sigs");
    sign_file(
        dir / "docs" / "a.txt", signer,
        {.level = Level::t, .signing_time = test::sign_time(), .tsa = TsaClient{.url = tsa.url()}})
        .save(dir / "sigs" / "a.txt.p7s");
    sign_file(dir / "docs" / "b.txt", signer, {.signing_time = test::sign_time()})
        .save(dir / "sigs" / "b.txt.p7s");
    sign_file(dir / "docs" / "a.txt", signer,
              {.format = Format::xades,
               .packaging = Packaging::enveloping,
               .signing_time = test::sign_time()})
        .save(dir / "sigs" / "c.xades.xml");
    test::flip_byte(dir / "docs" / "b.txt", 0);
    test::write_text(dir / "sigs" / "junk.p7s", "not a signature");

    const auto r = test::ltsign("verify " + q(dir / "sigs") + " --data " + q(dir / "docs") +
                                " --trust " + q(pki("root.pem")) +
                                " --at 2026-12-01T00:00:00Z --report-xml " + q(dir / "report.xml"));
    EXPECT_EQ(r.exit_code, 65) << r.out;  // the malformed file is the worst outcome
    const auto bytes = test::read_bytes(dir / "report.xml");
    auto doc = xml::parse(bytes, "report.xml");
    ASSERT_FALSE(xml::schema_dir().empty());
    const auto result = xml::validate(doc.get(), "1910202xmlSchema.xsd");
    EXPECT_TRUE(result.performed);
    EXPECT_FALSE(result.problem.has_value()) << *result.problem;
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_NE(text.find("urn:etsi:019102:mainindication:total-passed"), std::string::npos);
    EXPECT_NE(text.find("urn:etsi:019102:subindication:HASH_FAILURE"), std::string::npos);
    EXPECT_NE(text.find("urn:etsi:019102:subindication:FORMAT_FAILURE"), std::string::npos);
    EXPECT_NE(text.find("urn:etsi:019102:validationObject:timestamp"), std::string::npos);
    EXPECT_NE(text.find("urn:etsi:019102:validationObject:certificate"), std::string::npos);
    std::size_t reports = 0;
    for (std::size_t at = text.find("<vr:SignatureValidationReport>"); at != std::string::npos;
         at = text.find("<vr:SignatureValidationReport>", at + 1)) {
        ++reports;
    }
    EXPECT_EQ(reports, 4u);
    EXPECT_NE(text.find("urn:ltsign:report:signed-data"), std::string::npos);
    // Every VOReference names a validation object that is in the report (the schema's IDREFS
    // are not resolved by libxml2's validator, so this is checked here).
    for (std::size_t at = text.find("VOReference=\""); at != std::string::npos;
         at = text.find("VOReference=\"", at + 1)) {
        const auto start = at + 13;
        const std::string id = text.substr(start, text.find('"', start) - start);
        EXPECT_NE(text.find("id=\"" + id + "\""), std::string::npos) << "dangling reference " << id;
    }
    // xmllint, through the repository's catalog, agrees and fetches nothing.
    const auto lint = test::run(
        "XML_CATALOG_FILES=" + q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "catalog.xml") +
        " xmllint --nonet --noout --schema " + q(xml::schema_dir() / "1910202xmlSchema.xsd") + " " +
        q(dir / "report.xml"));
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
}

// write_json makes the files' entries on several threads and splices them into the report's
// frame: the text must be exactly what one nlohmann document dumped with the same settings
// gives, for no files, one, and more than one slice of them, whatever their text holds.
TEST(JsonReport, SlicedWritingGivesTheTextOfOneDocument) {
    for (const std::size_t count : {0u, 1u, 600u}) {
        BatchReport report;
        report.validation_time = test::t("2026-06-02T00:00:00Z");
        report.policy_name = "default \"quoted\"";
        for (std::size_t i = 0; i < count; ++i) {
            FileReport f;
            f.path = "docs/f" + std::to_string(i) + (i % 7 == 0 ? "\xff\n\"odd\".p7s" : ".p7s");
            f.format = FileFormat::cades;
            f.indication = i % 3 == 0 ? Indication::total_failed : Indication::total_passed;
            SignatureReport s;
            s.explanation = "line one\nline two \t \\ \xc3\xa5";
            s.signer = "CN=Signer " + std::to_string(i);
            f.signatures.push_back(s);
            if (i % 5 == 0) f.signatures.push_back(s);
            report.files.push_back(f);
        }
        std::ostringstream written;
        report.write_json(written);
        const std::string text = written.str();
        EXPECT_EQ(text, report.to_json());
        const auto whole = nlohmann::json::parse(text);
        EXPECT_EQ(whole["files"].size(), count);
        EXPECT_EQ(text, whole.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n")
            << count << " files";
    }
}

}  // namespace
}  // namespace ltsign
