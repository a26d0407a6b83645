// XAdES-E-ERS (ETSI TS 119 132-3): evidence records embedded in xadesen:SealingEvidenceRecords,
// found and appended, and what each covers. The record itself (RFC 6283 XML or RFC 4998 DER) is
// the ers area's: it gets the record's bytes and the digests of what it covers from here. The
// recipe was established by recomputing EU DSS's files (docs/architecture.md, Long-term levels).
#include <algorithm>

#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::xml {
namespace {

constexpr const char* k_manifest_type = "http://www.w3.org/2000/09/xmldsig#Manifest";

bool is(const xmlNode* n, const char* ns, const char* name) {
    return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
           xmlStrcmp(n->ns->href, BAD_CAST ns) == 0 && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

// Whether a SignedInfo reference signs a ds:Manifest (by its Type, or by what it names).
bool signs_manifest(xmlDoc* doc, xmlNode* sig) {
    const auto refs = children(child(sig, k_dsig_ns, "SignedInfo"), k_dsig_ns, "Reference");
    return std::any_of(refs.begin(), refs.end(), [&](xmlNode* ref) {
        const std::string uri = attribute(ref, "URI");
        return attribute(ref, "Type") == k_manifest_type ||
               (uri.size() > 1 && uri[0] == '#' &&
                is(element_by_id(doc, uri.substr(1)), k_dsig_ns, "Manifest"));
    });
}

// `element` (and its subtree) as an XML document of its own, with the namespaces it uses.
core::Bytes standalone(xmlNode* element) {
    Doc copy(made(xmlNewDoc(BAD_CAST "1.0")));
    xmlNode* root = made(xmlDocCopyNode(element, copy.get(), 1));
    xmlDocSetRootElement(copy.get(), root);  // returns the former root: there is none
    static_cast<void>(xmlReconciliateNs(copy.get(), root));
    return serialize(copy.get(), false);
}

// Why what the records of `checked` cover cannot be known; empty when it can.
std::string obstacle(const CheckedSignature& checked) {
    if (checked.document_missing)
        return "the evidence record covers the detached document, which was not given";
    if (checked.reference_data.empty()) return "the signature's references were not all processed";
    return "";
}

}  // namespace

std::vector<core::Bytes> evidence_record_digests(xmlDoc* doc, xmlNode* sig, xmlNode* usp,
                                                 xmlNode* holder,
                                                 const std::vector<core::Bytes>& reference_data,
                                                 const EVP_MD* md) {
    // TS 119 132-3 step 6 adds the data of every reference of a signed ds:Manifest, which
    // XMLDSig core validation leaves to the application and ltsign does not follow.
    if (signs_manifest(doc, sig)) {
        throw Error(Errc::usage,
                    "the signature signs a ds:Manifest: its evidence record covers the "
                    "manifest's references too, which this version does not follow");
    }
    // SignedInfo's CanonicalizationMethod, not the record's own (C14N 1.0 in DSS's records):
    // only the former matches DSS's files.
    std::string c14n =
        attribute(child(child(sig, k_dsig_ns, "SignedInfo"), k_dsig_ns, "CanonicalizationMethod"),
                  "Algorithm");
    if (c14n.empty()) c14n = k_c14n10;
    std::vector<core::Bytes> out;
    archive_parts(doc, sig, usp, holder, c14n, reference_data, false,
                  [&](const core::Bytes& part) { out.push_back(crypto::digest_bytes(md, part)); });
    return out;
}

void find_embedded_records(const std::shared_ptr<xmlDoc>& doc, CheckedSignature& checked,
                           std::size_t index, std::vector<EmbeddedRecord>& out) {
    xmlNode* qp = qualifying_properties(checked.signature);
    xmlNode* usp = child(child(qp, k_xades132_ns, "UnsignedProperties"), k_xades132_ns,
                         "UnsignedSignatureProperties");
    const auto holders = children(usp, k_xadesen_ns, "SealingEvidenceRecords");
    if (holders.empty()) return;
    const std::string why_not = obstacle(checked);
    // Shared by every record's `covered`, which outlives this call.
    const auto data = std::make_shared<const std::vector<core::Bytes>>(checked.reference_data);
    xmlNode* sig = checked.signature;
    auto& facts = checked.facts;
    for (xmlNode* holder : holders) {
        std::size_t found = 0;
        for (xmlNode* c = holder->children; c != nullptr; c = c->next) {
            if (c->type != XML_ELEMENT_NODE) continue;
            EmbeddedRecord r{
                index, is(c, k_xadesen_ns, "ASN1EvidenceRecord"), {}, nullptr, why_not};
            if (r.asn1) {
                r.bytes = base64_decode(text(c));
            } else if (is(c, "urn:ietf:params:xml:ns:ers", "EvidenceRecord")) {
                r.bytes = standalone(c);
            } else {
                facts.format_problem = "its xadesen:SealingEvidenceRecords holds an element " +
                                       std::string(reinterpret_cast<const char*>(c->name)) +
                                       ", which is no evidence record (ETSI TS 119 132-3)";
                continue;
            }
            if (why_not.empty()) {
                r.covered = [doc, sig, usp, holder, data](const EVP_MD* md) {
                    return evidence_record_digests(doc.get(), sig, usp, holder, *data, md);
                };
            }
            out.push_back(std::move(r));
            ++found;
        }
        if (found == 0 && !facts.format_problem)
            facts.format_problem = "its xadesen:SealingEvidenceRecords holds no evidence record";
    }
}

void append_evidence_record(xmlNode* usp, std::span<const unsigned char> record) {
    const Doc parsed = parse(record, "the new evidence record");
    xmlNode* holder = add_element(usp, k_xadesen_ns, "xadesen", "SealingEvidenceRecords");
    made(
        xmlAddChild(holder, made(xmlDocCopyNode(xmlDocGetRootElement(parsed.get()), usp->doc, 1))));
}

}  // namespace ltsign::xml
