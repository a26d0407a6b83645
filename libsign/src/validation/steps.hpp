// EN 319 102-1 basic signature validation (5.3) as steps over the facts, each returning a coded
// result, and the one merge that decides between them by the standard's precedence (5.3.4).
// The steps read facts and the data services gave; only judge (engine.cpp) asks the services.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "validation/model.hpp"

namespace ltsign::validation {

// What one step concluded: TOTAL_PASSED (nothing against the signature), or an indication,
// sub-indication and the sentence that says why.
struct StepResult {
    Indication indication = Indication::total_passed;
    SubIndication sub_indication = SubIndication::none;
    std::string explanation;
    bool passed() const noexcept { return indication == Indication::total_passed; }
};

using Step = std::function<StepResult()>;

// The steps are given in the order of precedence; the first that does not pass decides and the
// steps after it are not run: none of them could change the verdict, and the chain and revocation
// steps cost network work (EN 319 102-1 5.3.4 takes the first building block that fails). When
// every step passes, the last one's result is the verdict (it explains the pass).
StepResult merge(const std::vector<Step>& steps_in_precedence);

// 5.2.2 format checking: a format problem the extractor found, or more certificates than any
// genuine signature carries.
StepResult check_format(const SignatureFacts& facts);
// 5.2.3 identification of the signing certificate.
StepResult identify_signing_certificate(const SignatureFacts& facts);
// 5.2.7 cryptographic verification: the data against its digest, then the signature value.
StepResult check_signature_value(const SignatureFacts& facts);

// The certificates a signature carries are not covered by its signature value: each one whose
// issuer is at hand must verify with that issuer's key.
struct BagCheck {
    std::optional<std::string> altered;  // a carried certificate that fails its issuer's signature
    std::vector<const X509*> unchecked;  // no issuer available to check them with
};
BagCheck check_certificate_bag(const std::vector<ossl::Ptr<X509>>& certs,
                               const detail::TrustStoreImpl& trust);
StepResult check_carried_certificates(const BagCheck& bag);
// A carried certificate nobody could check and the chain did not use is named in a note.
std::vector<Note> unchecked_certificate_notes(const BagCheck& bag,
                                              const std::vector<CertificateInfo>& chain);

// What the signature says it signs and who signed it: a token's message imprint, the signed
// signing-certificate reference (the key-substitution case), data that could not be found.
StepResult check_references(const SignatureFacts& facts);
// RFC 3161 and EN 319 102-1 5.3.4: the TSA's certificate and genTime; a proof of existence
// before the signer's certificate was issued.
StepResult check_timestamp_constraints(const SignatureFacts& facts, std::optional<TimePoint> poe,
                                       TimePoint validation_time);

// What a signature carries for validating it and its time-stamps (B-LT validation data): a
// time-stamp inside a signature uses the signature's certificates, CRLs and OCSP responses too.
struct Carried {
    std::vector<X509*> certificates;
    std::vector<X509_CRL*> crls;
    std::vector<const core::Bytes*> ocsp;
};
Carried carried_by(const SignatureFacts& facts, const SignatureFacts* holder);

// 5.2.6 X.509 certificate validation at the validation time, completed from authorityInfoAccess
// caIssuers (through `fetcher`), and 5.6.2.x past validation at the proof of existence.
struct ChainOutcome {
    ChainResult chain;
    std::vector<Note> notes;
    StepResult result;
};
ChainOutcome check_chain(const SignatureFacts& facts, const Carried& carried,
                         const ValidationContext& context, const IssuerFetcher& fetcher,
                         std::optional<TimePoint> poe, TimePoint validation_time);
// The signer's certificate must allow signing documents (key usage, extended key usage).
StepResult check_key_usage(const SignatureFacts& facts);

// 5.2.5 revocation of every certificate of the chain below the anchor, from what `source`
// answers about the time `at` that must be proven (the proof of existence, a time-stamp's
// genTime, else the validation time); the report's revocation entries, notes and the answers'
// signatures for the policy.
struct RevocationOutcome {
    StepResult result;
    std::vector<RevocationInfo> revocation;
    std::vector<Note> notes;
    std::vector<AlgorithmUse> uses;
};
RevocationOutcome check_revocation(const SignatureFacts& facts, const Carried& carried,
                                   const ValidationContext& context, const RevocationSource& source,
                                   const ChainResult& chain, TimePoint at,
                                   std::optional<TimePoint> poe);

// One answer judged: REVOKED, REVOKED_NO_POE, REVOKED_CA_NO_POE, TRY_LATER or a pass (with a
// note). `role` names the certificate in sentences, `who` is its subject.
struct AnswerJudgement {
    StepResult result;
    std::optional<Note> note;
};
AnswerJudgement judge_answer(const RevocationAnswer& answer, bool signer, const std::string& role,
                             const std::string& who, std::optional<TimePoint> poe,
                             bool require_revocation);

// The algorithms the verdict relies on before revocation: the signature's digest and key, those
// the facts list, and the signatures on the chain's certificates.
std::vector<AlgorithmUse> algorithm_uses(const SignatureFacts& facts, const ChainResult& chain);
// 5.2.8 signature acceptance: every algorithm still trusted at `judged_at` (TS 119 312).
struct AlgorithmOutcome {
    StepResult result;
    std::vector<AlgorithmInfo> listed;  // every algorithm judged, for the report
};
AlgorithmOutcome check_algorithms(const std::vector<AlgorithmUse>& uses,
                                  const ValidationPolicy& policy, TimePoint judged_at,
                                  bool is_timestamp);

}  // namespace ltsign::validation
