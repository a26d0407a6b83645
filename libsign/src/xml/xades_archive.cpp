// XAdES long-term levels (ETSI EN 319 132-1 5.5): B-LT validation data (xades:CertificateValues,
// xades:RevocationValues, xadesv141:TimeStampValidationData) and B-LTA archive time-stamps
// (xadesv141:ArchiveTimeStamp), created and checked. What an archive time-stamp covers was
// established by recomputing EU DSS's own files (docs/architecture.md, Long-term levels); it is
// canonicalised from the parsed document, in document context, never from re-serialised parts.
#include <openssl/ocsp.h>

#include <algorithm>
#include <set>

#include "cms/cades_archive.hpp"
#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::xml {
namespace {

using validation::Check;
using validation::SignatureFacts;

constexpr const char* k_exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* k_enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* k_xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116";
constexpr const char* k_xpath2 = "http://www.w3.org/2002/06/xmldsig-filter2";

bool is(const xmlNode* n, const char* ns, const char* name) {
    return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
           xmlStrcmp(n->ns->href, BAD_CAST ns) == 0 && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

void append(core::Bytes& to, const core::Bytes& more) {
    to.insert(to.end(), more.begin(), more.end());
}

// Whether a reference's data after its transforms is an XML node-set rather than octets: a
// same-document URI without transforms, or a last transform that selects nodes (the reading of
// EN 319 132-1 5.5.2.2 DSS implements, in getReferenceOutputType).
bool node_set_output(xmlNode* ref) {
    const auto transforms = children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform");
    if (transforms.empty()) {
        const std::string uri = attribute(ref, "URI");
        return uri.empty() || uri[0] == '#';
    }
    const std::string last = attribute(transforms.back(), "Algorithm");
    return last == k_enveloped || last == k_xpath || last == k_xpath2;
}

// EN 319 132-1 5.5.2.2 item 1: the reference's data after its transforms. `digested` is what
// XMLDSig core validation digested; a node-set was serialised with C14N 1.0 there (XMLDSig
// 4.4.3.2) and is canonicalised again with the time-stamp's algorithm.
core::Bytes reference_octets(xmlNode* ref, const core::Bytes& digested, const std::string& c14n) {
    if (!node_set_output(ref)) return digested;
    try {
        const Doc doc = parse(digested, "the data of a reference");
        return canonicalize_document(doc.get(), c14n);
    } catch (const Error&) {
        return digested;  // not a whole XML document (text nodes): the octets as they are
    }
}

// Whether a ds:Reference of SignedInfo names `object` by its Id.
bool referenced(const std::vector<xmlNode*>& refs, xmlNode* object) {
    const std::string id = attribute(object, "Id");
    if (id.empty()) return false;
    return std::any_of(refs.begin(), refs.end(),
                       [&](xmlNode* r) { return attribute(r, "URI") == "#" + id; });
}

SignatureFacts archive_facts(std::optional<std::string> format_problem) {
    SignatureFacts f;
    f.type = EntryType::archive_timestamp;
    f.is_timestamp = true;
    f.format_problem = std::move(format_problem);
    return f;
}

// One xades:EncapsulatedTimeStamp of an archive time-stamp, its imprint checked against `input`
// (nullopt: not checked, for the reason `why_not`).
SignatureFacts encapsulated_facts(xmlNode* et, const std::optional<validation::DataObject>& input,
                                  const std::string& why_not) {
    const auto der = base64_decode(text(et));
    SignatureFacts t;
    try {
        if (der.empty()) throw Error(Errc::malformed_input, tr("it is not base64"));
        cms::ImprintSource source;
        if (input) source.data = *input;
        t = cms::token_facts(der, source);
    } catch (const Error& e) {
        return archive_facts(std::string("an ArchiveTimeStamp cannot be read: ") + e.what());
    }
    t.type = EntryType::archive_timestamp;
    if (!input) {
        t.imprint = {Check::not_possible, why_not};
    } else if (t.imprint.status == Check::failed) {
        t.imprint.detail =
            trf("the archive time-stamp no longer matches the signature and the unsigned "
                "properties it covers (one was removed, added or altered): {0}",
                {t.imprint.detail});
    }
    return t;
}

}  // namespace

void archive_parts(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                   const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                   bool v132, const std::function<void(const core::Bytes&)>& part) {
    xmlNode* si = child(sig, k_dsig_ns, "SignedInfo");
    const auto refs = children(si, k_dsig_ns, "Reference");
    if (refs.size() != reference_data.size())
        throw Error(Errc::internal, tr("the data of every reference is needed"));
    for (std::size_t i = 0; i < refs.size(); ++i)
        part(reference_octets(refs[i], reference_data[i], c14n));
    part(canonicalize(doc, si, c14n));
    part(canonicalize(doc, child(sig, k_dsig_ns, "SignatureValue"), c14n));
    if (xmlNode* ki = child(sig, k_dsig_ns, "KeyInfo")) part(canonicalize(doc, ki, c14n));
    // Every unsigned signature property before the time-stamp, whatever it is, each whole.
    for (xmlNode* c = usp->children; c != nullptr && c != before; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) part(canonicalize(doc, c, c14n));
    }
    // The ds:Objects, referenced ones included (1.3.2: only those no reference signs), but not
    // the one holding the qualifying properties.
    for (xmlNode* obj : children(sig, k_dsig_ns, "Object")) {
        if (child(obj, k_xades132_ns, "QualifyingProperties") != nullptr) continue;
        if (v132 && referenced(refs, obj)) continue;
        part(canonicalize(doc, obj, c14n));
    }
}

core::Bytes archive_input(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                          const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                          bool v132) {
    core::Bytes out;
    archive_parts(doc, sig, usp, before, c14n, reference_data, v132,
                  [&](const core::Bytes& part) { append(out, part); });
    return out;
}

std::vector<validation::SignatureFacts> archive_timestamp_facts(
    xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* ats,
    const std::vector<core::Bytes>& reference_data, const std::string& why_not) {
    // The time-stamp's own CanonicalizationMethod (C14N 1.0 when absent), not SignedInfo's.
    std::string c14n = attribute(child(ats, k_dsig_ns, "CanonicalizationMethod"), "Algorithm");
    if (c14n.empty()) c14n = k_c14n10;
    std::optional<validation::DataObject> input;
    std::string reason = why_not;
    if (!reference_data.empty()) {
        try {
            input = validation::DataObject::from_bytes(
                "the signature and its validation data",
                archive_input(doc, sig, usp, ats, c14n, reference_data));
        } catch (const Error& e) {
            reason =
                std::string("what the archive time-stamp covers cannot be computed: ") + e.what();
        }
    }
    std::vector<SignatureFacts> out;
    for (xmlNode* et : children(ats, k_xades132_ns, "EncapsulatedTimeStamp"))
        out.push_back(encapsulated_facts(et, input, reason));
    if (!out.empty()) return out;
    if (child(ats, k_xades132_ns, "XMLTimeStamp") != nullptr) {
        // Proves nothing here, but is no sign of tampering either.
        SignatureFacts f = archive_facts(std::nullopt);
        f.imprint = {
            Check::not_possible,
            tr("the archive time-stamp is an XML time-stamp, which this version does not read")};
        out.push_back(std::move(f));
    } else {
        out.push_back(archive_facts("an ArchiveTimeStamp holds no time-stamp token"));
    }
    return out;
}

std::optional<core::Bytes> ocsp_response_der(const core::Bytes& der) {
    try {
        static_cast<void>(
            ossl::decode_der_exact<OCSP_RESPONSE>(der, d2i_OCSP_RESPONSE, "an OCSP response"));
        return der;
    } catch (const Error&) {
    }
    try {
        static_cast<void>(ossl::decode_der_exact<OCSP_BASICRESP>(der, d2i_OCSP_BASICRESP,
                                                                 "a basic OCSP response"));
        // Wrapped as it is: re-encoding could change the bytes its signature covers.
        return cms::ocsp_response_of(der);
    } catch (const Error&) {
        return std::nullopt;
    }
}

namespace {

// The namespace `href` as it is in scope at `node`, else declared there with `prefix`.
xmlNs* namespace_for(xmlNode* node, const char* href, const char* prefix) {
    if (xmlNs* ns = xmlSearchNsByHref(node->doc, node, BAD_CAST href)) return ns;
    return made(xmlNewNs(node, BAD_CAST href, BAD_CAST prefix));
}

}  // namespace

xmlNode* add_element(xmlNode* parent, const char* href, const char* prefix, const char* name,
                     const std::string& content) {
    xmlNode* n = made(xmlNewNode(nullptr, BAD_CAST name));
    made(xmlAddChild(parent, n));
    xmlSetNs(n, namespace_for(n, href, prefix));
    if (!content.empty()) xmlNodeAddContent(n, BAD_CAST content.c_str());
    return n;
}

namespace {

// The validation data a signature carries already, as DER (OCSP values as OCSPResponse).
struct Carried {
    std::set<core::Bytes> certificates, crls, ocsp;
};

void add_decoded(std::set<core::Bytes>& to, xmlNode* parent, const char* ns, const char* name) {
    for (xmlNode* v : children(parent, ns, name)) to.insert(base64_decode(text(v)));
}

void carried_in(xmlNode* holder, Carried& out) {
    for (xmlNode* cv : children(holder, k_xades132_ns, "CertificateValues"))
        add_decoded(out.certificates, cv, k_xades132_ns, "EncapsulatedX509Certificate");
    for (xmlNode* rv : children(holder, k_xades132_ns, "RevocationValues")) {
        for (xmlNode* v : children(rv, k_xades132_ns, "CRLValues"))
            add_decoded(out.crls, v, k_xades132_ns, "EncapsulatedCRLValue");
        for (xmlNode* v : children(rv, k_xades132_ns, "OCSPValues")) {
            for (xmlNode* o : children(v, k_xades132_ns, "EncapsulatedOCSPValue")) {
                if (auto der = ocsp_response_der(base64_decode(text(o))))
                    out.ocsp.insert(std::move(*der));
            }
        }
    }
}

// `usp` may be null (none yet).
Carried carried_by(xmlNode* sig, xmlNode* usp) {
    Carried out;
    for (xmlNode* xd : children(child(sig, k_dsig_ns, "KeyInfo"), k_dsig_ns, "X509Data")) {
        add_decoded(out.certificates, xd, k_dsig_ns, "X509Certificate");
        add_decoded(out.crls, xd, k_dsig_ns, "X509CRL");
    }
    carried_in(usp, out);
    for (xmlNode* tsvd : children(usp, k_xades141_ns, "TimeStampValidationData"))
        carried_in(tsvd, out);
    return out;
}

// What of `offered` is not in `carried`, each once, in the order offered.
std::vector<core::Bytes> missing(const std::vector<core::Bytes>& offered,
                                 std::set<core::Bytes> carried) {
    std::vector<core::Bytes> out;
    for (const auto& d : offered) {
        if (carried.insert(d).second) out.push_back(d);
    }
    return out;
}

// Whether something among the unsigned properties covers the ones before it: an archive time-stamp
// (either form), or a property of another specification (an embedded evidence record,
// xadesen:SealingEvidenceRecords). What such a thing covers must not change.
bool covered(xmlNode* usp) {
    for (xmlNode* c = usp->children; c != nullptr; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (is(c, k_xades141_ns, "ArchiveTimeStamp") || is(c, k_xades132_ns, "ArchiveTimeStamp"))
            return true;
        if (c->ns == nullptr || (xmlStrcmp(c->ns->href, BAD_CAST k_xades132_ns) != 0 &&
                                 xmlStrcmp(c->ns->href, BAD_CAST k_xades141_ns) != 0))
            return true;
    }
    return false;
}

// The child `name` of `parent` (1.3.2 namespace), made when missing (`reuse` false: always made),
// before the first of `before` present (schema order), else last.
xmlNode* container(xmlNode* parent, const char* name, bool reuse,
                   std::initializer_list<const char*> before = {}) {
    if (xmlNode* found = reuse ? child(parent, k_xades132_ns, name) : nullptr) return found;
    xmlNode* n = add_element(parent, k_xades132_ns, "xades", name);
    for (const char* b : before) {
        if (xmlNode* next = child(parent, k_xades132_ns, b)) {
            made(xmlAddPrevSibling(next, n));
            break;
        }
    }
    return n;
}

struct Missing {
    std::vector<core::Bytes> certificates, crls, ocsp;
    bool empty() const { return certificates.empty() && crls.empty() && ocsp.empty(); }
};

// EN 319 132-1 5.5.1 CertificateValues and 5.5.2 RevocationValues (CRLValues, then OCSPValues:
// schema order) in `holder`, the UnsignedSignatureProperties or a TimeStampValidationData;
// `reuse`: existing ones are appended to.
void add_values(xmlNode* holder, const Missing& m, bool reuse) {
    if (!m.certificates.empty()) {
        xmlNode* cv = container(holder, "CertificateValues", reuse);
        for (const auto& c : m.certificates)
            add_element(cv, k_xades132_ns, "xades", "EncapsulatedX509Certificate",
                        base64_encode(c));
    }
    if (m.crls.empty() && m.ocsp.empty()) return;
    xmlNode* rv = container(holder, "RevocationValues", reuse);
    if (!m.crls.empty()) {
        xmlNode* values = container(rv, "CRLValues", true, {"OCSPValues", "OtherValues"});
        for (const auto& c : m.crls)
            add_element(values, k_xades132_ns, "xades", "EncapsulatedCRLValue", base64_encode(c));
    }
    if (!m.ocsp.empty()) {
        xmlNode* values = container(rv, "OCSPValues", true, {"OtherValues"});
        for (const auto& o : m.ocsp)
            add_element(values, k_xades132_ns, "xades", "EncapsulatedOCSPValue", base64_encode(o));
    }
}

// Adds to one signature what it lacks of `data`; false when it lacks nothing.
bool add_missing(xmlDoc* doc, xmlNode* sig, xmlNode* qp, const validation::ValidationData& data) {
    const Carried carried = carried_by(sig, child(child(qp, k_xades132_ns, "UnsignedProperties"),
                                                  k_xades132_ns, "UnsignedSignatureProperties"));
    const Missing m{missing(data.certificates, carried.certificates),
                    missing(data.crls, carried.crls), missing(data.ocsp, carried.ocsp)};
    if (m.empty()) return false;
    xmlNode* usp = unsigned_signature_properties(doc, qp);
    if (!covered(usp)) {
        add_values(usp, m, true);
        return true;
    }
    // EN 319 132-1 5.5.2 / TS 101 903 1.4.2 8.1.1: after an archive time-stamp, validation data
    // goes into a TimeStampValidationData, last, where the next archive time-stamp covers it.
    xmlNode* tsvd = add_element(usp, k_xades141_ns, "xadesv141", "TimeStampValidationData");
    made(xmlNewProp(tsvd, BAD_CAST "Id", BAD_CAST("TSVD-" + random_id()).c_str()));
    add_values(tsvd, m, false);
    return true;
}

// EN 319 132-1 5.5.2, last in `usp`:
// <xadesv141:ArchiveTimeStamp Id><ds:CanonicalizationMethod/><xades:EncapsulatedTimeStamp/>
// </xadesv141:ArchiveTimeStamp>
void append_archive_timestamp(xmlNode* usp, const core::Bytes& token) {
    xmlNode* ats = add_element(usp, k_xades141_ns, "xadesv141", "ArchiveTimeStamp");
    made(xmlNewProp(ats, BAD_CAST "Id", BAD_CAST("TS-" + random_id()).c_str()));
    xmlNode* cm = add_element(ats, k_dsig_ns, "ds", "CanonicalizationMethod");
    made(xmlNewProp(cm, BAD_CAST "Algorithm", BAD_CAST k_exc_c14n));
    add_element(ats, k_xades132_ns, "xades", "EncapsulatedTimeStamp", base64_encode(token));
}

}  // namespace

core::Bytes add_validation_data(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::ValidationData& data) {
    Doc doc = parse(bytes, what);
    bool changed = false;
    for (xmlNode* sig : top_level_signatures(xmlDocGetRootElement(doc.get()))) {
        if (xmlNode* qp = qualifying_properties(sig))
            changed = add_missing(doc.get(), sig, qp, data) || changed;
    }
    if (!changed) return core::Bytes(bytes.begin(), bytes.end());
    return serialize(doc.get(), false);
}

core::Bytes edit_each_signature(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::DataObject* document, const std::string& added,
                                const SignatureEdit& edit) {
    validation::DataObjects objects;
    if (document != nullptr) objects.push_back(*document);
    return edit_each_signature(bytes, what, objects, added, edit);
}

core::Bytes edit_each_signature(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::DataObjects& objects, const std::string& added,
                                const SignatureEdit& edit) {
    Doc doc = parse(bytes, what);
    int edited = 0;
    for (const auto& checked : check_signatures(doc.get(), what, objects, true)) {
        xmlNode* qp = qualifying_properties(checked.signature);
        if (qp == nullptr) continue;  // plain XMLDSig has no place for unsigned properties
        if (checked.document_missing) {
            throw Error(
                Errc::input_missing,
                trf("{0} is detached: {1} covers its document, which was not given", {what, added}),
                Remedy::document);
        }
        if (checked.reference_data.empty()) {
            throw Error(Errc::malformed_input, trf("{0}: the signature's references do not verify, "
                                                   "so {1} over them would prove nothing",
                                                   {what, added}));
        }
        edit(doc.get(), checked, unsigned_signature_properties(doc.get(), qp));
        ++edited;
    }
    if (edited == 0) {
        throw Error(Errc::usage,
                    trf("{0}: it holds no XAdES signature {1} could be added to", {what, added}));
    }
    return serialize(doc.get(), false);
}

core::Bytes add_archive_timestamp(std::span<const unsigned char> bytes, const std::string& what,
                                  const validation::DataObject* document, const EVP_MD* md,
                                  const cms::TokenSource& tokens) {
    validation::DataObjects objects;
    if (document != nullptr) objects.push_back(*document);
    return add_archive_timestamp(bytes, what, objects, md, tokens);
}

core::Bytes add_archive_timestamp(std::span<const unsigned char> bytes, const std::string& what,
                                  const validation::DataObjects& documents, const EVP_MD* md,
                                  const cms::TokenSource& tokens) {
    return edit_each_signature(
        bytes, what, documents, "an archive time-stamp",
        [&](xmlDoc* doc, const CheckedSignature& checked, xmlNode* usp) {
            // Exclusive C14N, as DSS writes it: namespaces declared on ancestors (an enveloping
            // document's) do not enter what is time-stamped.
            const core::Bytes input = archive_input(doc, checked.signature, usp, nullptr,
                                                    k_exc_c14n, checked.reference_data);
            append_archive_timestamp(usp, tokens(md, crypto::digest_bytes(md, input)));
        });
}

}  // namespace ltsign::xml
