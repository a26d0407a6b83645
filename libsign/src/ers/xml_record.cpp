#include "ers/xml_record.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "xml/xml_doc.hpp"

namespace ltsign::ers {
namespace {

constexpr std::array<std::pair<int, const char*>, 8> k_digest_uris{{
    {NID_sha256, "http://www.w3.org/2001/04/xmlenc#sha256"},
    {NID_sha384, "http://www.w3.org/2001/04/xmldsig-more#sha384"},
    {NID_sha512, "http://www.w3.org/2001/04/xmlenc#sha512"},
    {NID_sha3_256, "http://www.w3.org/2007/05/xmldsig-more#sha3-256"},
    {NID_sha3_384, "http://www.w3.org/2007/05/xmldsig-more#sha3-384"},
    {NID_sha3_512, "http://www.w3.org/2007/05/xmldsig-more#sha3-512"},
    {NID_sha224, "http://www.w3.org/2001/04/xmldsig-more#sha224"},
    {NID_sha1, "http://www.w3.org/2000/09/xmldsig#sha1"},
}};

[[noreturn]] void bad(const std::string& what, const std::string& why) {
    throw Error(Errc::malformed_input, what + ": not a valid RFC 6283 evidence record: " + why);
}

// Elements carrying Order="n" (RFC 6283 3.1), sorted by it; duplicates or non-numbers refused.
std::vector<xmlNode*> ordered(xmlNode* parent, const char* name, const std::string& what) {
    auto nodes = xml::children(parent, k_ers_ns, name);
    std::vector<std::pair<long, xmlNode*>> keyed;
    for (xmlNode* n : nodes) {
        const std::string order = xml::attribute(n, "Order");
        char* end = nullptr;
        const long v = std::strtol(order.c_str(), &end, 10);
        if (order.empty() || *end != '\0' || v < 1)
            bad(what, std::string(name) + " without a valid Order");
        keyed.emplace_back(v, n);
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < keyed.size(); ++i) {
        if (keyed[i].first == keyed[i - 1].first)
            bad(what, std::string("two ") + name + " with the same Order");
    }
    std::vector<xmlNode*> out;
    for (auto& [o, n] : keyed) out.push_back(n);
    return out;
}

xmlNode* add(xmlNode* parent, xmlNs* ns, const char* name, const std::string& content = "") {
    return xmlNewChild(parent, ns, BAD_CAST name,
                       content.empty() ? nullptr : BAD_CAST content.c_str());
}

void add_stamp(xmlNode* chain, xmlNs* ns, const ArchiveTimeStamp& s, int order) {
    xmlNode* ats = add(chain, ns, "ArchiveTimeStamp");
    xmlNewProp(ats, BAD_CAST "Order", BAD_CAST std::to_string(order).c_str());
    if (s.reduced_hashtree) {
        xmlNode* tree = add(ats, ns, "HashTree");
        int n = 0;
        for (const auto& list : *s.reduced_hashtree) {
            xmlNode* seq = add(tree, ns, "Sequence");
            xmlNewProp(seq, BAD_CAST "Order", BAD_CAST std::to_string(++n).c_str());
            for (const auto& h : list) add(seq, ns, "DigestValue", xml::base64_encode(h));
        }
    }
    xmlNode* ts = add(ats, ns, "TimeStamp");
    xmlNode* token = add(ts, ns, "TimeStampToken", xml::base64_encode(s.time_stamp));
    xmlNewProp(token, BAD_CAST "Type", BAD_CAST "RFC3161");
}

void add_chain_header(xmlNode* chain, xmlNs* ns, int digest_nid) {
    xmlNode* dm = add(chain, ns, "DigestMethod");
    xmlNewProp(dm, BAD_CAST "Algorithm", BAD_CAST digest_uri(digest_nid).c_str());
    xmlNode* cm = add(chain, ns, "CanonicalizationMethod");
    xmlNewProp(cm, BAD_CAST "Algorithm", BAD_CAST xml::k_c14n10);
}

}  // namespace

std::string digest_uri(int nid) {
    for (const auto& [n, uri] : k_digest_uris) {
        if (n == nid) return uri;
    }
    throw Error(Errc::usage, "no XML identifier for this digest algorithm");
}

int digest_nid_from_uri(const std::string& uri) {
    for (const auto& [n, u] : k_digest_uris) {
        if (uri == u) return n;
    }
    return 0;
}

bool looks_like_xml_record(std::span<const unsigned char> bytes) {
    if (!xml::looks_like_xml(bytes)) return false;
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()),
                                std::min<std::size_t>(bytes.size(), 4096));
    return head.find("EvidenceRecord") != std::string_view::npos &&
           head.find(k_ers_ns) != std::string_view::npos;
}

EvidenceRecord decode_xml(std::span<const unsigned char> bytes, const std::string& what) {
    auto doc = xml::parse(bytes, what);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (xmlStrcmp(root->name, BAD_CAST "EvidenceRecord") != 0 || root->ns == nullptr ||
        xmlStrcmp(root->ns->href, BAD_CAST k_ers_ns) != 0) {
        bad(what, "the root element is not ers:EvidenceRecord");
    }
    EvidenceRecord rec;
    rec.encoding = EvidenceRecord::Encoding::xml;
    const auto schema = xml::validate(doc.get(), "rfc6283_ers.xsd");
    if (schema.problem) bad(what, "schema: " + *schema.problem);
    rec.schema_validated = schema.performed;

    xmlNode* seq = xml::child(root, k_ers_ns, "ArchiveTimeStampSequence");
    if (seq == nullptr) bad(what, "no ArchiveTimeStampSequence");
    const auto chains = ordered(seq, "ArchiveTimeStampChain", what);
    if (chains.empty()) bad(what, "no ArchiveTimeStampChain");
    std::vector<std::string> c14n_methods;
    for (xmlNode* c : chains) {
        ArchiveTimeStampChain chain;
        xmlNode* dm = xml::child(c, k_ers_ns, "DigestMethod");
        xmlNode* cm = xml::child(c, k_ers_ns, "CanonicalizationMethod");
        if (dm == nullptr || cm == nullptr)
            bad(what, "a chain without DigestMethod or CanonicalizationMethod");
        const int nid = digest_nid_from_uri(xml::attribute(dm, "Algorithm"));
        if (nid == 0) bad(what, "unknown DigestMethod " + xml::attribute(dm, "Algorithm"));
        const std::string c14n = xml::attribute(cm, "Algorithm");
        c14n_methods.push_back(c14n);
        chain.xml_c14n = c14n;
        rec.digest_algorithms.push_back(nid);
        const auto stamps = ordered(c, "ArchiveTimeStamp", what);
        if (stamps.empty()) bad(what, "a chain without ArchiveTimeStamp");
        for (xmlNode* a : stamps) {
            ArchiveTimeStamp s;
            s.digest_nid = nid;
            if (xmlNode* tree = xml::child(a, k_ers_ns, "HashTree")) {
                std::vector<PartialHashtree> lists;
                for (xmlNode* sq : ordered(tree, "Sequence", what)) {
                    PartialHashtree list;
                    for (xmlNode* dv : xml::children(sq, k_ers_ns, "DigestValue")) {
                        auto h = xml::base64_decode(xml::text(dv));
                        if (h.empty()) bad(what, "a DigestValue is not base64");
                        list.push_back(std::move(h));
                    }
                    lists.push_back(std::move(list));
                }
                s.reduced_hashtree = std::move(lists);
            }
            xmlNode* ts = xml::child(a, k_ers_ns, "TimeStamp");
            xmlNode* token = ts ? xml::child(ts, k_ers_ns, "TimeStampToken") : nullptr;
            if (token == nullptr) bad(what, "an ArchiveTimeStamp without TimeStamp/TimeStampToken");
            if (xml::attribute(token, "Type") != "RFC3161")
                bad(what, "only RFC 3161 time-stamp tokens are supported");
            s.time_stamp = xml::base64_decode(xml::text(token));
            if (s.time_stamp.empty()) bad(what, "a TimeStampToken is not base64");
            // RFC 6283 4.2.1: a time-stamp renewal hashes the canonicalised <TimeStamp>.
            s.xml_time_stamp_c14n = xml::canonicalize(doc.get(), ts, c14n);
            chain.stamps.push_back(std::move(s));
        }
        rec.chains.push_back(std::move(chain));
    }
    // RFC 6283 4.2.2: a hash-tree renewal hashes the canonicalised ArchiveTimeStampSequence as it
    // was before the new chain, i.e. holding chains [0, i). Computed for every i up to n (n: what
    // a renewal now would hash), by lifting later chains out for a moment.
    rec.xml_sequence_c14n.resize(chains.size() + 1);
    for (std::size_t i = 1; i <= chains.size(); ++i) {
        // Later chains are lifted out and always put back, even when canonicalisation throws.
        struct Lifted {
            xmlNode* seq;
            std::vector<std::pair<xmlNode*, xmlNode*>> nodes;  // node, its next sibling
            ~Lifted() {
                for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
                    if (it->second != nullptr) {
                        xmlAddPrevSibling(it->second, it->first);
                    } else {
                        xmlAddChild(seq, it->first);
                    }
                }
            }
        } lifted{seq, {}};
        for (std::size_t k = i; k < chains.size(); ++k)
            lifted.nodes.emplace_back(chains[k], chains[k]->next);
        for (auto& [n, next] : lifted.nodes) xmlUnlinkNode(n);
        const std::string method = i < chains.size() ? c14n_methods[i] : xml::k_c14n10;
        rec.xml_sequence_c14n[i] = xml::canonicalize(doc.get(), seq, method);
    }
    return rec;
}

Bytes encode_xml(const EvidenceRecord& rec) {
    xml::Doc doc(xmlNewDoc(BAD_CAST "1.0"));
    xmlNode* root = xmlNewNode(nullptr, BAD_CAST "EvidenceRecord");
    xmlDocSetRootElement(doc.get(), root);
    xmlNs* ns = xmlNewNs(root, BAD_CAST k_ers_ns, nullptr);
    xmlSetNs(root, ns);
    xmlNewProp(root, BAD_CAST "Version", BAD_CAST "1.0");
    xmlNode* seq = add(root, ns, "ArchiveTimeStampSequence");
    int chain_order = 0;
    for (const auto& c : rec.chains) {
        xmlNode* chain = add(seq, ns, "ArchiveTimeStampChain");
        xmlNewProp(chain, BAD_CAST "Order", BAD_CAST std::to_string(++chain_order).c_str());
        add_chain_header(chain, ns, c.stamps.front().digest_nid);
        int order = 0;
        for (const auto& s : c.stamps) add_stamp(chain, ns, s, ++order);
    }
    return xml::serialize(doc.get(), true);
}

Bytes append_xml(std::span<const unsigned char> original, const ArchiveTimeStamp& stamp,
                 bool new_chain, const std::string& what) {
    auto doc = xml::parse(original, what);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    xmlNode* seq = xml::child(root, k_ers_ns, "ArchiveTimeStampSequence");
    const auto chains = seq ? ordered(seq, "ArchiveTimeStampChain", what) : std::vector<xmlNode*>{};
    if (chains.empty()) bad(what, "no ArchiveTimeStampChain");
    xmlNs* ns = chains.back()->ns;
    if (new_chain) {
        const long order =
            std::strtol(xml::attribute(chains.back(), "Order").c_str(), nullptr, 10) + 1;
        xmlNode* chain = add(seq, ns, "ArchiveTimeStampChain");
        xmlNewProp(chain, BAD_CAST "Order", BAD_CAST std::to_string(order).c_str());
        add_chain_header(chain, ns, stamp.digest_nid);
        add_stamp(chain, ns, stamp, 1);
    } else {
        const auto stamps = ordered(chains.back(), "ArchiveTimeStamp", what);
        const long order =
            std::strtol(xml::attribute(stamps.back(), "Order").c_str(), nullptr, 10) + 1;
        add_stamp(chains.back(), ns, stamp, static_cast<int>(order));
    }
    return xml::serialize(doc.get(), false);
}

}  // namespace ltsign::ers
