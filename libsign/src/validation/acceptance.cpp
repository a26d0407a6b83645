// The steps after the chain: revocation of its certificates (EN 319 102-1 5.2.5), judged from
// what a RevocationSource answers, and the algorithm policy (5.2.8, TS 119 312).
#include <algorithm>
#include <array>
#include "ltsign/language.hpp"

#include "crypto/digests.hpp"
#include "revocation/revocation.hpp"
#include "validation/anchors.hpp"
#include "validation/steps.hpp"

namespace ltsign::validation {
namespace {

StepResult fail(Indication i, SubIndication s, std::string why) {
    return {i, s, std::move(why)};
}

// A revoked certificate fails the signature when the proof of existence comes after the
// revocation (REVOKED), is indeterminate without any proof (REVOKED_NO_POE, REVOKED_CA_NO_POE),
// and is harmless when the signature is proven to have existed before (EN 319 102-1 5.6.2.1).
AnswerJudgement judge_revoked(const RevocationAnswer& res, bool signer, const std::string& role,
                              std::optional<TimePoint> poe) {
    const std::string when = format_rfc3339(*res.revoked_at);
    const std::string source = res.stale
                                   ? trf("{0}, past its nextUpdate; a revocation it lists stays "
                                         "proven",
                                         {revocation::source_text(res)})
                                   : revocation::source_text(res);
    if (poe && *poe < *res.revoked_at) {
        return {{},
                Note{NoteCode::revoked_after_poe, trf("{0} was revoked on {1} (per {2}), after the "
                                                      "signature is proven to have existed ({3})",
                                                      {role, when, source, format_rfc3339(*poe)})}};
    }
    if (poe) {
        return {fail(Indication::total_failed, SubIndication::revoked,
                     trf("{0} was revoked on {1} (per {2}), before the earliest proof that the "
                         "signature existed ({3})",
                         {role, when, source, format_rfc3339(*poe)})),
                std::nullopt};
    }
    return {fail(Indication::indeterminate,
                 signer ? SubIndication::revoked_no_poe : SubIndication::revoked_ca_no_poe,
                 trf("{0} was revoked on {1} (per {2}), and nothing proves the signature existed "
                     "before then",
                     {role, when, source})),
            std::nullopt};
}

// The DER of what a signature carries and of the anchors, made once for all its certificates.
struct CarriedDer {
    std::vector<core::Bytes> crls, certificates, anchors;
};

// The anchors that may vouch for a responder: those without terms, and a trusted list's OCSP
// services granted at `at` (TS 119 615: the service's status when the status must be proven).
CarriedDer carried_der(const Carried& carried, const ValidationContext& context, TimePoint at) {
    CarriedDer out;
    for (X509_CRL* c : carried.crls)
        out.crls.push_back(ossl::encode_der(c, i2d_X509_CRL, "a carried CRL"));
    for (X509* c : carried.certificates) out.certificates.push_back(ossl::to_der(c));
    const AnchorQuery query{AnchorPurpose::revocation, {at}, tr("when the status is to be proven")};
    for (X509* a : admitted_anchors(detail::impl(context.trust), query))
        out.anchors.push_back(ossl::to_der(a));
    return out;
}

std::vector<std::span<const unsigned char>> spans(const std::vector<core::Bytes>& ders) {
    return {ders.begin(), ders.end()};
}

// Every algorithm the verdict relies on, each judged against the policy at `judged_at`: the
// report lists them all; the first unacceptable one is returned.
std::optional<AlgorithmInfo> judge_algorithms(const std::vector<AlgorithmUse>& uses,
                                              const ValidationPolicy& policy, TimePoint judged_at,
                                              std::vector<AlgorithmInfo>& listed) {
    std::optional<AlgorithmInfo> rejected;
    auto record = [&](const std::string& purpose, const std::string& name,
                      std::optional<TimePoint> end) {
        AlgorithmInfo info{purpose, name, end, judged_at, !end || judged_at < *end};
        const bool known = std::any_of(listed.begin(), listed.end(), [&](const auto& a) {
            return a.purpose == purpose && a.algorithm == name;
        });
        if (!known) listed.push_back(info);
        if (!info.acceptable && !rejected) rejected = info;
    };
    for (const auto& u : uses) {
        if (!u.digest.empty() && !policy.knows_digest(u.digest)) {
            // A digest the policy does not name is not trusted at all.
            AlgorithmInfo info{u.purpose, u.digest, std::nullopt, judged_at, false};
            listed.push_back(info);
            if (!rejected) rejected = info;
        } else if (!u.digest.empty()) {
            record(u.purpose, u.digest, policy.end_of_digest(u.digest));
        }
        if (!u.key_kind.empty() && u.key_bits > 0) {
            record(u.purpose, u.key_kind + "-" + std::to_string(u.key_bits),
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
        uses.push_back({trf("the signature on the certificate of {0}",
                            {ossl::name_to_string(X509_get_subject_name(cert))}),
                        digest, crypto::key_kind(key), key ? EVP_PKEY_get_bits(key) : 0});
    }
}

}  // namespace

AnswerJudgement judge_answer(const RevocationAnswer& res, bool signer, const std::string& role,
                             const std::string& who, std::optional<TimePoint> poe,
                             bool require_revocation) {
    const std::string source = revocation::source_text(res);
    switch (res.status) {
        case RevocationStatus::good:
            return {{},
                    Note{NoteCode::revocation_good,
                         trf("revocation of {0}: good per {1} ({2})", {who, source, res.detail})}};
        case RevocationStatus::revoked:
            return judge_revoked(res, signer, role, poe);
        case RevocationStatus::unknown:
            return {fail(Indication::indeterminate, SubIndication::try_later,
                         trf("{0} does not know {1} (status unknown)", {source, role})),
                    std::nullopt};
        case RevocationStatus::unavailable:
            return {
                fail(Indication::indeterminate, SubIndication::try_later,
                     trf("the revocation status of {0} could not be obtained ({1}); try again when "
                         "the responder is reachable, or verify offline with a CRL from the issuer",
                         {role, res.detail})),
                std::nullopt};
        case RevocationStatus::unpublished:
            if (require_revocation) {
                return {fail(Indication::indeterminate, SubIndication::try_later,
                             trf("{0} publishes no revocation information and the policy "
                                 "requires it",
                                 {role})),
                        std::nullopt};
            }
            return {{},
                    Note{NoteCode::revocation_not_checked,
                         trf("revocation of {0} was not checked: {1}", {who, res.detail})}};
    }
    return {};
}

RevocationOutcome check_revocation(const SignatureFacts& facts, const Carried& carried,
                                   const ValidationContext& context, const RevocationSource& source,
                                   const ChainResult& chain, TimePoint at,
                                   std::optional<TimePoint> poe) {
    RevocationOutcome out;
    const CarriedDer der = carried_der(carried, context, at);
    RevocationRequest request{{}, {}, spans(der.crls), spans(der.certificates), spans(der.anchors),
                              {}, at};
    for (const core::Bytes* o : carried.ocsp) request.carried_ocsp.emplace_back(*o);
    // A time to prove before now (a proof of existence, a genTime) asks for answers issued after.
    request.past = poe.has_value() || (facts.is_timestamp && facts.gen_time.has_value());
    for (std::size_t i = 0; i + 1 < chain.certs.size(); ++i) {
        X509* cert = chain.certs[i].get();
        const std::string who = ossl::name_to_string(X509_get_subject_name(cert));
        const core::Bytes der = ossl::to_der(cert), issuer = ossl::to_der(chain.certs[i + 1].get());
        request.certificate = der;
        request.issuer = issuer;
        const RevocationAnswer res = source.status(request);
        const std::string source_text = revocation::source_text(res);
        out.revocation.push_back({who, res.status, source_text, res.revoked_at, res.detail,
                                  res.kind, res.location, core::to_public_bytes(res.evidence)});
        if (!res.signature_digest.empty() || !res.signer_key_kind.empty()) {
            out.uses.push_back(
                {trf("the signature of the revocation data for {0} ({1})", {who, source_text}),
                 res.signature_digest, res.signer_key_kind, res.signer_key_bits});
        }
        const std::string role = i == 0 ? (facts.is_timestamp ? tr("the TSA's certificate")
                                                              : tr("the signer's certificate"))
                                        : trf("the certificate of {0}", {who});
        auto judged = judge_answer(res, i == 0, role, who, poe, context.policy.require_revocation);
        if (judged.note) out.notes.push_back(std::move(*judged.note));
        if (!judged.result.passed()) {
            out.result = std::move(judged.result);
            return out;
        }
    }
    return out;
}

std::vector<AlgorithmUse> algorithm_uses(const SignatureFacts& facts, const ChainResult& chain) {
    std::vector<AlgorithmUse> uses;
    const EVP_PKEY* key = X509_get0_pubkey(facts.signer_cert.get());
    uses.push_back(
        {facts.is_timestamp ? tr("the time-stamp's digest") : tr("the signature's digest"),
         facts.digest_algorithm, "", 0});
    uses.push_back(
        {facts.is_timestamp ? tr("the time-stamp's signature") : tr("the signature's signature"),
         "", crypto::key_kind(key), key != nullptr ? EVP_PKEY_get_bits(key) : 0});
    uses.insert(uses.end(), facts.algorithms.begin(), facts.algorithms.end());
    chain_algorithms(chain, uses);
    return uses;
}

AlgorithmOutcome check_algorithms(const std::vector<AlgorithmUse>& uses,
                                  const ValidationPolicy& policy, TimePoint judged_at,
                                  bool is_timestamp) {
    AlgorithmOutcome out;
    const auto rejected = judge_algorithms(uses, policy, judged_at, out.listed);
    if (!rejected) return out;
    if (!rejected->acceptable_until) {
        out.result = fail(Indication::indeterminate, SubIndication::crypto_constraints_failure,
                          trf("{0} ({1}) is not an algorithm the validation policy accepts",
                              {rejected->algorithm, rejected->purpose}));
    } else {
        out.result = fail(
            Indication::indeterminate, SubIndication::crypto_constraints_failure_no_poe,
            is_timestamp ? trf("{0} ({1}) stopped being acceptable on {2}, and nothing proves the "
                               "time-stamp existed before then",
                               {rejected->algorithm, rejected->purpose,
                                format_rfc3339(*rejected->acceptable_until)})
                         : trf("{0} ({1}) stopped being acceptable on {2}, and nothing proves the "
                               "signature existed before then",
                               {rejected->algorithm, rejected->purpose,
                                format_rfc3339(*rejected->acceptable_until)}));
    }
    return out;
}

}  // namespace ltsign::validation
