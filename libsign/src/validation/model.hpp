// The neutral model between the format areas (cms, xml, asic, ers) and the validation engine:
// each format extracts facts and runs its own cryptographic checks; the engine judges them
// (ETSI EN 319 102-1 5.2, basic signature validation) the same way for every format.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/impl_access.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/report.hpp"
#include "ltsign/verify.hpp"

namespace ltsign::validation {
class Memo;  // validation/memo.hpp
}  // namespace ltsign::validation

namespace ltsign::detail {
// When an anchor may anchor what (a trusted list's service with its status history, a trust
// configuration's entry with its validity period); an anchor without terms (--trust PEM) anchors
// anything at any time.
struct AnchorTerms {
    bool for_signatures = true;
    bool for_timestamps = true;
    bool for_revocation = true;  // may sign OCSP responses (a trusted responder)
    // The intervals [from, to) in which the anchor is granted; `to` empty: until further notice.
    // Empty with `always`: no restriction.
    struct Period {
        TimePoint from{};
        std::optional<TimePoint> to;
        std::string status;  // the status URI in force (trusted lists), else empty
    };
    bool always = true;
    std::vector<Period> periods;
    // Every status change (trusted lists), oldest first, granted or not: for saying why not.
    std::vector<std::pair<TimePoint, std::string>> history;
    // What the report names (AnchorUse); `use.status` is filled from the period that applied.
    AnchorUse use;
    // Trusted lists: the service's qualifiers (TS 119 612 5.5.9.2.3 Qualifications), as URIs,
    // with the certificate policies each applies to (empty: every certificate).
    struct Qualifier {
        std::string uri;
        std::vector<std::string> policies;
        bool all_policies = false;    // assert="all": every policy in `policies` is needed
        bool other_criteria = false;  // criteria not evaluated: the qualifier never upgrades
    };
    std::vector<Qualifier> qualifiers;
    bool qualified_type = false;  // service type CA/QC or TSA/QTST
};

// A trusted list that could not be used (its signature failed, its signer was not the expected
// one, it expired, it could not be read), with the anchors it would have given when it could be
// read at all: a chain that needs them is INDETERMINATE with `reason`, never a silent pass.
struct RefusedList {
    std::string name;    // "the trusted list of SE (https://...)"
    std::string reason;  // why it is not used
    std::vector<ossl::Ptr<X509>> would_anchor;
};

struct TrustStoreImpl {
    // Every anchor certificate; terms[i] (when i < terms.size()) says when anchors[i] anchors.
    std::vector<ossl::Ptr<X509>> anchors;
    std::vector<AnchorTerms> terms;
    std::vector<RefusedList> refused;
    std::optional<TrustSnapshotInfo> snapshot;  // the trusted-list snapshot the anchors came from
    // What validations with these anchors need not work out twice; none for a store made on the
    // side (validation/memo.hpp).
    std::shared_ptr<validation::Memo> memo;
};

inline const TrustStoreImpl& impl(const TrustStore& trust) noexcept {
    return Access::impl(trust);
}
}  // namespace ltsign::detail

namespace ltsign::validation {

struct EvidenceRecordFacts;  // validation/evidence.hpp

enum class Check { passed, failed, not_possible };

struct CheckResult {
    Check status = Check::not_possible;
    std::string detail;  // why it failed or could not be done
};

// Compares a digest found in a signature or token with the one computed over the data.
// `mismatch` starts the failure's detail; the two values follow in hex.
CheckResult compare_digest(const ASN1_OCTET_STRING* expected, const core::Bytes& actual,
                           const std::string& mismatch);

// An algorithm that carries proof beyond the signature's own digest and key: a message imprint,
// an XML reference digest or SignatureMethod, a certificate's or an OCSP response's signature.
// The engine judges each against the policy (TS 119 312) at the proof of existence, and the
// report lists them all.
struct AlgorithmUse {
    std::string purpose;   // what it protects, e.g. "the time-stamp's message imprint"
    std::string digest;    // policy name ("sha1", "sha256", ...); empty: the use names no digest
    std::string key_kind;  // "rsa", "ec", "dsa", ...; empty: no key involved
    int key_bits = 0;
};

// How the signed attributes name the signing certificate (RFC 5035, XAdES SigningCertificate).
enum class Binding { absent, matches, mismatch };

struct SignatureFacts {
    EntryType type = EntryType::signature;  // signature or timestamp
    SignatureLevel level = SignatureLevel::none;
    std::optional<std::string> format_problem;  // set: FORMAT_FAILURE
    // Set: INDETERMINATE/SIG_CONSTRAINTS_FAILURE once every other check passed (a PDF changed
    // after signing in ways the signature does not permit).
    std::optional<std::string> constraints_problem;
    ossl::Ptr<X509> signer_cert;                // null: the signing certificate was not identified
    std::vector<ossl::Ptr<X509>> certificates;  // every certificate the signature carries
    Binding binding = Binding::absent;
    std::string binding_detail;
    CheckResult data_digest;      // the signed data against its digest
    CheckResult signature_value;  // the signature value over what was signed
    std::optional<TimePoint> claimed_signing_time;
    std::string digest_algorithm;
    std::string signature_algorithm;
    std::vector<Note> notes;
    std::vector<SignedDataObject> signed_data;
    // Further algorithms carrying proof (the digest and signer key above are judged anyway).
    std::vector<AlgorithmUse> algorithms;

    // Time-stamp tokens (RFC 3161): the message imprint against the time-stamped data, and
    // the time the TSA vouches for.
    bool is_timestamp = false;
    CheckResult imprint;
    std::optional<TimePoint> gen_time;

    // Signature-time-stamps over this signature's value (CAdES B-T), judged with it.
    std::vector<SignatureFacts> timestamps;
    // Archive time-stamps over the signature and its validation data (CAdES
    // archive-time-stamp-v3, XAdES ArchiveTimeStamp), in any order: the engine orders them by
    // genTime and validates them latest first, each giving the earlier ones their proof of
    // existence (EN 319 102-1 5.6.3).
    std::vector<SignatureFacts> archive_timestamps;
    // Revocation data the signature carries (CMS SignedData crls, XAdES RevocationValues and
    // TimeStampValidationData): CRLs, and OCSP responses as DER OCSPResponse. The time-stamps
    // over the signature use them too, and its certificates.
    std::vector<ossl::Ptr<X509_CRL>> crls;
    std::vector<core::Bytes> ocsp_responses;
    // Evidence records embedded in the signature (CAdES-E-ERS, XAdES-E-ERS), as facts against
    // what each covers: each that verifies proves the signature existed at its first time-stamp.
    std::vector<std::shared_ptr<const EvidenceRecordFacts>> evidence_records;
    // A proof of existence from outside the signature (an evidence record over the file).
    std::optional<TimePoint> external_poe;
    std::string external_poe_source;

    // Set when the signing certificate is not carried (a token made without certReq): the facts
    // extracted again with further candidate certificates (anchors, extra certificates).
    std::function<SignatureFacts(const std::vector<X509*>&)> with_candidates;
};

// Validation data a signature is extended with (B-LT), DER each: certificates, CRLs, OCSP
// responses (OCSPResponse).
struct ValidationData {
    std::vector<core::Bytes> certificates;
    std::vector<core::Bytes> crls;
    std::vector<core::Bytes> ocsp;
    bool empty() const { return certificates.empty() && crls.empty() && ocsp.empty(); }
};

// X.509 path validation of `cert` at time `at` to the trust anchors (EN 319 102-1 5.2.6).
struct ChainResult {
    Indication indication = Indication::indeterminate;
    std::optional<AnchorUse> anchored_by;  // the anchor that closed the chain (when it passed)
    SubIndication sub_indication = SubIndication::none;
    std::string explanation;
    std::vector<CertificateInfo> chain;  // target first
    std::vector<ossl::Ptr<X509>> certs;  // the same, as certificates (anchor last)
    TimePoint expired_at{};              // for OUT_OF_BOUNDS_NO_POE: when the failing one expired
};
// Which anchors count: those meant for `purpose` whose terms grant them at every time of `at`
// (EN 319 102-1 and TS 119 615: a trusted list's service status at the times that matter).
// Empty `at`: every anchor, whatever its terms.
enum class AnchorPurpose { signatures, timestamps, revocation };
struct AnchorQuery {
    AnchorPurpose purpose = AnchorPurpose::signatures;
    std::vector<TimePoint> at;
    std::string when;  // those times in words, for sentences ("at the proof of existence ...")
};
ChainResult validate_chain(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                           const detail::TrustStoreImpl& trust, TimePoint at,
                           const AnchorQuery& query = {});

CertificateInfo describe(const X509* cert);

// EN 319 102-1 5.3 (validation process for basic signatures) over the facts, with its
// time-stamps (5.4) and archive time-stamps (5.6.3, validation with long-term data).
SignatureReport evaluate(const SignatureFacts& facts, const ValidationContext& context,
                         TimePoint validation_time);

// Renewal planning from a report's time-stamps (SignatureReport::renew_by, renew_from): the
// latest time-stamp's TSA chain expiry and the policy's end for its algorithms; from its genTime
// on, or from the nextUpdate of the CRL that judged its TSA certificate if that CRL was issued
// before it. Nothing when the report has no time-stamp with a known chain.
void plan_renewal(SignatureReport& report, const ValidationPolicy& policy);

}  // namespace ltsign::validation
