// The trusted-list reader and judge (trust/tsl.hpp) on lists signed by xmlsec1, and on malformed
// and hostile input: each is refused with its reason, none is used.
#include <gtest/gtest.h>

#include <functional>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "test_pki.hpp"
#include "trust/tsl.hpp"
#include "trusted_lists.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;

class TslJudge : public ::testing::Test {
  protected:
    void SetUp() override {
        test::issue(dir.path(), "op", {"Test Scheme Operator"});
        test::issue(dir.path(), "other", {"Test Other Operator"});
        spec.providers = {
            {"Test TSP AB",
             {{"CA",
               "CA/QC",
               "withdrawn",
               "2026-07-01T00:00:00Z",
               {{"undersupervision", "2010-01-01T00:00:00Z"}, {"granted", "2016-07-01T00:00:00Z"}},
               test::pki("ca.pem")}}}};
        test::write_signed_list(spec, dir / "op.key", dir / "op.pem", dir / "tl.xml");
        signer = ossl::load_certificates(dir / "op.pem");
    }
    trust::ListVerdict judge(const std::string& text) {
        const std::vector<unsigned char> bytes(text.begin(), text.end());
        return trust::judge_list(bytes, "tl.xml", {signer[0].get()},
                                 test::t("2026-06-01T00:00:00Z"), true);
    }
    std::string signed_text() { return test::read_text(dir / "tl.xml"); }

    test::TempDir dir;
    test::TlSpec spec;
    std::vector<ossl::Ptr<X509>> signer;
};

TEST_F(TslJudge, ReadsAListSignedByXmlsec) {
    const auto v = judge(signed_text());
    EXPECT_EQ(v.problem, "");
    EXPECT_EQ(v.signer, "CN=Test Scheme Operator,O=ltsign tests");
    ASSERT_TRUE(v.list);
    EXPECT_EQ(v.list->territory, "SE");
    ASSERT_EQ(v.list->providers.size(), 1u);
    const auto& s = v.list->providers[0].services[0];
    EXPECT_EQ(s.name, "CA");
    ASSERT_EQ(s.history.size(), 3u);  // oldest first, the current status last
    EXPECT_EQ(s.history[0].status,
              "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision");
    EXPECT_EQ(s.history[2].status, "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn");
    EXPECT_TRUE(trust::is_granted(s.history[0].status));  // pre-eIDAS status
    EXPECT_FALSE(trust::is_granted(s.history[2].status));
}

struct Bad {
    const char* name;
    std::function<std::string(std::string)> change;
    const char* reason;
};

TEST_F(TslJudge, MalformedAndHostileListsAreRefused) {
    const std::vector<Bad> cases = {
        {"truncated", [](std::string s) { return s.substr(0, s.size() / 2); }, "cannot be read"},
        {"empty", [](std::string) { return std::string(); }, "cannot be read"},
        {"entity expansion",
         [](std::string s) {
             const std::string dtd =
                 "<!DOCTYPE TrustServiceStatusList [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
                 "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>";
             return s.insert(s.find("<TrustServiceStatusList"), dtd);
         },
         "cannot be read"},
        {"external entity",
         [](std::string s) {
             return s.insert(s.find("<TrustServiceStatusList"),
                             "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>");
         },
         "cannot be read"},
        {"deep nesting",
         [](std::string) {
             std::string s = "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\">";
             for (int i = 0; i < 100000; ++i) s += "<a>";
             return s;
         },
         "cannot be read"},
        {"wrong namespace",
         [](std::string s) {
             const auto at = s.find("http://uri.etsi.org/02231/v2#");
             return s.replace(at, 29, "http://uri.etsi.org/02231/v3#");
         },
         "not an ETSI TS 119 612 trusted list"},
        {"unsigned",
         [](std::string s) {
             return s.erase(s.find("<ds:Signature"),
                            s.find("</ds:Signature>") + 15 - s.find("<ds:Signature"));
         },
         "not signed"},
        {"one changed byte",
         [](std::string s) { return s.replace(s.find("Test TSP AB"), 11, "Test TSP AC"); },
         "changed after it was signed"},
        {"schema",
         [](std::string s) {
             return s.replace(s.find("<TSLVersionIdentifier>5"), 23, "<TSLVersionIdentifier>x");
         },
         "schema"},
    };
    for (const auto& c : cases) {
        const auto v = judge(c.change(signed_text()));
        EXPECT_NE(v.problem.find(c.reason), std::string::npos) << c.name << ": " << v.problem;
    }
}

TEST_F(TslJudge, WrongSignerExpiredAndNotYetIssuedAreRefused) {
    test::write_signed_list(spec, dir / "other.key", dir / "other.pem", dir / "other.xml");
    auto v = judge(test::read_text(dir / "other.xml"));
    EXPECT_NE(v.problem.find("signed by CN=Test Other Operator,O=ltsign tests, not by a signer"),
              std::string::npos)
        << v.problem;
    const auto bytes = test::read_bytes(dir / "tl.xml");
    v = trust::judge_list(bytes, "tl.xml", {signer[0].get()}, test::t("2099-06-01T00:00:00Z"),
                          true);
    EXPECT_NE(v.problem.find("expired"), std::string::npos) << v.problem;
    v = trust::judge_list(bytes, "tl.xml", {signer[0].get()}, test::t("2019-06-01T00:00:00Z"),
                          true);
    EXPECT_NE(v.problem.find("issued on 2020-01-01"), std::string::npos) << v.problem;
    // Verification reads old lists' history: the issue date does not matter there.
    v = trust::judge_list(bytes, "tl.xml", {signer[0].get()}, test::t("2019-06-01T00:00:00Z"),
                          false);
    EXPECT_EQ(v.problem, "");
    v = trust::judge_list(bytes, "tl.xml", {}, test::t("2026-06-01T00:00:00Z"), true);
    EXPECT_NE(v.problem.find("no signer certificate"), std::string::npos) << v.problem;
}

// A second signature (one that verifies, wrapped around a changed list) is never accepted.
TEST_F(TslJudge, ASecondSignatureIsRefused) {
    std::string s = signed_text();
    const auto sig_at = s.find("<ds:Signature");
    const std::string sig = s.substr(sig_at, s.find("</ds:Signature>") + 15 - sig_at);
    s.insert(s.find("</TSPServices>"), sig);
    const auto v = judge(s);
    EXPECT_FALSE(v.problem.empty());
}

}  // namespace
}  // namespace ltsign
