// XAdES-E-ERS end to end (ETSI TS 119 132-3, issue 14): `extend --level ERS` embeds an RFC 6283
// evidence record in every XAdES signature; it proves the signature existed at its time, and what
// it covers (the signature, its document, every unsigned property before it) cannot change
// unnoticed, while properties added after it are allowed. xmlsec1 still accepts the signature.
// The CAdES twin is TimestampCli.ExtendEmbedsAnEvidenceRecordThatCoversSignatureAndDocument.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

// A copy of `file` named `name` with `text` from the first `after` on passed through `change`
// (which must change it).
template <class F>
fs::path changed(const fs::path& file, const fs::path& name, const std::string& after, F change) {
    std::string text = test::read_text(file);
    const std::size_t at = text.find(after);
    EXPECT_NE(at, std::string::npos) << after;
    if (at == std::string::npos) return file;
    const std::string tail = change(text.substr(at));
    EXPECT_NE(tail, text.substr(at)) << after;
    text.replace(at, std::string::npos, tail);
    test::write_text(name, text);
    return name;
}

// The base64 text of the first element `open` ... '<' in `text`, with one bit of its decoded
// bytes (the `from_end`th byte from the end) changed.
std::string flip_in(std::string text, const std::string& open, std::size_t from_end) {
    const std::size_t start = text.find(open);
    if (start == std::string::npos) return text;
    const std::size_t from = start + open.size();
    const std::size_t stop = text.find('<', from);
    auto bytes = xml::base64_decode(text.substr(from, stop - from));
    if (bytes.size() < from_end) return text;
    bytes[bytes.size() - from_end] ^= 0x01;
    text.replace(from, stop - from, xml::base64_encode(bytes));
    return text;
}

class XadesErs : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        doc = dir / "protokoll.xml";
        test::write_text(doc,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<protokoll nr=\"88\">\n"
                         "  <paragraf>Bygglov beviljas, Ekbacken 3:15.</paragraf>\n</protokoll>\n");
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
    }

    // Signed with `packaging` (and `extra` options): the signature.
    fs::path signed_as(const std::string& packaging, const std::string& extra = "") {
        const auto sig = dir / (packaging + ".xades.xml");
        const auto r = ltsign("sign " + q(doc) + " --format xades --packaging " + packaging +
                              " --key " + q(pki("rsa.p12")) +
                              " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z " +
                              extra + " -o " + q(sig));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return sig;
    }

    // `sig` extended to ERS: the extended file.
    fs::path with_record(const fs::path& sig) {
        const auto before = test::read_bytes(sig);
        const auto out = dir / (sig.stem().stem().string() + ".ers.xades.xml");
        const auto r = ltsign("extend " + q(sig) + " --level ERS --tsa " + tsa->url() +
                              data_option(sig) + " -o " + q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(test::read_bytes(sig), before) << "the input is untouched";
        return out;
    }

    fs::path signed_with_record(const std::string& packaging, const std::string& extra = "") {
        return with_record(signed_as(packaging, extra));
    }

    std::string data_option(const fs::path& sig) const {
        return sig.filename().string().starts_with("detached") ? " --data " + q(doc) : "";
    }

    json verify(const fs::path& sig, int expected_exit, const fs::path& data = {}) {
        const std::string d = data.empty() ? data_option(sig) : " --data " + q(data);
        const auto r = ltsign("verify " + q(sig) + d + " --trust " + q(pki("root.pem")) +
                              " --at 2026-06-02T00:00:00Z --json");
        EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
        if (r.out.empty()) return json::object();
        return json::parse(r.out)["files"][0]["signatures"][0];
    }

    // The signature's evidence-record entries.
    static std::vector<json> records(const json& signature) {
        std::vector<json> out;
        for (const auto& t : signature["timestamps"]) {
            if (t["type"] == "evidence-record") out.push_back(t);
        }
        return out;
    }

    // The signature passes, proven by its one record (or its `count` records) at the TSA's time.
    void expect_proven(const fs::path& sig, std::size_t count = 1) {
        const auto s = verify(sig, 0);
        EXPECT_EQ(s["indication"], "TOTAL_PASSED") << s.dump(2);
        const auto found = records(s);
        ASSERT_EQ(found.size(), count) << s.dump(2);
        for (const auto& r : found) {
            EXPECT_EQ(r["indication"], "TOTAL_PASSED") << r.dump(2);
            EXPECT_EQ(r["signingTime"], test::k_tsa_clock);
        }
        EXPECT_EQ(s["bestSignatureTime"], test::k_tsa_clock);
        for (const auto& n : s["notes"])
            EXPECT_EQ(n.get<std::string>().find("not verified by this version"), std::string::npos)
                << n;
    }

    // xmlsec1, an independent XMLDSig implementation, still accepts the signature (a detached
    // document is read beside it).
    void expect_xmlsec1_accepts(const fs::path& sig) {
        const auto x = test::run("cd " + q(dir.path()) + " && xmlsec1 --verify --trusted-pem " +
                                 q(pki("root.pem")) + " --untrusted-pem " + q(pki("ca.pem")) +
                                 " --verification-gmt-time '2026-06-02 00:00:00'"
                                 " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:"
                                 "SignedProperties' " +
                                 q(sig.filename()));
        EXPECT_EQ(x.exit_code, 0) << x.out << x.err;
    }

    test::TempDir dir;
    fs::path doc;
    std::unique_ptr<test::TsaProcess> tsa;
};

TEST_F(XadesErs, EnvelopedGetsARecordThatProvesIt) {
    const auto sig = signed_with_record("enveloped");
    const std::string text = test::read_text(sig);
    EXPECT_NE(
        text.find("SealingEvidenceRecords xmlns:xadesen=\"http://uri.etsi.org/19132/v1.1.1#\""),
        std::string::npos);
    EXPECT_NE(text.find("<EvidenceRecord xmlns=\"urn:ietf:params:xml:ns:ers\" Version=\"1.0\">"),
              std::string::npos);
    expect_proven(sig);
    expect_xmlsec1_accepts(sig);

    // The document inside the signature, changed: the signature fails.
    const auto edited = changed(sig, dir / "edited.xml", "Ekbacken", [](std::string t) {
        t[0] = 'A';
        return t;
    });
    EXPECT_EQ(verify(edited, 1)["indication"], "TOTAL_FAILED");
}

TEST_F(XadesErs, DetachedNeedsItsDocumentAndFailsWithAnotherOne) {
    const auto sig = signed_as("detached");
    const auto r =
        ltsign("extend " + q(sig) + " --level ERS --tsa " + tsa->url() + " -o " + q(dir / "x.xml"));
    EXPECT_EQ(r.exit_code, 66) << "the record covers the detached document: " << r.err;
    EXPECT_FALSE(fs::exists(dir / "x.xml"));

    const auto extended = with_record(sig);
    expect_proven(extended);
    expect_xmlsec1_accepts(extended);
    const auto other = dir / "other.xml";
    test::write_text(other,
                     "<protokoll nr=\"88\"><paragraf>Bygglov avslås.</paragraf></protokoll>");
    // Another document, of another name, given to a lone signature: never passed, and said to
    // be a mismatch rather than a change (issue 23).
    const auto f = verify(extended, 2, other);
    EXPECT_EQ(f["indication"], "INDETERMINATE");
    EXPECT_NE(f["explanation"].get<std::string>().find("does not match"), std::string::npos)
        << f.dump(2);
}

// The record's digest of the signature, altered: the record covers something else.
TEST_F(XadesErs, AnAlteredDigestInTheRecordIsAHashFailure) {
    const auto sig = signed_with_record("enveloping");
    expect_proven(sig);
    const auto tampered = changed(sig, dir / "digest.xml", "SealingEvidenceRecords",
                                  [](std::string t) { return flip_in(t, "<DigestValue>", 5); });
    const auto s = verify(tampered, 1);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED");
    EXPECT_EQ(s["subIndication"], "HASH_FAILURE") << s.dump(2);
    ASSERT_EQ(records(s).size(), 1u);
    EXPECT_EQ(records(s).front()["subIndication"], "HASH_FAILURE");
}

// A record covers every unsigned property before it and none after it.
TEST_F(XadesErs, PropertiesAfterTheRecordAreAllowedBeforeItNot) {
    const auto sig = signed_with_record("enveloping", "--level T --tsa " + tsa->url());
    expect_proven(sig);
    const std::string end = "</xades:UnsignedSignatureProperties>";

    // Added after the record: an empty TimeStampValidationData, and a second record (over the
    // first).
    const auto later = changed(sig, dir / "later.xml", end, [&](const std::string& t) {
        return "<xadesv141:TimeStampValidationData "
               "xmlns:xadesv141=\"http://uri.etsi.org/01903/v1.4.1#\"/>" +
               t;
    });
    expect_proven(later);
    const auto twice = dir / "twice.xml";
    const auto r =
        ltsign("extend " + q(sig) + " --level ERS --tsa " + tsa->url() + " -o " + q(twice));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_proven(twice, 2);

    // The signature value, changed.
    const auto value = changed(sig, dir / "value.xml", "<ds:SignatureValue",
                               [](std::string t) { return flip_in(t, ">", 5); });
    EXPECT_NE(verify(value, 1)["indication"], "TOTAL_PASSED");

    // The signature time-stamp before the record, given white space that its own check does not
    // see (it covers the SignatureValue), but the record does.
    const auto earlier = changed(sig, dir / "earlier.xml", "<xades:SignatureTimeStamp",
                                 [](std::string t) { return t.insert(t.find('>') + 1, "\n  "); });
    const auto s = verify(earlier, 1);
    EXPECT_EQ(s["indication"], "TOTAL_FAILED") << s.dump(2);
    ASSERT_EQ(records(s).size(), 1u);
    EXPECT_EQ(records(s).front()["subIndication"], "HASH_FAILURE");
    for (const auto& t : s["timestamps"]) {
        if (t["type"] == "timestamp") EXPECT_EQ(t["indication"], "TOTAL_PASSED");
    }
}

}  // namespace
}  // namespace ltsign
