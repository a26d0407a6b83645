// The steps of EN 319 102-1 basic validation that read only the facts: format, identification
// of the signing certificate, cryptographic verification, time-stamp constraints, key usage.
#include <openssl/x509v3.h>

#include <algorithm>

#include "ltsign/language.hpp"
#include "validation/memo.hpp"
#include "validation/steps.hpp"

namespace ltsign::validation {
namespace {

StepResult fail(Indication i, SubIndication s, std::string why) {
    return {i, s, std::move(why)};
}

// At most this many certificates in one signature: more is no real signature (an LTA signature
// with its whole validation data carries a few dozen) and only makes path building slow.
constexpr std::size_t k_max_certificates = 256;

// Hostile input may carry hundreds of certificates that all name one issuer: the work is bounded
// by trying each distinct issuer key once per certificate, and at most k_max_issuer_keys of them;
// a certificate with more candidates than that is left unchecked (path validation still verifies
// every certificate it uses).
constexpr std::size_t k_max_issuer_keys = 8;

// RFC 3161 2.3: the TSA's certificate carries exactly one KeyPurposeId, id-kp-timeStamping, in a
// critical extended key usage extension.
std::optional<std::string> tsa_certificate_problem(X509* cert, const std::string& who) {
    int critical = 0;
    const ossl::Ptr<EXTENDED_KEY_USAGE> eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr)));
    ossl::clear_errors();
    if (!eku || critical != 1 || sk_ASN1_OBJECT_num(eku.get()) != 1 ||
        OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)) != NID_time_stamp) {
        return trf(
            "the TSA certificate ({0}) does not carry exactly one, critical, extended key "
            "usage timeStamping (RFC 3161 2.3), so it is not a time-stamping certificate",
            {who});
    }
    return std::nullopt;
}

}  // namespace

CheckResult compare_digest(const ASN1_OCTET_STRING* expected, const core::Bytes& actual,
                           const std::string& mismatch) {
    const auto len = static_cast<std::size_t>(expected->length);
    if (len == actual.size() && CRYPTO_memcmp(expected->data, actual.data(), len) == 0)
        return {Check::passed, ""};
    return {Check::failed,
            trf("{0} {1}, but the data's is {2}", {mismatch, ossl::to_hex(expected->data, len),
                                                   ossl::to_hex(actual.data(), actual.size())})};
}

StepResult check_format(const SignatureFacts& facts) {
    if (facts.format_problem) {
        return fail(Indication::total_failed, SubIndication::format_failure, *facts.format_problem);
    }
    if (facts.certificates.size() > k_max_certificates) {
        const std::string n = std::to_string(facts.certificates.size()),
                          most = std::to_string(k_max_certificates);
        return fail(Indication::total_failed, SubIndication::format_failure,
                    facts.is_timestamp
                        ? trf("the time-stamp carries {0} certificates, more than the {1} any "
                              "genuine one needs",
                              {n, most})
                        : trf("the signature carries {0} certificates, more than the {1} any "
                              "genuine one needs",
                              {n, most}));
    }
    return {};
}

StepResult identify_signing_certificate(const SignatureFacts& facts) {
    if (facts.signer_cert) return {};
    return fail(Indication::indeterminate, SubIndication::no_signing_certificate_found,
                facts.is_timestamp
                    ? tr("the time-stamp's signing certificate is not in it and is neither among "
                         "the trust anchors nor the extra certificates supplied, so its "
                         "signature value cannot be checked")
                    : tr("the signature's signing certificate is not in it and is neither among "
                         "the trust anchors nor the extra certificates supplied, so its "
                         "signature value cannot be checked"));
}

// A failure here is final whatever the chain says.
StepResult check_signature_value(const SignatureFacts& facts) {
    const std::string& detail = facts.signature_value.detail;
    if (facts.data_digest.status == Check::failed) {
        return fail(Indication::total_failed, SubIndication::hash_failure,
                    facts.is_timestamp
                        ? trf("the time-stamp's TSTInfo has changed since the TSA signed it: {0}",
                              {facts.data_digest.detail})
                        : trf("the signed data has changed since it was signed: {0}",
                              {facts.data_digest.detail}));
    }
    if (facts.signature_value.status == Check::failed) {
        return fail(Indication::total_failed, SubIndication::sig_crypto_failure,
                    facts.is_timestamp
                        ? trf("the time-stamp value does not verify with the signer's public "
                              "key: {0}",
                              {detail})
                        : trf("the signature value does not verify with the signer's public "
                              "key: {0}",
                              {detail}));
    }
    if (facts.signature_value.status == Check::not_possible &&
        facts.data_digest.status == Check::not_possible && !facts.data_digest.detail.empty()) {
        // An XML signature's value is only checked once every reference resolved. A data digest
        // left unchecked without a reason of its own (an unsupported algorithm stopped the
        // signature value first) is no sign of missing data: the next step names the algorithm.
        return fail(Indication::indeterminate, SubIndication::signed_data_not_found,
                    facts.data_digest.detail);
    }
    if (facts.signature_value.status == Check::not_possible) {
        return fail(Indication::indeterminate, SubIndication::crypto_constraints_failure,
                    facts.is_timestamp
                        ? trf("the time-stamp value could not be checked: {0}", {detail})
                        : trf("the signature value could not be checked: {0}", {detail}));
    }
    return {};
}

BagCheck check_certificate_bag(const std::vector<ossl::Ptr<X509>>& certs,
                               const detail::TrustStoreImpl& trust) {
    BagCheck out;
    std::vector<X509*> issuers;
    for (const auto& c : certs) issuers.push_back(c.get());
    for (const auto& a : trust.anchors) issuers.push_back(a.get());
    for (const auto& c : certs) {
        bool named = false, verified = false, bounded = false;
        std::vector<EVP_PKEY*> tried;
        for (X509* issuer : issuers) {
            if (X509_check_issued(issuer, c.get()) != X509_V_OK) continue;
            named = true;
            EVP_PKEY* key = X509_get0_pubkey(issuer);
            if (key == nullptr) continue;
            const bool seen = std::any_of(tried.begin(), tried.end(), [&](const EVP_PKEY* k) {
                return EVP_PKEY_eq(k, key) == 1;
            });
            if (seen) continue;
            if (tried.size() == k_max_issuer_keys) {
                bounded = true;
                break;
            }
            tried.push_back(key);
            if (trust.memo ? trust.memo->certificate_verifies(c.get(), issuer)
                           : X509_verify(c.get(), key) == 1) {
                verified = true;
                break;
            }
        }
        ossl::clear_errors();
        if (bounded && !verified) {
            out.unchecked.push_back(c.get());
            continue;
        }
        if (named && !verified) {
            out.altered = trf(
                "the certificate of {0} carried in it does not verify with its issuer's key: it "
                "has been altered",
                {ossl::name_to_string(X509_get_subject_name(c.get()))});
            return out;
        }
        if (!named) out.unchecked.push_back(c.get());
    }
    return out;
}

StepResult check_carried_certificates(const BagCheck& bag) {
    if (!bag.altered) return {};
    return fail(Indication::total_failed, SubIndication::format_failure, *bag.altered);
}

std::vector<Note> unchecked_certificate_notes(const BagCheck& bag,
                                              const std::vector<CertificateInfo>& chain) {
    std::vector<Note> notes;
    for (const X509* c : bag.unchecked) {
        const std::string fp = ossl::sha256_hex(c);
        const bool used = std::any_of(chain.begin(), chain.end(),
                                      [&](const CertificateInfo& i) { return i.sha256 == fp; });
        if (!used) {
            notes.push_back(
                {NoteCode::unchecked_certificate,
                 trf("it also carries the certificate of {0}, whose issuer is unknown; it was not "
                     "needed and could not be checked",
                     {ossl::name_to_string(X509_get_subject_name(c))})});
        }
    }
    return notes;
}

StepResult check_references(const SignatureFacts& facts) {
    if (facts.is_timestamp && facts.imprint.status == Check::failed) {
        return fail(Indication::total_failed, SubIndication::hash_failure,
                    trf("the time-stamp is over other data: {0}", {facts.imprint.detail}));
    }
    if (facts.binding == Binding::mismatch) {
        return fail(Indication::indeterminate, SubIndication::no_signing_certificate_found,
                    facts.is_timestamp
                        ? trf("the signed signing-certificate reference does not match the "
                              "certificate that verifies the time-stamp ({0}); the certificate "
                              "may have been substituted",
                              {facts.binding_detail})
                        : trf("the signed signing-certificate reference does not match the "
                              "certificate that verifies the signature ({0}); the certificate "
                              "may have been substituted",
                              {facts.binding_detail}));
    }
    if (facts.data_digest.status == Check::not_possible) {
        return fail(Indication::indeterminate, SubIndication::signed_data_not_found,
                    facts.data_digest.detail);
    }
    if (facts.is_timestamp && facts.imprint.status == Check::not_possible) {
        return fail(Indication::indeterminate, SubIndication::signed_data_not_found,
                    facts.imprint.detail);
    }
    return {};
}

StepResult check_timestamp_constraints(const SignatureFacts& facts, std::optional<TimePoint> poe,
                                       TimePoint validation_time) {
    X509* cert = facts.signer_cert.get();
    const TimePoint issued = ossl::to_time_point(X509_get0_notBefore(cert));
    if (!facts.is_timestamp) {
        if (poe && *poe < issued) {
            return fail(Indication::total_failed, SubIndication::not_yet_valid,
                        trf("the signature is proven to have existed on {0}, before the "
                            "signer's certificate was issued ({1})",
                            {format_rfc3339(*poe), format_rfc3339(issued)}));
        }
        return {};
    }
    if (auto problem =
            tsa_certificate_problem(cert, ossl::name_to_string(X509_get_subject_name(cert))))
        return fail(Indication::indeterminate, SubIndication::chain_constraints_failure, *problem);
    // A TSA vouches only for times its certificate was valid at; a genTime before it was
    // issued is back-dated (EN 319 102-1 5.3.4: best-signature-time before notBefore).
    if (facts.gen_time && *facts.gen_time < issued) {
        return fail(Indication::total_failed, SubIndication::not_yet_valid,
                    trf("the time-stamp's time {0} is before its TSA certificate was issued ({1})",
                        {format_rfc3339(*facts.gen_time), format_rfc3339(issued)}));
    }
    // Proof dated after the validation time proves nothing at that time.
    if (facts.gen_time && *facts.gen_time > validation_time) {
        return fail(Indication::indeterminate, SubIndication::no_poe,
                    trf("the time-stamp's time {0} is after the validation time {1}, so it proves "
                        "nothing at that time",
                        {format_rfc3339(*facts.gen_time), format_rfc3339(validation_time)}));
    }
    return {};
}

StepResult check_key_usage(const SignatureFacts& facts) {
    if (facts.is_timestamp) return {};
    const uint32_t usage = X509_get_key_usage(facts.signer_cert.get());
    if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
        return fail(Indication::indeterminate, SubIndication::chain_constraints_failure,
                    tr("the signer's certificate does not allow digital signatures (key usage)"));
    }
    if (auto refusal = ossl::document_signing_refusal(facts.signer_cert.get())) {
        return fail(Indication::indeterminate, SubIndication::chain_constraints_failure,
                    trf("the signer's certificate may not sign documents: {0}", {*refusal}));
    }
    return {};
}

}  // namespace ltsign::validation
