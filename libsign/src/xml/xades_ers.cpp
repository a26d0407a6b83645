// XAdES-E-ERS (ETSI TS 119 132-3): evidence records embedded in xadesen:SealingEvidenceRecords,
// found and appended, and what each covers. The record itself (RFC 6283 XML or RFC 4998 DER) is
// the ers area's: it gets the record's bytes and the digests of what it covers from here. The
// recipe was established by recomputing EU DSS's files (docs/architecture.md, Long-term levels).
#include <algorithm>
#include <map>

#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
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

// The nodes of the document (elements, attributes, text): what one canonicalisation walks, since
// libxml2's C14N visits every node to ask whether it is in the set.
std::size_t node_count(xmlDoc* doc) {
    std::size_t n = 0;
    std::vector<xmlNode*> stack{xmlDocGetRootElement(doc)};
    while (!stack.empty()) {
        xmlNode* node = stack.back();
        stack.pop_back();
        ++n;
        for (xmlAttr* a = node->type == XML_ELEMENT_NODE ? node->properties : nullptr; a != nullptr;
             a = a->next)
            ++n;
        for (xmlNode* c = node->children; c != nullptr; c = c->next) stack.push_back(c);
    }
    return n;
}

// What the records of one signature cover, kept for their `covered` after extract_facts returns:
// computed once per holder and digest algorithm (parallel records in one holder share it), and
// bounded, since each holder canonicalises every property before it (each a walk of the whole
// document) and hashes the references' data again: a file of many small holders would otherwise
// cost its size squared or worse. The bound, sixteen times the first computation and 16 Mi
// (bytes hashed plus nodes walked), is far above what renewals in decades add.
class Coverage {
  public:
    Coverage(std::shared_ptr<xmlDoc> doc, xmlNode* sig, xmlNode* usp, std::vector<core::Bytes> data)
        : m_doc(std::move(doc)),
          m_sig(sig),
          m_usp(usp),
          m_data(std::move(data)),
          m_nodes(node_count(m_doc.get())) {}

    std::vector<core::Bytes> digests(xmlNode* holder, const EVP_MD* md) {
        const auto key = std::make_pair(holder, EVP_MD_get_type(md));
        if (const auto it = m_done.find(key); it != m_done.end()) return it->second;
        if (m_limit != 0 && m_work > m_limit) {
            throw Error(Errc::malformed_input,
                        tr("the signature holds so many evidence records that checking them would "
                           "canonicalise and hash far more than the signature's size"));
        }
        auto out = evidence_record_digests(m_doc.get(), m_sig, m_usp, holder, m_data, md, &m_work);
        m_work += out.size() * m_nodes;
        if (m_limit == 0) m_limit = 16 * m_work + (std::size_t{16} << 20);
        return m_done.emplace(key, std::move(out)).first->second;
    }

  private:
    std::shared_ptr<xmlDoc> m_doc;
    xmlNode* m_sig;
    xmlNode* m_usp;
    std::vector<core::Bytes> m_data;
    std::map<std::pair<xmlNode*, int>, std::vector<core::Bytes>> m_done;
    std::size_t m_nodes;
    std::size_t m_work = 0;   // bytes hashed and nodes walked so far
    std::size_t m_limit = 0;  // set by the first computation
};

}  // namespace

std::vector<core::Bytes> evidence_record_digests(xmlDoc* doc, xmlNode* sig, xmlNode* usp,
                                                 xmlNode* holder,
                                                 const std::vector<core::Bytes>& reference_data,
                                                 const EVP_MD* md, std::size_t* hashed) {
    // TS 119 132-3 step 6 adds the data of every reference of a signed ds:Manifest, which
    // XMLDSig core validation leaves to the application and ltsign does not follow.
    if (signs_manifest(doc, sig)) {
        throw Error(Errc::usage,
                    tr("the signature signs a ds:Manifest: its evidence record covers the "
                       "manifest's references too, which this version does not follow"));
    }
    // SignedInfo's CanonicalizationMethod, not the record's own (C14N 1.0 in DSS's records):
    // only the former matches DSS's files.
    std::string c14n =
        attribute(child(child(sig, k_dsig_ns, "SignedInfo"), k_dsig_ns, "CanonicalizationMethod"),
                  "Algorithm");
    if (c14n.empty()) c14n = k_c14n10;
    std::vector<core::Bytes> out;
    archive_parts(doc, sig, usp, holder, c14n, reference_data, false, [&](const core::Bytes& part) {
        out.push_back(crypto::digest_bytes(md, part));
        if (hashed != nullptr) *hashed += part.size();
    });
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
    const auto coverage =
        std::make_shared<Coverage>(doc, checked.signature, usp, std::move(checked.reference_data));
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
                facts.format_problem =
                    trf("its xadesen:SealingEvidenceRecords holds an element {0}, which is no "
                        "evidence record (ETSI TS 119 132-3)",
                        {std::string(reinterpret_cast<const char*>(c->name))});
                continue;
            }
            if (why_not.empty()) {
                r.covered = [coverage, holder](const EVP_MD* md) {
                    return coverage->digests(holder, md);
                };
            }
            out.push_back(std::move(r));
            ++found;
        }
        if (found == 0 && !facts.format_problem)
            facts.format_problem =
                tr("its xadesen:SealingEvidenceRecords holds no evidence record");
    }
}

void append_evidence_record(xmlNode* usp, std::span<const unsigned char> record) {
    const Doc parsed = parse(record, "the new evidence record");
    xmlNode* holder = add_element(usp, k_xadesen_ns, "xadesen", "SealingEvidenceRecords");
    made(
        xmlAddChild(holder, made(xmlDocCopyNode(xmlDocGetRootElement(parsed.get()), usp->doc, 1))));
}

}  // namespace ltsign::xml
