#include "xml/xmldsig.hpp"

#include <libxml/uri.h>
#include <libxml/valid.h>
#include <libxml/xpathInternals.h>
#include <libxml/xpointer.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/parser.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include <cstdio>
#include <memory>
#include <mutex>

#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
#include "xml/xml_doc.hpp"

// One free function per xmlsec1 type (core::Ptr; the libxml2 ones are in xml/xml_doc.hpp).
LTSIGN_C_FREE(xmlSecDSigCtx, xmlSecDSigCtxDestroy);
LTSIGN_C_FREE(xmlSecKey, xmlSecKeyDestroy);
LTSIGN_C_FREE(xmlSecKeyData, xmlSecKeyDataDestroy);

namespace ltsign::xml {
namespace {

// xmlsec reports through one process-wide callback; each thread keeps its first message.
thread_local std::string t_error;
// The detached documents the current verification or signing may read, per thread.
thread_local const DetachedData* t_detached = nullptr;

void collect_error(const char*, int, const char*, const char* object, const char* subject,
                   int reason, const char* msg) noexcept {
    if (!t_error.empty()) return;
    try {
        std::string m;
        if (msg != nullptr && *msg != '\0') m = msg;
        if (subject != nullptr && *subject != '\0')
            m += (m.empty() ? "" : " ") + std::string("(") + subject + ")";
        if (m.empty()) m = xmlSecErrorsGetMsg(static_cast<std::size_t>(reason));
        if (object != nullptr && *object != '\0') m = std::string(object) + ": " + m;
        t_error = m;
    } catch (...) {
    }
}

const validation::DataObject* detached_object(const char* uri) noexcept {
    if (t_detached == nullptr || uri == nullptr) return nullptr;
    try {
        if (auto it = t_detached->find(uri); it != t_detached->end()) return &it->second;
        // libxml2 allocated it (xmlFree), though it is typed char.
        const Ptr<xmlChar> plain(reinterpret_cast<xmlChar*>(xmlURIUnescapeString(uri, 0, nullptr)));
        if (plain) {
            const std::string name(reinterpret_cast<const char*>(plain.get()));
            if (auto it = t_detached->find(name); it != t_detached->end()) return &it->second;
        }
    } catch (...) {
    }
    return nullptr;
}

// The only input callbacks xmlsec has: they answer the detached documents of the current
// operation and nothing else, so a reference can never make ltsign read a file or a URL.
int io_match(const char* uri) noexcept {
    return detached_object(uri) != nullptr ? 1 : 0;
}
void* io_open(const char* uri) noexcept {
    const auto* object = detached_object(uri);
    if (object == nullptr) return nullptr;
    try {
        return object->open().release();
    } catch (...) {
        return nullptr;
    }
}
int io_read(void* context, char* buffer, int len) noexcept {
    try {
        return static_cast<int>(static_cast<core::Reader*>(context)->read(
            {reinterpret_cast<unsigned char*>(buffer), static_cast<std::size_t>(len)}));
    } catch (...) {
        return -1;  // a read error or an entry that breaks its container: the reference fails
    }
}
int io_close(void* context) noexcept {
    const std::unique_ptr<core::Reader> reader(static_cast<core::Reader*>(context));
    return 0;
}

void init() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(nullptr) < 0 ||
            xmlSecCryptoInit() < 0) {
            throw Error(Errc::internal, tr("xmlsec1 cannot be initialised"));
        }
        xmlSecErrorsSetCallback(collect_error);  // these three are void: they only store
        // xmlsec parses detached XML itself when a reference's transforms need a node set; its
        // default includes XML_PARSE_HUGE, which lifts libxml2's depth and size limits. Keep the
        // limits, no network, no DTD loading, no entity substitution.
        xmlSecParserSetDefaultOptions(XML_PARSE_NONET | XML_PARSE_NODICT);
        xmlSecIOCleanupCallbacks();
        if (xmlSecIORegisterCallbacks(io_match, io_open, io_read, io_close) < 0)
            throw Error(Errc::internal, tr("xmlsec1 input callbacks cannot be registered"));
    });
}

using Ctx = Ptr<xmlSecDSigCtx>;

// Transforms and algorithms a signature may use. XSLT (which can read and write files) and the
// rest of xmlsec's list are not among them.
Ctx locked_down_context() {
    Ctx ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx) throw Error(Errc::internal, tr("xmlsec1: out of memory"));
    const xmlSecTransformId c14n[] = {
        xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId,
        xmlSecTransformExclC14NId,   xmlSecTransformExclC14NWithCommentsId,
    };
    const xmlSecTransformId digests[] = {
        xmlSecTransformSha1Id,   xmlSecTransformSha224Id, xmlSecTransformSha256Id,
        xmlSecTransformSha384Id, xmlSecTransformSha512Id,
    };
    const xmlSecTransformId methods[] = {
        xmlSecTransformRsaSha1Id,
        xmlSecTransformRsaSha224Id,
        xmlSecTransformRsaSha256Id,
        xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id,
        xmlSecTransformEcdsaSha1Id,
        xmlSecTransformEcdsaSha224Id,
        xmlSecTransformEcdsaSha256Id,
        xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id,
        // Archives hold signatures from the 2000s: DSA is verified, and the policy (TS 119 312)
        // judges it and its digest at the proof of existence, as any other algorithm.
        xmlSecTransformDsaSha1Id,
        xmlSecTransformDsaSha256Id,
    };
    const xmlSecTransformId reference_only[] = {
        xmlSecTransformEnvelopedId, xmlSecTransformBase64Id,   xmlSecTransformXPathId,
        xmlSecTransformXPath2Id,    xmlSecTransformXPointerId,
    };
    bool ok = true;
    for (auto id : c14n) {
        ok = ok && xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id) >= 0 &&
             xmlSecDSigCtxEnableSignatureTransform(ctx.get(), id) >= 0;
    }
    for (auto id : digests) ok = ok && xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id) >= 0;
    for (auto id : methods) ok = ok && xmlSecDSigCtxEnableSignatureTransform(ctx.get(), id) >= 0;
    for (auto id : reference_only)
        ok = ok && xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id) >= 0;
    if (!ok) throw Error(Errc::internal, tr("xmlsec1: cannot restrict the transforms"));
    ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
        xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument |
        xmlSecTransformUriTypeLocal | xmlSecTransformUriTypeRemote);
    // Manifests are application territory (EN 319 132-1 does not make them signed data); their
    // references are not followed.
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    return ctx;
}

// An xmlsec key holding `pkey` (reference taken).
Ptr<xmlSecKey> make_key(EVP_PKEY* pkey) {
    if (pkey == nullptr || EVP_PKEY_up_ref(pkey) != 1)
        throw Error(Errc::internal, tr("xmlsec1: no key"));
    ossl::Ptr<EVP_PKEY> reference(pkey);
    Ptr<xmlSecKeyData> data(xmlSecOpenSSLEvpKeyAdopt(reference.get()));
    if (!data) throw Error(Errc::internal, tr("xmlsec1 cannot use this key type"));
    static_cast<void>(reference.release());  // the key data's now
    Ptr<xmlSecKey> key(xmlSecKeyCreate());
    if (!key || xmlSecKeySetValue(key.get(), data.get()) < 0)
        throw Error(Errc::internal, tr("xmlsec1: cannot create the key"));
    static_cast<void>(data.release());  // the key's now
    return key;
}

struct Scope {
    explicit Scope(const DetachedData& d) {
        t_error.clear();
        t_detached = &d;
    }
    ~Scope() { t_detached = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
};

std::string xmlsec_message(const char* fallback) {
    return t_error.empty() ? fallback : t_error;
}

}  // namespace

CoreResult verify_core(xmlNode* signature, X509* cert, const DetachedData& detached, bool keep_data,
                       bool digest_detached) {
    init();
    Scope scope(detached);
    Ctx ctx = locked_down_context();
    CoreResult r;
    ossl::Ptr<EVP_PKEY> pub(X509_get_pubkey(cert));
    ossl::clear_errors();
    if (!pub) {
        r.detail = tr("the signing certificate's public key cannot be decoded");
        return r;
    }
    try {
        ctx->signKey = make_key(pub.get()).release();  // the context's now
    } catch (const Error&) {
        r.detail = tr("the signing certificate's key type cannot be used for XML signatures");
        return r;
    }
    // Keep what each reference digested, to judge what its transforms selected (the caller has
    // bounded how much the references digest in all). Detached documents (files, container
    // entries: gigabytes at times) are then held whole by xmlsec1, so they are streamed instead
    // unless the caller needs their octets (an archive time-stamp); what a detached reference's
    // transforms select is then reported as not evaluated.
    if (detached.empty() || keep_data || digest_detached)
        ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES;
    const int rc = xmlSecDSigCtxVerify(ctx.get(), signature);
    for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); ++i) {
        auto* ref = static_cast<xmlSecDSigReferenceCtx*>(
            xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
        xmlSecBufferPtr b =
            ref != nullptr ? xmlSecDSigReferenceCtxGetPreDigestBuffer(ref) : nullptr;
        if (b == nullptr || ref->status != xmlSecDSigStatusSucceeded) break;
        const std::span<const xmlSecByte> data(xmlSecBufferGetData(b), xmlSecBufferGetSize(b));
        r.digested.push_back(crypto::digest_bytes(EVP_sha256(), data));
        if (keep_data) r.data.emplace_back(data.begin(), data.end());
    }
    if (rc < 0) {
        r.status = CoreResult::Status::error;
        r.detail = xmlsec_message(tr("the signature cannot be processed").c_str());
        return r;
    }
    if (ctx->status == xmlSecDSigStatusSucceeded) {
        r.status = CoreResult::Status::valid;
        return r;
    }
    const xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    for (xmlSecSize i = 0; i < n; ++i) {
        auto* ref = static_cast<xmlSecDSigReferenceCtx*>(
            xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
        if (ref != nullptr && ref->status != xmlSecDSigStatusSucceeded) {
            r.status = CoreResult::Status::reference_failed;
            r.detail =
                trf("the digest of reference {0} (URI \"{1}\") does not match what it points at",
                    {std::to_string(i + 1),
                     (ref->uri != nullptr ? reinterpret_cast<const char*>(ref->uri) : "")});
            return r;
        }
    }
    r.status = CoreResult::Status::signature_failed;
    r.detail = tr("the SignatureValue does not verify over SignedInfo");
    return r;
}

void sign_core(xmlNode* signature, EVP_PKEY* key, const DetachedData& detached) {
    init();
    Scope scope(detached);
    Ctx ctx = locked_down_context();
    ctx->signKey = make_key(key).release();  // the context's now
    if (xmlSecDSigCtxSign(ctx.get(), signature) < 0 || ctx->status != xmlSecDSigStatusSucceeded)
        throw Error(Errc::internal,
                    trf("XML signing failed: {0}", {xmlsec_message(tr("xmlsec1 error").c_str())}));
}

std::vector<std::string> register_ids(xmlDoc* doc) {
    std::map<std::string, std::vector<xmlAttr*>> seen;
    std::vector<xmlNode*> stack{xmlDocGetRootElement(doc)};
    while (!stack.empty()) {
        xmlNode* n = stack.back();
        stack.pop_back();
        if (n == nullptr || n->type != XML_ELEMENT_NODE) continue;
        for (xmlAttr* a = n->properties; a != nullptr; a = a->next) {
            const std::string name(reinterpret_cast<const char*>(a->name));
            // xml:id is registered by libxml2 itself; it counts towards duplicates all the same.
            const bool xml_id =
                a->ns != nullptr && name == "id" && xmlStrcmp(a->ns->href, XML_XML_NAMESPACE) == 0;
            if (!xml_id && (a->ns != nullptr || (name != "Id" && name != "ID" && name != "id")))
                continue;
            const Ptr<xmlChar> v(xmlNodeListGetString(doc, a->children, 1));
            if (v) seen[reinterpret_cast<const char*>(v.get())].push_back(a);
        }
        for (xmlNode* c = n->children; c != nullptr; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) stack.push_back(c);
        }
    }
    std::vector<std::string> duplicates;
    for (const auto& [value, attrs] : seen) {
        if (attrs.size() > 1) {
            duplicates.push_back(value);
            continue;
        }
        if (xmlGetID(doc, BAD_CAST value.c_str()) == nullptr &&
            xmlAddID(nullptr, doc, BAD_CAST value.c_str(), attrs.front()) == nullptr) {
            throw Error(Errc::internal, trf("cannot register the XML ID {0}", {value}));
        }
    }
    return duplicates;
}

xmlNode* element_by_id(xmlDoc* doc, const std::string& id) {
    xmlAttr* a = xmlGetID(doc, BAD_CAST id.c_str());
    return a == nullptr ? nullptr : a->parent;
}

namespace {

// XMLDSig 6.6.3 here(), as xmlsec1 defines it: a node-set holding the node the expression
// belongs to.
void here_function(xmlXPathParserContextPtr ctxt, int nargs) noexcept {
    CHECK_ARITY(0);
    if (ctxt->context == nullptr || ctxt->context->here == nullptr) {
        XP_ERROR(XPTR_SYNTAX_ERROR);
    }
    valuePush(ctxt, xmlXPathNewNodeSet(ctxt->context->here));
}

}  // namespace

Fragment resolve_fragment(xmlDoc* doc, xmlNode* reference, const std::string& uri) {
    Fragment out;
    if (uri.size() < 2 || uri[0] != '#') return out;
    // xmlsec1 1.2 transforms.c, xmlSecTransformCtxSetUri: the xpointer() and xmlns() schemes are
    // evaluated as written; any other fragment is a bare name, wrapped as xpointer(id('...')).
    std::string expr = uri.substr(1);
    if (expr.rfind("xpointer(", 0) != 0 && expr.rfind("xmlns(", 0) != 0)
        expr = "xpointer(id('" + expr + "'))";
    init();
    const Ptr<xmlXPathContext> ctx(xmlXPtrNewContext(doc, nullptr, nullptr));
    if (!ctx) throw Error(Errc::internal, tr("out of memory"));
    for (xmlNode* cur = reference; cur != nullptr && cur->type == XML_ELEMENT_NODE;
         cur = cur->parent) {
        for (xmlNs* ns = cur->nsDef; ns != nullptr; ns = ns->next) {
            if (ns->prefix != nullptr && xmlXPathNsLookup(ctx.get(), ns->prefix) == nullptr &&
                xmlXPathRegisterNs(ctx.get(), ns->prefix, ns->href) != 0) {
                throw Error(Errc::internal, tr("out of memory"));
            }
        }
    }
    // Refused (-1) where libxml2's XPointer context already defines here() (2.9 does, reading
    // the same ctx->here): either way the expression has its here().
    static_cast<void>(xmlXPathRegisterFunc(ctx.get(), BAD_CAST "here", here_function));
    ctx->here = reference;
    ctx->xptr = 1;
    // An expression XPointer cannot evaluate is an answer here, not something to print.
    ctx->error = [](void*, xmlErrorPtr) {};
    const Ptr<xmlXPathObject> result(xmlXPtrEval(BAD_CAST expr.c_str(), ctx.get()));
    if (!result) return out;
    if (result->type != XPATH_NODESET) {
        out.kind = Fragment::Kind::other;
        return out;
    }
    xmlNodeSet* nodes = result->nodesetval;
    out.count = nodes == nullptr ? 0 : static_cast<std::size_t>(nodes->nodeNr);
    if (out.count == 0) {
        out.kind = Fragment::Kind::none;
    } else if (out.count > 1) {
        out.kind = Fragment::Kind::other;
    } else if (nodes->nodeTab[0]->type == XML_ELEMENT_NODE) {
        out.kind = Fragment::Kind::element;
        out.element = nodes->nodeTab[0];
    } else if (nodes->nodeTab[0]->type == XML_DOCUMENT_NODE) {
        out.kind = Fragment::Kind::document;
    } else {
        out.kind = Fragment::Kind::other;
    }
    return out;
}

namespace {
constexpr std::pair<const char*, const char*> k_digests[] = {
    {"sha1", "http://www.w3.org/2000/09/xmldsig#sha1"},
    {"sha224", "http://www.w3.org/2001/04/xmldsig-more#sha224"},
    {"sha256", "http://www.w3.org/2001/04/xmlenc#sha256"},
    {"sha384", "http://www.w3.org/2001/04/xmldsig-more#sha384"},
    {"sha512", "http://www.w3.org/2001/04/xmlenc#sha512"},
    {"sha3-256", "http://www.w3.org/2007/05/xmldsig-more#sha3-256"},
    {"sha3-384", "http://www.w3.org/2007/05/xmldsig-more#sha3-384"},
    {"sha3-512", "http://www.w3.org/2007/05/xmldsig-more#sha3-512"},
};
constexpr std::pair<const char*, const char*> k_methods[] = {
    {"rsa-sha1", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"},
    {"rsa-sha224", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224"},
    {"rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
    {"rsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"},
    {"rsa-sha512", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"},
    {"ecdsa-sha1", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"},
    {"ecdsa-sha224", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224"},
    {"ecdsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"},
    {"ecdsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"},
    {"ecdsa-sha512", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"},
    // Verified only: signature_method_uri never chooses DSA for a new signature.
    {"dsa-sha1", "http://www.w3.org/2000/09/xmldsig#dsa-sha1"},
    {"dsa-sha256", "http://www.w3.org/2009/xmldsig11#dsa-sha256"},
};
}  // namespace

std::optional<std::string> digest_method_uri(const std::string& digest) {
    for (const auto& [name, uri] : k_digests) {
        if (digest == name) return uri;
    }
    return std::nullopt;
}

std::string digest_name(const std::string& uri) {
    for (const auto& [name, u] : k_digests) {
        if (uri == u) return name;
    }
    return "";
}

std::optional<std::string> signature_method_uri(EVP_PKEY* key, const std::string& digest) {
    std::string kind;
    if (EVP_PKEY_is_a(key, "RSA")) kind = "rsa-";
    if (EVP_PKEY_is_a(key, "EC")) kind = "ecdsa-";
    if (kind.empty() || digest.rfind("sha3", 0) == 0 || digest == "sha1") return std::nullopt;
    for (const auto& [name, uri] : k_methods) {
        if (kind + digest == name) return uri;
    }
    return std::nullopt;
}

std::string signature_method_name(const std::string& uri) {
    for (const auto& [name, u] : k_methods) {
        if (uri == u) return name;
    }
    return uri;
}

}  // namespace ltsign::xml
