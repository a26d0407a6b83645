// Verification facts of XML signatures. The order matters: first decide, without xmlsec, what
// every reference of SignedInfo points at (exactly one element, the whole document, or a
// detached file the caller supplied) and whether that is what an XAdES signature must sign;
// only then let xmlsec1 digest and verify, with the key of the certificate ltsign chose.
#include <openssl/x509.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <unordered_map>

#include "cms/timestamp_token.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::xml {
namespace {
namespace fs = std::filesystem;
using validation::Check;
using validation::CheckResult;
using validation::SignatureFacts;

bool is(xmlNode* n, const char* ns, const char* name) {
    return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
           xmlStrcmp(n->ns->href, BAD_CAST ns) == 0 && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

bool has_attribute(xmlNode* n, const char* name) {
    return xmlHasNsProp(n, BAD_CAST name, nullptr) != nullptr;
}

std::string describe(xmlNode* n) {
    std::string out = "element ";
    if (n->ns != nullptr && n->ns->prefix != nullptr)
        out += std::string(reinterpret_cast<const char*>(n->ns->prefix)) + ":";
    out += reinterpret_cast<const char*>(n->name);
    for (const char* id : {"Id", "ID", "id"}) {
        const std::string v = attribute(n, id);
        if (!v.empty()) {
            out += std::string(" ") + id + "=\"" + v + "\"";
            break;
        }
    }
    return out;
}

// The ID of the two XPointer forms that name one ID, "#x" and "#xpointer(id('x'))" (either
// quote); nullopt for other forms. Only to name an ID that occurs twice: what a URI selects is
// found by resolve_fragment, the way xmlsec1 finds it.
std::optional<std::string> fragment_id(const std::string& uri) {
    if (uri.size() < 2 || uri[0] != '#') return std::nullopt;
    const std::string f = uri.substr(1);
    if (f.rfind("xpointer(", 0) != 0) return f;
    for (const char* quote : {"'", "\""}) {
        const std::string pre = std::string("xpointer(id(") + quote;
        const std::string post = std::string(quote) + "))";
        if (f.size() > pre.size() + post.size() && f.starts_with(pre) && f.ends_with(post))
            return f.substr(pre.size(), f.size() - pre.size() - post.size());
    }
    return std::nullopt;
}

// A URI relative to a container's root as the entry name it means: fragment and query cut off,
// percent-escapes decoded, a leading "./" dropped.
std::string entry_path(const std::string& uri) {
    std::string out = core::percent_decode(uri.substr(0, uri.find_first_of("?#")));
    if (out.rfind("./", 0) == 0) out.erase(0, 2);
    return out;
}

// The last segment of a reference's URI, decoded: how a detached file is named.
std::string last_segment(const std::string& uri) {
    std::string path = entry_path(uri);
    if (auto s = path.find_last_of('/'); s != std::string::npos) path = path.substr(s + 1);
    return path;
}

// A base64 DER object carried in the XML; null when it is not one (the caller says what that
// means for the signature).
template <class T, class D2I>
ossl::Ptr<T> decode_base64_der(const std::string& b64, D2I d2i, const char* what) {
    const auto der = base64_decode(b64);
    if (der.empty()) return nullptr;
    try {
        return ossl::decode_der_exact<T>(der, d2i, what);
    } catch (const Error&) {
        return nullptr;
    }
}

ossl::Ptr<X509> decode_certificate(const std::string& b64) {
    return decode_base64_der<X509>(b64, d2i_X509, "a KeyInfo certificate");
}

ossl::Ptr<X509_CRL> decode_crl(const std::string& b64) {
    return decode_base64_der<X509_CRL>(b64, d2i_X509_CRL, "a carried CRL");
}

core::Bytes cert_digest(X509* cert, const std::string& digest) {
    const EVP_MD* md = EVP_get_digestbyname(digest.c_str());
    ossl::clear_errors();
    return md == nullptr ? core::Bytes{} : crypto::digest_bytes(md, ossl::to_der(cert));
}

struct CertRef {
    std::string digest;  // "sha256"
    core::Bytes value;
};

// xades:SigningCertificateV2 or, for older signatures, xades:SigningCertificate: each Cert's
// CertDigest.
std::vector<CertRef> signing_certificate_refs(xmlNode* ssp, bool& v1) {
    std::vector<CertRef> out;
    xmlNode* sc = child(ssp, k_xades132_ns, "SigningCertificateV2");
    v1 = false;
    if (sc == nullptr) {
        sc = child(ssp, k_xades132_ns, "SigningCertificate");
        v1 = sc != nullptr;
    }
    for (xmlNode* cert : children(sc, k_xades132_ns, "Cert")) {
        xmlNode* cd = child(cert, k_xades132_ns, "CertDigest");
        CertRef r;
        r.digest = digest_name(attribute(child(cd, k_dsig_ns, "DigestMethod"), "Algorithm"));
        r.value = base64_decode(text(child(cd, k_dsig_ns, "DigestValue")));
        out.push_back(std::move(r));
    }
    return out;
}

// The signer: the KeyInfo certificate the signed SigningCertificate names, else the one KeyInfo
// certificate that issued none of the others.
X509* choose_signer(const std::vector<ossl::Ptr<X509>>& certs, const std::vector<CertRef>& refs) {
    if (!refs.empty() && !refs.front().digest.empty()) {
        for (const auto& c : certs) {
            if (cert_digest(c.get(), refs.front().digest) == refs.front().value) return c.get();
        }
    }
    for (const auto& c : certs) {
        const bool issuer_of_other = std::any_of(certs.begin(), certs.end(), [&](const auto& o) {
            return o.get() != c.get() && X509_check_issued(c.get(), o.get()) == X509_V_OK;
        });
        if (!issuer_of_other) return c.get();
    }
    return certs.empty() ? nullptr : certs.front().get();
}

bool has_data_object_format(xmlNode* sdop, const std::string& reference_id) {
    if (reference_id.empty()) return false;
    for (xmlNode* dof : children(sdop, k_xades132_ns, "DataObjectFormat")) {
        if (attribute(dof, "ObjectReference") == "#" + reference_id) return true;
    }
    return false;
}

std::string mime_type_for(xmlNode* sdop, const std::string& reference_id) {
    if (reference_id.empty()) return "";
    for (xmlNode* dof : children(sdop, k_xades132_ns, "DataObjectFormat")) {
        if (attribute(dof, "ObjectReference") == "#" + reference_id)
            return text(child(dof, k_xades132_ns, "MimeType"));
    }
    return "";
}

// Unsigned properties ltsign knows by name but does not verify yet (XAdES-C and -X of TS 101
// 903, attribute authorities). CertificateValues and RevocationValues are read
// (read_validation_data) and not among them.
constexpr const char* k_long_term[] = {
    "CompleteCertificateRefs",   "CompleteRevocationRefs",    "SigAndRefsTimeStamp",
    "RefsOnlyTimeStamp",         "AttrAuthoritiesCertValues", "AttributeRevocationValues",
    "CompleteCertificateRefsV2", "SigAndRefsTimeStampV2",     "RefsOnlyTimeStampV2",
    "AttributeCertificateRefs",  "AttributeRevocationRefs",   "AttributeCertificateRefsV2",
};

struct Checked {
    CheckedSignature signature;
    bool xades = false;
};

// libxml2 checks xs:integer only up to 24 digits, but certificate serial numbers reach 49
// (20 bytes). In the copy that is schema-validated, a ds:X509SerialNumber that is a well-formed
// integer is replaced by a short one, so the schema judges everything else.
void shorten_serial_numbers(xmlNode* root) {
    std::vector<xmlNode*> stack{root};
    while (!stack.empty()) {
        xmlNode* n = stack.back();
        stack.pop_back();
        if (is(n, k_dsig_ns, "X509SerialNumber")) {
            std::string v = text(n);
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
            std::size_t i = 0;
            while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
            if (i < v.size() && v[i] == '-') ++i;
            const bool integer =
                i < v.size() && std::all_of(v.begin() + static_cast<std::ptrdiff_t>(i), v.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
            if (integer) xmlNodeSetContent(n, BAD_CAST "1");
            continue;
        }
        for (xmlNode* c = n->children; c != nullptr; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) stack.push_back(c);
        }
    }
}

constexpr const char* k_xpath_transform = "http://www.w3.org/TR/1999/REC-xpath-19991116";
constexpr const char* k_xpath2_transform = "http://www.w3.org/2002/06/xmldsig-filter2";
constexpr const char* k_xpointer_transform = "http://www.w3.org/2001/04/xmldsig-more/xptr";

// The namespaces an expression's prefixes stand for, as the expression's element binds them
// (XMLDSig 6.6.3: the XPath context holds the namespaces in scope of the XPath element).
std::string namespace_bindings(xmlNode* x, const std::string& expr) {
    std::set<std::string> prefixes;
    for (std::size_t i = 0; i < expr.size(); ++i) {
        if (expr[i] != ':' || (i + 1 < expr.size() && expr[i + 1] == ':') ||
            (i > 0 && expr[i - 1] == ':'))
            continue;
        std::size_t b = i;
        while (b > 0 && (std::isalnum(static_cast<unsigned char>(expr[b - 1])) ||
                         expr[b - 1] == '_' || expr[b - 1] == '-' || expr[b - 1] == '.'))
            --b;
        if (b < i) prefixes.insert(expr.substr(b, i - b));
    }
    std::string out;
    for (const auto& p : prefixes) {
        xmlNs* ns = xmlSearchNs(x->doc, x, BAD_CAST p.c_str());
        out += (out.empty() ? " with " : ", ") + p + " = " +
               (ns != nullptr ? reinterpret_cast<const char*>(ns->href) : "(unbound)");
    }
    return out;
}

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

// The transforms of a reference that select nodes (XPath, XPath Filter 2.0, XPointer), as they
// read with their namespace bindings; "" when there are none. Only a description: whether they
// select the whole target is decided by comparing what xmlsec1 digested with the target's
// canonical form (judge_selections), never from this text.
std::string selecting_transforms(xmlNode* ref) {
    std::string out;
    auto add = [&](const std::string& what) { out += (out.empty() ? "" : "; ") + what; };
    for (xmlNode* t : children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform")) {
        const std::string alg = attribute(t, "Algorithm");
        if (alg == k_xpath_transform) {
            for (xmlNode* x : children(t, k_dsig_ns, "XPath")) {
                const std::string e = trimmed(text(x));
                add("XPath " + e + namespace_bindings(x, e));
            }
        } else if (alg == k_xpath2_transform || alg == k_xpointer_transform) {
            for (xmlNode* x = t->children; x != nullptr; x = x->next) {
                if (x->type != XML_ELEMENT_NODE) continue;
                const std::string e = trimmed(text(x));
                add(alg == k_xpointer_transform ? "XPointer " + e + namespace_bindings(x, e)
                                                : "XPath Filter 2.0 " + attribute(x, "Filter") +
                                                      " " + e + namespace_bindings(x, e));
            }
        }
    }
    return out;
}

// The canonicalization that turns a reference's final node-set into the digested bytes: its last
// transform when that is a C14N method (with exclusive C14N's PrefixList), else C14N 1.0, which
// XMLDSig 4.4.3.2 applies by default. Empty when the chain ends in bytes of another kind.
struct FinalC14n {
    std::string algorithm;
    std::vector<std::string> prefixes;
};
FinalC14n final_c14n(xmlNode* ref) {
    const auto ts = children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform");
    const std::string alg = ts.empty() ? "" : attribute(ts.back(), "Algorithm");
    if (alg == "http://www.w3.org/2000/09/xmldsig#base64") return {};
    if (alg.find("c14n") == std::string::npos) return {k_c14n10, {}};
    FinalC14n out{alg, {}};
    for (xmlNode* in = ts.back()->children; in != nullptr; in = in->next) {
        if (in->type != XML_ELEMENT_NODE || xmlStrcmp(in->name, BAD_CAST "InclusiveNamespaces"))
            continue;
        std::istringstream list(attribute(in, "PrefixList"));
        for (std::string p; list >> p;) out.prefixes.push_back(p);
    }
    return out;
}

// Digest algorithms from weakest to strongest (collision resistance), to name the weakest a
// signature relies on.
int digest_strength(const std::string& digest) {
    static const std::pair<const char*, int> k_order[] = {
        {"md5", 0},      {"sha1", 1},   {"sha224", 2},   {"sha3-224", 2}, {"sha256", 3},
        {"sha3-256", 3}, {"sha384", 4}, {"sha3-384", 4}, {"sha512", 5},   {"sha3-512", 5},
    };
    for (const auto& [name, rank] : k_order) {
        if (digest == name) return rank;
    }
    return -1;  // unknown: weaker than anything known
}

constexpr const char* k_base64_transform = "http://www.w3.org/2000/09/xmldsig#base64";

bool has_transform(xmlNode* ref, const char* algorithm) {
    for (xmlNode* t : children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform")) {
        if (attribute(t, "Algorithm") == algorithm) return true;
    }
    return false;
}

// Strict base64 (whitespace allowed between characters, as XML wraps lines).
bool valid_base64(const std::string& text) {
    std::size_t chars = 0, padding = 0;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        if (c == '=') {
            ++padding;
        } else if (padding > 0 ||
                   !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
            return false;
        }
        ++chars;
    }
    return chars % 4 == 0 && padding <= 2 &&
           (chars == 0 || !base64_decode(text).empty() || chars == padding);
}

constexpr const char* k_enveloped_transform =
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

// A reference of SignedInfo and what it was resolved to.
struct Resolved {
    xmlNode* ref = nullptr;
    std::size_t index = 0;  // in SignedInfo
    std::string uri;
    xmlNode* target = nullptr;    // the element a same-document fragment selects
    bool whole = false;           // the whole document
    bool comments = false;        // its node-set keeps comments (the XPointer forms)
    bool external = false;        // a detached document
    bool data_object = false;     // a signed data object, not a part of the signature
    std::string selection;        // its selecting transforms, described; empty: none
    std::string target_text;      // the target, before any selection
    std::size_t signed_data = 0;  // index in SignatureFacts::signed_data
};

class SignatureChecker {
  public:
    SignatureChecker(xmlDoc* doc, xmlNode* sig, const std::vector<std::string>& duplicates,
                     const validation::DataObjects& objects, bool keep_reference_data)
        : m_doc(doc),
          m_sig(sig),
          m_duplicates(duplicates),
          m_objects(objects),
          m_keep_reference_data(keep_reference_data) {}

    Checked run() {
        Checked out;
        SignatureFacts& f = m_facts;
        f.level = SignatureLevel::xmldsig;
        xmlNode* si = child(m_sig, k_dsig_ns, "SignedInfo");
        xmlNode* sv = child(m_sig, k_dsig_ns, "SignatureValue");
        if (si == nullptr || sv == nullptr) {
            f.format_problem = tr("the ds:Signature lacks SignedInfo or SignatureValue");
            out.signature = result();
            return out;
        }
        const std::string method = attribute(child(si, k_dsig_ns, "SignatureMethod"), "Algorithm");
        f.signature_algorithm = signature_method_name(method);
        read_certificates();
        find_qualifying_properties();
        out.xades = m_qp != nullptr;
        read_signed_properties();
        resolve_references(si);
        check_digest_budget();
        if (f.format_problem) {
            out.signature = result();
            return out;
        }
        check_schema();
        core_validation(method);
        record_algorithms(method);
        judge_selections();
        check_given_data();
        read_unsigned_properties(sv);
        name_legacy_level();
        out.signature = result();
        return out;
    }

  private:
    CheckedSignature result() {
        return {m_sig, std::move(m_facts), std::move(m_reference_data), m_document_missing};
    }

    // Every same-document reference makes xmlsec1 transform and digest its whole target: 600
    // references to one 1 MB document were 14 s and 1.2 GB before the key was even checked.
    // The targets together may hold at most twice the document plus 16 MiB (an enveloped
    // signature digests the document once, its own parts are small); more is refused.
    void check_digest_budget() {
        std::unordered_map<const xmlNode*, std::size_t> sizes;
        const std::size_t document = subtree_size(xmlDocGetRootElement(m_doc), sizes);
        std::size_t total = 0;
        for (const auto& use : m_resolved) {
            if (use.external) continue;
            total += use.whole ? document : subtree_size(use.target, sizes);
        }
        const std::size_t budget = 2 * document + (std::size_t{16} << 20);
        if (total > budget) {
            m_facts.format_problem =
                trf("its {0} references would digest {1} MiB of a {2} KiB document, more than any "
                    "genuine signature needs (a denial-of-service guard: at most twice the "
                    "document and 16 MiB)",
                    {std::to_string(m_resolved.size()), std::to_string(total >> 20),
                     std::to_string(document >> 10)});
        }
    }

    // About the size of a node's serialisation, each subtree counted once.
    static std::size_t subtree_size(const xmlNode* node,
                                    std::unordered_map<const xmlNode*, std::size_t>& sizes) {
        if (node == nullptr) return 0;
        if (auto it = sizes.find(node); it != sizes.end()) return it->second;
        std::size_t n = node->name != nullptr ? 2 * xmlStrlen(node->name) + 5 : 0;
        if (node->content != nullptr) n += static_cast<std::size_t>(xmlStrlen(node->content));
        if (node->type == XML_ELEMENT_NODE) {
            for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
                n += 4 + static_cast<std::size_t>(xmlStrlen(a->name));
                for (const xmlNode* v = a->children; v != nullptr; v = v->next)
                    n +=
                        v->content != nullptr ? static_cast<std::size_t>(xmlStrlen(v->content)) : 0;
            }
        }
        for (const xmlNode* c = node->children; c != nullptr; c = c->next)
            n += subtree_size(c, sizes);
        sizes.emplace(node, n);
        return n;
    }

    // RevocationValues or CertificateValues make a B-B or B-T signature B-LT (EN 319 132-1 6.3).
    void raise_to_long_term() {
        if (m_facts.level == SignatureLevel::b_t || m_facts.level == SignatureLevel::b_b)
            m_facts.level = SignatureLevel::b_lt;
    }

    // EN 319 132-1 6.3 asks a baseline signature for SigningTime, SigningCertificateV2 and a
    // DataObjectFormat per signed data object; XAdES without them (TS 101 903 "XAdES-BES" and
    // its successors) is verified the same way and named by the older levels.
    void name_legacy_level() {
        if (m_not_baseline.empty() || m_qp == nullptr || m_cert_refs.empty()) return;
        static const std::pair<SignatureLevel, SignatureLevel> k_names[] = {
            {SignatureLevel::b_b, SignatureLevel::xades_bes},
            {SignatureLevel::b_t, SignatureLevel::xades_t},
            {SignatureLevel::b_lt, SignatureLevel::xades_x_l},
            {SignatureLevel::b_lta, SignatureLevel::xades_a}};
        for (const auto& [baseline, legacy] : k_names) {
            if (m_facts.level == baseline) m_facts.level = legacy;
        }
        std::string why;
        for (const auto& r : m_not_baseline) why += (why.empty() ? "" : "; ") + r;
        m_facts.notes.push_back(
            {NoteCode::not_baseline, trf("not an EN 319 132-1 baseline signature ({0}), so its "
                                         "level has the older XAdES name",
                                         {why})});
    }

    // The first reason the signed data cannot be said to be what the signature covers.
    void not_found(const std::string& why) {
        if (m_data_problem.empty()) m_data_problem = why;
    }

    void read_certificates() {
        xmlNode* ki = child(m_sig, k_dsig_ns, "KeyInfo");
        for (xmlNode* xd : children(ki, k_dsig_ns, "X509Data")) {
            for (xmlNode* xc : children(xd, k_dsig_ns, "X509Certificate")) {
                auto cert = decode_certificate(text(xc));
                if (!cert) {
                    m_facts.format_problem =
                        tr("a KeyInfo X509Certificate is not a valid DER certificate");
                    return;
                }
                m_facts.certificates.push_back(std::move(cert));
            }
            // XMLDSig 4.5.4: X509CRL. Not signed, like the certificates beside it; the
            // engine uses it as it uses the crls of CMS SignedData (a revocation any authentic
            // CRL lists wins). One that cannot be read is a format failure, not left out: an
            // altered CRL must not quietly hide a revocation.
            for (xmlNode* xc : children(xd, k_dsig_ns, "X509CRL")) {
                if (!add_crl(decode_crl(text(xc)), "a KeyInfo X509CRL")) return;
            }
        }
    }

    // At most this many carried CRLs: each is read for every certificate of the chain, and a
    // genuine signature carries one per issuer.
    static constexpr std::size_t k_max_crls = 256;

    bool add_crl(ossl::Ptr<X509_CRL> crl, const std::string& what) {
        if (!crl) {
            m_facts.format_problem = trf("{0} is not a valid DER CRL", {what});
            return false;
        }
        if (m_facts.crls.size() == k_max_crls) {
            m_facts.format_problem =
                trf("the signature carries more than {0} CRLs, more than any genuine one needs",
                    {std::to_string(k_max_crls)});
            return false;
        }
        m_facts.crls.push_back(std::move(crl));
        return true;
    }

    // At most this many carried certificates and OCSP responses: each carried certificate is
    // checked against its issuer, each response read for every certificate of every chain.
    static constexpr std::size_t k_max_carried = 256;

    // Whether the signature may carry one more (it carries `carried` certificates, or OCSP
    // responses); a format problem
    // otherwise.
    bool room_for(std::size_t carried, bool certificates) {
        if (carried < k_max_carried) return true;
        const std::string most = std::to_string(k_max_carried);
        m_facts.format_problem =
            certificates ? trf("the signature carries more than {0} certificates, more than any "
                               "genuine one needs",
                               {most})
                         : trf("the signature carries more than {0} OCSP responses, more than any "
                               "genuine one needs",
                               {most});
        return false;
    }

    // EN 319 132-1 5.5.1 xades:CertificateValues (also inside xadesv141:TimeStampValidationData):
    // the certificates join the signature's, for its chain and its time-stamps' (never to choose
    // the signer: that is decided from KeyInfo before). One that cannot be read is a format
    // failure, as in KeyInfo: validation data is not quietly left out.
    void read_certificate_values(xmlNode* cv, const std::string& where) {
        for (xmlNode* v : children(cv, k_xades132_ns, "EncapsulatedX509Certificate")) {
            auto cert = decode_certificate(text(v));
            if (!cert) {
                m_facts.format_problem =
                    trf("an EncapsulatedX509Certificate in {0} is not a valid DER certificate",
                        {where});
                return;
            }
            if (!room_for(m_facts.certificates.size(), true)) return;
            m_facts.certificates.push_back(std::move(cert));
        }
        if (child(cv, k_xades132_ns, "OtherCertificate") != nullptr) {
            m_facts.notes.push_back(
                {NoteCode::not_checked, trf("the OtherCertificate values in {0} (certificates of "
                                            "another kind) were not used",
                                            {where})});
        }
    }

    // EN 319 132-1 5.5.2 xades:RevocationValues (also inside xadesv141:TimeStampValidationData):
    // the CRLs and OCSP responses join the signature's revocation data, which its time-stamps use
    // too. An OCSP value is an OCSPResponse (a bare BasicOCSPResponse is accepted); one that
    // cannot be read is a format failure, like an unreadable CRL: it must not hide a revocation.
    void read_revocation_values(xmlNode* rv, const std::string& where) {
        for (xmlNode* values : children(rv, k_xades132_ns, "CRLValues")) {
            for (xmlNode* v : children(values, k_xades132_ns, "EncapsulatedCRLValue")) {
                if (!add_crl(decode_crl(text(v)), "an EncapsulatedCRLValue in " + where)) return;
            }
        }
        for (xmlNode* values : children(rv, k_xades132_ns, "OCSPValues")) {
            for (xmlNode* v : children(values, k_xades132_ns, "EncapsulatedOCSPValue")) {
                const auto der = base64_decode(text(v));
                auto response = der.empty() ? std::nullopt : ocsp_response_der(der);
                if (!response) {
                    m_facts.format_problem =
                        trf("an EncapsulatedOCSPValue in {0} is not a DER OCSP response", {where});
                    return;
                }
                if (!room_for(m_facts.ocsp_responses.size(), false)) return;
                m_facts.ocsp_responses.push_back(std::move(*response));
            }
        }
        if (child(rv, k_xades132_ns, "OtherValues") != nullptr) {
            m_facts.notes.push_back(
                {NoteCode::revocation_data_not_used,
                 trf("the OtherValues in {0} (revocation data of another kind) were not used",
                     {where})});
        }
    }

    void find_qualifying_properties() {
        const std::string id = attribute(m_sig, "Id");
        std::vector<xmlNode*> found;
        for (xmlNode* obj : children(m_sig, k_dsig_ns, "Object")) {
            for (xmlNode* qp : children(obj, k_xades132_ns, "QualifyingProperties")) {
                found.push_back(qp);
            }
        }
        if (found.empty()) return;
        std::vector<xmlNode*> targeting;
        for (xmlNode* qp : found) {
            if (!id.empty() && attribute(qp, "Target") == "#" + id) targeting.push_back(qp);
        }
        if (targeting.size() > 1) {
            m_facts.format_problem =
                tr("more than one xades:QualifyingProperties targets this signature");
            return;
        }
        if (targeting.empty() && found.size() == 1) {
            // Its own ds:Object holds it and its SignedProperties must still be the signed one;
            // only the Target attribute is off (seen in the wild: "#Signature" for Id "signature").
            m_qp = found.front();
            const std::string target = attribute(m_qp, "Target");
            m_facts.notes.push_back(
                {NoteCode::properties_target_mismatch,
                 trf("the xades:QualifyingProperties Target \"{0}\" does not name this signature "
                     "(Id \"{1}\"); they were used because the signature holds no others",
                     {target, id})});
            return;
        }
        if (targeting.empty()) {
            m_qp = found.front();
            not_found(
                trf("none of the xades:QualifyingProperties targets this signature (Id \"{0}\")",
                    {id}));
            return;
        }
        m_qp = targeting.front();
    }

    void read_signed_properties() {
        if (m_qp == nullptr) return;
        auto sps = children(m_qp, k_xades132_ns, "SignedProperties");
        if (sps.size() != 1) {
            m_facts.format_problem =
                tr("the xades:QualifyingProperties must hold one SignedProperties");
            return;
        }
        m_sp = sps.front();
        m_facts.level = SignatureLevel::b_b;
        xmlNode* ssp = child(m_sp, k_xades132_ns, "SignedSignatureProperties");
        m_sdop = child(m_sp, k_xades132_ns, "SignedDataObjectProperties");
        if (xmlNode* st = child(ssp, k_xades132_ns, "SigningTime")) {
            std::string t = text(st);
            auto parsed = parse_rfc3339(t);
            if (!parsed) parsed = parse_rfc3339(t + "Z");
            if (!parsed) {
                m_facts.format_problem = trf("xades:SigningTime \"{0}\" is not a date-time", {t});
                return;
            }
            m_facts.claimed_signing_time = parsed;
        }
        for (const char* stamp : {"AllDataObjectsTimeStamp", "IndividualDataObjectsTimeStamp"}) {
            if (child(m_sdop, k_xades132_ns, stamp) != nullptr) {
                m_facts.notes.push_back(
                    {NoteCode::not_checked,
                     trf("the signed {0} (a time-stamp over the data before signing) is not "
                         "verified by this version and was not used",
                         {stamp})});
            }
        }
        bool v1 = false;
        m_cert_refs = signing_certificate_refs(ssp, v1);
        for (const auto& ref : m_cert_refs) {
            // The digest binds the signing certificate to the signature (EN 319 132-1 5.2.2).
            m_facts.algorithms.push_back({std::string("the CertDigest of the signed ") +
                                              (v1 ? "SigningCertificate" : "SigningCertificateV2"),
                                          ref.digest.empty() ? "unknown" : ref.digest, "", 0});
        }
        if (m_cert_refs.empty()) {
            m_facts.notes.push_back(
                {NoteCode::signing_certificate_not_bound,
                 tr("the signed properties name no signing certificate (SigningCertificateV2), so "
                    "the certificate is not bound to the signature (not a baseline signature)")});
            m_facts.level = SignatureLevel::xades_without_signing_certificate;
        } else if (v1) {
            m_not_baseline.push_back(
                tr("the signing certificate is named by xades:SigningCertificate, not "
                   "SigningCertificateV2"));
        }
        if (!m_facts.claimed_signing_time) m_not_baseline.push_back(tr("it has no SigningTime"));
    }

    // XMLDSig 4.4.3: every Reference resolved to exactly what xmlsec1 will digest, and what it
    // signs classified (the signature's own SignedProperties, a part of the signature, a data
    // object); what cannot be resolved is named, never guessed.
    void resolve_references(xmlNode* si) {
        const auto refs = children(si, k_dsig_ns, "Reference");
        m_reference_count = refs.size();
        if (refs.empty()) {
            m_facts.format_problem = tr("SignedInfo has no Reference");
            return;
        }
        ReferenceCounts counts;
        std::vector<std::pair<std::string, std::size_t>> external;  // uri, index in signed_data
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (resolve_reference(refs[i], i, counts, external) == Found::stop) return;
        }
        if (m_sp != nullptr && counts.signed_properties == 0) {
            not_found(
                tr("no reference signs the xades:SignedProperties, so the signing time and signing "
                   "certificate are not protected by the signature"));
        }
        if (counts.data_objects == 0) {
            not_found(
                tr("the signature signs no data object: every reference points at the signature's "
                   "own properties (the signed data was removed)"));
        }
        match_detached(external);
    }

    // What resolving a reference's target came to: a target, nothing (named: the next reference
    // follows), or a format problem that stops the resolution.
    enum class Found { target, none, stop };

    struct ReferenceCounts {
        int signed_properties = 0;
        int data_objects = 0;
    };

    Found resolve_reference(xmlNode* ref, std::size_t i, ReferenceCounts& counts,
                            std::vector<std::pair<std::string, std::size_t>>& external) {
        const std::string n = trf("reference {0}", {std::to_string(i + 1)});
        record_reference_digest(ref, i, n);
        if (!names_its_target(ref, n)) return Found::none;
        Resolved use;
        use.ref = ref;
        use.index = i;
        use.uri = attribute(ref, "URI");
        std::string target_text;
        const Found found = resolve_target(use, n, target_text);
        if (found != Found::target) return found;
        if (use.external) external.emplace_back(use.uri, m_facts.signed_data.size());
        describe_selection(use, target_text);
        // A base64 transform over content that is not base64 (xmlsec1 1.2 leaks a buffer on
        // that error path): the signed bytes cannot be what was signed.
        if (use.target != nullptr && has_transform(ref, k_base64_transform) &&
            !valid_base64(text(use.target))) {
            m_broken_content =
                trf("{0} signs the base64 content of {1}, which is no longer valid base64",
                    {n, describe(use.target)});
        }
        classify(std::move(use), n, target_text, counts);
        return Found::target;
    }

    // Every reference digest carries the proof of its data: each is judged by the policy, and
    // the weakest names the signature's digest (see record_algorithms).
    void record_reference_digest(xmlNode* ref, std::size_t i, const std::string& n) {
        const std::string alg = attribute(child(ref, k_dsig_ns, "DigestMethod"), "Algorithm");
        const std::string dname = digest_name(alg);
        m_facts.algorithms.push_back(
            {"the digest of reference #" + std::to_string(i + 1) +
                 (has_attribute(ref, "URI") ? " (URI \"" + attribute(ref, "URI") + "\")"
                                            : std::string(" (no URI)")),
             dname.empty() ? alg : dname, "", 0});
        m_reference_digests.push_back(dname);
        if (dname.empty())
            m_unsupported = trf("the DigestMethod {0} of {1} is not supported", {alg, n});
    }

    // A reference without URI signs what an application decides (XMLDSig 4.4.3.1); with an
    // enveloped-signature transform, xmlsec and xadesjs read it as the document the signature
    // is enveloped in.
    bool names_its_target(xmlNode* ref, const std::string& n) {
        if (has_attribute(ref, "URI")) return true;
        bool enveloped = false;
        for (xmlNode* t : children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform"))
            enveloped = enveloped || attribute(t, "Algorithm") == k_enveloped_transform;
        if (!enveloped) {
            m_unresolved = true;
            not_found(
                trf("{0} has no URI: what it signs is left to an application, and ltsign cannot "
                    "tell what that is",
                    {n}));
            return false;
        }
        m_facts.notes.push_back(
            {NoteCode::reference_whole_document, trf("{0} has no URI; with its enveloped-signature "
                                                     "transform it was taken as the whole document",
                                                     {n})});
        return true;
    }

    // The node xmlsec1 will digest for the reference's URI, found the way it finds it: the whole
    // document, one element, or a detached document (matched to the data objects later).
    Found resolve_target(Resolved& use, const std::string& n, std::string& target_text) {
        const std::string& uri = use.uri;
        if (uri.empty() || uri == "#xpointer(/)") {
            // XMLDSig 4.4.3.3: "" is the document without comments, #xpointer(/) with them.
            use.whole = true;
            use.comments = !uri.empty();
            target_text = whole_document_text();
            return Found::target;
        }
        if (uri[0] != '#') {
            use.external = true;
            target_text = "a detached document";  // matched in ops/verify.cpp
            return Found::target;
        }
        if (const auto id = fragment_id(uri);
            id && std::find(m_duplicates.begin(), m_duplicates.end(), *id) != m_duplicates.end()) {
            m_facts.format_problem =
                trf("the ID \"{0}\" that {1} signs occurs more than once in the document; which "
                    "element was signed is ambiguous (signature wrapping)",
                    {*id, n});
            return Found::stop;
        }
        const Fragment fragment = resolve_fragment(m_doc, use.ref, uri);
        use.comments = uri.rfind("#xpointer(", 0) == 0 || uri.rfind("#xmlns(", 0) == 0;
        if (fragment.kind == Fragment::Kind::none) {
            m_unresolved = true;
            not_found(trf("{0} signs \"{1}\", which is not in the document", {n, uri}));
            return Found::none;
        }
        if (fragment.kind == Fragment::Kind::document) {
            use.whole = true;
            target_text = whole_document_text();
            return Found::target;
        }
        if (fragment.kind == Fragment::Kind::element) {
            use.target = fragment.element;
            target_text = describe(use.target);
            return Found::target;
        }
        m_unsupported =
            fragment.kind == Fragment::Kind::other
                ? trf("{0} uses the XPointer form {1}, which selects {2} nodes rather than one "
                      "element or the document; that is not supported",
                      {n, uri, std::to_string(fragment.count)})
                : trf("{0} uses the XPointer form {1}, which is not supported", {n, uri});
        return Found::none;
    }

    // Transforms that select nodes may sign less than the target: until what xmlsec1 digested
    // shows otherwise (judge_selections), say only that part is signed. So does a fragment of a
    // detached document.
    void describe_selection(Resolved& use, std::string& target_text) {
        use.selection = selecting_transforms(use.ref);
        if (use.external && use.uri.find('#') != std::string::npos) {
            use.selection = "the fragment " + use.uri.substr(use.uri.find('#')) +
                            (use.selection.empty() ? "" : "; " + use.selection);
        }
        use.target_text = target_text;
        if (!use.selection.empty()) {
            target_text = "part of " + (use.whole ? std::string("the document") : target_text) +
                          ": only what its transforms select (" + use.selection + ")";
        }
    }

    // What a resolved reference signs: this signature's own SignedProperties (else wrapping), a
    // part of the signature, or a data object; the last two are listed as signed data.
    void classify(Resolved use, const std::string& n, std::string target_text,
                  ReferenceCounts& counts) {
        xmlNode* ref = use.ref;
        xmlNode* target = use.target;
        const std::string type = attribute(ref, "Type");
        if (type == k_signed_properties_type || is(target, k_xades132_ns, "SignedProperties")) {
            ++counts.signed_properties;
            if (m_sp == nullptr || target != m_sp) {
                not_found(
                    trf("{0} signs a SignedProperties element that is not the one in this "
                        "signature's QualifyingProperties; the properties in use are not signed "
                        "(signature wrapping)",
                        {n}));
            }
            return;
        }
        if (is(target, k_dsig_ns, "Object") && target->parent != m_sig) {
            not_found(
                trf("{0} signs a ds:Object that is not a child of this signature; the object in "
                    "use is not the signed one (signature wrapping)",
                    {n}));
        }
        // Signing parts of the signature itself (KeyInfo) is allowed, but they are not data
        // objects; the content of a ds:Object is.
        bool own_part = false;
        if (target != nullptr && !is(target, k_dsig_ns, "Object") &&
            !is(target->parent, k_dsig_ns, "Object")) {
            for (xmlNode* a = target; a != nullptr; a = a->parent) {
                if (a == m_sig) own_part = true;
            }
        }
        if (is(target, k_dsig_ns, "Manifest") ||
            type == "http://www.w3.org/2000/09/xmldsig#Manifest") {
            m_facts.notes.push_back(
                {NoteCode::manifest_references_not_checked,
                 trf("{0} signs a ds:Manifest: the manifest itself is signed, but the references "
                     "it lists are not checked (XMLDSig 5.1 leaves them to the application)",
                     {n})});
        }
        if (own_part) {
            target_text += " (part of the signature)";
        } else {
            ++counts.data_objects;
            use.data_object = true;
            if (m_sp != nullptr && !has_data_object_format(m_sdop, attribute(ref, "Id")))
                m_not_baseline.push_back(trf("{0} has no DataObjectFormat", {n}));
        }
        use.signed_data = m_facts.signed_data.size();
        m_facts.signed_data.push_back(
            {use.uri, target_text, mime_type_for(m_sdop, attribute(ref, "Id"))});
        m_resolved.push_back(std::move(use));
    }

    std::string whole_document_text() const {
        return "the whole document" +
               std::string(m_sig->parent != nullptr && m_sig->parent->type == XML_ELEMENT_NODE
                               ? " (the signature excluded by its transforms)"
                               : "");
    }

    // XMLDSig 4.4.3: a reference digests what its transforms select from its target. Whether
    // that is all of the target is decided from what xmlsec1 digested: the whole target (or the
    // whole target without this signature) in the same canonical form gives the same bytes;
    // anything else, or no bytes to compare, is a partial selection and reported as one.
    void judge_selections() {
        for (const auto& use : m_resolved) {
            if (use.selection.empty()) continue;
            std::optional<std::string> whole;
            if (use.index < m_digested.size()) whole = selects_all(use, m_digested[use.index]);
            auto& target = m_facts.signed_data[use.signed_data].target;
            if (whole) {
                target = *whole;
                continue;
            }
            const std::string n = std::to_string(use.index + 1);
            const std::string rest = use.whole ? tr("the document") : use.target_text;
            m_facts.notes.push_back(
                {NoteCode::partly_signed,
                 use.index < m_digested.size()
                     ? trf("reference {0} signs only what its transforms select ({1}); the rest "
                           "of {2} is not signed",
                           {n, use.selection, rest})
                     : trf("reference {0} signs only what its transforms select ({1}); the rest "
                           "of {2} is not signed (what they select was not evaluated)",
                           {n, use.selection, rest})});
        }
    }

    // The target's description when `digested` is the whole target in canonical form.
    // `digested` is the SHA-256 of what xmlsec1 digested (see CoreResult::digested).
    std::optional<std::string> selects_all(const Resolved& use, const core::Bytes& digested) {
        const auto same = [&](const core::Bytes& canonical) {
            return crypto::digest_bytes(EVP_sha256(), canonical) == digested;
        };
        const FinalC14n c14n = final_c14n(use.ref);
        if (c14n.algorithm.empty()) return std::nullopt;
        try {
            if (use.external) {
                const auto it = m_detached.find(use.uri);
                if (it == m_detached.end() || use.uri.find('#') != std::string::npos)
                    return std::nullopt;
                const Doc doc =
                    parse(it->second.read(core::k_max_signature_file), it->second.name());
                const auto all =
                    canonicalize_node_set(doc.get(), reinterpret_cast<xmlNode*>(doc.get()), nullptr,
                                          true, c14n.algorithm, c14n.prefixes);
                if (same(all)) return use.target_text;
                return std::nullopt;
            }
            xmlNode* root = use.whole ? reinterpret_cast<xmlNode*>(m_doc) : use.target;
            if (same(canonicalize_node_set(m_doc, root, nullptr, use.comments, c14n.algorithm,
                                           c14n.prefixes))) {
                return use.whole ? std::string("the whole document") : use.target_text;
            }
            bool signature_inside = false;
            for (xmlNode* a = m_sig; a != nullptr; a = a->parent) signature_inside |= a == root;
            if (signature_inside && same(canonicalize_node_set(m_doc, root, m_sig, use.comments,
                                                               c14n.algorithm, c14n.prefixes))) {
                return use.whole ? whole_document_text()
                                 : use.target_text + " (the signature excluded by its transforms)";
            }
        } catch (const Error&) {
        }
        return std::nullopt;
    }

    // The algorithms the signature relies on (TS 119 312 judges each): every reference digest,
    // the SignatureMethod (its digest over SignedInfo and the signer's key). The signature's
    // digest algorithm is the weakest of those digests: a SHA-1 reference or SignatureMethod
    // beside SHA-256 ones protects its part no better than SHA-1.
    void record_algorithms(const std::string& method) {
        const std::string name = signature_method_name(method);
        std::string method_digest;
        if (name != method && name.find('-') != std::string::npos)
            method_digest = name.substr(name.find('-') + 1);
        validation::AlgorithmUse use{"the SignatureMethod",
                                     method_digest.empty() ? name : method_digest, "", 0};
        if (m_facts.signer_cert) {
            const EVP_PKEY* key = X509_get0_pubkey(m_facts.signer_cert.get());
            if (key != nullptr) {
                use.key_kind = EVP_PKEY_is_a(key, "EC")    ? "ec"
                               : EVP_PKEY_is_a(key, "RSA") ? "rsa"
                               : EVP_PKEY_is_a(key, "DSA") ? "dsa"
                                                           : "";
                use.key_bits = EVP_PKEY_get_bits(key);
            }
        }
        m_facts.algorithms.push_back(std::move(use));
        std::vector<std::string> digests = m_reference_digests;
        if (!method_digest.empty()) digests.push_back(method_digest);
        std::string weakest;
        for (const auto& d : digests) {
            if (d.empty()) continue;
            if (weakest.empty() || digest_strength(d) < digest_strength(weakest)) weakest = d;
        }
        m_facts.digest_algorithm = weakest;
    }

    // A signature that carries its content (enveloping, or enveloped in the file itself) and a
    // document given beside it: the document must be that content, or the verdict would seem to
    // cover a document the signature never saw.
    void check_given_data() {
        const validation::DataObject* document = validation::first_document(m_objects);
        if (document == nullptr || !m_detached.empty()) return;
        if (m_facts.data_digest.status != Check::passed ||
            m_facts.signature_value.status != Check::passed)
            return;
        core::Bytes given;
        try {
            given = document->read(core::k_max_signature_file);
        } catch (const Error&) {
            // Larger than any signature file ltsign reads, so not the content of this one.
        }
        std::optional<Doc> parsed;
        try {
            parsed = parse(given, document->name());
        } catch (const Error&) {
        }
        for (const auto& use : m_resolved) {
            if (!use.data_object || use.external) continue;
            if (carries(use, given, parsed ? parsed->get() : nullptr)) {
                m_facts.notes.push_back(
                    {NoteCode::document_is_carried_content,
                     trf("the document given is the content the signature carries ({0})",
                         {m_facts.signed_data[use.signed_data].target})});
                return;
            }
        }
        m_facts.data_digest = {Check::failed, tr("the document given with the data option differs "
                                                 "from the content the signature carries")};
    }

    // Whether `given` (parsed: `doc`, null when it is not XML) is the content `use` signs: the
    // decoded bytes of a base64 object, the text of a text-only element, the same XML in
    // canonical form (the whole document with or without this signature, or the element a
    // ds:Object wraps).
    bool carries(const Resolved& use, const core::Bytes& given, xmlDoc* doc) {
        if (use.whole) {
            if (doc == nullptr) return false;
            const auto theirs = canonicalize_node_set(doc, reinterpret_cast<xmlNode*>(doc), nullptr,
                                                      false, k_c14n10);
            auto* all = reinterpret_cast<xmlNode*>(m_doc);
            return theirs == canonicalize_node_set(m_doc, all, nullptr, false, k_c14n10) ||
                   theirs == canonicalize_node_set(m_doc, all, m_sig, false, k_c14n10);
        }
        xmlNode* target = use.target;
        if (target == nullptr) return false;
        if (has_transform(use.ref, k_base64_transform)) return base64_decode(text(target)) == given;
        xmlNode* element = target;
        if (is(target, k_dsig_ns, "Object")) {
            element = xmlFirstElementChild(target);
            if (element == nullptr) {
                const std::string t = text(target);
                return core::Bytes(t.begin(), t.end()) == given;
            }
            if (xmlNextElementSibling(element) != nullptr) return false;
        }
        if (doc == nullptr) return false;
        constexpr const char* k_exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
        return canonicalize(doc, xmlDocGetRootElement(doc), k_exc) ==
               canonicalize(m_doc, element, k_exc);
    }

    // Detached references are answered by the data objects given as files (by name, or the
    // single file for the single detached reference) or as container entries (by their whole
    // name in the container, the URI relative to its root: EN 319 162-1 4.4.3).
    void match_detached(const std::vector<std::pair<std::string, std::size_t>>& external) {
        if (external.empty()) return;
        std::vector<const validation::DataObject*> files;
        for (const auto& object : m_objects) {
            if (object.file() || object.is_entry()) files.push_back(&object);
        }
        for (const auto& [uri, index] : external) {
            const std::string name = last_segment(uri);
            const std::string path = entry_path(uri);
            const validation::DataObject* file = nullptr;
            std::size_t same_name = 0;
            for (const auto* f : files) {
                const bool match =
                    f->is_entry() ? f->name() == path : f->file()->filename().string() == name;
                if (match && ++same_name == 1) file = f;
            }
            if (same_name > 1) {
                // Two documents answer the reference: judging either could pass the wrong one.
                m_unresolved = true;
                not_found(
                    trf("{0} documents named \"{1}\" were given for the reference \"{2}\": which "
                        "is meant cannot be told",
                        {std::to_string(same_name), name, uri}));
                continue;
            }
            if (file == nullptr && external.size() == 1 && files.size() == 1) {
                file = files.front();
                if (!name.empty() && file->file()->filename().string() != name) {
                    m_facts.notes.push_back({NoteCode::document_name_differs,
                                             trf("the detached document is named \"{0}\" in the "
                                                 "signature; {1} was used in its place",
                                                 {name, file->name()})});
                }
            }
            if (file == nullptr) {
                m_unresolved = true;
                m_document_missing = true;
                not_found(trf("the detached document \"{0}\" was not supplied", {uri}));
                continue;
            }
            m_detached.emplace(uri, *file);
            m_facts.signed_data[index].target =
                (file->is_entry() ? "entry " : "file ") + file->name();
        }
    }

    // Unsigned properties from other specifications are not part of the XAdES schemas: they are
    // taken out of `usp` (in the copy that is schema-validated) and named, but for
    // xadesen:SealingEvidenceRecords, whose records are verified (and schema-validated) on their
    // own (find_embedded_records). An UnsignedSignatureProperties left empty goes too.
    void leave_out_foreign_properties(xmlNode* usp) {
        for (xmlNode* c = usp->children; c != nullptr;) {
            xmlNode* next = c->next;
            if (c->type == XML_ELEMENT_NODE &&
                (c->ns == nullptr || (xmlStrcmp(c->ns->href, BAD_CAST k_xades132_ns) != 0 &&
                                      xmlStrcmp(c->ns->href, BAD_CAST k_xades141_ns) != 0))) {
                if (!is(c, k_xadesen_ns, "SealingEvidenceRecords")) {
                    m_facts.notes.push_back(
                        {NoteCode::not_checked,
                         trf("the unsigned property {0} ({1}) is not verified by this version",
                             {std::string(reinterpret_cast<const char*>(c->name)),
                              (c->ns ? reinterpret_cast<const char*>(c->ns->href) : "")})});
                }
                remove_node(c);
            }
            c = next;
        }
        if (usp->children == nullptr || xmlFirstElementChild(usp) == nullptr) remove_node(usp);
    }

    void check_schema() {
        Doc copy(made(xmlNewDoc(BAD_CAST "1.0")));
        xmlNode* root = made(xmlDocCopyNode(m_sig, copy.get(), 1));
        xmlDocSetRootElement(copy.get(), root);  // returns the former root: there is none
        // A namespace it cannot reconcile keeps its declaration; the schema check then judges it.
        static_cast<void>(xmlReconciliateNs(copy.get(), root));
        for (xmlNode* obj : children(root, k_dsig_ns, "Object")) {
            for (xmlNode* qp : children(obj, k_xades132_ns, "QualifyingProperties")) {
                for (xmlNode* up : children(qp, k_xades132_ns, "UnsignedProperties")) {
                    for (xmlNode* usp : children(up, k_xades132_ns, "UnsignedSignatureProperties"))
                        leave_out_foreign_properties(usp);
                }
            }
        }
        shorten_serial_numbers(root);
        const auto r = validate_xades(copy.get());
        if (!r.performed) {
            m_facts.notes.push_back({NoteCode::schema_not_performed,
                                     tr("schema validation was not performed: no standard schemas "
                                        "installed (LTSIGN_SCHEMA_DIR)")});
        } else if (r.problem) {
            m_facts.format_problem = trf(
                "the signature does not conform to the XMLDSig/XAdES schema: {0}", {*r.problem});
        }
    }

    void core_validation(const std::string& method) {
        SignatureFacts& f = m_facts;
        X509* signer = choose_signer(f.certificates, m_cert_refs);
        if (signer != nullptr) f.signer_cert = ossl::up_ref(signer);
        if (signer != nullptr && !m_cert_refs.empty()) {
            bool match = false;
            for (const auto& ref : m_cert_refs) {
                if (!ref.digest.empty() && cert_digest(signer, ref.digest) == ref.value)
                    match = true;
            }
            f.binding = match ? validation::Binding::matches : validation::Binding::mismatch;
            if (!match) {
                f.binding_detail =
                    tr("no CertDigest of the signed SigningCertificate matches the KeyInfo "
                       "certificate");
            }
        }
        if (f.format_problem) return;
        if (!m_data_problem.empty()) f.data_digest = {Check::not_possible, m_data_problem};
        if (signature_method_name(method) == method) {
            f.signature_value = {Check::not_possible,
                                 trf("the SignatureMethod {0} is not supported", {method})};
            return;
        }
        if (!m_unsupported.empty()) {
            f.signature_value = {Check::not_possible, m_unsupported};
            return;
        }
        if (m_unresolved || signer == nullptr) {
            f.signature_value = {Check::not_possible,
                                 tr("not checked: not every reference could be resolved")};
            return;
        }
        if (!m_broken_content.empty()) {
            f.data_digest = {Check::failed, m_broken_content};
            f.signature_value = {Check::passed, tr("not reached")};
            return;
        }
        const CheckResult pending = m_data_problem.empty()
                                        ? CheckResult{Check::passed, ""}
                                        : CheckResult{Check::not_possible, m_data_problem};
        const bool keep = m_keep_reference_data || has_archive_timestamp() ||
                          child(unsigned_properties(), k_xadesen_ns, "SealingEvidenceRecords");
        auto r = verify_core(m_sig, signer, m_detached, keep);
        m_digested = r.digested;
        if (keep && r.data.size() == m_reference_count) m_reference_data = std::move(r.data);
        switch (r.status) {
            case CoreResult::Status::valid:
                f.signature_value = {Check::passed, ""};
                f.data_digest = pending;
                break;
            case CoreResult::Status::reference_failed:
                f.data_digest = {Check::failed, r.detail};
                f.signature_value = {Check::passed, tr("not reached")};
                break;
            case CoreResult::Status::signature_failed:
                f.data_digest = pending;
                f.signature_value = {Check::failed, r.detail};
                break;
            case CoreResult::Status::error:
                f.format_problem = trf("the XML signature cannot be processed: {0}", {r.detail});
                break;
        }
    }

    xmlNode* unsigned_properties() const {
        if (m_qp == nullptr) return nullptr;
        return child(child(m_qp, k_xades132_ns, "UnsignedProperties"), k_xades132_ns,
                     "UnsignedSignatureProperties");
    }

    bool has_archive_timestamp() const {
        return child(unsigned_properties(), k_xades141_ns, "ArchiveTimeStamp") != nullptr;
    }

    void read_unsigned_properties(xmlNode* sv) {
        xmlNode* usp = unsigned_properties();
        if (usp == nullptr) return;
        read_validation_data(usp);
        read_signature_timestamps(usp, sv);
        read_archive_timestamps(usp);
        name_unverified_properties(usp);
    }

    // The B-LT validation data (EN 319 132-1 5.5.1, 5.5.2), wherever the signature carries it;
    // any of it makes a B-B or B-T signature B-LT.
    void read_validation_data(xmlNode* usp) {
        for (xmlNode* c = usp->children; c != nullptr; c = c->next) {
            if (is(c, k_xades132_ns, "CertificateValues")) {
                read_certificate_values(c, "xades:CertificateValues");
            } else if (is(c, k_xades132_ns, "RevocationValues")) {
                read_revocation_values(c, "xades:RevocationValues");
            } else if (is(c, k_xades141_ns, "TimeStampValidationData")) {
                const std::string where = "xadesv141:TimeStampValidationData";
                for (xmlNode* cv : children(c, k_xades132_ns, "CertificateValues"))
                    read_certificate_values(cv, where);
                for (xmlNode* rv : children(c, k_xades132_ns, "RevocationValues"))
                    read_revocation_values(rv, where);
            } else {
                continue;
            }
            raise_to_long_term();
        }
    }

    // EN 319 132-1 5.3: each xades:SignatureTimeStamp, over the canonicalised SignatureValue.
    void read_signature_timestamps(xmlNode* usp, xmlNode* sv) {
        for (xmlNode* ts : children(usp, k_xades132_ns, "SignatureTimeStamp")) {
            std::string c14n =
                attribute(child(ts, k_dsig_ns, "CanonicalizationMethod"), "Algorithm");
            if (c14n.empty()) c14n = k_c14n10;
            for (xmlNode* et : children(ts, k_xades132_ns, "EncapsulatedTimeStamp")) {
                SignatureFacts t;
                t.type = EntryType::timestamp;
                t.is_timestamp = true;
                const auto der = base64_decode(text(et));
                try {
                    if (der.empty()) throw Error(Errc::malformed_input, tr("not base64"));
                    const core::Bytes value = canonicalize(m_doc, sv, c14n);
                    t = cms::token_facts(der, {.data = validation::DataObject::from_bytes(
                                                   "the canonicalised SignatureValue", value)});
                } catch (const Error& e) {
                    t.format_problem =
                        trf("the SignatureTimeStamp cannot be read: {0}", {e.what()});
                }
                // The signature's validation data serves its time-stamps too (EN 319 132-1
                // 5.5.2): the engine hands it to them.
                m_facts.timestamps.push_back(std::move(t));
            }
            if (m_facts.level == SignatureLevel::b_b) m_facts.level = SignatureLevel::b_t;
        }
    }

    // EN 319 132-1 5.5.2: each xadesv141:ArchiveTimeStamp, its imprint over the signature and
    // every unsigned property before it. The older xades:ArchiveTimeStamp (TS 101 903 1.3.2)
    // is named, not used.
    void read_archive_timestamps(xmlNode* usp) {
        const std::string why_not =
            m_document_missing
                ? tr("the archive time-stamp covers the detached document, which was not given")
                : tr("what the archive time-stamp covers cannot be computed: the signature's "
                     "references were not all processed");
        for (xmlNode* c = usp->children; c != nullptr; c = c->next) {
            if (is(c, k_xades141_ns, "ArchiveTimeStamp")) {
                auto facts =
                    archive_timestamp_facts(m_doc, m_sig, usp, c, m_reference_data, why_not);
                for (auto& f : facts) m_facts.archive_timestamps.push_back(std::move(f));
                m_facts.level = SignatureLevel::b_lta;
            } else if (is(c, k_xades132_ns, "ArchiveTimeStamp")) {
                raise_to_long_term();
                m_facts.notes.push_back(
                    {NoteCode::not_checked,
                     tr("its xades:ArchiveTimeStamp (the XAdES 1.3.2 form of TS 101 903) is not "
                        "verified by this version and was not used")});
            }
        }
    }

    // Unsigned properties this version knows by name but does not verify, named in one note.
    void name_unverified_properties(xmlNode* usp) {
        std::vector<std::string> unverified;
        for (xmlNode* c = usp->children; c != nullptr; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || c->ns == nullptr) continue;
            const std::string name(reinterpret_cast<const char*>(c->name));
            const bool v132 = xmlStrcmp(c->ns->href, BAD_CAST k_xades132_ns) == 0;
            const bool v141 = xmlStrcmp(c->ns->href, BAD_CAST k_xades141_ns) == 0;
            if (v132 && name == "CounterSignature") {
                m_facts.notes.push_back(
                    {NoteCode::not_checked,
                     tr("it carries a counter-signature, which is not verified by this version")});
            } else if (v141 && (name == "TimeStampValidationData" || name == "ArchiveTimeStamp")) {
                continue;  // read above
            } else if (v141 || (v132 && std::find(std::begin(k_long_term), std::end(k_long_term),
                                                  name) != std::end(k_long_term))) {
                raise_to_long_term();
                unverified.push_back(name);
            }
        }
        if (unverified.empty()) return;
        std::string list;
        for (const auto& n : unverified) list += (list.empty() ? "" : ", ") + n;
        m_facts.notes.push_back(
            {NoteCode::not_checked,
             trf("the unsigned properties {0} are not verified by this version and were not used",
                 {list})});
    }

    xmlDoc* m_doc;
    xmlNode* m_sig;
    const std::vector<std::string>& m_duplicates;
    const validation::DataObjects& m_objects;
    bool m_keep_reference_data = false;
    SignatureFacts m_facts;
    xmlNode* m_qp = nullptr;
    xmlNode* m_sp = nullptr;
    xmlNode* m_sdop = nullptr;
    std::vector<CertRef> m_cert_refs;
    DetachedData m_detached;
    bool m_unresolved = false;
    std::string m_data_problem;
    std::string m_broken_content;
    std::vector<std::string> m_not_baseline;
    std::string m_unsupported;
    std::vector<Resolved> m_resolved;              // the references that sign something
    std::vector<std::string> m_reference_digests;  // per reference; empty: unknown
    std::vector<core::Bytes> m_digested;           // what xmlsec1 digested, per reference
    std::size_t m_reference_count = 0;             // in SignedInfo
    std::vector<core::Bytes> m_reference_data;     // the digested octets, when kept
    bool m_document_missing = false;               // a detached document was not given
};

}  // namespace

// Counter-signatures and signatures inside time-stamp data are judged with their parent, if at
// all.
std::vector<xmlNode*> top_level_signatures(xmlNode* root) {
    std::vector<xmlNode*> out;
    std::vector<xmlNode*> stack{root};
    while (!stack.empty()) {
        xmlNode* n = stack.back();
        stack.pop_back();
        if (is(n, k_dsig_ns, "Signature")) {
            out.push_back(n);
            continue;
        }
        for (xmlNode* c = n->last; c != nullptr; c = c->prev) {
            if (c->type == XML_ELEMENT_NODE) stack.push_back(c);
        }
    }
    return out;
}

bool has_xml_signature(std::span<const unsigned char> bytes) {
    if (!looks_like_xml(bytes)) return false;
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return text.find(k_dsig_ns) != std::string_view::npos &&
           text.find("Signature") != std::string_view::npos;
}

namespace {

std::vector<Checked> check_all(xmlDoc* doc, const std::string& what,
                               const validation::DataObjects& objects, bool keep_reference_data) {
    const auto signatures = top_level_signatures(xmlDocGetRootElement(doc));
    if (signatures.empty())
        throw Error(Errc::malformed_input, trf("{0}: the XML holds no ds:Signature", {what}));
    const auto duplicates = register_ids(doc);
    std::vector<Checked> out;
    for (xmlNode* sig : signatures) {
        out.push_back(SignatureChecker(doc, sig, duplicates, objects, keep_reference_data).run());
    }
    return out;
}

}  // namespace

std::vector<CheckedSignature> check_signatures(xmlDoc* doc, const std::string& what,
                                               const validation::DataObjects& objects,
                                               bool keep_reference_data) {
    std::vector<CheckedSignature> out;
    for (auto& c : check_all(doc, what, objects, keep_reference_data))
        out.push_back(std::move(c.signature));
    return out;
}

XmlSignatures extract_facts(std::span<const unsigned char> bytes, const std::string& what,
                            const validation::DataObjects& objects) {
    // Shared: the embedded evidence records' `covered` reads the document later.
    const std::shared_ptr<xmlDoc> doc = parse(bytes, what);
    XmlSignatures out;
    out.format = FileFormat::xmldsig;
    for (auto& checked : check_all(doc.get(), what, objects, false)) {
        if (checked.xades) out.format = FileFormat::xades;
        find_embedded_records(doc, checked.signature, out.facts.size(), out.records);
        out.facts.push_back(std::move(checked.signature.facts));
    }
    return out;
}

std::vector<InspectField> inspect_xml(std::span<const unsigned char> bytes,
                                      const std::string& what) {
    Doc doc = parse(bytes, what);
    const auto signatures = top_level_signatures(xmlDocGetRootElement(doc.get()));
    if (signatures.empty())
        throw Error(Errc::malformed_input, trf("{0}: the XML holds no ds:Signature", {what}));
    std::vector<InspectField> out;
    for (xmlNode* sig : signatures) {
        InspectField s{"ds:Signature", attribute(sig, "Id"), {}};
        xmlNode* si = child(sig, k_dsig_ns, "SignedInfo");
        s.children.push_back(
            {"canonicalization",
             attribute(child(si, k_dsig_ns, "CanonicalizationMethod"), "Algorithm"),
             {}});
        s.children.push_back(
            {"signature method",
             signature_method_name(attribute(child(si, k_dsig_ns, "SignatureMethod"), "Algorithm")),
             {}});
        for (xmlNode* ref : children(si, k_dsig_ns, "Reference")) {
            InspectField r{
                "reference",
                has_attribute(ref, "URI") ? "URI \"" + attribute(ref, "URI") + "\"" : "(no URI)",
                {}};
            if (has_attribute(ref, "Type"))
                r.children.push_back({"type", attribute(ref, "Type"), {}});
            for (xmlNode* t : children(child(ref, k_dsig_ns, "Transforms"), k_dsig_ns, "Transform"))
                r.children.push_back({"transform", attribute(t, "Algorithm"), {}});
            const std::string alg = attribute(child(ref, k_dsig_ns, "DigestMethod"), "Algorithm");
            r.children.push_back({"digest",
                                  (digest_name(alg).empty() ? alg : digest_name(alg)) + " " +
                                      text(child(ref, k_dsig_ns, "DigestValue")),
                                  {}});
            s.children.push_back(std::move(r));
        }
        for (xmlNode* xd : children(child(sig, k_dsig_ns, "KeyInfo"), k_dsig_ns, "X509Data")) {
            for (xmlNode* xc : children(xd, k_dsig_ns, "X509Certificate")) {
                auto cert = decode_certificate(text(xc));
                s.children.push_back({"certificate",
                                      cert ? ossl::name_to_string(X509_get_subject_name(cert.get()))
                                           : std::string("(not a valid certificate)"),
                                      {}});
            }
            for (xmlNode* xc : children(xd, k_dsig_ns, "X509CRL")) {
                auto crl = decode_crl(text(xc));
                s.children.push_back({"CRL",
                                      crl ? ossl::name_to_string(X509_CRL_get_issuer(crl.get()))
                                          : std::string("(not a valid CRL)"),
                                      {}});
            }
        }
        for (xmlNode* obj : children(sig, k_dsig_ns, "Object")) {
            for (xmlNode* qp : children(obj, k_xades132_ns, "QualifyingProperties")) {
                InspectField q{
                    "xades:QualifyingProperties", "Target " + attribute(qp, "Target"), {}};
                xmlNode* sp = child(qp, k_xades132_ns, "SignedProperties");
                xmlNode* ssp = child(sp, k_xades132_ns, "SignedSignatureProperties");
                if (xmlNode* st = child(ssp, k_xades132_ns, "SigningTime"))
                    q.children.push_back({"SigningTime", text(st), {}});
                bool v1 = false;
                for (const auto& ref : signing_certificate_refs(ssp, v1)) {
                    q.children.push_back(
                        {v1 ? "SigningCertificate" : "SigningCertificateV2",
                         ref.digest + " " + ossl::to_hex(ref.value.data(), ref.value.size()),
                         {}});
                }
                for (xmlNode* dof : children(child(sp, k_xades132_ns, "SignedDataObjectProperties"),
                                             k_xades132_ns, "DataObjectFormat")) {
                    q.children.push_back({"DataObjectFormat",
                                          attribute(dof, "ObjectReference") + " " +
                                              text(child(dof, k_xades132_ns, "MimeType")),
                                          {}});
                }
                xmlNode* usp = child(child(qp, k_xades132_ns, "UnsignedProperties"), k_xades132_ns,
                                     "UnsignedSignatureProperties");
                for (xmlNode* c = usp ? usp->children : nullptr; c != nullptr; c = c->next) {
                    if (c->type == XML_ELEMENT_NODE)
                        q.children.push_back(
                            {"unsigned", reinterpret_cast<const char*>(c->name), {}});
                }
                s.children.push_back(std::move(q));
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace ltsign::xml
