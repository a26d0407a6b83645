#include "ers/xml_record.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
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
    throw Error(Errc::malformed_input,
                trf("{0}: not a valid RFC 6283 evidence record: {1}", {what, why}));
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
            bad(what, trf("{0} without a valid Order", {std::string(name)}));
        keyed.emplace_back(v, n);
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < keyed.size(); ++i) {
        if (keyed[i].first == keyed[i - 1].first)
            bad(what, trf("two {0} with the same Order", {name}));
    }
    std::vector<xmlNode*> out;
    for (auto& [o, n] : keyed) out.push_back(n);
    return out;
}

// libxml2's C14N walks the whole document for every node set, even where nothing is visible: one
// canonical form per chain or time-stamp made decoding quadratic (review issue 11 item 14). This
// trims the tree for a moment to the path from the root down to `node`, with `kept` as the
// children of `node` (all of them when empty), and puts every link back as it was. Only the
// invisible siblings of the path are hidden: the canonical form of `node` does not change.
class Trimmed {
  public:
    // `kept`: the children `node` keeps; nullopt: all of them.
    explicit Trimmed(xmlNode* node, std::optional<std::vector<xmlNode*>> kept = std::nullopt) {
        // The root element's parent is the document node, whose children are linked alike.
        for (xmlNode* n = node; n->parent != nullptr; n = n->parent) {
            save(n->parent);
            set_children(n->parent, {n});
        }
        if (kept) {
            save(node);
            set_children(node, *kept);
        }
    }
    ~Trimmed() {
        for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it)
            set_children(it->first, it->second);
    }
    Trimmed(const Trimmed&) = delete;
    Trimmed& operator=(const Trimmed&) = delete;

  private:
    void save(xmlNode* parent) {
        std::vector<xmlNode*> all;
        for (xmlNode* c = parent->children; c != nullptr; c = c->next) all.push_back(c);
        m_saved.emplace_back(parent, std::move(all));
    }
    // Links by hand: xmlAddChild would merge adjacent text nodes and free one of them.
    static void set_children(xmlNode* parent, const std::vector<xmlNode*>& children) noexcept {
        xmlNode* prev = nullptr;
        for (xmlNode* c : children) {
            c->prev = prev;
            c->next = nullptr;
            if (prev != nullptr) prev->next = c;
            prev = c;
        }
        parent->children = children.empty() ? nullptr : children.front();
        parent->last = prev;
    }
    std::vector<std::pair<xmlNode*, std::vector<xmlNode*>>> m_saved;
};

xmlNode* add(xmlNode* parent, xmlNs* ns, const char* name, const std::string& content = "") {
    return xml::made(xmlNewChild(parent, ns, BAD_CAST name,
                                 content.empty() ? nullptr : BAD_CAST content.c_str()));
}

void add_stamp(xmlNode* chain, xmlNs* ns, const ArchiveTimeStamp& s, int order) {
    xmlNode* ats = add(chain, ns, "ArchiveTimeStamp");
    xml::made(xmlNewProp(ats, BAD_CAST "Order", BAD_CAST std::to_string(order).c_str()));
    if (s.reduced_hashtree) {
        xmlNode* tree = add(ats, ns, "HashTree");
        int n = 0;
        for (const auto& list : *s.reduced_hashtree) {
            xmlNode* seq = add(tree, ns, "Sequence");
            xml::made(xmlNewProp(seq, BAD_CAST "Order", BAD_CAST std::to_string(++n).c_str()));
            for (const auto h : list) add(seq, ns, "DigestValue", xml::base64_encode(h));
        }
    }
    xmlNode* ts = add(ats, ns, "TimeStamp");
    xmlNode* token = add(ts, ns, "TimeStampToken", xml::base64_encode(s.time_stamp));
    xml::made(xmlNewProp(token, BAD_CAST "Type", BAD_CAST "RFC3161"));
}

void add_chain_header(xmlNode* chain, xmlNs* ns, int digest_nid) {
    xmlNode* dm = add(chain, ns, "DigestMethod");
    xml::made(xmlNewProp(dm, BAD_CAST "Algorithm", BAD_CAST digest_uri(digest_nid).c_str()));
    xmlNode* cm = add(chain, ns, "CanonicalizationMethod");
    xml::made(xmlNewProp(cm, BAD_CAST "Algorithm", BAD_CAST xml::k_c14n10));
}

}  // namespace

std::string digest_uri(int nid) {
    for (const auto& [n, uri] : k_digest_uris) {
        if (n == nid) return uri;
    }
    throw Error(Errc::usage, tr("no XML identifier for this digest algorithm"));
}

int digest_nid_from_uri(const std::string& uri) {
    for (const auto& [n, u] : k_digest_uris) {
        if (uri == u) return n;
    }
    return 0;
}

namespace {

// The canonical form of `seq` holding only `child` is start tag + piece + end tag; the piece is
// what `child` adds to any canonical form of `seq` it is part of (its rendering depends on its
// ancestors, never on its siblings).
Bytes piece_of(xmlDoc* doc, xmlNode* seq, xmlNode* child, const std::string& method,
               std::size_t start_size, std::size_t end_size) {
    Trimmed trimmed(seq, std::vector<xmlNode*>{child});
    Bytes all = xml::canonicalize(doc, seq, method);
    if (all.size() < start_size + end_size)
        throw Error(Errc::internal, tr("an unexpected canonical form of ArchiveTimeStampSequence"));
    return Bytes(all.begin() + static_cast<std::ptrdiff_t>(start_size),
                 all.end() - static_cast<std::ptrdiff_t>(end_size));
}

std::vector<Bytes> renewal_hashes(xmlDoc* doc, xmlNode* seq, const std::vector<xmlNode*>& chains,
                                  const EvidenceRecord& rec, const std::string& what) {
    // RFC 6283 4.2.2: chain i's hash-tree renewal hashed the canonicalised ArchiveTimeStampSequence
    // as it was before chain i existed: chains [0, i) by Order, with everything else the sequence
    // holds (white space, comments). Canonicalising that prefix for every i is quadratic; instead
    // each child's canonical piece is made once, and one running hash per (digest, method) takes
    // the pieces in document order: at chain i it is forked and finished with what the sequence
    // holds besides chains after chain i - 1.
    std::vector<Bytes> out(rec.chains.size());
    if (rec.chains.size() < 2) return out;
    std::vector<xmlNode*> kids;
    for (xmlNode* c = seq->children; c != nullptr; c = c->next) kids.push_back(c);
    std::map<xmlNode*, std::size_t> rank;  // chain node -> its index by Order
    for (std::size_t i = 0; i < chains.size(); ++i) rank[chains[i]] = i;
    // Chains out of document order (legal, never seen in practice) take a pass per chain.
    bool in_document_order = true;
    std::size_t expect = 0;
    for (xmlNode* k : kids) {
        if (rank.contains(k) && rank[k] != expect++) in_document_order = false;
    }

    std::map<std::pair<int, std::string>, std::vector<std::size_t>> by_kind;  // -> chain indexes
    for (std::size_t i = 1; i < rec.chains.size(); ++i)
        by_kind[{rec.chains[i].stamps.front().digest_nid, rec.chains[i].xml_c14n}].push_back(i);
    std::size_t work = 0;
    const std::size_t limit = 64u << 20;
    for (const auto& [kind, members] : by_kind) {
        // Named copies, not a structured binding: clang 14 cannot capture one in a lambda.
        const int nid = kind.first;
        const std::string method = kind.second;
        const EVP_MD* md = EVP_get_digestbynid(nid);
        // Start and end tags: the canonical form of the empty sequence, split before "</".
        const Bytes empty = [&] {
            Trimmed trimmed(seq, std::vector<xmlNode*>{});
            return xml::canonicalize(doc, seq, method);
        }();
        std::size_t split = empty.size();
        while (split > 1 && !(empty[split - 2] == '<' && empty[split - 1] == '/')) --split;
        if (split <= 1) throw Error(Errc::internal, tr("no end tag in a canonical form"));
        const std::size_t start_size = split - 2;
        const ByteView start(empty.data(), start_size),
            end(empty.data() + start_size, empty.size() - start_size);
        std::vector<Bytes> pieces;
        pieces.reserve(kids.size());
        for (xmlNode* k : kids)
            pieces.push_back(piece_of(doc, seq, k, method, start.size(), end.size()));

        const auto too_much = [&] {
            if (work > limit)
                bad(what, tr("too much content between the chains to check their renewals"));
        };
        if (!in_document_order) {
            for (const std::size_t i : members) {
                crypto::Hasher h(md);
                h.update(start);
                for (std::size_t p = 0; p < kids.size(); ++p) {
                    if (rank.contains(kids[p]) && rank[kids[p]] >= i) continue;
                    h.update(pieces[p]);
                    work += pieces[p].size();
                }
                too_much();
                h.update(end);
                out[i] = h.final();
            }
            continue;
        }
        crypto::Hasher running(md);
        running.update(start);
        std::size_t next_member = 0;
        for (std::size_t p = 0; p < kids.size() && next_member < members.size(); ++p) {
            running.update(pieces[p]);
            if (!rank.contains(kids[p])) continue;
            // After chain r: the hash for chain r + 1, if it is of this kind.
            const std::size_t r = rank[kids[p]];
            if (members[next_member] != r + 1) continue;
            crypto::Hasher h = running.copy();
            for (std::size_t q = p + 1; q < kids.size(); ++q) {
                if (rank.contains(kids[q])) continue;
                h.update(pieces[q]);
                work += pieces[q].size();
            }
            too_much();
            h.update(end);
            out[r + 1] = h.final();
            ++next_member;
        }
    }
    return out;
}

}  // namespace

namespace {

// The local name of the document element, read from the first 4 KiB: the XML declaration,
// processing instructions, comments and a DOCTYPE are skipped. Empty when not found there.
std::string_view root_local_name(std::string_view head) {
    std::size_t i = 0;
    while ((i = head.find('<', i)) != std::string_view::npos) {
        const std::string_view rest = head.substr(i);
        std::size_t end = std::string_view::npos;
        if (rest.starts_with("<?")) {
            end = rest.find("?>");
        } else if (rest.starts_with("<!--")) {
            end = rest.find("-->");
        } else if (rest.starts_with("<!")) {
            end = rest.find('>');
        } else {
            const std::size_t stop = rest.find_first_of(" \t\r\n/>", 1);
            if (stop == std::string_view::npos) return {};
            const std::string_view qname = rest.substr(1, stop - 1);
            const std::size_t colon = qname.find(':');
            return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
        }
        if (end == std::string_view::npos) return {};
        i += end + 1;
    }
    return {};
}

}  // namespace

bool looks_like_xml_record(std::span<const unsigned char> bytes) {
    if (!xml::looks_like_xml(bytes)) return false;
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()),
                                std::min<std::size_t>(bytes.size(), 4096));
    // The document element decides: an XML signature over a document that merely mentions
    // evidence records (or an enveloped signature of any kind) is no record.
    return root_local_name(head) == "EvidenceRecord" &&
           head.find(k_ers_ns) != std::string_view::npos;
}

// The decoded bytes are reserved up front: growing would move what earlier views point into.
namespace {
// RFC 6283 3.1: Version="1.0". Checked before the schema (which fixes it too), so a record of
// another version is told as such, with or without schemas installed.
void check_version(xmlNode* root, const std::string& what) {
    const std::string version = xml::attribute(root, "Version");
    if (version == "1.0" || version == "1" || version == "1.00") return;
    if (version.empty()) bad(what, tr("the EvidenceRecord has no Version attribute"));
    const std::string shown = version.size() > 20 ? version.substr(0, 20) + "..." : version;
    throw Error(
        Errc::malformed_input,
        trf("{0}: unsupported evidence-record version {1} (ltsign reads version 1.0, RFC 6283)",
            {what, shown}));
}

[[noreturn]] void outgrew_buffer() {
    throw Error(Errc::internal, tr("the evidence record's decoded bytes outgrew their buffer"));
}
}  // namespace

EvidenceRecord decode_xml(std::span<const unsigned char> bytes, const std::string& what) {
    auto doc = xml::parse(bytes, what);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (xmlStrcmp(root->name, BAD_CAST "EvidenceRecord") != 0 || root->ns == nullptr ||
        xmlStrcmp(root->ns->href, BAD_CAST k_ers_ns) != 0) {
        bad(what, tr("the root element is not ers:EvidenceRecord"));
    }
    EvidenceRecord rec;
    rec.encoding = EvidenceRecord::Encoding::xml;
    // Decoded hashes and tokens, and canonical forms of <TimeStamp>, are kept in one arena each
    // and seen through views: one allocation per record, not one per hash.
    auto decoded = std::make_shared<Bytes>();
    decoded->reserve(bytes.size());  // base64 decodes to less than the text: never reallocates
    auto canonical = std::make_shared<Bytes>();
    rec.storage.push_back(decoded);
    rec.storage.push_back(canonical);
    const auto keep_decoded = [&](const Bytes& b) {
        if (decoded->size() + b.size() > decoded->capacity()) outgrew_buffer();
        decoded->insert(decoded->end(), b.begin(), b.end());
        return ByteView(decoded->data() + decoded->size() - b.size(), b.size());
    };
    std::vector<std::pair<std::size_t, std::size_t>> canonical_at;  // per stamp: offset, size
    check_version(root, what);
    const auto schema = xml::validate(doc.get(), "rfc6283_ers.xsd");
    if (schema.problem) bad(what, trf("schema: {0}", {*schema.problem}));
    rec.schema_validated = schema.performed;

    xmlNode* seq = xml::child(root, k_ers_ns, "ArchiveTimeStampSequence");
    if (seq == nullptr) bad(what, tr("no ArchiveTimeStampSequence"));
    const auto chains = ordered(seq, "ArchiveTimeStampChain", what);
    if (chains.empty()) bad(what, tr("no ArchiveTimeStampChain"));
    for (xmlNode* c : chains) {
        ArchiveTimeStampChain chain;
        xmlNode* dm = xml::child(c, k_ers_ns, "DigestMethod");
        xmlNode* cm = xml::child(c, k_ers_ns, "CanonicalizationMethod");
        if (dm == nullptr || cm == nullptr)
            bad(what, tr("a chain without DigestMethod or CanonicalizationMethod"));
        const std::string method = xml::attribute(dm, "Algorithm");
        const int nid = digest_nid_from_uri(method);
        if (nid == 0) bad(what, trf("unknown DigestMethod {0}", {method}));
        const std::string c14n = xml::attribute(cm, "Algorithm");
        chain.xml_c14n = c14n;
        rec.digest_algorithms.push_back(nid);
        const auto stamps = ordered(c, "ArchiveTimeStamp", what);
        if (stamps.empty()) bad(what, tr("a chain without ArchiveTimeStamp"));
        for (xmlNode* a : stamps) {
            ArchiveTimeStamp s;
            s.digest_nid = nid;
            if (xmlNode* tree = xml::child(a, k_ers_ns, "HashTree")) {
                std::vector<PartialHashtree> lists;
                for (xmlNode* sq : ordered(tree, "Sequence", what)) {
                    PartialHashtree list;
                    for (xmlNode* dv : xml::children(sq, k_ers_ns, "DigestValue")) {
                        const auto h = xml::base64_decode(xml::text(dv));
                        if (h.empty()) bad(what, tr("a DigestValue is not base64"));
                        list.push_back(keep_decoded(h));
                    }
                    lists.push_back(std::move(list));
                }
                s.reduced_hashtree = std::move(lists);
            }
            xmlNode* ts = xml::child(a, k_ers_ns, "TimeStamp");
            xmlNode* token = ts ? xml::child(ts, k_ers_ns, "TimeStampToken") : nullptr;
            if (token == nullptr)
                bad(what, tr("an ArchiveTimeStamp without TimeStamp/TimeStampToken"));
            if (xml::attribute(token, "Type") != "RFC3161")
                bad(what, tr("only RFC 3161 time-stamp tokens are supported"));
            const auto token_der = xml::base64_decode(xml::text(token));
            if (token_der.empty()) bad(what, tr("a TimeStampToken is not base64"));
            s.time_stamp = keep_decoded(token_der);
            // RFC 6283 4.2.1: a time-stamp renewal hashes the canonicalised <TimeStamp>.
            const Bytes c = [&] {
                Trimmed trimmed(ts);
                return xml::canonicalize(doc.get(), ts, c14n);
            }();
            canonical_at.emplace_back(canonical->size(), c.size());
            canonical->insert(canonical->end(), c.begin(), c.end());
            chain.stamps.push_back(std::move(s));
        }
        rec.chains.push_back(std::move(chain));
    }
    // The arena is complete: now the views into it stay put.
    std::size_t n = 0;
    for (auto& chain : rec.chains) {
        for (auto& s : chain.stamps) {
            const auto [offset, size] = canonical_at[n++];
            s.xml_time_stamp_c14n = ByteView(canonical->data() + offset, size);
        }
    }
    rec.xml_renewal_hash = renewal_hashes(doc.get(), seq, chains, rec, what);
    return rec;
}

Bytes xml_sequence_digest(std::span<const unsigned char> bytes, const EVP_MD* md,
                          const std::string& what) {
    auto doc = xml::parse(bytes, what);
    xmlNode* seq =
        xml::child(xmlDocGetRootElement(doc.get()), k_ers_ns, "ArchiveTimeStampSequence");
    if (seq == nullptr) bad(what, tr("no ArchiveTimeStampSequence"));
    Trimmed trimmed(seq);
    return crypto::digest_bytes(md, xml::canonicalize(doc.get(), seq, xml::k_c14n10));
}

Bytes encode_xml(const EvidenceRecord& rec) {
    xml::Doc doc(xml::made(xmlNewDoc(BAD_CAST "1.0")));
    xmlNode* root = xml::made(xmlNewNode(nullptr, BAD_CAST "EvidenceRecord"));
    xmlDocSetRootElement(doc.get(), root);
    xmlNs* ns = xml::made(xmlNewNs(root, BAD_CAST k_ers_ns, nullptr));
    xmlSetNs(root, ns);
    xml::made(xmlNewProp(root, BAD_CAST "Version", BAD_CAST "1.0"));
    xmlNode* seq = add(root, ns, "ArchiveTimeStampSequence");
    int chain_order = 0;
    for (const auto& c : rec.chains) {
        xmlNode* chain = add(seq, ns, "ArchiveTimeStampChain");
        xml::made(
            xmlNewProp(chain, BAD_CAST "Order", BAD_CAST std::to_string(++chain_order).c_str()));
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
    if (chains.empty()) bad(what, tr("no ArchiveTimeStampChain"));
    xmlNs* ns = chains.back()->ns;
    if (new_chain) {
        const long order =
            std::strtol(xml::attribute(chains.back(), "Order").c_str(), nullptr, 10) + 1;
        xmlNode* chain = add(seq, ns, "ArchiveTimeStampChain");
        xml::made(xmlNewProp(chain, BAD_CAST "Order", BAD_CAST std::to_string(order).c_str()));
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
