#include <openssl/x509v3.h>

#include <algorithm>

#include "crypto/digests.hpp"
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
            if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
                err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
                // The chain is incomplete: name what is missing rather than suggest trusting
                // whatever comes next (an intermediate is completed, not trusted).
                return "no chain from " + role +
                       " to a trusted anchor could be built: its issuer " +
                       ossl::name_to_string(X509_get_issuer_name(failing)) +
                       " is neither carried, supplied as an extra certificate, nor trusted";
            }
            return "no chain from " + role + " to a trusted anchor could be built (" +
                   X509_verify_cert_error_string(err) + ")";
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
    info.der = core::to_public_bytes(ossl::to_der(cert));
    return info;
}

ChainResult validate_chain(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                           const detail::TrustStoreImpl& trust, TimePoint at) {
    ChainResult result;
    ossl::clear_errors();
    ossl::Ptr<X509_STORE> store(ossl::check(X509_STORE_new(), Errc::internal, "out of memory"));
    for (const auto& a : trust.anchors)
        ossl::check(X509_STORE_add_cert(store.get(), a.get()), Errc::internal, "out of memory");
    ossl::Ptr<STACK_OF(X509)> others(
        ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
    for (const auto& c : untrusted) ossl::push(others.get(), ossl::up_ref(c.get()));
    ossl::Ptr<X509_STORE_CTX> ctx(
        ossl::check(X509_STORE_CTX_new(), Errc::internal, "out of memory"));
    ossl::check(X509_STORE_CTX_init(ctx.get(), store.get(), cert, others.get()), Errc::internal,
                "cannot start path validation");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at.time_since_epoch().count()));
    // An intermediate given with --trust is a trust anchor in its own right (EN 319 102-1 allows
    // any certificate as anchor).
    ossl::check(X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN), Errc::internal,
                "out of memory");

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
// Hostile input may carry hundreds of certificates that all name one issuer: the work is bounded
// by trying each distinct issuer key once per certificate, and at most k_max_issuer_keys of them;
// a certificate with more candidates than that is left unchecked (path validation still verifies
// every certificate it uses).
constexpr std::size_t k_max_issuer_keys = 8;

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
            if (X509_verify(c.get(), key) == 1) {
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
                                                std::optional<TimePoint> poe, SignatureReport& r,
                                                std::vector<AlgorithmUse>& uses) {
    revocation::Sources sources;
    sources.offline = context.offline;
    sources.require_nonce = context.policy.require_ocsp_nonce;
    sources.max_age = context.policy.ocsp_max_age;
    sources.timeout = context.revocation_timeout;
    sources.cache_dir = context.cache_dir;
    for (const auto& f : context.crl_files) {
        sources.crls.push_back(revocation::load_crl(f));
        sources.crl_names.push_back("CRL file " + f.string());
    }
    for (const auto& c : facts.crls) {
        sources.crls.push_back(ossl::up_ref(c.get()));
        sources.crl_names.push_back("CRL in the signature");
    }
    std::vector<X509*> anchors, untrusted;
    for (const auto& a : detail::impl(context.trust).anchors) anchors.push_back(a.get());
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
        if (!res.signature_digest.empty() || !res.signer_key_kind.empty()) {
            uses.push_back(
                {"the signature of the revocation data for " + who + " (" + res.source + ")",
                 res.signature_digest, res.signer_key_kind, res.signer_key_bits});
        }
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
                const std::string source =
                    res.stale
                        ? res.source + ", past its nextUpdate; a revocation it lists stays proven"
                        : res.source;
                if (poe && *poe < *res.revoked_at) {
                    r.notes.push_back(role + " was revoked on " + when + " (per " + source +
                                      "), after the signature is proven to have existed (" +
                                      format_rfc3339(*poe) + ")");
                    break;
                }
                if (poe) {
                    return verdict(Indication::total_failed, SubIndication::revoked,
                                   role + " was revoked on " + when + " (per " + source +
                                       "), before the earliest proof that the signature existed (" +
                                       format_rfc3339(*poe) + ")");
                }
                return verdict(
                    Indication::indeterminate,
                    i == 0 ? SubIndication::revoked_no_poe : SubIndication::revoked_ca_no_poe,
                    role + " was revoked on " + when + " (per " + source +
                        "), and nothing proves the signature existed before then");
            }
            case revocation::Status::unknown:
                return verdict(Indication::indeterminate, SubIndication::try_later,
                               res.source + " does not know " + role + " (status unknown)");
            case revocation::Status::unavailable:
                return verdict(
                    Indication::indeterminate, SubIndication::try_later,
                    "the revocation status of " + role + " could not be obtained (" + res.detail +
                        "); try again when the responder is reachable, or verify offline with "
                        "a CRL from the issuer");
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

// RFC 3161 2.3: the TSA's certificate carries exactly one KeyPurposeId, id-kp-timeStamping, in a
// critical extended key usage extension.
std::optional<std::string> tsa_certificate_problem(X509* cert, const std::string& who) {
    int critical = 0;
    const ossl::Ptr<EXTENDED_KEY_USAGE> eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr)));
    ossl::clear_errors();
    if (!eku || critical != 1 || sk_ASN1_OBJECT_num(eku.get()) != 1 ||
        OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)) != NID_time_stamp) {
        return "the TSA certificate (" + who +
               ") does not carry exactly one, critical, extended key usage timeStamping (RFC "
               "3161 2.3), so it is not a time-stamping certificate";
    }
    return std::nullopt;
}

// The policy's name for a key: "rsa-2048", "ec-256", ...
std::string key_name(const std::string& kind, int bits) {
    return kind + "-" + std::to_string(bits);
}

// Every algorithm the verdict relies on, each judged against the policy at `judged_at`: the
// report lists them all; the first unacceptable one is returned.
std::optional<AlgorithmInfo> judge_algorithms(const std::vector<AlgorithmUse>& uses,
                                              const ValidationPolicy& policy, TimePoint judged_at,
                                              SignatureReport& r) {
    std::optional<AlgorithmInfo> rejected;
    auto record = [&](const std::string& purpose, const std::string& name,
                      std::optional<TimePoint> end) {
        AlgorithmInfo info{purpose, name, end, judged_at, !end || judged_at < *end};
        const bool listed =
            std::any_of(r.algorithms.begin(), r.algorithms.end(),
                        [&](const auto& a) { return a.purpose == purpose && a.algorithm == name; });
        if (!listed) r.algorithms.push_back(info);
        if (!info.acceptable && !rejected) rejected = info;
    };
    for (const auto& u : uses) {
        if (!u.digest.empty() && !policy.knows_digest(u.digest)) {
            // A digest the policy does not name is not trusted at all.
            AlgorithmInfo info{u.purpose, u.digest, std::nullopt, judged_at, false};
            r.algorithms.push_back(info);
            if (!rejected) rejected = info;
        } else if (!u.digest.empty()) {
            record(u.purpose, u.digest, policy.end_of_digest(u.digest));
        }
        if (!u.key_kind.empty() && u.key_bits > 0) {
            record(u.purpose, key_name(u.key_kind, u.key_bits),
                   policy.end_of_key(u.key_kind, u.key_bits));
        }
    }
    return rejected;
}

// The signatures on the certificates of a chain, each made with its issuer's key (the anchor's
// own signature is not relied on).
void chain_algorithms(const ChainResult& chain, std::vector<AlgorithmUse>& uses) {
    for (std::size_t i = 0; i + 1 < chain.certs.size(); ++i) {
        X509* cert = chain.certs[i].get();
        int md_nid = NID_undef;
        std::string digest;
        if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) == 1 &&
            md_nid != NID_undef) {
            digest = crypto::digest_name(EVP_get_digestbynid(md_nid));
        }
        ossl::clear_errors();
        const EVP_PKEY* key = X509_get0_pubkey(chain.certs[i + 1].get());
        uses.push_back({"the signature on the certificate of " +
                            ossl::name_to_string(X509_get_subject_name(cert)),
                        digest, crypto::key_kind(key), key ? EVP_PKEY_get_bits(key) : 0});
    }
}

// At most this many certificates in one signature: more is no real signature (an LTA signature
// with its whole validation data carries a few dozen) and only makes path building slow.
constexpr std::size_t k_max_certificates = 256;

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
        // Every verdict explains itself: a step whose facts gave no reason still names its outcome
        // rather than leave the reader with a bare code.
        if (r.explanation.empty()) {
            r.explanation = "the " + what + " is " + std::string(to_string(i)) +
                            (s == SubIndication::none ? std::string()
                                                      : " (" + std::string(to_string(s)) + ")") +
                            "; the step that decided it recorded no reason";
        }
        return r;
    };

    // EN 319 102-1 5.2.2 format checking
    if (facts.format_problem) {
        return verdict(Indication::total_failed, SubIndication::format_failure,
                       *facts.format_problem);
    }
    if (facts.certificates.size() > k_max_certificates) {
        return verdict(Indication::total_failed, SubIndication::format_failure,
                       "the " + what + " carries " + std::to_string(facts.certificates.size()) +
                           " certificates, more than the " + std::to_string(k_max_certificates) +
                           " any genuine one needs");
    }
    // 5.2.3 identification of the signing certificate
    if (!facts.signer_cert) {
        return verdict(Indication::indeterminate, SubIndication::no_signing_certificate_found,
                       "the " + what +
                           "'s signing certificate is not in it and is neither among the trust "
                           "anchors nor the extra certificates supplied, so its signature value "
                           "cannot be checked");
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
        facts.data_digest.status == Check::not_possible && !facts.data_digest.detail.empty()) {
        // An XML signature's value is only checked once every reference resolved. A data digest
        // left unchecked without a reason of its own (an unsupported algorithm stopped the
        // signature value first) is no sign of missing data: the next step names the algorithm.
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       facts.data_digest.detail);
    }
    if (facts.signature_value.status == Check::not_possible) {
        return verdict(
            Indication::indeterminate, SubIndication::crypto_constraints_failure,
            "the " + what + " value could not be checked: " + facts.signature_value.detail);
    }
    const BagCheck bag = check_certificate_bag(facts.certificates, detail::impl(context.trust));
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
    if (facts.is_timestamp) {
        if (auto problem = tsa_certificate_problem(facts.signer_cert.get(), r.signer))
            return verdict(Indication::indeterminate, SubIndication::chain_constraints_failure,
                           *problem);
        // A TSA vouches only for times its certificate was valid at; a genTime before it was
        // issued is back-dated (EN 319 102-1 5.3.4: best-signature-time before notBefore).
        const TimePoint issued = ossl::to_time_point(X509_get0_notBefore(facts.signer_cert.get()));
        if (facts.gen_time && *facts.gen_time < issued) {
            return verdict(Indication::total_failed, SubIndication::not_yet_valid,
                           "the time-stamp's time " + format_rfc3339(*facts.gen_time) +
                               " is before its TSA certificate was issued (" +
                               format_rfc3339(issued) + ")");
        }
        // Proof dated after the validation time proves nothing at that time.
        if (facts.gen_time && *facts.gen_time > validation_time) {
            return verdict(Indication::indeterminate, SubIndication::no_poe,
                           "the time-stamp's time " + format_rfc3339(*facts.gen_time) +
                               " is after the validation time " + format_rfc3339(validation_time) +
                               ", so it proves nothing at that time");
        }
    } else if (poe) {
        const TimePoint issued = ossl::to_time_point(X509_get0_notBefore(facts.signer_cert.get()));
        if (*poe < issued) {
            return verdict(Indication::total_failed, SubIndication::not_yet_valid,
                           "the signature is proven to have existed on " + format_rfc3339(*poe) +
                               ", before the signer's certificate was issued (" +
                               format_rfc3339(issued) + ")");
        }
    }
    // 5.2.6 X.509 certificate validation at the validation time; 5.6.2.x past signature
    // validation: an expired certificate is judged at the proof of existence instead, when one
    // shows the signature existed while it was valid.
    std::vector<ossl::Ptr<X509>> pool;
    for (const auto& c : facts.certificates) pool.push_back(ossl::up_ref(c.get()));
    for (const auto& c : detail::impl(context.extra_certificates).anchors)
        pool.push_back(ossl::up_ref(c.get()));
    auto chain =
        validate_chain(facts.signer_cert.get(), pool, detail::impl(context.trust), validation_time);
    // A missing intermediate is fetched from the authorityInfoAccess caIssuers location when the
    // network may be used: a few hops, a few URLs and a bounded time in all, since the
    // certificate naming them is not trusted yet.
    revocation::FetchBudget budget{
        4, std::chrono::steady_clock::now() +
               std::min(2 * context.revocation_timeout, std::chrono::milliseconds(20000))};
    for (int hop = 0; hop < 3 && !context.offline && !detail::impl(context.trust).anchors.empty() &&
                      chain.sub_indication == SubIndication::no_certificate_chain_found;
         ++hop) {
        X509* last = chain.certs.empty() ? facts.signer_cert.get() : chain.certs.back().get();
        auto fetched = revocation::fetch_issuers(last, context.revocation_timeout, budget);
        if (fetched.empty()) break;
        for (auto& c : fetched) {
            r.notes.push_back("the certificate of " +
                              ossl::name_to_string(X509_get_subject_name(c.get())) +
                              " was fetched from the authorityInfoAccess of " +
                              ossl::name_to_string(X509_get_subject_name(last)));
            pool.push_back(std::move(c));
        }
        chain = validate_chain(facts.signer_cert.get(), pool, detail::impl(context.trust),
                               validation_time);
    }
    if (chain.indication != Indication::total_passed &&
        chain.sub_indication == SubIndication::out_of_bounds_no_poe && poe &&
        *poe < chain.expired_at) {
        auto past =
            validate_chain(facts.signer_cert.get(), pool, detail::impl(context.trust), *poe);
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
        if (auto refusal = ossl::document_signing_refusal(facts.signer_cert.get())) {
            return verdict(Indication::indeterminate, SubIndication::chain_constraints_failure,
                           "the signer's certificate may not sign documents: " + *refusal);
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
    std::vector<AlgorithmUse> uses;
    const EVP_PKEY* key = X509_get0_pubkey(facts.signer_cert.get());
    uses.push_back({"the " + what + "'s digest", facts.digest_algorithm, "", 0});
    uses.push_back({"the " + what + "'s signature", "", crypto::key_kind(key),
                    key != nullptr ? EVP_PKEY_get_bits(key) : 0});
    uses.insert(uses.end(), facts.algorithms.begin(), facts.algorithms.end());
    chain_algorithms(chain, uses);
    if (auto revoked = check_revocation(facts, context, chain, validation_time, poe, r, uses))
        return *revoked;

    // 5.2.8 signature acceptance: every algorithm that carries proof (digests, imprints, the
    // signature, the chain's and the revocation data's signatures) must still have been trusted
    // when the signature is proven to have existed (TS 119 312).
    const TimePoint judged_at = poe.value_or(validation_time);
    if (auto rejected = judge_algorithms(uses, context.policy, judged_at, r)) {
        if (!rejected->acceptable_until) {
            return verdict(Indication::indeterminate, SubIndication::crypto_constraints_failure,
                           rejected->algorithm + " (" + rejected->purpose +
                               ") is not an algorithm the validation policy accepts");
        }
        return verdict(Indication::indeterminate, SubIndication::crypto_constraints_failure_no_poe,
                       rejected->algorithm + " (" + rejected->purpose +
                           ") stopped being acceptable on " +
                           format_rfc3339(*rejected->acceptable_until) +
                           ", and nothing proves the " + what + " existed before then");
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

SignatureReport evaluate(const SignatureFacts& given, const ValidationContext& context,
                         TimePoint validation_time) {
    // 5.2.3: a signing certificate left out of the signature (a token made without certReq) may
    // be among the anchors or the extra certificates.
    std::optional<SignatureFacts> resolved;
    if (!given.signer_cert && given.with_candidates) {
        std::vector<X509*> candidates;
        for (const auto& c : detail::impl(context.trust).anchors) candidates.push_back(c.get());
        for (const auto& c : detail::impl(context.extra_certificates).anchors)
            candidates.push_back(c.get());
        if (!candidates.empty()) {
            resolved = given.with_candidates(candidates);
            resolved->external_poe = given.external_poe;
            resolved->external_poe_source = given.external_poe_source;
        }
    }
    const SignatureFacts& facts = resolved ? *resolved : given;
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
