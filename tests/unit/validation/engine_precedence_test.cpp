// The EN 319 102-1 engine judged from facts built by hand, with the services (revocation source,
// issuer fetcher, clock) replaced by fakes: every sub-indication the engine gives, and which of
// two failing steps decides (5.3.4), without any server.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>

#include "crypto/ossl.hpp"
#include "helpers.hpp"
#include "test_pki.hpp"
#include "validation/services.hpp"
#include "validation/steps.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;
using test::t;
using validation::Check;
using validation::SignatureFacts;

const TimePoint k_at = t("2026-12-01T00:00:00Z");

ossl::Ptr<X509> load(const fs::path& pem) {
    return std::move(ossl::load_certificates(pem).front());
}

std::vector<unsigned char> der_of(const X509* cert) {
    return ossl::to_der(cert);
}

// A copy of `cert` whose signature has one bit changed: it parses, but no issuer key verifies it.
ossl::Ptr<X509> altered(const X509* cert) {
    auto der = der_of(cert);
    der.back() ^= 0x01;
    const unsigned char* p = der.data();
    return ossl::Ptr<X509>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// Answers by certificate; good per a made-up responder for any other. Counts what it is asked.
class FakeRevocation final : public RevocationSource {
  public:
    RevocationAnswer status(const RevocationRequest& q) const override {
        ++asked;
        const auto it =
            answers.find(std::vector<unsigned char>(q.certificate.begin(), q.certificate.end()));
        if (it != answers.end()) return it->second;
        RevocationAnswer good;
        good.status = RevocationStatus::good;
        good.kind = RevocationKind::ocsp;
        good.location = "http://ocsp.invalid/";
        good.detail = "thisUpdate 2026-11-30T00:00:00Z";
        good.signature_digest = "sha256";
        good.signer_key_kind = "rsa";
        good.signer_key_bits = 3072;
        return good;
    }
    std::map<std::vector<unsigned char>, RevocationAnswer> answers;
    mutable std::atomic<int> asked{0};
};

class FakeFetcher final : public IssuerFetcher {
  public:
    std::vector<std::vector<unsigned char>> fetch(std::span<const unsigned char>,
                                                  FetchBudget& budget) const override {
        ++asked;
        --budget.urls;
        return issuers;
    }
    std::vector<std::vector<unsigned char>> issuers;
    mutable std::atomic<int> asked{0};
};

class FakeClock final : public Clock {
  public:
    TimePoint now() const override { return t("2027-02-03T04:05:06Z"); }
};

RevocationAnswer revoked(const char* when) {
    RevocationAnswer a;
    a.status = RevocationStatus::revoked;
    a.revoked_at = t(when);
    a.kind = RevocationKind::crl_downloaded;
    a.location = "http://crl.invalid/ca.crl";
    a.detail = "thisUpdate 2026-11-01T00:00:00Z";
    return a;
}

RevocationAnswer with_status(RevocationStatus s, const char* detail) {
    RevocationAnswer a;
    a.status = s;
    a.detail = detail;
    return a;
}

// Certificates issued once for the whole suite: a good, an expired, a not yet valid and a
// key-usage-restricted signer from the test PKI's issuing CA.
struct Certificates {
    test::TempDir dir;
    ossl::Ptr<X509> root, ca, signer, expired, notyet, noku, tsa;
    Certificates() {
        test::issue(dir.path(), "signer", {.cn = "Engine Signer"});
        test::issue(dir.path(), "expired",
                    {.cn = "Engine Expired", .not_after = "2026-01-01T00:00:00Z"});
        test::issue(dir.path(), "notyet",
                    {.cn = "Engine Not Yet", .not_before = "2027-01-01T00:00:00Z"});
        test::issue(dir.path(), "noku",
                    {.cn = "Engine No KU", .key_usage = "critical,keyCertSign"});
        root = load(pki("root.pem"));
        ca = load(pki("ca.pem"));
        tsa = load(pki("tsa.pem"));
        signer = load(dir / "signer.pem");
        expired = load(dir / "expired.pem");
        notyet = load(dir / "notyet.pem");
        noku = load(dir / "noku.pem");
    }
};

const Certificates& certs() {
    static const Certificates c;
    return c;
}

// One signature as an extractor would report it, with a context whose services are fakes.
struct Scenario {
    SignatureFacts facts;
    ValidationContext context;
    std::shared_ptr<FakeRevocation> revocation = std::make_shared<FakeRevocation>();
    std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();

    Scenario() {
        facts.level = SignatureLevel::b_b;
        facts.signer_cert = ossl::up_ref(certs().signer.get());
        facts.certificates.push_back(ossl::up_ref(certs().signer.get()));
        facts.certificates.push_back(ossl::up_ref(certs().ca.get()));
        facts.data_digest = {Check::passed, ""};
        facts.signature_value = {Check::passed, ""};
        facts.digest_algorithm = "sha256";
        facts.signature_algorithm = "ecdsa-with-SHA256";
        context.trust.add(pki("root.pem"));
        context.revocation_source = revocation;
        context.issuer_fetcher = fetcher;
        context.clock = std::make_shared<FakeClock>();
    }
    void sign_with(const ossl::Ptr<X509>& cert) {
        facts.signer_cert = ossl::up_ref(cert.get());
        facts.certificates.front() = ossl::up_ref(cert.get());
    }
    // A time-stamp token by the test PKI's TSA at `gen_time`.
    void make_timestamp(const char* gen_time) {
        facts.type = EntryType::timestamp;
        facts.level = SignatureLevel::none;
        facts.is_timestamp = true;
        sign_with(certs().tsa);
        facts.imprint = {Check::passed, ""};
        facts.gen_time = t(gen_time);
    }
    SignatureReport evaluate() { return validation::evaluate(facts, context, k_at); }
};

struct Case {
    std::string name;
    std::function<void(Scenario&)> arrange;
    Indication indication;
    SubIndication sub_indication;
    std::string explanation;  // a part of the explanation
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
    return os << c.name;
}

class EnginePrecedence : public ::testing::TestWithParam<Case> {};

TEST_P(EnginePrecedence, GivesItsVerdict) {
    const Case& c = GetParam();
    Scenario s;
    c.arrange(s);
    const auto r = s.evaluate();
    EXPECT_EQ(r.indication, c.indication) << r.explanation;
    EXPECT_EQ(r.sub_indication, c.sub_indication) << r.explanation;
    EXPECT_NE(r.explanation.find(c.explanation), std::string::npos) << r.explanation;
}

const Indication passed = Indication::total_passed;
const Indication failed = Indication::total_failed;
const Indication indeterminate = Indication::indeterminate;

// One case per sub-indication the engine gives (and TOTAL_PASSED).
const std::vector<Case> k_sub_indications = {
    {"TotalPassed", [](Scenario&) {}, passed, SubIndication::none, "the signed data is intact"},
    {"FormatFailure", [](Scenario& s) { s.facts.format_problem = "the SignerInfo version is 7"; },
     failed, SubIndication::format_failure, "version is 7"},
    {"FormatFailureAlteredCarriedCertificate",
     [](Scenario& s) { s.facts.certificates.push_back(altered(certs().ca.get())); }, failed,
     SubIndication::format_failure, "it has been altered"},
    {"FormatFailureTooManyCertificates",
     [](Scenario& s) {
         for (int i = 0; i < 300; ++i)
             s.facts.certificates.push_back(ossl::up_ref(certs().ca.get()));
     },
     failed, SubIndication::format_failure, "any genuine one needs"},
    {"NoSigningCertificateFound", [](Scenario& s) { s.facts.signer_cert.reset(); }, indeterminate,
     SubIndication::no_signing_certificate_found, "signing certificate is not in it"},
    {"NoSigningCertificateFoundBindingMismatch",
     [](Scenario& s) {
         s.facts.binding = validation::Binding::mismatch;
         s.facts.binding_detail = "another serial";
     },
     indeterminate, SubIndication::no_signing_certificate_found, "may have been substituted"},
    {"HashFailure",
     [](Scenario& s) {
         s.facts.data_digest = {Check::failed, "the digest differs"};
     },
     failed, SubIndication::hash_failure, "has changed since it was signed"},
    {"HashFailureTokenOverOtherData",
     [](Scenario& s) {
         s.make_timestamp("2026-06-01T12:00:00Z");
         s.facts.imprint = {Check::failed, "imprint differs"};
     },
     failed, SubIndication::hash_failure, "the time-stamp is over other data"},
    {"SigCryptoFailure",
     [](Scenario& s) {
         s.facts.signature_value = {Check::failed, "bad signature"};
     },
     failed, SubIndication::sig_crypto_failure, "does not verify with the signer's public key"},
    {"SignedDataNotFound",
     [](Scenario& s) {
         s.facts.data_digest = {Check::not_possible, "the detached document was not given"};
         s.facts.signature_value = {Check::not_possible, ""};
     },
     indeterminate, SubIndication::signed_data_not_found, "was not given"},
    {"SignedDataNotFoundAfterTheValue",
     [](Scenario& s) {
         s.facts.data_digest = {Check::not_possible, "the detached document was not given"};
     },
     indeterminate, SubIndication::signed_data_not_found, "was not given"},
    {"CryptoConstraintsFailureValueNotChecked",
     [](Scenario& s) {
         s.facts.signature_value = {Check::not_possible, "unsupported algorithm"};
     },
     indeterminate, SubIndication::crypto_constraints_failure, "could not be checked"},
    {"CryptoConstraintsFailureUnknownDigest",
     [](Scenario& s) { s.facts.digest_algorithm = "gost"; }, indeterminate,
     SubIndication::crypto_constraints_failure, "is not an algorithm the validation policy"},
    {"CryptoConstraintsFailureNoPoe", [](Scenario& s) { s.facts.digest_algorithm = "sha1"; },
     indeterminate, SubIndication::crypto_constraints_failure_no_poe,
     "stopped being acceptable on 2009-01-01"},
    {"NoCertificateChainFound",
     [](Scenario& s) {
         s.context.trust = TrustStore();
         s.context.trust.add(pki("other-root.pem"));
     },
     indeterminate, SubIndication::no_certificate_chain_found, "no chain from"},
    {"NoCertificateChainFoundWithoutAnchors", [](Scenario& s) { s.context.trust = TrustStore(); },
     indeterminate, SubIndication::no_certificate_chain_found, "no trust anchor was given"},
    {"OutOfBoundsNoPoe", [](Scenario& s) { s.sign_with(certs().expired); }, indeterminate,
     SubIndication::out_of_bounds_no_poe, "had expired on 2026-01-01"},
    {"NotYetValid", [](Scenario& s) { s.sign_with(certs().notyet); }, indeterminate,
     SubIndication::not_yet_valid, "was not yet valid"},
    {"NotYetValidProofBeforeIssue",
     [](Scenario& s) { s.facts.external_poe = t("2024-06-01T00:00:00Z"); }, failed,
     SubIndication::not_yet_valid, "before the signer's certificate was issued"},
    {"NotYetValidTokenBackDated", [](Scenario& s) { s.make_timestamp("2019-06-01T00:00:00Z"); },
     failed, SubIndication::not_yet_valid, "before its TSA certificate was issued"},
    {"ChainConstraintsFailureKeyUsage", [](Scenario& s) { s.sign_with(certs().noku); },
     indeterminate, SubIndication::chain_constraints_failure, "does not allow digital signatures"},
    {"ChainConstraintsFailureNoTimeStampingUsage",
     [](Scenario& s) {
         s.make_timestamp("2026-06-01T12:00:00Z");
         s.sign_with(certs().signer);
     },
     indeterminate, SubIndication::chain_constraints_failure, "not a time-stamping certificate"},
    {"CertificateChainGeneralFailure",
     [](Scenario& s) {
         // Not carried, so the bag check cannot notice; path validation finds the bad signature.
         auto broken = altered(certs().signer.get());
         s.facts.certificates.erase(s.facts.certificates.begin());
         s.facts.signer_cert = std::move(broken);
     },
     indeterminate, SubIndication::certificate_chain_general_failure, "failed path validation"},
    {"Revoked",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] = revoked("2026-03-01T00:00:00Z");
         s.facts.external_poe = t("2026-06-01T00:00:00Z");
     },
     failed, SubIndication::revoked, "before the earliest proof that the signature existed"},
    {"RevokedNoPoe",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] = revoked("2026-03-01T00:00:00Z");
     },
     indeterminate, SubIndication::revoked_no_poe,
     "the signer's certificate was revoked on 2026-03-01T00:00:00Z (per CRL "
     "http://crl.invalid/ca.crl)"},
    {"RevokedCaNoPoe",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().ca.get())] = revoked("2026-03-01T00:00:00Z");
     },
     indeterminate, SubIndication::revoked_ca_no_poe,
     "the certificate of CN=ltsign Test Issuing CA,O=ltsign tests was revoked"},
    {"RevokedAfterTheProofPasses",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] = revoked("2026-09-01T00:00:00Z");
         s.facts.external_poe = t("2026-06-01T00:00:00Z");
     },
     passed, SubIndication::none, "the signed data is intact"},
    {"TryLaterUnavailable",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] =
             with_status(RevocationStatus::unavailable, "the responder did not answer");
     },
     indeterminate, SubIndication::try_later, "could not be obtained (the responder did not"},
    {"TryLaterUnknown",
     [](Scenario& s) {
         auto a = with_status(RevocationStatus::unknown, "");
         a.kind = RevocationKind::ocsp;
         a.location = "http://ocsp.invalid/";
         s.revocation->answers[der_of(certs().signer.get())] = a;
     },
     indeterminate, SubIndication::try_later, "OCSP http://ocsp.invalid/ does not know"},
    {"TryLaterUnpublishedWhenRequired",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] =
             with_status(RevocationStatus::unpublished, "no source");
         s.context.policy.require_revocation = true;
     },
     indeterminate, SubIndication::try_later, "the policy requires it"},
    {"UnpublishedIsANote",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] =
             with_status(RevocationStatus::unpublished, "no source");
     },
     passed, SubIndication::none, "the signed data is intact"},
    {"NoPoe", [](Scenario& s) { s.make_timestamp("2027-01-01T00:00:00Z"); }, indeterminate,
     SubIndication::no_poe, "is after the validation time"},
    {"TimeStampPasses", [](Scenario& s) { s.make_timestamp("2026-06-01T12:00:00Z"); }, passed,
     SubIndication::none, "it proves the data existed at 2026-06-01T12:00:00Z"},
};

INSTANTIATE_TEST_SUITE_P(SubIndications, EnginePrecedence, ::testing::ValuesIn(k_sub_indications),
                         [](const auto& info) { return info.param.name; });

// Two failing steps: the one EN 319 102-1 5.3.4 puts first decides.
const std::vector<Case> k_two_failures = {
    {"FormatBeforeHash",
     [](Scenario& s) {
         s.facts.format_problem = "trailing bytes";
         s.facts.data_digest = {Check::failed, "the digest differs"};
     },
     failed, SubIndication::format_failure, "trailing bytes"},
    {"IdentificationBeforeSignatureValue",
     [](Scenario& s) {
         s.facts.signer_cert.reset();
         s.facts.signature_value = {Check::failed, "bad signature"};
     },
     indeterminate, SubIndication::no_signing_certificate_found, "is not in it"},
    {"HashBeforeSignatureValue",
     [](Scenario& s) {
         s.facts.data_digest = {Check::failed, "the digest differs"};
         s.facts.signature_value = {Check::failed, "bad signature"};
     },
     failed, SubIndication::hash_failure, "has changed"},
    {"TamperedDataFailsWithoutAnyChain",
     [](Scenario& s) {
         s.context.trust = TrustStore();
         s.facts.data_digest = {Check::failed, "the digest differs"};
     },
     failed, SubIndication::hash_failure, "has changed"},
    {"SignatureValueBeforeAlteredCertificate",
     [](Scenario& s) {
         s.facts.signature_value = {Check::failed, "bad signature"};
         s.facts.certificates.push_back(altered(certs().ca.get()));
     },
     failed, SubIndication::sig_crypto_failure, "does not verify"},
    {"AlteredCertificateBeforeBinding",
     [](Scenario& s) {
         s.facts.certificates.push_back(altered(certs().ca.get()));
         s.facts.binding = validation::Binding::mismatch;
     },
     failed, SubIndication::format_failure, "altered"},
    {"BindingBeforeChain",
     [](Scenario& s) {
         s.facts.binding = validation::Binding::mismatch;
         s.sign_with(certs().expired);
     },
     indeterminate, SubIndication::no_signing_certificate_found, "substituted"},
    {"ProofBeforeIssueBeforeChain",
     [](Scenario& s) {
         s.facts.external_poe = t("2024-06-01T00:00:00Z");
         s.context.trust = TrustStore();
     },
     failed, SubIndication::not_yet_valid, "before the signer's certificate was issued"},
    {"ChainBeforeKeyUsage",
     [](Scenario& s) {
         s.sign_with(certs().noku);
         s.context.trust = TrustStore();
         s.context.trust.add(pki("other-root.pem"));
     },
     indeterminate, SubIndication::no_certificate_chain_found, "no chain from"},
    {"KeyUsageBeforeRevocation",
     [](Scenario& s) {
         s.sign_with(certs().noku);
         s.revocation->answers[der_of(certs().noku.get())] = revoked("2026-03-01T00:00:00Z");
     },
     indeterminate, SubIndication::chain_constraints_failure, "key usage"},
    {"RevocationBeforeAlgorithms",
     [](Scenario& s) {
         s.facts.digest_algorithm = "sha1";
         s.revocation->answers[der_of(certs().signer.get())] = revoked("2026-03-01T00:00:00Z");
     },
     indeterminate, SubIndication::revoked_no_poe, "was revoked on"},
    {"SignerRevocationBeforeCa",
     [](Scenario& s) {
         s.revocation->answers[der_of(certs().signer.get())] =
             with_status(RevocationStatus::unavailable, "down");
         s.revocation->answers[der_of(certs().ca.get())] = revoked("2026-03-01T00:00:00Z");
     },
     indeterminate, SubIndication::try_later, "the signer's certificate could not be obtained"},
};

INSTANTIATE_TEST_SUITE_P(TwoFailures, EnginePrecedence, ::testing::ValuesIn(k_two_failures),
                         [](const auto& info) { return info.param.name; });

TEST(EngineMerge, TheFirstFailingStepDecidesAndLaterStepsAreNotRun) {
    using validation::StepResult;
    int runs = 0;
    const auto verdict = validation::merge({
        [&] {
            ++runs;
            return StepResult{};
        },
        [&] {
            ++runs;
            return StepResult{Indication::indeterminate, SubIndication::try_later, "first"};
        },
        [&] {
            ++runs;
            return StepResult{Indication::total_failed, SubIndication::hash_failure, "second"};
        },
    });
    EXPECT_EQ(runs, 2);
    EXPECT_EQ(verdict.sub_indication, SubIndication::try_later);
    EXPECT_EQ(verdict.explanation, "first");
}

TEST(EngineServices, NoNetworkServiceIsAskedOnceAnEarlierStepFailed) {
    Scenario s;
    s.facts.data_digest = {Check::failed, "the digest differs"};
    s.context.trust = TrustStore();
    s.context.trust.add(pki("other-root.pem"));
    const auto r = s.evaluate();
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
    EXPECT_EQ(s.fetcher->asked, 0);
    EXPECT_EQ(s.revocation->asked, 0);
    EXPECT_TRUE(r.chain.empty());
    EXPECT_TRUE(r.revocation.empty());
}

TEST(EngineServices, EveryCertificateBelowTheAnchorIsAskedAndReported) {
    Scenario s;
    const auto r = s.evaluate();
    ASSERT_EQ(r.indication, Indication::total_passed) << r.explanation;
    EXPECT_EQ(s.revocation->asked, 2);  // the signer's and the issuing CA's
    ASSERT_EQ(r.revocation.size(), 2u);
    EXPECT_EQ(r.revocation[0].status, RevocationStatus::good);
    EXPECT_EQ(r.revocation[0].kind, RevocationKind::ocsp);
    EXPECT_EQ(r.revocation[0].location, "http://ocsp.invalid/");
    EXPECT_EQ(r.revocation[0].source, "OCSP http://ocsp.invalid/");
    // The answers' signatures are judged by the policy with everything else.
    const bool listed = std::any_of(r.algorithms.begin(), r.algorithms.end(), [](const auto& a) {
        return a.purpose.find("the signature of the revocation data for") == 0;
    });
    EXPECT_TRUE(listed);
}

TEST(EngineServices, AMissingIntermediateComesFromTheIssuerFetcher) {
    Scenario s;
    s.facts.certificates.pop_back();  // the issuing CA is not carried
    s.fetcher->issuers.push_back(der_of(certs().ca.get()));
    const auto r = s.evaluate();
    EXPECT_EQ(r.indication, Indication::total_passed) << r.explanation;
    EXPECT_EQ(s.fetcher->asked, 1);
    const bool noted = std::any_of(r.notes.begin(), r.notes.end(), [](const Note& n) {
        return n.code == NoteCode::issuer_fetched;
    });
    EXPECT_TRUE(noted);
}

TEST(EngineServices, WithoutTheIntermediateTheFetcherIsAskedUntilItHasNothing) {
    Scenario s;
    s.facts.certificates.pop_back();
    const auto r = s.evaluate();
    EXPECT_EQ(r.sub_indication, SubIndication::no_certificate_chain_found);
    EXPECT_EQ(s.fetcher->asked, 1);
}

TEST(EngineServices, AnExpiredCertificateIsJudgedAtTheProofOfExistence) {
    Scenario s;
    s.sign_with(certs().expired);
    s.facts.external_poe = t("2025-06-01T00:00:00Z");
    s.facts.external_poe_source = "the evidence record x.ers";
    const auto r = s.evaluate();
    EXPECT_EQ(r.indication, Indication::total_passed) << r.explanation;
    const bool noted = std::any_of(r.notes.begin(), r.notes.end(), [](const Note& n) {
        return n.code == NoteCode::past_chain_valid;
    });
    EXPECT_TRUE(noted);
}

TEST(EngineServices, TheClockGivesTheValidationTimeWhenNoneIsSet) {
    Scenario s;
    EXPECT_EQ(validation::validation_time_of(s.context), t("2027-02-03T04:05:06Z"));
    EXPECT_EQ(verify_batch({}, s.context).validation_time, t("2027-02-03T04:05:06Z"));
    s.context.validation_time = k_at;
    EXPECT_EQ(validation::validation_time_of(s.context), k_at);
}

// The library's own source, offline, from a CRL file and from a CRL the signature carries.
class DefaultSource : public ::testing::Test {
  protected:
    void SetUp() override {
        s.context.revocation_source.reset();
        s.context.offline = true;
        const std::string serial = ossl::serial_hex(certs().signer.get());
        test::write_crl(crl, {{serial, t("2026-03-01T00:00:00Z")}}, t("2026-11-01T00:00:00Z"),
                        t("2027-06-01T00:00:00Z"));
    }
    test::TempDir dir;
    fs::path crl = dir / "ca.crl";
    Scenario s;
};

TEST_F(DefaultSource, ACrlFileIsReadOnceForEverySignature) {
    s.context.crl_files = {crl};
    const auto first = s.evaluate();
    EXPECT_EQ(first.sub_indication, SubIndication::revoked_no_poe) << first.explanation;
    ASSERT_FALSE(first.revocation.empty());
    EXPECT_EQ(first.revocation[0].kind, RevocationKind::crl_file);
    EXPECT_EQ(first.revocation[0].location, crl.string());
    EXPECT_EQ(first.revocation[0].source, "CRL file " + crl.string());
    // Read when the source was made, so a file gone since changes nothing for the batch.
    fs::remove(crl);
    const auto second = s.evaluate();
    EXPECT_EQ(second.sub_indication, SubIndication::revoked_no_poe) << second.explanation;
    // A changed field makes a new default, which reads the files again.
    s.context.crl_files = {dir / "elsewhere.crl"};
    EXPECT_THROW(s.evaluate(), Error);
}

TEST_F(DefaultSource, ACarriedCrlIsEmbedded) {
    const auto bytes = test::read_bytes(crl);
    const unsigned char* p = bytes.data();
    s.facts.crls.emplace_back(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    const auto r = s.evaluate();
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << r.explanation;
    ASSERT_FALSE(r.revocation.empty());
    EXPECT_EQ(r.revocation[0].kind, RevocationKind::crl_embedded);
    EXPECT_EQ(r.revocation[0].source, "CRL in the signature");
    EXPECT_TRUE(r.revocation[0].location.empty());
}

TEST_F(DefaultSource, OfflineWithoutACrlTheCertificatesPublishNothing) {
    const auto r = s.evaluate();
    EXPECT_EQ(r.indication, Indication::total_passed) << r.explanation;
    ASSERT_EQ(r.revocation.size(), 2u);
    EXPECT_EQ(r.revocation[0].status, RevocationStatus::unpublished);
    EXPECT_EQ(r.revocation[0].kind, RevocationKind::none);
}

}  // namespace
}  // namespace ltsign
