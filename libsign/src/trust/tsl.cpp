// ETSI TS 119 612 v2.1.1: reading a trusted list and judging whether it may be used.
#include "trust/tsl.hpp"

#include <algorithm>

#include "ltsign/language.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign::trust {
namespace {

// TS 119 612 5.5.9.2 (Sie): the Qualifications extension's namespace.
constexpr const char* k_ecc_ns =
    "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#";
constexpr const char* k_xades_ns = "http://uri.etsi.org/01903/v1.3.2#";
constexpr const char* k_additional_ns = "http://uri.etsi.org/02231/v2/additionaltypes#";
constexpr const char* k_svc_type = "http://uri.etsi.org/TrstSvc/Svctype/";

xmlNode* need(xmlNode* parent, const char* name, const std::string& what) {
    xmlNode* n = xml::child(parent, k_tsl_ns, name);
    if (n == nullptr) {
        throw Error(Errc::malformed_input,
                    trf("{0}: the trusted list has no {1} (ETSI TS 119 612)", {what, name}));
    }
    return n;
}

std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string text_of(xmlNode* n) {
    return n == nullptr ? std::string() : trimmed(xml::text(n));
}

// A multilingual name (TS 119 612 5.1.4): English when given, else the first.
std::string name_of(xmlNode* names) {
    std::string first;
    for (xmlNode* n : xml::children(names, k_tsl_ns, "Name")) {
        const xml::Ptr<xmlChar> lang(xmlNodeGetLang(n));
        if (lang && std::string(reinterpret_cast<const char*>(lang.get())) == "en")
            return text_of(n);
        if (first.empty()) first = text_of(n);
    }
    return first;
}

TimePoint time_of(xmlNode* n, const std::string& what) {
    const auto t = parse_rfc3339(text_of(n));
    if (!t) {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1} is not a date and time: \"{2}\"",
                        {what, reinterpret_cast<const char*>(n->name), text_of(n)}));
    }
    return *t;
}

// ServiceDigitalIdentity / DigitalId / X509Certificate (TS 119 612 5.5.3).
void certificates_of(xmlNode* identity, std::vector<ossl::Ptr<X509>>& out) {
    for (xmlNode* id : xml::children(identity, k_tsl_ns, "DigitalId")) {
        for (xmlNode* c : xml::children(id, k_tsl_ns, "X509Certificate")) {
            const auto der = xml::base64_decode(xml::text(c));
            const unsigned char* p = der.data();
            ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
            ossl::clear_errors();
            if (!cert || p != der.data() + der.size()) continue;
            const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& have) {
                return X509_cmp(have.get(), cert.get()) == 0;
            });
            if (!seen) out.push_back(std::move(cert));
        }
    }
}

// ecc:Qualifications / QualificationElement: Qualifiers and CriteriaList's PolicySet.
void qualifiers_of(xmlNode* extensions, std::vector<Qualifier>& out) {
    for (xmlNode* ext : xml::children(extensions, k_tsl_ns, "Extension")) {
        for (xmlNode* quals : xml::children(ext, k_ecc_ns, "Qualifications")) {
            for (xmlNode* el : xml::children(quals, k_ecc_ns, "QualificationElement")) {
                xmlNode* criteria = xml::child(el, k_ecc_ns, "CriteriaList");
                std::vector<std::string> policies;
                for (xmlNode* set : xml::children(criteria, k_ecc_ns, "PolicySet")) {
                    for (xmlNode* pid : xml::children(set, k_ecc_ns, "PolicyIdentifier")) {
                        std::string oid = text_of(xml::child(pid, k_xades_ns, "Identifier"));
                        if (oid.rfind("urn:oid:", 0) == 0) oid = oid.substr(8);
                        if (!oid.empty()) policies.push_back(oid);
                    }
                }
                const bool all = criteria != nullptr && xml::attribute(criteria, "assert") == "all";
                bool other = false;
                for (xmlNode* c = criteria ? criteria->children : nullptr; c; c = c->next)
                    other = other || (c->type == XML_ELEMENT_NODE &&
                                      xmlStrcmp(c->name, BAD_CAST "PolicySet") != 0);
                for (xmlNode* qs : xml::children(el, k_ecc_ns, "Qualifiers"))
                    for (xmlNode* q : xml::children(qs, k_ecc_ns, "Qualifier"))
                        out.push_back({xml::attribute(q, "uri"), policies, all, other});
            }
        }
    }
}

Service service_of(xmlNode* svc, const std::string& what) {
    Service out;
    xmlNode* info = need(svc, "ServiceInformation", what);
    out.type = text_of(need(info, "ServiceTypeIdentifier", what));
    out.name = name_of(need(info, "ServiceName", what));
    out.status = text_of(need(info, "ServiceStatus", what));
    out.status_from = time_of(need(info, "StatusStartingTime", what), what);
    certificates_of(need(info, "ServiceDigitalIdentity", what), out.certificates);
    qualifiers_of(xml::child(info, k_tsl_ns, "ServiceInformationExtensions"), out.qualifiers);
    out.history.push_back({out.status, out.status_from});
    for (xmlNode* h : xml::children(xml::child(svc, k_tsl_ns, "ServiceHistory"), k_tsl_ns,
                                    "ServiceHistoryInstance")) {
        out.history.push_back({text_of(need(h, "ServiceStatus", what)),
                               time_of(need(h, "StatusStartingTime", what), what)});
        if (xmlNode* id = xml::child(h, k_tsl_ns, "ServiceDigitalIdentity"))
            certificates_of(id, out.certificates);
    }
    std::stable_sort(out.history.begin(), out.history.end(),
                     [](const auto& a, const auto& b) { return a.from < b.from; });
    return out;
}

Pointer pointer_of(xmlNode* p, const std::string& what) {
    Pointer out;
    out.location = text_of(need(p, "TSLLocation", what));
    for (xmlNode* ids : xml::children(p, k_tsl_ns, "ServiceDigitalIdentities"))
        for (xmlNode* id : xml::children(ids, k_tsl_ns, "ServiceDigitalIdentity"))
            certificates_of(id, out.signers);
    for (xmlNode* info : xml::children(xml::child(p, k_tsl_ns, "AdditionalInformation"), k_tsl_ns,
                                       "OtherInformation")) {
        if (xmlNode* t = xml::child(info, k_tsl_ns, "SchemeTerritory")) out.territory = text_of(t);
        if (xmlNode* t = xml::child(info, k_tsl_ns, "TSLType")) out.list_type = text_of(t);
        if (xmlNode* m = xml::child(info, k_additional_ns, "MimeType")) out.mime_type = text_of(m);
    }
    return out;
}

}  // namespace

bool TrustedList::is_lotl() const {
    return type.find("EUlistofthelists") != std::string::npos ||
           type.find("listofthelists") != std::string::npos;
}

TrustedList read_trusted_list(xmlDoc* doc, const std::string& what) {
    xmlNode* root = xmlDocGetRootElement(doc);
    if (root == nullptr || root->ns == nullptr ||
        xmlStrcmp(root->name, BAD_CAST "TrustServiceStatusList") != 0 ||
        xmlStrcmp(root->ns->href, BAD_CAST k_tsl_ns) != 0) {
        throw Error(Errc::malformed_input, trf("{0}: not an ETSI TS 119 612 trusted list (the root "
                                               "must be TrustServiceStatusList in namespace {1})",
                                               {what, k_tsl_ns}));
    }
    TrustedList out;
    xmlNode* scheme = need(root, "SchemeInformation", what);
    out.sequence_number = text_of(need(scheme, "TSLSequenceNumber", what));
    out.type = text_of(need(scheme, "TSLType", what));
    out.operator_name = name_of(need(scheme, "SchemeOperatorName", what));
    out.territory = text_of(need(scheme, "SchemeTerritory", what));
    out.issued = time_of(need(scheme, "ListIssueDateTime", what), what);
    if (xmlNode* dt = xml::child(need(scheme, "NextUpdate", what), k_tsl_ns, "dateTime"))
        out.next_update = time_of(dt, what);
    for (xmlNode* p : xml::children(xml::child(scheme, k_tsl_ns, "PointersToOtherTSL"), k_tsl_ns,
                                    "OtherTSLPointer"))
        out.pointers.push_back(pointer_of(p, what));
    for (xmlNode* tsp : xml::children(xml::child(root, k_tsl_ns, "TrustServiceProviderList"),
                                      k_tsl_ns, "TrustServiceProvider")) {
        Provider provider;
        provider.name = name_of(need(need(tsp, "TSPInformation", what), "TSPName", what));
        for (xmlNode* svc : xml::children(need(tsp, "TSPServices", what), k_tsl_ns, "TSPService"))
            provider.services.push_back(service_of(svc, what));
        out.providers.push_back(std::move(provider));
    }
    return out;
}

bool anchors_signatures(const std::string& t) {
    return t == std::string(k_svc_type) + "CA/QC" || t == std::string(k_svc_type) + "CA/PKC";
}

bool anchors_timestamps(const std::string& t) {
    const std::string base = std::string(k_svc_type) + "TSA";
    return t == base || t == base + "/QTST" || t == base + "/TSS-QC" ||
           t == base + "/TSS-AdESQCandQES";
}

bool anchors_revocation(const std::string& t) {
    const std::string base = std::string(k_svc_type) + "Certstatus/OCSP";
    return t == base || t == base + "/QC";
}

bool is_qualified_type(const std::string& t) {
    return t == std::string(k_svc_type) + "CA/QC" || t == std::string(k_svc_type) + "TSA/QTST";
}

bool is_granted(const std::string& uri) {
    static const std::string prefixes[] = {
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/",
        "http://uri.etsi.org/TrstSvc/eSigDir-1999-93-EC-TrustedList/Svcstatus/",
    };
    static const std::string granted[] = {"granted",          "recognisedatnationallevel",
                                          "undersupervision", "supervisionincessation",
                                          "accredited",       "setbynationallaw"};
    for (const auto& p : prefixes) {
        if (uri.rfind(p, 0) != 0) continue;
        const std::string name = uri.substr(p.size());
        return std::find(std::begin(granted), std::end(granted), name) != std::end(granted);
    }
    return false;
}

}  // namespace ltsign::trust
