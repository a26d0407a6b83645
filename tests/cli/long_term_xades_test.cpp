// Time travel for XAdES (issue 14): a signature made at B-LTA in 2026, whose first archive
// time-stamp rests on a TSA certificate that ends in 2037, proves nothing by 2040; renewed in 2035
// with a second TSA (2034..2050) it verifies offline in 2040 (fixture:
// tests/support/time_travel.hpp). What the archive time-stamps cover cannot change unnoticed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "time_travel.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::pki;
using test::q;

using test::k_2040;
using test::LongTerm;

// The verdict of the first archive time-stamp (the oldest).
json first_archive_timestamp(const json& signature) {
    for (const auto& t : signature["timestamps"]) {
        if (t["type"] == "archive-timestamp") return t;
    }
    return json::object();
}

class LongTermXades : public LongTerm {
  protected:
    // Signed in 2026 at B-LTA with `extra` options and renewed in 2035: the renewed file, which
    // verifies offline in 2040.
    fs::path signed_and_renewed(const std::string& extra) {
        const auto renewed = dir / "renewed.xades.xml";
        sign_and_renew(dir / "protokoll.txt.xades.xml", renewed, "--format xades " + extra);
        if (HasFatalFailure()) return {};
        EXPECT_EQ(expect_proven_in_2040(renewed)["format"], "xades");
        return renewed;
    }

    // A copy of `file` named `name` without the first element `element` (a qualified name).
    fs::path without_first(const fs::path& file, const std::string& name,
                           const std::string& element) {
        std::string text = test::read_text(file);
        const std::string close = "</" + element + ">";
        const std::size_t at = text.find("<" + element + ">");
        const std::size_t stop = at == std::string::npos ? at : text.find(close, at);
        EXPECT_NE(stop, std::string::npos) << element;
        if (stop == std::string::npos) return file;
        text.erase(at, stop + close.size() - at);
        const auto out = dir / name;
        test::write_text(out, text);
        return out;
    }

    // A copy of `file` named `name` whose text from the first `begin` after `after` to the next
    // `end` is replaced by `with(that text)`.
    template <class F>
    fs::path tampered(const fs::path& file, const std::string& name, const std::string& after,
                      const std::string& begin, const std::string& end, F with) {
        std::string text = test::read_text(file);
        std::size_t at = text.find(after);
        at = at == std::string::npos ? at : text.find(begin, at);
        const std::size_t stop = at == std::string::npos ? at : text.find(end, at + begin.size());
        EXPECT_NE(stop, std::string::npos) << begin;
        if (stop == std::string::npos) return file;
        const std::size_t from = at + begin.size();
        text.replace(from, stop - from, with(text.substr(from, stop - from)));
        const auto out = dir / name;
        test::write_text(out, text);
        return out;
    }
};

// A base64 DER object with one bit of its 10th byte from the end changed (inside the signature
// value of a certificate or a token, so it is still DER).
std::string flip_near_end(const std::string& b64) {
    auto der = xml::base64_decode(b64);
    der[der.size() - 10] ^= 0x01;
    return xml::base64_encode(der);
}

TEST_F(LongTermXades, DetachedLtaRenewedIn2035StillProvesTheSignatureIn2040) {
    const auto renewed = signed_and_renewed("");
    ASSERT_FALSE(renewed.empty());

    // A changed document still fails.
    const auto changed = dir / "changed.txt";
    test::write_text(changed, "Protokoll: kommunfullmaktige 2026-05-29.\n");
    const auto f = verify(renewed, k_2040, 1, changed);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);

    // xmlsec1 (an independent XMLDSig implementation) still accepts the signature itself, at a
    // time its certificates were valid; the detached document is read beside the signature.
    const auto x = test::run("cd " + q(dir.path()) + " && xmlsec1 --verify --trusted-pem " +
                             q(pki("root.pem")) + " --untrusted-pem " + q(pki("ca.pem")) +
                             " --verification-gmt-time '2026-06-02 00:00:00'"
                             " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties'"
                             " renewed.xades.xml");
    EXPECT_EQ(x.exit_code, 0) << x.out << x.err;
}

TEST_F(LongTermXades, EnvelopingLtaRenewedIn2035ProvesItAndNoCoveredPartChangesUnnoticed) {
    const auto renewed = signed_and_renewed("--packaging enveloping");
    ASSERT_FALSE(renewed.empty());

    const auto expect_broken = [&](const fs::path& file, bool hash_failure) {
        const auto f = verify(file, k_2040, 1);
        const auto& s = f["signatures"][0];
        EXPECT_EQ(s["indication"], "TOTAL_FAILED") << f.dump(2);
        if (hash_failure) {
            EXPECT_EQ(first_archive_timestamp(s)["subIndication"], "HASH_FAILURE") << f.dump(2);
        }
    };
    // An OCSP response the first archive time-stamp covers, removed.
    expect_broken(without_first(renewed, "no-ocsp.xml", "xades:EncapsulatedOCSPValue"), true);
    // A byte of a certificate in CertificateValues.
    expect_broken(tampered(renewed, "cert.xml", "<xades:CertificateValues>",
                           "<xades:EncapsulatedX509Certificate>", "<", flip_near_end),
                  true);
    // A byte of the first archive time-stamp's token.
    expect_broken(tampered(renewed, "token.xml", "<xadesv141:ArchiveTimeStamp",
                           "<xades:EncapsulatedTimeStamp>", "<", flip_near_end),
                  false);
}

}  // namespace
}  // namespace ltsign
