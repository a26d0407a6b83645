// The format registry decides what a file is in one place: each case is a file two entries could
// claim, and what it must be taken for.
#include <gtest/gtest.h>

#include <algorithm>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

class FormatRegistry : public ::testing::Test {
  protected:
    ValidationContext context() const {
        ValidationContext ctx;
        ctx.trust.add(test::pki("root.pem"));
        ctx.offline = true;
        ctx.validation_time = test::t("2026-06-02T00:00:00Z");
        return ctx;
    }
    fs::path sign_enveloped(const std::string& xml) {
        const auto doc = dir / "arkiv.xml";
        test::write_text(doc, xml);
        const Signer signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
        SignOptions o{.format = Format::xades,
                      .packaging = Packaging::enveloped,
                      .signing_time = test::sign_time()};
        const auto out = dir / "arkiv.signed.xml";
        sign_file(doc, signer, o).save(out, true);
        return out;
    }
    test::TempDir dir;
};

// A signed XML document that mentions evidence records (their namespace and the word
// EvidenceRecord) in its first 4 KiB is a signature: verify, inspect and extend take it as one.
TEST_F(FormatRegistry, ASignedDocumentMentioningRecordsIsASignature) {
    const auto sig = sign_enveloped(
        "<arkiv xmlns:ers=\"urn:ietf:params:xml:ns:ers\"><regel>Förnya varje "
        "ers:EvidenceRecord före 2030.</regel></arkiv>");
    const auto r = verify_file(sig, {}, context());
    EXPECT_EQ(r.format, FileFormat::xades);
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures.at(0).explanation;
    EXPECT_EQ(inspect_file(sig).format, FileFormat::xades);
}

// A record's document element decides, whatever comes before it.
TEST_F(FormatRegistry, ARecordIsKnownByItsDocumentElement) {
    test::write_text(dir / "r.ers.xml",
                     "<?xml version=\"1.0\"?><!-- <Signature> --><EvidenceRecord "
                     "xmlns=\"urn:ietf:params:xml:ns:ers\" Version=\"1.0\"/>");
    try {
        const auto r = verify_file(dir / "r.ers.xml", {}, context());
        EXPECT_EQ(r.format, FileFormat::ers_xml);
    } catch (const Error& e) {
        // An empty record is malformed; what matters is that the record reader judged it.
        EXPECT_EQ(e.code(), Errc::malformed_input);
        EXPECT_EQ(std::string(e.what()).find("not a signature ltsign recognises"),
                  std::string::npos)
            << e.what();
    }
}

// A ZIP is named as what it is by every operation, extend included.
TEST_F(FormatRegistry, AZipIsNamedByEveryOperation) {
    const std::string zip("PK\x03\x04rest of a container", 22);
    test::write_text(dir / "c.p7s", zip);
    for (auto op : {0, 1, 2}) {
        try {
            if (op == 0) verify_file(dir / "c.p7s", {}, context());
            if (op == 1) inspect_file(dir / "c.p7s");
            if (op == 2)
                extend_signature(dir / "c.p7s", Level::t, TsaClient{.url = "http://127.0.0.1:9/"});
            ADD_FAILURE() << "operation " << op << " accepted a ZIP";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input);
            // Read as an ASiC container now, and refused as the broken ZIP archive it is.
            EXPECT_NE(std::string(e.what()).find("ZIP archive"), std::string::npos) << e.what();
        }
    }
}

// A signature or token over one document, given several: none is taken silently (the first used
// to be, and a tampered one given first next to the right one went unnoticed or was named as the
// one checked).
TEST_F(FormatRegistry, SeveralDocumentsForOneSignatureAreNotGuessed) {
    const auto doc = dir / "doc.txt";
    test::write_text(doc, "the decision");
    fs::create_directories(dir / "tampered");
    test::write_text(dir / "tampered" / "doc.txt", "another decision");
    const Signer signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
    sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "doc.p7s");
    auto r = verify_file(dir / "doc.p7s", {doc, {dir / "tampered" / "doc.txt"}}, context());
    EXPECT_EQ(r.sub_indication, SubIndication::signed_data_not_found)
        << r.signatures.at(0).explanation;
    sign_file(doc, signer,
              {.format = Format::xades,
               .packaging = Packaging::detached,
               .signing_time = test::sign_time()})
        .save(dir / "doc.xades.xml");
    r = verify_file(dir / "doc.xades.xml", {dir / "tampered" / "doc.txt", {doc}}, context());
    EXPECT_EQ(r.sub_indication, SubIndication::signed_data_not_found)
        << r.signatures.at(0).explanation;
    r = verify_file(dir / "doc.xades.xml", {doc}, context());
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures.at(0).explanation;
}

// A digest given beside a signature is not what the signature is checked against: the report
// says it was not used, rather than let a wrong one pass unremarked.
TEST_F(FormatRegistry, DigestsBesideASignatureAreNotedAsUnused) {
    const auto doc = dir / "doc.txt";
    test::write_text(doc, "the decision");
    const Signer signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
    sign_file(doc, signer, {.signing_time = test::sign_time()}).save(dir / "doc.p7s");
    const auto wrong = parse_data_digest("sha256:qC9i7yNqAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    const auto r = verify_file(dir / "doc.p7s", {doc, {}, {wrong}}, context());
    EXPECT_EQ(r.indication, Indication::total_passed) << r.signatures.at(0).explanation;
    const auto& notes = r.signatures.at(0).notes;
    EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const Note& n) {
        return n.code == NoteCode::not_checked &&
               n.text.find("known only by digest") != std::string::npos;
    }));
}

}  // namespace
}  // namespace ltsign
