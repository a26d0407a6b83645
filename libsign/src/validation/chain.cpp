// X.509 path validation (EN 319 102-1 5.2.6) and the chain step: completed from
// authorityInfoAccess, and judged again at the proof of existence (5.6.2.x past validation).
#include <openssl/x509v3.h>

#include <algorithm>

#include "ltsign/language.hpp"
#include "validation/anchors.hpp"
#include "validation/memo.hpp"
#include "validation/steps.hpp"

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
    const std::string role = depth == 0 ? trf("the signer's certificate ({0})", {who})
                                        : trf("the certificate of {0} in the chain", {who});
    switch (sub) {
        case SubIndication::out_of_bounds_no_poe:
            return trf(
                "{0} had expired on {1}, before the validation time {2}, and nothing "
                "proves the signature existed before then",
                {role, format_rfc3339(ossl::to_time_point(X509_get0_notAfter(failing))),
                 format_rfc3339(at)});
        case SubIndication::not_yet_valid:
            return trf("{0} was not yet valid at the validation time {1}",
                       {role, format_rfc3339(at)});
        case SubIndication::no_certificate_chain_found:
            if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
                err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
                // The chain is incomplete: name what is missing rather than suggest trusting
                // whatever comes next (an intermediate is completed, not trusted).
                return trf(
                    "no chain from {0} to a trusted anchor could be built: its issuer {1} "
                    "is neither carried, supplied as an extra certificate, nor trusted",
                    {role, ossl::name_to_string(X509_get_issuer_name(failing))});
            }
            return trf("no chain from {0} to a trusted anchor could be built ({1})",
                       {role, X509_verify_cert_error_string(err)});
        default:
            return trf("{0} failed path validation: {1}",
                       {role, X509_verify_cert_error_string(err)});
    }
}

// A missing intermediate is fetched from the authorityInfoAccess caIssuers location: a few hops,
// a few URLs and a bounded time in all, since the certificate naming them is not trusted yet.
void complete_from_aia(X509* signer, const ValidationContext& context, const IssuerFetcher& fetcher,
                       TimePoint validation_time, const AnchorQuery& query,
                       std::vector<ossl::Ptr<X509>>& pool, ChainResult& chain,
                       std::vector<Note>& notes) {
    FetchBudget budget{
        4, std::chrono::steady_clock::now() +
               std::min(2 * context.revocation_timeout, std::chrono::milliseconds(20000))};
    for (int hop = 0; hop < 3 && !detail::impl(context.trust).anchors.empty() &&
                      chain.sub_indication == SubIndication::no_certificate_chain_found;
         ++hop) {
        X509* last = chain.certs.empty() ? signer : chain.certs.back().get();
        const auto fetched = fetcher.fetch(ossl::to_der(last), budget);
        if (fetched.empty()) break;
        for (const auto& der : fetched) {
            const unsigned char* p = der.data();
            ossl::Ptr<X509> c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
            ossl::clear_errors();
            if (!c) continue;
            notes.push_back(
                {NoteCode::issuer_fetched,
                 trf("the certificate of {0} was fetched from the authorityInfoAccess of {1}",
                     {ossl::name_to_string(X509_get_subject_name(c.get())),
                      ossl::name_to_string(X509_get_subject_name(last))})});
            pool.push_back(std::move(c));
        }
        chain = validate_chain(signer, pool, detail::impl(context.trust), validation_time, query);
    }
}

// TS 119 615 and EN 319 102-1: an anchor with a status history must have been granted when the
// signer's certificate was issued and when the signature is proven to exist (its proof of
// existence, else the validation time); a TSA's, at the time-stamp's proof of existence, else
// its genTime. Anchors without terms are not affected.
AnchorQuery anchor_query(const SignatureFacts& facts, std::optional<TimePoint> poe,
                         TimePoint validation_time) {
    AnchorQuery q;
    q.purpose = facts.is_timestamp ? AnchorPurpose::timestamps : AnchorPurpose::signatures;
    if (facts.is_timestamp) {
        q.at.push_back(poe ? *poe : facts.gen_time.value_or(validation_time));
        q.when =
            poe ? tr("at the time-stamp's proof of existence") : tr("at the time-stamp's genTime");
        return q;
    }
    if (facts.signer_cert)
        q.at.push_back(ossl::to_time_point(X509_get0_notBefore(facts.signer_cert.get())));
    q.at.push_back(poe.value_or(validation_time));
    q.when = poe ? tr("when the signer's certificate was issued and at the signature's proof of "
                      "existence")
                 : tr("when the signer's certificate was issued and at the validation time");
    return q;
}

}  // namespace

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
                           const detail::TrustStoreImpl& trust, TimePoint at,
                           const AnchorQuery& query) {
    std::string memo_key;
    if (trust.memo) {
        memo_key = Memo::chain_key(cert, untrusted, at, query, trust.anchors.size());
        if (auto known = trust.memo->chain(memo_key)) return std::move(*known);
    }
    ChainResult result;
    ossl::clear_errors();
    ossl::Ptr<X509_STORE> store(ossl::check(X509_STORE_new(), Errc::internal, "out of memory"));
    for (X509* a : admitted_anchors(trust, query))
        ossl::check(X509_STORE_add_cert(store.get(), a), Errc::internal, "out of memory");
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
        // The first admitted anchor from the target up (OpenSSL may go on past a trusted leaf).
        for (const auto& c : result.certs) {
            result.anchored_by = anchor_use(trust, c.get(), cert, query);
            if (result.anchored_by) break;
        }
        result.explanation =
            trf("the certificate chain to a trusted anchor was valid at {0}", {format_rfc3339(at)});
        if (trust.memo) trust.memo->remember(memo_key, result);
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
                             ? tr("no trust anchor was given, so the signer's certificate cannot "
                                  "be traced to a trusted root")
                             : chain_sentence(result.sub_indication, err, depth, failing, at);
    // Fail closed, and say why: an anchor not granted at the time that matters, or a trusted
    // list that was refused, is named rather than left as a bare "no chain".
    if (result.sub_indication == SubIndication::no_certificate_chain_found &&
        (!query.at.empty() || !trust.refused.empty())) {
        if (auto why = why_no_anchor(cert, untrusted, trust, at, query))
            result.explanation =
                chain_sentence(result.sub_indication, err, depth, failing, at) + "; " + *why;
    }
    return result;
}

Carried carried_by(const SignatureFacts& facts, const SignatureFacts* holder) {
    Carried out;
    for (const SignatureFacts* f : {&facts, holder}) {
        if (f == nullptr) continue;
        for (const auto& c : f->certificates) out.certificates.push_back(c.get());
        for (const auto& c : f->crls) out.crls.push_back(c.get());
        for (const auto& o : f->ocsp_responses) out.ocsp.push_back(&o);
    }
    return out;
}

ChainOutcome check_chain(const SignatureFacts& facts, const Carried& carried,
                         const ValidationContext& context, const IssuerFetcher& fetcher,
                         std::optional<TimePoint> poe, TimePoint validation_time) {
    ChainOutcome out;
    X509* signer = facts.signer_cert.get();
    const AnchorQuery query = anchor_query(facts, poe, validation_time);
    std::vector<ossl::Ptr<X509>> pool;
    for (X509* c : carried.certificates) pool.push_back(ossl::up_ref(c));
    for (const auto& c : detail::impl(context.extra_certificates).anchors)
        pool.push_back(ossl::up_ref(c.get()));
    auto chain = validate_chain(signer, pool, detail::impl(context.trust), validation_time, query);
    complete_from_aia(signer, context, fetcher, validation_time, query, pool, chain, out.notes);
    // 5.6.2.x past signature validation: an expired certificate is judged at the proof of
    // existence instead, when one shows the signature existed while it was valid.
    if (chain.indication != Indication::total_passed &&
        chain.sub_indication == SubIndication::out_of_bounds_no_poe && poe &&
        *poe < chain.expired_at) {
        auto past = validate_chain(signer, pool, detail::impl(context.trust), *poe, query);
        if (past.indication == Indication::total_passed) {
            out.notes.push_back({NoteCode::past_chain_valid,
                                 trf("a certificate of the chain expired on {0}, but the signature "
                                     "is proven to have existed on {1}, when the chain was valid",
                                     {format_rfc3339(chain.expired_at), format_rfc3339(*poe)})});
            chain = std::move(past);
        }
    }
    if (chain.indication != Indication::total_passed)
        out.result = {chain.indication, chain.sub_indication, chain.explanation};
    out.chain = std::move(chain);
    return out;
}

}  // namespace ltsign::validation
