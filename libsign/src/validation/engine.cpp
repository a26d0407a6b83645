#include <algorithm>

#include "revocation/revocation.hpp"
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
    info.der = ossl::to_der(cert);
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
        for (int i = 0; i < sk_X509_num(built); ++i) {
            result.chain.push_back(describe(sk_X509_value(built, i)));
            result.certs.push_back(ossl::up_ref(sk_X509_value(built, i)));
        }
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
    result.expired_at = ossl::to_time_point(X509_get0_notAfter(failing));
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

std::string status_name(revocation::Status s) {
    switch (s) {
        case revocation::Status::good:
            return "good";
        case revocation::Status::revoked:
            return "revoked";
        case revocation::Status::unknown:
            return "unknown";
        case revocation::Status::unavailable:
            return "unavailable";
        case revocation::Status::unpublished:
            return "unpublished";
    }
    return "unavailable";
}

// EN 319 102-1 5.2.5 and 5.6.2.1: the status of every certificate below the anchor. A revoked
// one fails the signature when the proof of existence comes after the revocation (REVOKED), is
// indeterminate without any proof (REVOKED_NO_POE, REVOKED_CA_NO_POE), and is harmless when the
// signature is proven to have existed before. nullopt when validation may go on.
std::optional<SignatureReport> check_revocation(const SignatureFacts& facts,
                                                const ValidationContext& context,
                                                const ChainResult& chain, TimePoint at,
                                                std::optional<TimePoint> poe, SignatureReport& r) {
    revocation::Sources sources;
    sources.offline = context.offline;
    sources.timeout = context.revocation_timeout;
    sources.cache_dir = context.cache_dir;
    for (const auto& f : context.crl_files) {
        sources.crls.push_back(revocation::load_crl(f));
        sources.crl_names.push_back("CRL file " + f.string());
    }
    for (const auto& c : facts.crls) {
        X509_CRL_up_ref(c.get());
        sources.crls.emplace_back(c.get());
        sources.crl_names.push_back("CRL in the signature");
    }
    std::vector<X509*> anchors, untrusted;
    for (const auto& a : context.trust.impl().anchors) anchors.push_back(a.get());
    for (const auto& c : facts.certificates) untrusted.push_back(c.get());

    auto verdict = [&](Indication i, SubIndication s, std::string why) {
        r.indication = i;
        r.sub_indication = s;
        r.explanation = std::move(why);
        return r;
    };
    for (std::size_t i = 0; i + 1 < chain.certs.size(); ++i) {
        X509* cert = chain.certs[i].get();
        const std::string who = ossl::name_to_string(X509_get_subject_name(cert));
        const auto res =
            revocation::check(cert, chain.certs[i + 1].get(), sources, anchors, untrusted, at);
        r.revocation.push_back(
            {who, status_name(res.status), res.source, res.revoked_at, res.detail});
        const std::string role =
            i == 0 ? (facts.is_timestamp ? "the TSA's certificate" : "the signer's certificate")
                   : "the certificate of " + who;
        switch (res.status) {
            case revocation::Status::good:
                r.notes.push_back("revocation of " + who + ": good per " + res.source + " (" +
                                  res.detail + ")");
                break;
            case revocation::Status::revoked: {
                const std::string when = format_rfc3339(*res.revoked_at);
                if (poe && *poe < *res.revoked_at) {
                    r.notes.push_back(role + " was revoked on " + when + " (per " + res.source +
                                      "), after the signature is proven to have existed (" +
                                      format_rfc3339(*poe) + ")");
                    break;
                }
                if (poe) {
                    return verdict(Indication::total_failed, SubIndication::revoked,
                                   role + " was revoked on " + when + " (per " + res.source +
                                       "), before the earliest proof that the signature existed (" +
                                       format_rfc3339(*poe) + ")");
                }
                return verdict(
                    Indication::indeterminate,
                    i == 0 ? SubIndication::revoked_no_poe : SubIndication::revoked_ca_no_poe,
                    role + " was revoked on " + when + " (per " + res.source +
                        "), and nothing proves the signature existed before then");
            }
            case revocation::Status::unknown:
                return verdict(Indication::indeterminate, SubIndication::try_later,
                               res.source + " does not know " + role + " (status unknown)");
            case revocation::Status::unavailable:
                return verdict(
                    Indication::indeterminate, SubIndication::try_later,
                    "the revocation status of " + role + " could not be obtained: " + res.detail);
            case revocation::Status::unpublished:
                if (context.policy.require_revocation) {
                    return verdict(
                        Indication::indeterminate, SubIndication::try_later,
                        role + " publishes no revocation information and the policy requires it");
                }
                r.notes.push_back("revocation of " + who + " was not checked: " + res.detail);
                break;
        }
    }
    return std::nullopt;
}

// EN 319 102-1 5.3 for one signature or token, without its own time-stamps.
SignatureReport judge(const SignatureFacts& facts, const ValidationContext& context,
                      std::optional<TimePoint> poe, TimePoint validation_time) {
    SignatureReport r;
    r.type = facts.type;
    r.level = facts.level;
    r.signing_time = facts.claimed_signing_time;
    r.digest_algorithm = facts.digest_algorithm;
    r.signature_algorithm = facts.signature_algorithm;
    r.notes = facts.notes;
    r.signed_data = facts.signed_data;
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
    if (facts.signature_value.status == Check::not_possible &&
        facts.data_digest.status == Check::not_possible) {
        // An XML signature's value is only checked once every reference resolved.
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       facts.data_digest.detail);
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
    // 5.2.6 X.509 certificate validation at the validation time; 5.6.2.x past signature
    // validation: an expired certificate is judged at the proof of existence instead, when one
    // shows the signature existed while it was valid.
    std::vector<ossl::Ptr<X509>> pool;
    for (const auto& c : facts.certificates) pool.push_back(ossl::up_ref(c.get()));
    auto chain =
        validate_chain(facts.signer_cert.get(), pool, context.trust.impl(), validation_time);
    // A missing intermediate is fetched from the authorityInfoAccess caIssuers location (a few
    // hops at most) when the network may be used.
    for (int hop = 0; hop < 3 && !context.offline && !context.trust.impl().anchors.empty() &&
                      chain.sub_indication == SubIndication::no_certificate_chain_found;
         ++hop) {
        X509* last = chain.certs.empty() ? facts.signer_cert.get() : chain.certs.back().get();
        auto fetched = revocation::fetch_issuers(last, context.revocation_timeout);
        if (fetched.empty()) break;
        for (auto& c : fetched) {
            r.notes.push_back("the certificate of " +
                              ossl::name_to_string(X509_get_subject_name(c.get())) +
                              " was fetched from the authorityInfoAccess of " +
                              ossl::name_to_string(X509_get_subject_name(last)));
            pool.push_back(std::move(c));
        }
        chain =
            validate_chain(facts.signer_cert.get(), pool, context.trust.impl(), validation_time);
    }
    if (chain.indication != Indication::total_passed &&
        chain.sub_indication == SubIndication::out_of_bounds_no_poe && poe &&
        *poe < chain.expired_at) {
        auto past = validate_chain(facts.signer_cert.get(), pool, context.trust.impl(), *poe);
        if (past.indication == Indication::total_passed) {
            r.notes.push_back("a certificate of the chain expired on " +
                              format_rfc3339(chain.expired_at) +
                              ", but the signature is proven to have existed on " +
                              format_rfc3339(*poe) + ", when the chain was valid");
            chain = std::move(past);
        }
    }
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

    // 5.2.5 revocation, for every certificate of the chain below the anchor.
    if (auto revoked = check_revocation(facts, context, chain, validation_time, poe, r))
        return *revoked;

    // 5.2.8 signature acceptance: the algorithms must still have been trusted when the signature
    // is proven to have existed (TS 119 312).
    const TimePoint judged_at = poe.value_or(validation_time);
    if (auto end = context.policy.end_of_digest(facts.digest_algorithm); end && judged_at >= *end) {
        return verdict(Indication::indeterminate, SubIndication::crypto_constraints_failure_no_poe,
                       facts.digest_algorithm + " stopped being acceptable for " + what + "s on " +
                           format_rfc3339(*end) + ", and nothing proves the " + what +
                           " existed before then");
    }
    const EVP_PKEY* key = X509_get0_pubkey(facts.signer_cert.get());
    const std::string kind = EVP_PKEY_is_a(key, "EC")                                       ? "ec"
                             : (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) ? "rsa"
                                                                                            : "";
    if (!kind.empty()) {
        const int bits = EVP_PKEY_get_bits(key);
        if (auto end = context.policy.end_of_key(kind, bits); end && judged_at >= *end) {
            return verdict(Indication::indeterminate,
                           SubIndication::crypto_constraints_failure_no_poe,
                           "a " + std::to_string(bits) + "-bit " + (kind == "ec" ? "EC" : "RSA") +
                               " key stopped being acceptable on " + format_rfc3339(*end) +
                               ", and nothing proves the " + what + " existed before then");
        }
    }
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
    std::vector<SignatureReport> stamps;
    for (const auto& ts : facts.timestamps)
        stamps.push_back(evaluate(ts, context, validation_time));
    // Proof of existence (EN 319 102-1 5.6.2.4): the earliest time-stamp over the signature that
    // passed, or an evidence record over the signature file, whichever is earlier.
    std::optional<TimePoint> poe;
    std::string poe_source;
    for (const auto& ts : stamps) {
        if (ts.indication == Indication::total_passed && ts.signing_time &&
            (!poe || *ts.signing_time < *poe)) {
            poe = ts.signing_time;
            poe_source = "its signature time-stamp";
        }
    }
    if (facts.external_poe && (!poe || *facts.external_poe < *poe)) {
        poe = facts.external_poe;
        poe_source = facts.external_poe_source;
    }
    SignatureReport r = judge(facts, context, poe, validation_time);
    r.timestamps = std::move(stamps);
    if (poe && !facts.is_timestamp) {
        r.best_signature_time = poe;
        r.notes.push_back(poe_source + " proves the signature existed on " + format_rfc3339(*poe));
    }

    // A signature-time-stamp that is broken (not merely unconfirmed) means the signature file has
    // been tampered with: the signature cannot pass (EN 319 122-1 B-T must be technically valid).
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_failed && r.indication != Indication::total_failed) {
            r.indication = Indication::total_failed;
            r.sub_indication = ts.sub_indication;
            r.explanation = "the signature's time-stamp is broken: " + ts.explanation;
            return r;
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
