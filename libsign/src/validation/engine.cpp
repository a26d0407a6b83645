#include <algorithm>

#include "validation/model.hpp"

namespace ltsign::validation {
namespace {

SubIndication map_chain_error(int err) {
    switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return SubIndication::out_of_bounds_no_poe;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return SubIndication::not_yet_valid;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_UNTRUSTED:
            return SubIndication::no_certificate_chain_found;
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        case X509_V_ERR_INVALID_PURPOSE:
        case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
        case X509_V_ERR_INVALID_EXTENSION:
        case X509_V_ERR_INVALID_POLICY_EXTENSION:
        case X509_V_ERR_NO_EXPLICIT_POLICY:
        case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
        case X509_V_ERR_PERMITTED_VIOLATION:
        case X509_V_ERR_EXCLUDED_VIOLATION:
            return SubIndication::chain_constraints_failure;
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return SubIndication::crypto_constraints_failure;
        default:
            return SubIndication::certificate_chain_general_failure;
    }
}

std::string chain_sentence(SubIndication sub, int err, int depth, X509* failing, TimePoint at) {
    const std::string who = failing != nullptr
                                ? ossl::name_to_string(X509_get_subject_name(failing))
                                : std::string("a certificate");
    const std::string role = depth == 0 ? "the signer's certificate (" + who + ")"
                                        : "the certificate of " + who + " in the chain";
    switch (sub) {
        case SubIndication::out_of_bounds_no_poe:
            return role + " had expired on " +
                   format_rfc3339(ossl::to_time_point(X509_get0_notAfter(failing))) +
                   ", before the validation time " + format_rfc3339(at) +
                   ", and nothing proves the signature existed before then";
        case SubIndication::not_yet_valid:
            return role + " was not yet valid at the validation time " + format_rfc3339(at);
        case SubIndication::no_certificate_chain_found:
            return "no chain from " + role + " to a trusted anchor could be built (" +
                   X509_verify_cert_error_string(err) + "); give the issuing root with --trust";
        default:
            return role + " failed path validation: " + X509_verify_cert_error_string(err);
    }
}

}  // namespace

CheckResult compare_digest(const ASN1_OCTET_STRING* expected, const core::Bytes& actual,
                           const std::string& mismatch) {
    const auto len = static_cast<std::size_t>(expected->length);
    if (len == actual.size() && CRYPTO_memcmp(expected->data, actual.data(), len) == 0)
        return {Check::passed, ""};
    return {Check::failed, mismatch + " " + ossl::to_hex(expected->data, len) +
                               ", but the data's is " + ossl::to_hex(actual.data(), actual.size())};
}

CertificateInfo describe(const X509* cert) {
    CertificateInfo info;
    info.subject = ossl::name_to_string(X509_get_subject_name(cert));
    info.issuer = ossl::name_to_string(X509_get_issuer_name(cert));
    info.serial = ossl::serial_hex(cert);
    info.not_before = ossl::to_time_point(X509_get0_notBefore(cert));
    info.not_after = ossl::to_time_point(X509_get0_notAfter(cert));
    info.sha256 = ossl::sha256_hex(cert);
    return info;
}

ChainResult validate_chain(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                           const detail::TrustStoreImpl& trust, TimePoint at) {
    ChainResult result;
    ossl::clear_errors();
    ossl::Ptr<X509_STORE> store(ossl::check(X509_STORE_new(), Errc::internal, "out of memory"));
    for (const auto& a : trust.anchors) X509_STORE_add_cert(store.get(), a.get());
    ossl::Ptr<STACK_OF(X509)> others(sk_X509_new_null());
    for (const auto& c : untrusted) sk_X509_push(others.get(), ossl::up_ref(c.get()).release());
    ossl::Ptr<X509_STORE_CTX> ctx(
        ossl::check(X509_STORE_CTX_new(), Errc::internal, "out of memory"));
    ossl::check(X509_STORE_CTX_init(ctx.get(), store.get(), cert, others.get()), Errc::internal,
                "cannot start path validation");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at.time_since_epoch().count()));
    // An intermediate given with --trust is a trust anchor in its own right (EN 319 102-1 allows
    // any certificate as anchor).
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

    const int ok = X509_verify_cert(ctx.get());
    ossl::clear_errors();
    if (STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get())) {
        for (int i = 0; i < sk_X509_num(built); ++i)
            result.chain.push_back(describe(sk_X509_value(built, i)));
    }
    if (result.chain.empty()) result.chain.push_back(describe(cert));
    if (ok == 1) {
        result.indication = Indication::total_passed;
        result.explanation =
            "the certificate chain to a trusted anchor was valid at " + format_rfc3339(at);
        return result;
    }
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* failing = X509_STORE_CTX_get_current_cert(ctx.get());
    if (failing == nullptr) failing = cert;
    result.sub_indication =
        trust.anchors.empty() ? SubIndication::no_certificate_chain_found : map_chain_error(err);
    result.indication = Indication::indeterminate;
    result.explanation = trust.anchors.empty()
                             ? "no trust anchor was given, so the signer's certificate cannot be "
                               "traced to a trusted root; give one with --trust"
                             : chain_sentence(result.sub_indication, err, depth, failing, at);
    return result;
}

namespace {

struct BagCheck {
    std::optional<std::string> altered;  // a carried certificate that fails its issuer's signature
    std::vector<const X509*> unchecked;  // no issuer available to check them with
};

// The certificates a signature carries are not covered by its signature value. Each one whose
// issuer is at hand (itself when self-issued, another carried certificate, or an anchor) must
// verify with that issuer's key, so that an altered byte in any of them is noticed even when
// validation does not need that certificate.
BagCheck check_certificate_bag(const std::vector<ossl::Ptr<X509>>& certs,
                               const detail::TrustStoreImpl& trust) {
    BagCheck out;
    std::vector<X509*> issuers;
    for (const auto& c : certs) issuers.push_back(c.get());
    for (const auto& a : trust.anchors) issuers.push_back(a.get());
    for (const auto& c : certs) {
        bool named = false, verified = false;
        for (X509* issuer : issuers) {
            if (X509_check_issued(issuer, c.get()) != X509_V_OK) continue;
            named = true;
            if (X509_verify(c.get(), X509_get0_pubkey(issuer)) == 1) {
                verified = true;
                break;
            }
        }
        ossl::clear_errors();
        if (named && !verified) {
            out.altered =
                "the certificate of " + ossl::name_to_string(X509_get_subject_name(c.get())) +
                " carried in it does not verify with its issuer's key: it has been altered";
            return out;
        }
        if (!named) out.unchecked.push_back(c.get());
    }
    return out;
}

// EN 319 102-1 5.3 for one signature or token, without its own time-stamps.
SignatureReport judge(const SignatureFacts& facts, const ValidationContext& context,
                      TimePoint validation_time) {
    SignatureReport r;
    r.type = facts.type;
    r.level = facts.level;
    r.signing_time = facts.claimed_signing_time;
    r.digest_algorithm = facts.digest_algorithm;
    r.signature_algorithm = facts.signature_algorithm;
    r.notes = facts.notes;
    if (facts.signer_cert) {
        r.signer = ossl::name_to_string(X509_get_subject_name(facts.signer_cert.get()));
    }
    // Until a proof of existence is found, the signature is only known to exist now.
    r.best_signature_time = validation_time;
    const std::string what = facts.is_timestamp ? "time-stamp" : "signature";

    auto verdict = [&](Indication i, SubIndication s, std::string why) {
        r.indication = i;
        r.sub_indication = s;
        r.explanation = std::move(why);
        return r;
    };

    // EN 319 102-1 5.2.2 format checking
    if (facts.format_problem) {
        return verdict(Indication::total_failed, SubIndication::format_failure,
                       *facts.format_problem);
    }
    // 5.2.3 identification of the signing certificate
    if (!facts.signer_cert) {
        return verdict(Indication::indeterminate, SubIndication::no_signing_certificate_found,
                       "the " + what +
                           "'s signing certificate is not in it and was not supplied, so "
                           "its signature value cannot be checked");
    }
    // 5.2.7 cryptographic verification: the data first, then the signature value. A failure here
    // is final whatever the chain says.
    if (facts.data_digest.status == Check::failed) {
        return verdict(
            Indication::total_failed, SubIndication::hash_failure,
            facts.is_timestamp
                ? "the time-stamp's TSTInfo has changed since the TSA signed it: " +
                      facts.data_digest.detail
                : "the signed data has changed since it was signed: " + facts.data_digest.detail);
    }
    if (facts.signature_value.status == Check::failed) {
        return verdict(Indication::total_failed, SubIndication::sig_crypto_failure,
                       "the " + what + " value does not verify with the signer's public key: " +
                           facts.signature_value.detail);
    }
    if (facts.signature_value.status == Check::not_possible) {
        return verdict(
            Indication::indeterminate, SubIndication::crypto_constraints_failure,
            "the " + what + " value could not be checked: " + facts.signature_value.detail);
    }
    const BagCheck bag = check_certificate_bag(facts.certificates, context.trust.impl());
    if (bag.altered)
        return verdict(Indication::total_failed, SubIndication::format_failure, *bag.altered);
    if (facts.is_timestamp && facts.imprint.status == Check::failed) {
        return verdict(Indication::total_failed, SubIndication::hash_failure,
                       "the time-stamp is over other data: " + facts.imprint.detail);
    }
    if (facts.binding == Binding::mismatch) {
        return verdict(Indication::indeterminate, SubIndication::no_signing_certificate_found,
                       "the signed signing-certificate reference does not match the certificate "
                       "that verifies the " +
                           what + " (" + facts.binding_detail +
                           "); the certificate may have been substituted");
    }
    if (facts.data_digest.status == Check::not_possible) {
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       facts.data_digest.detail);
    }
    if (facts.is_timestamp && facts.imprint.status == Check::not_possible) {
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       facts.imprint.detail);
    }
    // RFC 3161 2.3: a TSA certificate carries exactly one, critical, extended key usage:
    // id-kp-timeStamping.
    if (facts.is_timestamp &&
        X509_check_purpose(facts.signer_cert.get(), X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
        ossl::clear_errors();
        return verdict(
            Indication::indeterminate, SubIndication::chain_constraints_failure,
            "the TSA certificate (" + r.signer +
                ") lacks the critical extended key usage timeStamping (RFC 3161 2.3), so it "
                "is not a time-stamping certificate");
    }
    // 5.2.6 X.509 certificate validation
    auto chain = validate_chain(facts.signer_cert.get(), facts.certificates, context.trust.impl(),
                                validation_time);
    r.chain = chain.chain;
    if (chain.indication != Indication::total_passed) {
        return verdict(chain.indication, chain.sub_indication, chain.explanation);
    }
    if (!facts.is_timestamp) {
        const uint32_t usage = X509_get_key_usage(facts.signer_cert.get());
        if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
            return verdict(
                Indication::indeterminate, SubIndication::chain_constraints_failure,
                "the signer's certificate does not allow digital signatures (key usage)");
        }
    }
    for (const X509* c : bag.unchecked) {
        const std::string fp = ossl::sha256_hex(c);
        const bool used = std::any_of(r.chain.begin(), r.chain.end(),
                                      [&](const CertificateInfo& i) { return i.sha256 == fp; });
        if (!used) {
            r.notes.push_back(
                "it also carries the certificate of " +
                ossl::name_to_string(X509_get_subject_name(c)) +
                ", whose issuer is unknown; it was not needed and could not be checked");
        }
    }
    r.notes.push_back(
        "revocation was not checked: this version does not yet fetch OCSP or CRL data");
    if (facts.is_timestamp) {
        r.best_signature_time = facts.gen_time;
        return verdict(
            Indication::total_passed, SubIndication::none,
            "the time-stamped data matches, the TSA's signature verifies, and its certificate "
            "chains to a trusted anchor at " +
                format_rfc3339(validation_time) + "; it proves the data existed at " +
                format_rfc3339(*facts.gen_time));
    }
    return verdict(Indication::total_passed, SubIndication::none,
                   "the signed data is intact, the signature value verifies, and the signer's "
                   "certificate chains to a trusted anchor at " +
                       format_rfc3339(validation_time));
}

}  // namespace

SignatureReport evaluate(const SignatureFacts& facts, const ValidationContext& context,
                         TimePoint validation_time) {
    SignatureReport r = judge(facts, context, validation_time);
    for (const auto& ts : facts.timestamps)
        r.timestamps.push_back(evaluate(ts, context, validation_time));

    // A signature-time-stamp that is broken (not merely unconfirmed) means the signature file has
    // been tampered with: the signature cannot pass (EN 319 122-1 B-T must be technically valid).
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_failed && r.indication != Indication::total_failed) {
            r.indication = Indication::total_failed;
            r.sub_indication = ts.sub_indication;
            r.explanation = "the signature's time-stamp is broken: " + ts.explanation;
            return r;
        }
    }
    // The earliest time-stamp that passed is proof that the signature existed then.
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_passed && ts.best_signature_time &&
            (!r.best_signature_time || *ts.best_signature_time < *r.best_signature_time)) {
            r.best_signature_time = ts.best_signature_time;
        }
        if (ts.indication == Indication::indeterminate) {
            r.notes.push_back(
                "a signature time-stamp could not be confirmed (" +
                std::string(to_string(ts.sub_indication)) +
                "), so it proves nothing about when the signature existed: " + ts.explanation);
        }
    }
    return r;
}

}  // namespace ltsign::validation
