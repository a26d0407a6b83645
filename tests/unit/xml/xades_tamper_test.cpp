// Every byte of every signed part of an XAdES signature, changed one at a time, must make the
// signature fail (or the file malformed): SignedInfo, SignedProperties, SignatureValue, the
// enveloped document, the signing certificate. And structurally broken signatures are refused
// with a reason, never passed.
#include <gtest/gtest.h>

#include <cstring>
#include <regex>

#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

class XadesTamper : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_ctx = new ValidationContext();
        s_ctx->trust.add(test::pki("root.pem"));
        s_ctx->offline = true;
        s_ctx->validation_time = parse_rfc3339("2026-06-02T00:00:00Z");
    }
    static void TearDownTestSuite() {
        delete s_ctx;
        s_ctx = nullptr;
    }

    std::string sign(Packaging packaging) {
        const auto doc = dir / "protokoll.xml";
        test::write_text(doc,
                         "<protokoll nr=\"87\"><beslut>Bygglov beviljas.</beslut></protokoll>");
        const Signer signer = Signer::from_pkcs12(test::pki("ec.p12"), test::k_password);
        SignOptions o;
        o.format = Format::xades;
        o.packaging = packaging;
        o.signing_time = parse_rfc3339("2026-06-01T12:00:00Z");
        const auto signed_object = sign_file(doc, signer, o);
        const auto& b = signed_object.bytes();
        return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }

    // The verdict of the first signature, or nullopt when the input is refused as malformed.
    static std::optional<Indication> verdict(const std::string& text) {
        try {
            const auto found = xml::extract_facts(
                std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()),
                "tampered", {});
            return validation::evaluate(found.facts.front(), *s_ctx, *s_ctx->validation_time)
                .indication;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformed_input) << e.what();
            return std::nullopt;
        }
    }

    // The byte range [begin, end) of the first match of `pattern`'s group 1.
    static std::pair<std::size_t, std::size_t> span_of(const std::string& text,
                                                       const std::string& pattern) {
        std::smatch m;
        EXPECT_TRUE(std::regex_search(text, m, std::regex(pattern))) << pattern;
        const auto begin = static_cast<std::size_t>(m.position(1));
        return {begin, begin + static_cast<std::size_t>(m.length(1))};
    }

    static inline ValidationContext* s_ctx = nullptr;
    test::TempDir dir;
};

TEST_F(XadesTamper, EveryByteOfEverySignedPartMatters) {
    const std::string good = sign(Packaging::enveloping);
    ASSERT_EQ(verdict(good), Indication::total_passed);
    struct Part {
        const char* name;
        std::string pattern;
        std::size_t keep_tail;  // base64 ends whose low bits a decoder ignores
    };
    const Part parts[] = {
        {"SignedInfo", "(<ds:SignedInfo>[\\s\\S]*</ds:SignedInfo>)", 0},
        {"SignedProperties", "(<xades:SignedProperties[\\s\\S]*</xades:SignedProperties>)", 0},
        {"SignatureValue", "<ds:SignatureValue[^>]*>([^<]*)<", 3},
        {"enveloped document", "<ds:Object Id=\"o-id[^>]*>([^<]*)<", 3},
        {"signing certificate", "<ds:X509Certificate>([^<]*)<", 3},
    };
    int tried = 0;
    for (const auto& part : parts) {
        const auto [begin, end] = span_of(good, part.pattern);
        ASSERT_LT(begin + part.keep_tail, end) << part.name;
        for (std::size_t i = begin; i + part.keep_tail < end; ++i) {
            std::string bad = good;
            bad[i] = static_cast<char>(bad[i] ^ 0x01);
            const auto v = verdict(bad);
            ++tried;
            EXPECT_NE(v, Indication::total_passed)
                << part.name << ": byte " << i << " ('" << good[i] << "' -> '" << bad[i]
                << "') changed and the signature still passed";
        }
    }
    std::cout << tried << " single-byte changes, none passed\n";
}

TEST_F(XadesTamper, BrokenStructuresAreRefusedWithAReason) {
    const std::string good = sign(Packaging::enveloped);
    ASSERT_EQ(verdict(good), Indication::total_passed);
    const std::pair<const char*, const char*> cuts[] = {
        {"<ds:SignedInfo>", "<ds:SignedInf0>"},
        {"<ds:SignatureValue", "<ds:SignatureValu3"},
        {"<ds:Reference ", "<ds:Referenc3 "},
        {"xmldsig-more#ecdsa-sha256", "xmldsig-more#ecdsa-md5"},
        {"xmlenc#sha256", "xmlenc#sha255"},
        {"URI=\"#xades-id-", "URI=\"#missing-id-"},
        {"<xades:SigningCertificateV2>", "<xades:SigningCertificateV3>"},
        {"<ds:X509Certificate>MII", "<ds:X509Certificate>!II"},
        {"<ds:KeyInfo>",
         "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate>"
         "</ds:X509Data>"},
        {"Target=\"#id-", "Target=\"#other-"},
    };
    for (const auto& [from, to] : cuts) {
        std::string bad = good;
        const auto at = bad.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        bad.replace(at, std::strlen(from), to);
        const auto v = verdict(bad);
        // A QualifyingProperties Target that names no signature, with no other candidates, is
        // used with a note (its SignedProperties are still the signed ones): the only change
        // here that may pass.
        if (std::string(from) == "Target=\"#id-") continue;
        EXPECT_NE(v, Indication::total_passed) << from << " -> " << to;
    }
    // A document with no signature at all is malformed input, not a verdict.
    EXPECT_EQ(verdict("<protokoll/>"), std::nullopt);
    EXPECT_EQ(verdict("<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>"),
              Indication::total_failed);
}

}  // namespace
}  // namespace ltsign
