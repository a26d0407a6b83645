// Which trust anchors count for a chain, and when (ETSI TS 119 612 status history, TS 119 615
// 4.x: the status at the times that matter), what a trusted-list anchor makes of the signature
// (QES, AdESQC, AdES), and why a chain found no anchor when one was there but not usable.
#include <openssl/x509v3.h>
#include "ltsign/language.hpp"

#include <algorithm>

#include "core/der.hpp"
#include "validation/anchors.hpp"

namespace ltsign::validation {
namespace {

// ETSI EN 319 412-5 4.2.1 and 4.2.2: esi4-qcStatement-1 (QcCompliance) and -4 (QcSSCD).
constexpr unsigned char k_qc_compliance[] = {0x04, 0x00, 0x8e, 0x46, 0x01, 0x01};
constexpr unsigned char k_qc_sscd[] = {0x04, 0x00, 0x8e, 0x46, 0x01, 0x04};

// RFC 3739 3.2.6:  QCStatements ::= SEQUENCE OF QCStatement
//                  QCStatement ::= SEQUENCE { statementId OBJECT IDENTIFIER,
//                                             statementInfo ANY DEFINED BY statementId OPTIONAL }
struct QcFacts {
    bool compliance = false;
    bool sscd = false;
};
QcFacts qc_statements(X509* cert) {
    QcFacts out;
    ossl::Ptr<ASN1_OBJECT> oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.3", 1));
    const int at = oid ? X509_get_ext_by_OBJ(cert, oid.get(), -1) : -1;
    ossl::clear_errors();
    if (at < 0) return out;
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert, at));
    const auto outer = der::read({value->data, static_cast<std::size_t>(value->length)});
    if (!outer || outer->tag != der::k_sequence) return out;
    const auto statements = der::children(*outer);
    if (!statements) return out;
    for (const auto& st : *statements) {
        const auto parts = st.tag == der::k_sequence ? der::children(st) : std::nullopt;
        if (!parts || parts->empty() || (*parts)[0].tag != der::k_oid) continue;
        const auto id = (*parts)[0].value;
        const auto is = [&](std::span<const unsigned char> want) {
            return std::equal(id.begin(), id.end(), want.begin(), want.end());
        };
        out.compliance = out.compliance || is(k_qc_compliance);
        out.sscd = out.sscd || is(k_qc_sscd);
    }
    return out;
}

std::vector<std::string> certificate_policies(X509* cert) {
    std::vector<std::string> out;
    ossl::Ptr<CERTIFICATEPOLICIES> policies(static_cast<CERTIFICATEPOLICIES*>(
        X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr)));
    ossl::clear_errors();
    if (!policies) return out;
    for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i)
        out.push_back(ossl::oid_text(sk_POLICYINFO_value(policies.get(), i)->policyid, true));
    return out;
}

bool applies(const detail::AnchorTerms::Qualifier& q, const std::vector<std::string>& policies) {
    if (q.policies.empty()) return true;
    const auto has = [&](const std::string& p) {
        return std::find(policies.begin(), policies.end(), p) != policies.end();
    };
    return q.all_policies ? std::all_of(q.policies.begin(), q.policies.end(), has)
                          : std::any_of(q.policies.begin(), q.policies.end(), has);
}

std::string last_segment(const std::string& uri) {
    const auto slash = uri.find_last_of('/');
    return slash == std::string::npos ? uri : uri.substr(slash + 1);
}

const detail::AnchorTerms* terms_of(const detail::TrustStoreImpl& trust, std::size_t i) {
    // Anchors added without terms (--trust) have none, or default ones with no source.
    return i < trust.terms.size() && !trust.terms[i].use.source.empty() ? &trust.terms[i] : nullptr;
}

// The period of `terms` in force at `t`, or nullptr.
const detail::AnchorTerms::Period* period_at(const detail::AnchorTerms& terms, TimePoint t) {
    for (const auto& p : terms.periods)
        if (p.from <= t && (!p.to || t < *p.to)) return &p;
    return nullptr;
}

std::string anchor_name(const detail::AnchorTerms* terms, X509* cert) {
    if (terms == nullptr || terms->use.source == "trust-file")
        return ossl::name_to_string(X509_get_subject_name(cert));
    if (terms->use.source == "trusted-list") {
        return trf("the service \"{0}\" of {1} on the trusted list of {2}",
                   {terms->use.service, terms->use.tsp, terms->use.territory});
    }
    return trf("the anchor \"{0}\" of the trust configuration", {terms->use.label});
}

// Why `terms` does not anchor under `query`: its purpose, else the first time it was not granted.
bool serves(const detail::AnchorTerms& terms, AnchorPurpose purpose) {
    switch (purpose) {
        case AnchorPurpose::signatures:
            return terms.for_signatures;
        case AnchorPurpose::timestamps:
            return terms.for_timestamps;
        case AnchorPurpose::revocation:
            return terms.for_revocation;
    }
    return false;
}

std::string refusal(const detail::AnchorTerms& terms, const AnchorQuery& query) {
    if (!serves(terms, query.purpose)) {
        return query.purpose == AnchorPurpose::timestamps ? tr("it is not trusted for time-stamps")
                                                          : tr("it is not trusted for signatures");
    }
    for (const TimePoint t : query.at) {
        if (period_at(terms, t) != nullptr) continue;
        if (terms.use.source != "trusted-list")
            return trf("it is trusted only within its validity period, not on {0}",
                       {format_rfc3339(t)});
        std::string status;
        TimePoint since{};
        for (const auto& [from, uri] : terms.history) {
            if (from > t) break;
            status = uri;
            since = from;
        }
        if (status.empty()) return trf("it was not yet listed on {0}", {format_rfc3339(t)});
        return trf("its status on {0} was {1} (since {2}), not granted",
                   {format_rfc3339(t), last_segment(status), format_rfc3339(since)});
    }
    return trf("it is not granted {0}", {query.when});
}

}  // namespace

bool admits(const detail::AnchorTerms* terms, const AnchorQuery& query) {
    if (terms == nullptr || query.at.empty()) return true;
    if (!serves(*terms, query.purpose)) return false;
    if (terms->always) return true;
    return std::all_of(query.at.begin(), query.at.end(),
                       [&](TimePoint t) { return period_at(*terms, t) != nullptr; });
}

std::vector<X509*> admitted_anchors(const detail::TrustStoreImpl& trust, const AnchorQuery& query) {
    std::vector<X509*> out;
    for (std::size_t i = 0; i < trust.anchors.size(); ++i)
        if (admits(terms_of(trust, i), query)) out.push_back(trust.anchors[i].get());
    return out;
}

std::string qualification_of(const detail::AnchorTerms& terms, X509* target, bool timestamp) {
    if (terms.use.source != "trusted-list") return {};
    if (timestamp) return terms.qualified_type ? "QTST" : "TST";
    const QcFacts qc = qc_statements(target);
    bool qualified = qc.compliance;
    bool sscd = qc.sscd;
    const auto policies = certificate_policies(target);
    // TS 119 612 5.5.9.2.3 and TS 119 615 4.3: the list's qualifiers override the certificate.
    for (const auto& q : terms.qualifiers) {
        if (!applies(q, policies)) continue;
        const std::string name = last_segment(q.uri);
        // Criteria ltsign does not evaluate (key usage, ...) may exclude this certificate: such a
        // qualifier may lower the qualification, never raise it.
        const bool raises = name == "QCStatement" || name == "QCWithSSCD" || name == "QCWithQSCD";
        if (q.other_criteria && raises) continue;
        if (name == "QCStatement") qualified = true;
        if (name == "NotQualified") qualified = false;
        if (name == "QCWithSSCD" || name == "QCWithQSCD") sscd = true;
        if (name == "QCNoSSCD" || name == "QCNoQSCD") sscd = false;
        if (name == "QCSSCDStatusAsInCert" || name == "QCQSCDStatusAsInCert") sscd = qc.sscd;
    }
    if (!terms.qualified_type || !qualified) return "AdES";
    return sscd ? "QES" : "AdESQC";
}

std::optional<AnchorUse> anchor_use(const detail::TrustStoreImpl& trust, X509* anchor, X509* target,
                                    const AnchorQuery& query) {
    for (std::size_t i = 0; i < trust.anchors.size(); ++i) {
        const detail::AnchorTerms* terms = terms_of(trust, i);
        if (X509_cmp(trust.anchors[i].get(), anchor) != 0 || !admits(terms, query)) continue;
        AnchorUse use;
        if (terms != nullptr) {
            use = terms->use;
            if (!terms->always && !query.at.empty())
                if (const auto* p = period_at(*terms, query.at.back())) use.status = p->status;
            use.qualification =
                qualification_of(*terms, target, query.purpose == AnchorPurpose::timestamps);
        } else {
            use.source = "trust-file";
            use.label = ossl::name_to_string(X509_get_subject_name(anchor));
        }
        use.certificate_sha256 = ossl::sha256_hex(anchor);
        use.judged_at = query.at;
        return use;
    }
    return std::nullopt;
}

std::optional<std::string> why_no_anchor(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                                         const detail::TrustStoreImpl& trust, TimePoint at,
                                         const AnchorQuery& query) {
    // An anchor that is there but not granted, or not meant for this purpose.
    if (!query.at.empty()) {
        const ChainResult any = validate_chain(cert, untrusted, trust, at, AnchorQuery{});
        if (any.indication == Indication::total_passed && !any.certs.empty()) {
            for (const auto& c : any.certs) {
                for (std::size_t i = 0; i < trust.anchors.size(); ++i) {
                    if (X509_cmp(trust.anchors[i].get(), c.get()) != 0) continue;
                    const detail::AnchorTerms* terms = terms_of(trust, i);
                    if (terms == nullptr) continue;
                    return trf("the chain leads to {0}, which does not anchor it: {1}",
                               {anchor_name(terms, c.get()), refusal(*terms, query)});
                }
            }
        }
    }
    // A list that was not used but would have anchored it.
    std::string unused;
    for (const auto& list : trust.refused) {
        detail::TrustStoreImpl would;
        for (const auto& c : list.would_anchor) would.anchors.push_back(ossl::up_ref(c.get()));
        if (!would.anchors.empty() &&
            validate_chain(cert, untrusted, would, at).indication == Indication::total_passed) {
            return trf("the chain would be anchored by {0}, which is not used: {1}",
                       {list.name, list.reason});
        }
        unused += (unused.empty() ? "" : "; ") + list.name + " is not used: " + list.reason;
    }
    if (!unused.empty()) return trf("no trusted anchor was found, and {0}", {unused});
    return std::nullopt;
}

}  // namespace ltsign::validation
