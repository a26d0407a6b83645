#include "xml/xml_doc.hpp"

#include <libxml/c14n.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::xml {
namespace {

// libxml2 reports through callbacks; they collect the first message and never throw into C.
struct Collector {
    std::string first;
};

void collect_error(void* user, xmlErrorPtr err) noexcept {
    auto* c = static_cast<Collector*>(user);
    if (c != nullptr && c->first.empty() && err != nullptr && err->message != nullptr) {
        c->first = err->message;
        while (!c->first.empty() && (c->first.back() == '\n' || c->first.back() == ' '))
            c->first.pop_back();
        if (err->line > 0) c->first += " (line " + std::to_string(err->line) + ")";
    }
}

void silent(void*, const char*, ...) noexcept {}

void init_once() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
    // Never print to stderr, never resolve anything remotely: per thread in libxml2.
    xmlSetGenericErrorFunc(nullptr, silent);
}

struct Visible {
    xmlNode* root;
};

// Node-set membership for C14N of one subtree: the node, its attributes and its namespace nodes
// belong to the set when the element they hang on lies inside `root`.
int in_subtree(void* user, xmlNodePtr node, xmlNodePtr parent) noexcept {
    auto* v = static_cast<Visible*>(user);
    xmlNode* n = node;
    if (node == nullptr || node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
        n = parent;
    for (; n != nullptr; n = n->parent) {
        if (n == v->root) return 1;
    }
    return 0;
}

struct NodeSet {
    xmlNode* root;
    xmlNode* excluded;
    bool comments;
};

int in_node_set(void* user, xmlNodePtr node, xmlNodePtr parent) noexcept {
    const auto* s = static_cast<const NodeSet*>(user);
    xmlNode* n = node;
    if (node == nullptr || node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
        n = parent;
    if (n != nullptr && n->type == XML_COMMENT_NODE && !s->comments) return 0;
    bool inside = false;
    for (; n != nullptr; n = n->parent) {
        if (n == s->excluded) return 0;
        if (n == s->root) inside = true;
    }
    return inside ? 1 : 0;
}

// The standards' schemas import each other by URL; these map to the files of the standard-schema
// directory (schemas/catalog.xml says the same for xmllint).
constexpr std::pair<const char*, const char*> k_schema_urls[] = {
    {"http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd",
     "xmldsig-core-schema.xsd"},
    {"http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd",
     "xmldsig-core-schema.xsd"},
    {"http://uri.etsi.org/01903/v1.3.2/XAdES.xsd", "XAdES01903v132-202407.xsd"},
    {"https://forge.etsi.org/rep/esi/x19_13201_XAdES/raw/v1.3.1/1913201-XAdES01903v132.xsd",
     "XAdES01903v132-202407.xsd"},
    {"http://uri.etsi.org/01903/v1.4.1/XAdESv141.xsd", "XAdES01903v141-202407.xsd"},
    {"http://uri.etsi.org/19612/v2.2.1/ts_119612v020201_201601xsd.xsd", "ts_119612v020101_xsd.xsd"},
    {"http://uri.etsi.org/19612/v1.2.1/tsl.xsd", "ts_119612v020101_xsd.xsd"},
    {"http://www.w3.org/2001/xml.xsd", "xml.xsd"},
    {"http://www.w3.org/2001/03/xml.xsd", "xml.xsd"},
};

std::filesystem::path g_loader_dir;  // guarded by schema_mutex() while a schema loads

// Every external resource libxml2 wants while compiling a schema goes through here: mapped URLs
// become local files, local files stay local, and nothing is ever fetched from the network.
xmlParserInputPtr local_only_loader(const char* url, const char* id,
                                    xmlParserCtxtPtr ctxt) noexcept {
    if (url == nullptr) return nullptr;
    const std::string u(url);
    for (const auto& [remote, file] : k_schema_urls) {
        if (u == remote) return xmlNewInputFromFile(ctxt, (g_loader_dir / file).c_str());
    }
    if (u.rfind("http:", 0) == 0 || u.rfind("https:", 0) == 0 || u.rfind("ftp:", 0) == 0)
        return nullptr;
    (void)id;
    return xmlNewInputFromFile(ctxt, url);
}

// Schema loading swaps libxml2's process-wide entity loader: one at a time.
std::mutex& schema_mutex() {
    static std::mutex m;
    return m;
}

}  // namespace

bool looks_like_xml(std::span<const unsigned char> b) {
    std::size_t i = 0;
    if (b.size() >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) i = 3;  // UTF-8 BOM
    while (i < b.size() && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) ++i;
    return i < b.size() && b[i] == '<';
}

Doc parse(std::span<const unsigned char> bytes, const std::string& what) {
    init_once();
    Collector errors;
    xmlSetStructuredErrorFunc(&errors, collect_error);
    const Ptr<xmlParserCtxt> ctxt(xmlNewParserCtxt());
    if (!ctxt) throw Error(Errc::internal, tr("cannot start the XML parser"));
    const int options = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
    Doc doc(xmlCtxtReadMemory(ctxt.get(), reinterpret_cast<const char*>(bytes.data()),
                              static_cast<int>(bytes.size()), nullptr, nullptr, options));
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (!doc || !ctxt->wellFormed) {
        throw Error(Errc::malformed_input,
                    trf("{0}: not well-formed XML{1}",
                        {what, (errors.first.empty() ? "" : ": " + errors.first)}));
    }
    if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
        throw Error(Errc::malformed_input,
                    trf("{0}: the XML has a DOCTYPE; DTDs and entities are refused", {what}));
    }
    if (xmlDocGetRootElement(doc.get()) == nullptr)
        throw Error(Errc::malformed_input, trf("{0}: the XML has no root element", {what}));
    return doc;
}

namespace {

void c14n_params(const std::string& algorithm, int& mode, int& comments) {
    mode = XML_C14N_1_0;
    comments = 0;
    if (algorithm == k_c14n10) {
    } else if (algorithm == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments") {
        comments = 1;
    } else if (algorithm == "http://www.w3.org/2006/12/xml-c14n11") {
        mode = XML_C14N_1_1;
    } else if (algorithm == "http://www.w3.org/2006/12/xml-c14n11#WithComments") {
        mode = XML_C14N_1_1;
        comments = 1;
    } else if (algorithm == "http://www.w3.org/2001/10/xml-exc-c14n#") {
        mode = XML_C14N_EXCLUSIVE_1_0;
    } else if (algorithm == "http://www.w3.org/2001/10/xml-exc-c14n#WithComments") {
        mode = XML_C14N_EXCLUSIVE_1_0;
        comments = 1;
    } else {
        throw Error(Errc::malformed_input, trf("unknown canonicalization method {0}", {algorithm}));
    }
}

}  // namespace

core::Bytes canonicalize_document(xmlDoc* doc, const std::string& algorithm) {
    int mode = 0, comments = 0;
    c14n_params(algorithm, mode, comments);
    xmlChar* buf = nullptr;
    const int len = xmlC14NDocDumpMemory(doc, nullptr, mode, nullptr, comments, &buf);
    const Ptr<xmlChar> owned(buf);
    if (len < 0 || buf == nullptr)
        throw Error(Errc::malformed_input, tr("the XML cannot be canonicalised"));
    return core::Bytes(buf, buf + len);
}

namespace {

// xmlC14NExecute into memory, for the nodes `visible` accepts.
core::Bytes run_c14n(xmlDoc* doc, xmlC14NIsVisibleCallback visible, void* data, int mode,
                     xmlChar** prefixes, int comments) {
    const Ptr<xmlOutputBuffer> out(xmlAllocOutputBuffer(nullptr));
    if (!out) throw Error(Errc::internal, tr("out of memory"));
    const int rc = xmlC14NExecute(doc, visible, data, mode, prefixes, comments, out.get());
    if (rc < 0) throw Error(Errc::malformed_input, tr("the XML cannot be canonicalised"));
    const xmlChar* content = xmlOutputBufferGetContent(out.get());
    return core::Bytes(content, content + xmlOutputBufferGetSize(out.get()));
}

}  // namespace

core::Bytes canonicalize(xmlDoc* doc, xmlNode* node, const std::string& algorithm) {
    int mode = 0, comments = 0;
    c14n_params(algorithm, mode, comments);
    Visible v{node};
    return run_c14n(doc, in_subtree, &v, mode, nullptr, comments);
}

core::Bytes canonicalize_node_set(xmlDoc* doc, xmlNode* root, xmlNode* excluded, bool keep_comments,
                                  const std::string& algorithm,
                                  const std::vector<std::string>& prefixes) {
    int mode = 0, comments = 0;
    c14n_params(algorithm, mode, comments);
    NodeSet set{root, excluded, keep_comments};
    std::vector<xmlChar*> list;
    for (const auto& p : prefixes) list.push_back(BAD_CAST p.c_str());
    list.push_back(nullptr);
    return run_c14n(doc, in_node_set, &set, mode,
                    mode == XML_C14N_EXCLUSIVE_1_0 ? list.data() : nullptr, comments);
}

core::Bytes serialize(xmlDoc* doc, bool indent) {
    xmlChar* buf = nullptr;
    int len = 0;
    // void: a failure leaves `buf` null, checked below.
    xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", indent ? 1 : 0);
    const Ptr<xmlChar> owned(buf);
    if (buf == nullptr) throw Error(Errc::internal, tr("cannot serialise XML"));
    return core::Bytes(buf, buf + len);
}

std::vector<xmlNode*> children(xmlNode* parent, const char* ns, const char* name) {
    std::vector<xmlNode*> out;
    for (xmlNode* c = parent ? parent->children : nullptr; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0 &&
            c->ns != nullptr && xmlStrcmp(c->ns->href, BAD_CAST ns) == 0) {
            out.push_back(c);
        }
    }
    return out;
}

xmlNode* child(xmlNode* parent, const char* ns, const char* name) {
    auto all = children(parent, ns, name);
    return all.empty() ? nullptr : all.front();
}

std::string attribute(xmlNode* node, const char* name) {
    const Ptr<xmlChar> v(xmlGetNoNsProp(node, BAD_CAST name));
    return v ? std::string(reinterpret_cast<const char*>(v.get())) : "";
}

std::string text(xmlNode* node) {
    const Ptr<xmlChar> v(xmlNodeGetContent(node));
    return v ? std::string(reinterpret_cast<const char*>(v.get())) : "";
}

std::filesystem::path schema_dir() {
    if (const char* env = std::getenv("LTSIGN_SCHEMA_DIR"); env != nullptr && *env != '\0')
        return env;
    std::error_code ec;
    for (const char* dir : {LTSIGN_DEFAULT_SCHEMA_DIR, LTSIGN_INSTALLED_SCHEMA_DIR}) {
        if (*dir != '\0' && std::filesystem::is_directory(dir, ec)) return dir;
    }
    return {};
}

namespace {

using Schema = Ptr<xmlSchema>;

// Compiles a schema whose imports resolve through the local-only loader (one at a time: the
// loader is process-wide). `open` makes the parser context.
template <typename Open>
Schema compile_schema(const std::filesystem::path& dir, Open open) {
    std::lock_guard lock(schema_mutex());
    init_once();
    g_loader_dir = dir;
    const xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(local_only_loader);
    const Ptr<xmlSchemaParserCtxt> pctx(open());
    Schema parsed(pctx ? xmlSchemaParse(pctx.get()) : nullptr);
    xmlSetExternalEntityLoader(previous);
    return parsed;
}

SchemaResult run_schema(xmlSchema* schema, xmlDoc* doc, const std::string& name) {
    Collector errors;
    const Ptr<xmlSchemaValidCtxt> vctx(xmlSchemaNewValidCtxt(schema));
    if (!vctx) throw Error(Errc::internal, tr("out of memory"));
    xmlSchemaSetValidStructuredErrors(vctx.get(), collect_error, &errors);
    const int rc = xmlSchemaValidateDoc(vctx.get(), doc);
    SchemaResult r;
    r.performed = true;
    if (rc != 0)
        r.problem = errors.first.empty() ? trf("not valid against {0}", {name}) : errors.first;
    // Long values (a whole certificate in base64) would drown the message.
    if (r.problem && r.problem->size() > 400) *r.problem = r.problem->substr(0, 400) + "...";
    return r;
}

}  // namespace

SchemaResult validate(xmlDoc* doc, const std::string& schema) {
    const auto dir = schema_dir();
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_regular_file(dir / schema, ec)) return {};
    // Parsed per call and freed: the schemas checked this way (RFC 6283, the ETSI report) are
    // small and used once per file.
    const Schema parsed =
        compile_schema(dir, [&] { return xmlSchemaNewParserCtxt((dir / schema).c_str()); });
    if (!parsed) return {};
    return run_schema(parsed.get(), doc, schema);
}

namespace {

// XMLDSig, XAdES 1.3.2 and XAdES 1.4.1 in one schema set: an in-memory schema importing the
// three by their URLs, which the loader maps to the standard-schema directory. Compiled once
// per directory; a compiled schema is read-only during validation and shared between threads.
constexpr const char* k_xades_wrapper =
    R"(<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ltsign:schema-set">)"
    R"(<xsd:import namespace="http://www.w3.org/2000/09/xmldsig#" )"
    R"(schemaLocation="http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd"/>)"
    R"(<xsd:import namespace="http://uri.etsi.org/01903/v1.3.2#" )"
    R"(schemaLocation="http://uri.etsi.org/01903/v1.3.2/XAdES.xsd"/>)"
    R"(<xsd:import namespace="http://uri.etsi.org/01903/v1.4.1#" )"
    R"(schemaLocation="http://uri.etsi.org/01903/v1.4.1/XAdESv141.xsd"/>)"
    R"(</xsd:schema>)";

xmlSchema* xades_schema(const std::filesystem::path& dir) {
    static std::mutex m;
    static std::map<std::filesystem::path, Schema> compiled;
    std::lock_guard guard(m);
    if (auto it = compiled.find(dir); it != compiled.end()) return it->second.get();
    Schema parsed = compile_schema(dir, [] {
        return xmlSchemaNewMemParserCtxt(k_xades_wrapper,
                                         static_cast<int>(std::strlen(k_xades_wrapper)));
    });
    xmlSchema* raw = parsed.get();
    if (raw != nullptr) compiled.emplace(dir, std::move(parsed));
    return raw;
}

}  // namespace

SchemaResult validate_xades(xmlDoc* doc) {
    const auto dir = schema_dir();
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_regular_file(dir / "XAdES01903v132-202407.xsd", ec))
        return {};
    xmlSchema* schema = xades_schema(dir);
    if (schema == nullptr) return {};
    return run_schema(schema, doc, "the XAdES schemas");
}

std::vector<unsigned char> base64_decode(const std::string& text) {
    std::string clean;
    for (char c : text) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
    }
    if (clean.size() % 4 != 0) return {};
    std::vector<unsigned char> out(clean.size() / 4 * 3 + 1);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                                  static_cast<int>(clean.size()));
    if (n < 0) return {};
    std::size_t len = static_cast<std::size_t>(n);
    for (auto it = clean.rbegin(); it != clean.rend() && *it == '='; ++it) --len;
    out.resize(len);
    return out;
}

std::string base64_encode(std::span<const unsigned char> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace ltsign::xml
