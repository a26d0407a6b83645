// Whether a trusted list may be used: TS 119 612 5.7 (its enveloped XAdES/XMLDSig signature by
// the scheme operator that the pointing list names), 5.3.2 (sequence number), 5.3.14 and 5.3.15
// (ListIssueDateTime, NextUpdate). The XML signature itself is verified by the xml area
// (xmldsig.cpp, the same locked-down xmlsec1 core as XAdES); this file only decides what the
// signature must cover, so that what is used is what was signed.
#include <algorithm>
#include "ltsign/language.hpp"

#include "trust/tsl.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::trust {
namespace {

constexpr const char* k_enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* k_dsig = "http://www.w3.org/2000/09/xmldsig#";

void all_signatures(xmlNode* n, std::vector<xmlNode*>& out) {
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (c->ns != nullptr && xmlStrcmp(c->ns->href, BAD_CAST k_dsig) == 0 &&
            xmlStrcmp(c->name, BAD_CAST "Signature") == 0)
            out.push_back(c);
        all_signatures(c, out);
    }
}

bool inside(xmlNode* n, xmlNode* ancestor) {
    for (; n != nullptr; n = n->parent)
        if (n == ancestor) return true;
    return false;
}

// The references must cover the whole list (URI "" or the root's ID, with the
// enveloped-signature transform) and may otherwise point only into the signature itself (its
// XAdES SignedProperties): a signature over a part of the list, or over something beside it,
// would let the unsigned rest be changed (signature wrapping).
std::optional<std::string> coverage_problem(xmlDoc* doc, xmlNode* root, xmlNode* sig,
                                            const std::vector<std::string>& duplicates) {
    xmlNode* signed_info = xml::child(sig, k_dsig, "SignedInfo");
    bool whole = false;
    for (xmlNode* ref : xml::children(signed_info, k_dsig, "Reference")) {
        const std::string uri = xml::attribute(ref, "URI");
        if (uri.size() > 1 && uri[0] == '#' &&
            std::find(duplicates.begin(), duplicates.end(), uri.substr(1)) != duplicates.end())
            return trf("its signature references \"{0}\", an ID the list holds twice", {uri});
        if (xmlHasProp(ref, BAD_CAST "URI") == nullptr)
            return std::string(tr("its signature has a reference without URI"));
        const xml::Fragment f = uri.empty() ? xml::Fragment{xml::Fragment::Kind::document}
                                            : xml::resolve_fragment(doc, ref, uri);
        bool enveloped = false;
        for (xmlNode* t : xml::children(xml::child(ref, k_dsig, "Transforms"), k_dsig, "Transform"))
            enveloped = enveloped || xml::attribute(t, "Algorithm") == k_enveloped;
        const bool covers_root = f.kind == xml::Fragment::Kind::document ||
                                 (f.kind == xml::Fragment::Kind::element && f.element == root);
        if (covers_root && enveloped) {
            whole = true;
            continue;
        }
        if (f.kind == xml::Fragment::Kind::element && inside(f.element, sig)) continue;
        return trf(
            "its signature's reference \"{0}\" does not cover the whole list (ETSI TS 119 612 "
            "5.7.1 wants the list signed whole, with the enveloped-signature transform)",
            {uri});
    }
    if (!whole)
        return std::string(
            tr("its signature does not cover the whole list (no reference to the list with the "
               "enveloped-signature transform)"));
    return std::nullopt;
}

// The certificate the signature carries in ds:KeyInfo, for saying who signed when it is not the
// expected signer.
ossl::Ptr<X509> carried_signer(xmlNode* sig) {
    xmlNode* data = xml::child(xml::child(sig, k_dsig, "KeyInfo"), k_dsig, "X509Data");
    for (xmlNode* c : xml::children(data, k_dsig, "X509Certificate")) {
        const auto der = xml::base64_decode(xml::text(c));
        const unsigned char* p = der.data();
        ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        ossl::clear_errors();
        if (cert) return cert;
    }
    return nullptr;
}

std::string subjects(const std::vector<X509*>& certs) {
    std::string out;
    for (X509* c : certs)
        out += (out.empty() ? "" : "; ") + ossl::name_to_string(X509_get_subject_name(c));
    return out;
}

// The signature verified with each expected signer; the problem when none verifies it.
std::string check_signature(xmlNode* sig, const std::vector<X509*>& signers, ListVerdict& out) {
    if (signers.empty()) return tr("no signer certificate is known for it");
    xml::CoreResult first;
    for (X509* s : signers) {
        const xml::CoreResult r = xml::verify_core(sig, s, {});
        if (r.status == xml::CoreResult::Status::valid) {
            out.signer = ossl::name_to_string(X509_get_subject_name(s));
            out.signer_sha256 = ossl::sha256_hex(s);
            return {};
        }
        if (s == signers.front()) first = r;
    }
    if (first.status == xml::CoreResult::Status::reference_failed) {
        return trf(
            "its content does not match its signature ({0}): the list was changed after it was "
            "signed",
            {first.detail});
    }
    const ossl::Ptr<X509> carried = carried_signer(sig);
    const bool expected = carried && std::any_of(signers.begin(), signers.end(), [&](X509* s) {
                              return X509_cmp(s, carried.get()) == 0;
                          });
    if (first.status == xml::CoreResult::Status::signature_failed && carried && !expected) {
        return trf("it is signed by {0}, not by a signer the pointing list names ({1})",
                   {ossl::name_to_string(X509_get_subject_name(carried.get())), subjects(signers)});
    }
    if (first.status == xml::CoreResult::Status::signature_failed)
        return trf("its signature value does not verify with the key of {0}", {subjects(signers)});
    return trf("its signature cannot be verified: {0}", {first.detail});
}

std::optional<std::string> date_problem(const TrustedList& list, TimePoint at, bool current) {
    const auto& seq = list.sequence_number;
    if (seq.empty() || seq.size() > 18 ||
        !std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoll(seq) < 1)
        return trf("its TSLSequenceNumber \"{0}\" is not a positive integer", {seq});
    if (current && list.issued && at < *list.issued)
        return trf("it was issued on {0}, after the time it is used for ({1})",
                   {format_rfc3339(*list.issued), format_rfc3339(at)});
    if (!list.next_update)
        return std::string(tr("it is a closed list (no NextUpdate): its scheme has ended"));
    if (at >= *list.next_update) {
        return trf("it expired: its NextUpdate {0} has passed at {1}, and a newer list is needed",
                   {format_rfc3339(*list.next_update), format_rfc3339(at)});
    }
    return std::nullopt;
}

}  // namespace

ListVerdict judge_list(std::span<const unsigned char> bytes, const std::string& what,
                       const std::vector<X509*>& signers, TimePoint at, bool current) {
    ListVerdict out;
    xml::Doc doc;
    try {
        doc = xml::parse(bytes, what);
        out.list = read_trusted_list(doc.get(), what);
    } catch (const Error& e) {
        out.problem = trf("it cannot be read: {0}", {e.what()});
        return out;
    }
    const auto schema = xml::validate(doc.get(), "ts_119612v020101_xsd.xsd");
    out.schema_checked = schema.performed;
    if (schema.problem) {
        out.problem = trf("it does not follow the ETSI TS 119 612 schema: {0}", {*schema.problem});
        return out;
    }
    xmlNode* root = xmlDocGetRootElement(doc.get());
    std::vector<xmlNode*> sigs;
    all_signatures(root, sigs);
    if (sigs.empty()) {
        out.problem = tr("it is not signed");
        return out;
    }
    if (sigs.size() != 1 || sigs[0]->parent != root) {
        out.problem =
            trf("it holds {0} XML signatures; a trusted list has exactly one, a child of its root",
                {std::to_string(sigs.size())});
        return out;
    }
    const auto duplicates = xml::register_ids(doc.get());
    if (auto p = coverage_problem(doc.get(), root, sigs[0], duplicates)) {
        out.problem = *p;
        return out;
    }
    out.problem = check_signature(sigs[0], signers, out);
    if (!out.problem.empty()) return out;
    if (auto p = date_problem(*out.list, at, current)) out.problem = *p;
    return out;
}

}  // namespace ltsign::trust
