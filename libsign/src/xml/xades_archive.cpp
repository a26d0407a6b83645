// XAdES long-term levels (ETSI EN 319 132-1 5.5): B-LT validation data (xades:CertificateValues,
// xades:RevocationValues, xadesv141:TimeStampValidationData) and B-LTA archive time-stamps
// (xadesv141:ArchiveTimeStamp), checked. What an archive time-stamp covers was established by
// recomputing EU DSS's own files (docs/architecture.md, Long-term levels); it is canonicalised
// from the parsed document, in document context, never from re-serialised parts.
#include <openssl/ocsp.h>

#include <algorithm>

#include "cms/timestamp_token.hpp"
#include "ltsign/error.hpp"
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
        if (der.empty()) throw Error(Errc::malformed_input, "it is not base64");
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
            "the archive time-stamp no longer matches the signature and the unsigned properties "
            "it covers (one was removed, added or altered): " +
            t.imprint.detail;
    }
    return t;
}

}  // namespace

core::Bytes archive_input(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                          const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                          bool v132) {
    xmlNode* si = child(sig, k_dsig_ns, "SignedInfo");
    const auto refs = children(si, k_dsig_ns, "Reference");
    if (refs.size() != reference_data.size())
        throw Error(Errc::internal, "the data of every reference is needed");
    core::Bytes out;
    for (std::size_t i = 0; i < refs.size(); ++i)
        append(out, reference_octets(refs[i], reference_data[i], c14n));
    append(out, canonicalize(doc, si, c14n));
    append(out, canonicalize(doc, child(sig, k_dsig_ns, "SignatureValue"), c14n));
    if (xmlNode* ki = child(sig, k_dsig_ns, "KeyInfo")) append(out, canonicalize(doc, ki, c14n));
    // Every unsigned signature property before the time-stamp, whatever it is, each whole.
    for (xmlNode* c = usp->children; c != nullptr && c != before; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) append(out, canonicalize(doc, c, c14n));
    }
    // The ds:Objects, referenced ones included (1.3.2: only those no reference signs), but not
    // the one holding the qualifying properties.
    for (xmlNode* obj : children(sig, k_dsig_ns, "Object")) {
        if (child(obj, k_xades132_ns, "QualifyingProperties") != nullptr) continue;
        if (v132 && referenced(refs, obj)) continue;
        append(out, canonicalize(doc, obj, c14n));
    }
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
        f.imprint = {Check::not_possible,
                     "the archive time-stamp is an XML time-stamp, which this version does not "
                     "read"};
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
        const auto basic = ossl::decode_der_exact<OCSP_BASICRESP>(der, d2i_OCSP_BASICRESP,
                                                                  "a basic OCSP response");
        const ossl::Ptr<OCSP_RESPONSE> response(
            OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
        if (!response) {
            ossl::clear_errors();
            return std::nullopt;
        }
        return ossl::encode_der(response.get(), i2d_OCSP_RESPONSE, "an OCSP response");
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace ltsign::xml
