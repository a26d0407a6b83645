// XAdES baseline B-B and B-T (ETSI EN 319 132-1 6.3, 5.3) in three packagings: enveloped (the
// signature becomes the last child of the XML document's root), enveloping (the document, base64,
// in a ds:Object of the signature) and detached (the signature names the file by URI).
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "cms/cades_timestamp.hpp"
#include "crypto/digests.hpp"
#include "crypto/signer_impl.hpp"
#include "crypto/signing.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::xml {
namespace {
namespace fs = std::filesystem;

constexpr const char* k_exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* k_enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* k_base64 = "http://www.w3.org/2000/09/xmldsig#base64";
constexpr const char* k_object_type = "http://www.w3.org/2000/09/xmldsig#Object";
// Enveloping keeps the whole document in memory (base64, then XML); beyond this, detached.
constexpr std::uintmax_t k_max_enveloping = 64ull << 20;

std::string mime_type(const fs::path& file) {
    static const std::pair<const char*, const char*> k_types[] = {
        {".xml", "text/xml"},
        {".pdf", "application/pdf"},
        {".txt", "text/plain"},
        {".tif", "image/tiff"},
        {".tiff", "image/tiff"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".json", "application/json"},
        {".odt", "application/vnd.oasis.opendocument.text"},
        {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    };
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [e, t] : k_types) {
        if (ext == e) return t;
    }
    return "application/octet-stream";
}

// RFC 3986: everything but the unreserved characters percent-encoded.
std::string uri_for(const std::string& name) {
    std::string out;
    for (unsigned char c : name) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789ABCDEF";
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

class Builder {
  public:
    explicit Builder(xmlDoc* doc) : m_doc(doc) {}

    xmlNode* signature(xmlNode* parent) {
        xmlNode* sig = made(xmlNewNode(nullptr, BAD_CAST "Signature"));
        m_ds = made(xmlNewNs(sig, BAD_CAST k_dsig_ns, BAD_CAST "ds"));
        xmlSetNs(sig, m_ds);
        if (parent == nullptr) {
            xmlDocSetRootElement(m_doc, sig);
        } else {
            made(xmlAddChild(parent, sig));
        }
        return sig;
    }
    xmlNode* ds(xmlNode* parent, const char* name, const std::string& content = "") {
        return made(xmlNewTextChild(parent, m_ds, BAD_CAST name,
                                    content.empty() ? nullptr : BAD_CAST content.c_str()));
    }
    xmlNode* xades(xmlNode* parent, const char* name, const std::string& content = "") {
        return made(xmlNewTextChild(parent, m_xades, BAD_CAST name,
                                    content.empty() ? nullptr : BAD_CAST content.c_str()));
    }
    void declare_xades(xmlNode* qp) {
        m_xades = made(xmlNewNs(qp, BAD_CAST k_xades132_ns, BAD_CAST "xades"));
        xmlSetNs(qp, m_xades);
    }
    static void set(xmlNode* n, const char* name, const std::string& value) {
        made(xmlNewProp(n, BAD_CAST name, BAD_CAST value.c_str()));
    }
    xmlNode* reference(xmlNode* signed_info, const std::string& id, const std::string& uri,
                       const std::string& type, const std::vector<const char*>& transforms,
                       const std::string& digest_uri) {
        xmlNode* ref = ds(signed_info, "Reference");
        if (!id.empty()) set(ref, "Id", id);
        if (!type.empty()) set(ref, "Type", type);
        set(ref, "URI", uri);
        if (!transforms.empty()) {
            xmlNode* ts = ds(ref, "Transforms");
            for (const char* t : transforms) set(ds(ts, "Transform"), "Algorithm", t);
        }
        set(ds(ref, "DigestMethod"), "Algorithm", digest_uri);
        ds(ref, "DigestValue");
        return ref;
    }

  private:
    xmlDoc* m_doc;
    xmlNs* m_ds = nullptr;
    xmlNs* m_xades = nullptr;
};

// EN 319 132-1 5.3: a xades:SignatureTimeStamp whose imprint is over the canonicalised
// ds:SignatureValue, appended to the UnsignedSignatureProperties (made when missing).
void add_signature_timestamp(xmlDoc* doc, xmlNode* sig, xmlNode* qp, const cms::TokenSource& tokens,
                             const EVP_MD* md) {
    xmlNode* sv = child(sig, k_dsig_ns, "SignatureValue");
    const core::Bytes value = canonicalize(doc, sv, k_exc_c14n);
    const core::Bytes token = tokens(md, crypto::digest_bytes(md, value));
    xmlNs* ds = xmlSearchNsByHref(doc, sig, BAD_CAST k_dsig_ns);
    xmlNs* xades = xmlSearchNsByHref(doc, qp, BAD_CAST k_xades132_ns);
    if (ds == nullptr || xades == nullptr)
        throw Error(Errc::internal, tr("the signature's namespaces are not in scope"));
    xmlNode* usp = unsigned_signature_properties(doc, qp);
    xmlNode* ts = made(xmlNewChild(usp, xades, BAD_CAST "SignatureTimeStamp", nullptr));
    made(xmlNewProp(ts, BAD_CAST "Id", BAD_CAST("TS-" + random_id()).c_str()));
    xmlNode* cm = made(xmlNewChild(ts, ds, BAD_CAST "CanonicalizationMethod", nullptr));
    made(xmlNewProp(cm, BAD_CAST "Algorithm", BAD_CAST k_exc_c14n));
    made(xmlNewTextChild(ts, xades, BAD_CAST "EncapsulatedTimeStamp",
                         BAD_CAST base64_encode(token).c_str()));
}

}  // namespace

std::string random_id() {
    std::array<unsigned char, 16> r{};
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1)
        throw Error(Errc::internal, tr("no randomness for the signature's identifiers"));
    return ossl::to_hex(r.data(), r.size());
}

xmlNode* qualifying_properties(xmlNode* sig) {
    std::vector<xmlNode*> found;
    for (xmlNode* obj : children(sig, k_dsig_ns, "Object")) {
        for (xmlNode* qp : children(obj, k_xades132_ns, "QualifyingProperties")) {
            if (attribute(qp, "Target") == "#" + attribute(sig, "Id")) return qp;
            found.push_back(qp);
        }
    }
    return found.size() == 1 ? found.front() : nullptr;
}

xmlNode* unsigned_signature_properties(xmlDoc* doc, xmlNode* qp) {
    xmlNode* up = child(qp, k_xades132_ns, "UnsignedProperties");
    xmlNode* usp = child(up, k_xades132_ns, "UnsignedSignatureProperties");
    if (usp != nullptr) return usp;
    xmlNs* xades = xmlSearchNsByHref(doc, qp, BAD_CAST k_xades132_ns);
    if (xades == nullptr) throw Error(Errc::internal, tr("the XAdES namespace is not in scope"));
    if (up == nullptr) up = made(xmlNewChild(qp, xades, BAD_CAST "UnsignedProperties", nullptr));
    // UnsignedSignatureProperties come before UnsignedDataObjectProperties.
    usp = made(xmlNewNode(xades, BAD_CAST "UnsignedSignatureProperties"));
    if (up->children != nullptr) {
        made(xmlAddPrevSibling(up->children, usp));
    } else {
        made(xmlAddChild(up, usp));
    }
    return usp;
}

core::Bytes extend_xades(std::span<const unsigned char> bytes, const std::string& what,
                         const cms::TokenSource& tokens) {
    const auto before = extract_facts(bytes, what, {});
    Doc doc = parse(bytes, what);
    int added = 0;
    for (xmlNode* sig : top_level_signatures(xmlDocGetRootElement(doc.get()))) {
        xmlNode* qp = qualifying_properties(sig);
        if (qp == nullptr) continue;  // plain XMLDSig has no place for a time-stamp
        xmlNode* usp = child(child(qp, k_xades132_ns, "UnsignedProperties"), k_xades132_ns,
                             "UnsignedSignatureProperties");
        if (child(usp, k_xades132_ns, "SignatureTimeStamp") != nullptr) continue;
        add_signature_timestamp(doc.get(), sig, qp, tokens, EVP_sha256());
        ++added;
    }
    if (added == 0) {
        throw Error(Errc::usage, trf("{0}: every XAdES signature in it already has a signature "
                                     "time-stamp (level T), or it has none to extend",
                                     {what}));
    }
    const core::Bytes out = serialize(doc.get(), false);
    const auto after = extract_facts(out, what, {});
    for (std::size_t i = 0; i < before.facts.size(); ++i) {
        const auto& b = before.facts[i];
        const auto& a = after.facts.at(i);
        if (a.format_problem.has_value() != b.format_problem.has_value() ||
            a.signature_value.status != b.signature_value.status ||
            a.data_digest.status != b.data_digest.status) {
            throw Error(
                Errc::malformed_input,
                trf("{0}: extending would change how the signature verifies; left unchanged",
                    {what}));
        }
    }
    return out;
}

namespace {

// What XAdES can make with this key and digest: the SignatureMethod and DigestMethod URIs.
// Error(usage) for what it cannot (RSASSA-PSS, SHA-1, SHA-3, other key types).
std::pair<std::string, std::string> signing_methods(const Signer& signer,
                                                    const SignOptions& options,
                                                    const cms::TokenSource& tokens) {
    if (options.level == Level::t && !tokens)
        throw Error(Errc::usage, tr("level T needs a time-stamping authority"), Remedy::tsa);
    if (options.rsa_padding == RsaPadding::pss) {
        throw Error(Errc::usage,
                    tr("XAdES signatures are made with RSA PKCS#1 v1.5 or ECDSA; RSASSA-PSS is "
                       "available for CAdES only"),
                    Remedy::rsa_padding);
    }
    // SHA-1 and SHA-3 have no signature method here (signature_method_uri says nullopt).
    const std::string digest = crypto::digest_name(crypto::evp_md(options.digest));
    const auto method =
        signature_method_uri(X509_get0_pubkey(detail::impl(signer).cert.get()), digest);
    if (!method) {
        throw Error(Errc::usage,
                    trf("XAdES signatures need an RSA or EC key and the digest sha256, sha384 or "
                        "sha512 (this key is {0})",
                        {signer.key_description()}),
                    Remedy::digest);
    }
    return {*method, *digest_method_uri(digest)};
}

// The document the signature goes into (enveloped: the signed XML itself; otherwise a new one)
// and, for enveloped and enveloping signatures, the signed content.
struct Target {
    Doc doc;
    xmlNode* parent = nullptr;
    core::Bytes content;
};

Target prepare_target(const fs::path& file, Packaging packaging) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(Errc::input_missing, trf("{0}: no such file; check the path", {file.string()}));
    Target t;
    if (packaging == Packaging::enveloped) {
        t.content = core::read_file(file, core::k_max_signature_file);
        if (!looks_like_xml(t.content)) {
            throw Error(Errc::usage,
                        trf("{0}: enveloped signatures need an XML document; other files are "
                            "signed enveloping or detached",
                            {file.string()}),
                        Remedy::packaging);
        }
        try {
            t.doc = parse(t.content, file.string());
        } catch (const Error& e) {
            throw Error(Errc::malformed_input,
                        trf("{0}; sign it detached or enveloping instead", {std::string(e.what())}),
                        Remedy::packaging);
        }
        t.parent = xmlDocGetRootElement(t.doc.get());
        return t;
    }
    t.doc.reset(made(xmlNewDoc(BAD_CAST "1.0")));
    if (packaging == Packaging::enveloping) {
        if (fs::file_size(file, ec) > k_max_enveloping) {
            throw Error(Errc::usage,
                        trf("{0}: larger than 64 MiB; enveloping keeps the whole document in the "
                            "signature, sign it detached",
                            {file.string()}),
                        Remedy::packaging);
        }
        t.content = core::read_file(file, k_max_enveloping);
    }
    return t;
}

// A document a detached reference signs: its URI, its media type, and its content.
struct DetachedDocument {
    std::string uri;
    std::string mime_type;
    validation::DataObject object;
};

// EN 319 132-1 5.2: the signed properties of a baseline signature (SigningTime,
// SigningCertificateV2, one DataObjectFormat per signed document: (reference Id, media type)) in
// a QualifyingProperties targeting `sig`.
xmlNode* add_qualifying_properties(Builder& b, xmlNode* sig, const std::string& sig_id,
                                   const std::string& sp_id,
                                   const std::vector<std::pair<std::string, std::string>>& formats,
                                   TimePoint when, const core::Bytes& signer_der, const EVP_MD* md,
                                   const std::string& digest_uri) {
    xmlNode* qp =
        made(xmlNewChild(b.ds(sig, "Object"), nullptr, BAD_CAST "QualifyingProperties", nullptr));
    b.declare_xades(qp);
    Builder::set(qp, "Target", "#" + sig_id);
    xmlNode* sp = b.xades(qp, "SignedProperties");
    Builder::set(sp, "Id", sp_id);
    xmlNode* ssp = b.xades(sp, "SignedSignatureProperties");
    b.xades(ssp, "SigningTime", format_rfc3339(when));
    xmlNode* cd = b.xades(b.xades(b.xades(ssp, "SigningCertificateV2"), "Cert"), "CertDigest");
    Builder::set(b.ds(cd, "DigestMethod"), "Algorithm", digest_uri);
    b.ds(cd, "DigestValue", base64_encode(crypto::digest_bytes(md, signer_der)));
    xmlNode* sdop = b.xades(sp, "SignedDataObjectProperties");
    for (const auto& [ref_id, mime] : formats) {
        xmlNode* dof = b.xades(sdop, "DataObjectFormat");
        Builder::set(dof, "ObjectReference", "#" + ref_id);
        b.xades(dof, "MimeType", mime);
    }
    return qp;
}

// What ltsign writes, ltsign must verify: the result is checked before anyone sees it.
void check_new_signature(const core::Bytes& out, const validation::DataObjects& documents) {
    const auto check = extract_facts(out, "the new signature", documents);
    const auto& f = check.facts.back();  // ours is the root's last child
    if (f.format_problem || f.data_digest.status != validation::Check::passed ||
        f.signature_value.status != validation::Check::passed) {
        throw Error(
            Errc::internal,
            trf("the new XAdES signature does not verify: {0}",
                {f.format_problem.value_or(f.data_digest.detail + f.signature_value.detail)}));
    }
}

// The signature's parts in `target`, unsigned: one reference per detached document (or the
// enveloped or enveloping one), the signed properties, the KeyInfo.
struct Template {
    xmlNode* signature = nullptr;
    DetachedData detached;
    validation::DataObjects objects;
};
Template build_template(Target& target, const std::vector<DetachedDocument>& documents,
                        const std::string& content_mime, const Signer& signer,
                        const SignOptions& options, const std::string& method,
                        const std::string& digest_uri) {
    const TimePoint when = options.signing_time.value_or(now_utc());
    const auto& identity = detail::impl(signer);
    const std::string id = random_id();
    const std::string sig_id = "id-" + id, sp_id = "xades-id-" + id;
    Builder b(target.doc.get());
    Template t;
    xmlNode* sig = t.signature = b.signature(target.parent);
    Builder::set(sig, "Id", sig_id);
    xmlNode* si = b.ds(sig, "SignedInfo");
    Builder::set(b.ds(si, "CanonicalizationMethod"), "Algorithm", k_exc_c14n);
    Builder::set(b.ds(si, "SignatureMethod"), "Algorithm", method);
    std::vector<std::pair<std::string, std::string>> formats;
    const std::string object_id = "o-id-" + id + "-1";
    if (documents.empty()) {
        formats.emplace_back("r-id-" + id + "-1", content_mime);
        if (options.packaging == Packaging::enveloped) {
            b.reference(si, formats.back().first, "", "", {k_enveloped, k_exc_c14n}, digest_uri);
        } else {
            b.reference(si, formats.back().first, "#" + object_id, k_object_type, {k_base64},
                        digest_uri);
        }
    }
    for (const auto& d : documents) {
        formats.emplace_back("r-id-" + id + "-" + std::to_string(formats.size() + 1), d.mime_type);
        t.detached.emplace(d.uri, d.object);
        t.objects.push_back(d.object);
        b.reference(si, formats.back().first, d.uri, "", {}, digest_uri);
    }
    b.reference(si, "", "#" + sp_id, k_signed_properties_type, {k_exc_c14n}, digest_uri);
    Builder::set(b.ds(sig, "SignatureValue"), "Id", "value-" + sig_id);
    xmlNode* x509 = b.ds(b.ds(sig, "KeyInfo"), "X509Data");
    const core::Bytes signer_der = ossl::to_der(identity.cert.get());
    b.ds(x509, "X509Certificate", base64_encode(signer_der));
    for (const auto& c : identity.chain)
        b.ds(x509, "X509Certificate", base64_encode(ossl::to_der(c.get())));
    add_qualifying_properties(b, sig, sig_id, sp_id, formats, when, signer_der,
                              crypto::evp_md(options.digest), digest_uri);
    if (documents.empty() && options.packaging == Packaging::enveloping) {
        xmlNode* obj = b.ds(sig, "Object", base64_encode(target.content));
        Builder::set(obj, "Id", object_id);
        Builder::set(obj, "Encoding", k_base64);
        Builder::set(obj, "MimeType", content_mime);
    }
    register_ids(target.doc.get());
    return t;
}

// XMLDSig 3.1.2: what the signature value signs, the SignedInfo canonicalised with its
// CanonicalizationMethod (always exclusive c14n in what ltsign writes).
core::Bytes signed_info_c14n(xmlDoc* doc, xmlNode* sig) {
    xmlNode* si = child(sig, k_dsig_ns, "SignedInfo");
    xmlNode* cm = child(si, k_dsig_ns, "CanonicalizationMethod");
    if (si == nullptr || attribute(cm, "Algorithm") != k_exc_c14n)
        throw Error(Errc::malformed_input,
                    tr("the prepared signature has no SignedInfo ltsign wrote"));
    return canonicalize(doc, si, k_exc_c14n);
}

// The template signed as far as xmlsec1 goes without the key: the reference digests, computed
// by xmlsec1 itself with a placeholder key whose value is thrown away. What the key signs is the
// canonical SignedInfo.
core::Bytes digest_references(xmlDoc* doc, Template& t, const Signer& signer) {
    sign_core(t.signature, crypto::placeholder_key(detail::impl(signer).cert.get()), t.detached);
    xmlNodeSetContent(child(t.signature, k_dsig_ns, "SignatureValue"), nullptr);
    return signed_info_c14n(doc, t.signature);
}

// The first KeyInfo certificate: the signer's in what ltsign writes.
ossl::Ptr<X509> signer_certificate(xmlNode* sig) {
    xmlNode* xd = child(child(sig, k_dsig_ns, "KeyInfo"), k_dsig_ns, "X509Data");
    xmlNode* xc = child(xd, k_dsig_ns, "X509Certificate");
    const auto der = base64_decode(text(xc));
    const unsigned char* p = der.data();
    ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) ossl::fail(Errc::malformed_input, tr("the prepared signature names no certificate"));
    return cert;
}

// The value checked against the signer's certificate over the canonical SignedInfo, then put in
// (ECDSA as r and s, XMLDSig 1.1 6.4.3); the time-stamp at B-T; the result serialised.
core::Bytes complete_value(xmlDoc* doc, xmlNode* sig, std::span<const unsigned char> value,
                           const SignOptions& options, const cms::TokenSource& tokens) {
    const auto cert = signer_certificate(sig);
    // The digest the SignatureMethod names ("rsa-sha256"), as every verifier will read it.
    const std::string method = signature_method_name(attribute(
        child(child(sig, k_dsig_ns, "SignedInfo"), k_dsig_ns, "SignatureMethod"), "Algorithm"));
    const auto digest = digest_from_string(method.substr(method.rfind('-') + 1));
    if (method.find('-') == std::string::npos || !digest)
        throw Error(Errc::malformed_input,
                    tr("the prepared signature names no method ltsign makes"));
    const EVP_MD* md = crypto::evp_md(*digest);
    if (!crypto::value_matches(cert.get(), signed_info_c14n(doc, sig), value, md,
                               RsaPadding::pkcs1_v15)) {
        throw Error(Errc::key_refused,
                    trf("the signature value does not match: it was not made over this SignedInfo "
                        "with the key of {0}",
                        {ossl::name_to_string(X509_get_subject_name(cert.get()))}));
    }
    const core::Bytes raw = crypto::ecdsa_as(cert.get(), value, crypto::EcdsaEncoding::raw);
    xmlNode* sv = child(sig, k_dsig_ns, "SignatureValue");
    xmlNodeSetContent(sv, BAD_CAST base64_encode(raw).c_str());  // base64 needs no escaping
    if (options.level == Level::t) {
        if (!tokens)
            throw Error(Errc::usage, tr("level T needs a time-stamping authority"), Remedy::tsa);
        add_signature_timestamp(doc, sig, qualifying_properties(sig), tokens, md);
    }
    return serialize(doc, false);
}

// Prepare, sign with the signer's key, complete: the path every XAdES signature takes.
core::Bytes make_signature(Target& target, const std::vector<DetachedDocument>& documents,
                           const std::string& content_mime, const Signer& signer,
                           const SignOptions& options, const cms::TokenSource& tokens) {
    signer.check_usable_at(options.signing_time.value_or(now_utc()));
    const auto [method, digest_uri] = signing_methods(signer, options, tokens);
    Template t =
        build_template(target, documents, content_mime, signer, options, method, digest_uri);
    const core::Bytes tbs = digest_references(target.doc.get(), t, signer);
    const core::Bytes value =
        crypto::sign_with_key(detail::impl(signer), tbs, crypto::evp_md(options.digest),
                              RsaPadding::pkcs1_v15, crypto::EcdsaEncoding::raw);
    const core::Bytes out = complete_value(target.doc.get(), t.signature, value, options, tokens);
    check_new_signature(out, t.objects);
    return out;
}

// RFC 3986 for a container entry's path: each segment as uri_for does it, '/' between them.
std::string entry_uri(const std::string& name) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t slash; (slash = name.find('/', start)) != std::string::npos;
         start = slash + 1) {
        out += uri_for(name.substr(start, slash - start)) + "/";
    }
    return out + uri_for(name.substr(start));
}

}  // namespace

core::Bytes sign_xades(const fs::path& file, const Signer& signer, const SignOptions& options,
                       const cms::TokenSource& tokens) {
    Target target = prepare_target(file, options.packaging);
    std::vector<DetachedDocument> documents;
    if (options.packaging == Packaging::detached) {
        documents.push_back({uri_for(file.filename().string()), mime_type(file),
                             validation::DataObject::from_file(file)});
    }
    return make_signature(target, documents, mime_type(file), signer, options, tokens);
}

UnsignedXades prepare_xades(const fs::path& file, const Signer& signer,
                            const SignOptions& options) {
    signer.check_usable_at(options.signing_time.value_or(now_utc()));
    SignOptions b = options;
    b.level = Level::b;  // a time-stamp comes after the value, at completion
    const auto [method, digest_uri] = signing_methods(signer, b, {});
    Target target = prepare_target(file, options.packaging);
    std::vector<DetachedDocument> documents;
    if (options.packaging == Packaging::detached) {
        documents.push_back({uri_for(file.filename().string()), mime_type(file),
                             validation::DataObject::from_file(file)});
    }
    Template t = build_template(target, documents, mime_type(file), signer, b, method, digest_uri);
    UnsignedXades out;
    out.to_be_signed = digest_references(target.doc.get(), t, signer);
    out.signature = serialize(target.doc.get(), false);
    return out;
}

namespace {

// The prepared document parsed, its IDs registered, and its signature: the last top-level one
// (the root's last child when enveloped).
std::pair<Doc, xmlNode*> parse_prepared(std::span<const unsigned char> prepared,
                                        const std::string& what) {
    Doc doc = parse(prepared, what);
    register_ids(doc.get());
    const auto sigs = top_level_signatures(xmlDocGetRootElement(doc.get()));
    if (sigs.empty()) throw Error(Errc::malformed_input, trf("{0}: holds no signature", {what}));
    xmlNode* sig = sigs.back();
    return {std::move(doc), sig};
}

}  // namespace

core::Bytes prepared_xades_to_be_signed(std::span<const unsigned char> prepared,
                                        const std::string& what, std::string& cert_sha256) {
    auto [doc, sig] = parse_prepared(prepared, what);
    cert_sha256 = ossl::sha256_hex(signer_certificate(sig).get());
    return signed_info_c14n(doc.get(), sig);
}

core::Bytes complete_xades(std::span<const unsigned char> prepared,
                           std::span<const unsigned char> value, const SignOptions& options,
                           const cms::TokenSource& tokens,
                           const std::optional<validation::DataObjects>& documents,
                           const std::vector<core::Bytes>& chain) {
    auto [doc, sig] = parse_prepared(prepared, "the prepared signature");
    // KeyInfo is not signed (no reference names it): the chain can join it now.
    xmlNode* x509 = child(child(sig, k_dsig_ns, "KeyInfo"), k_dsig_ns, "X509Data");
    std::set<std::string> present;
    for (xmlNode* xc : children(x509, k_dsig_ns, "X509Certificate")) present.insert(text(xc));
    xmlNs* ds = xmlSearchNsByHref(doc.get(), sig, BAD_CAST k_dsig_ns);
    for (const auto& der : chain) {
        const std::string b64 = base64_encode(der);
        if (x509 != nullptr && present.insert(b64).second)
            made(xmlNewTextChild(x509, ds, BAD_CAST "X509Certificate", BAD_CAST b64.c_str()));
    }
    const core::Bytes out = complete_value(doc.get(), sig, value, options, tokens);
    if (documents) check_new_signature(out, *documents);
    return out;
}

namespace {

// An asic:XAdESSignatures document and one detached document per container entry.
Target asic_target(const validation::DataObjects& entries,
                   std::vector<DetachedDocument>& documents) {
    Target target;
    target.doc.reset(made(xmlNewDoc(BAD_CAST "1.0")));
    target.parent = made(xmlNewNode(nullptr, BAD_CAST "XAdESSignatures"));
    xmlSetNs(target.parent, made(xmlNewNs(target.parent, BAD_CAST k_asic_ns, BAD_CAST "asic")));
    xmlDocSetRootElement(target.doc.get(), target.parent);
    for (const auto& e : entries)
        documents.push_back({entry_uri(e.name()), mime_type(e.name()), e});
    return target;
}

}  // namespace

core::Bytes sign_xades_entries(const validation::DataObjects& entries, const Signer& signer,
                               const SignOptions& options, const cms::TokenSource& tokens) {
    std::vector<DetachedDocument> documents;
    Target target = asic_target(entries, documents);
    return make_signature(target, documents, "", signer, options, tokens);
}

UnsignedXades prepare_xades_entries(const validation::DataObjects& entries, const Signer& signer,
                                    const SignOptions& options) {
    signer.check_usable_at(options.signing_time.value_or(now_utc()));
    const auto [method, digest_uri] = signing_methods(signer, options, {});
    std::vector<DetachedDocument> documents;
    Target target = asic_target(entries, documents);
    Template t = build_template(target, documents, "", signer, options, method, digest_uri);
    UnsignedXades out;
    out.to_be_signed = digest_references(target.doc.get(), t, signer);
    out.signature = serialize(target.doc.get(), false);
    return out;
}

}  // namespace ltsign::xml
