// libxml2 behind RAII, parsed the hardened way, canonicalised, schema-validated.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/c_ptr.hpp"
#include "core/file_io.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

// One free function per libxml2 type (core::Ptr, as for OpenSSL in crypto/ossl.hpp).
LTSIGN_C_FREE(xmlDoc, xmlFreeDoc);
LTSIGN_C_FREE(xmlNode, xmlFreeNode);  // a node unlinked from its document, with its subtree
LTSIGN_C_FREE(xmlParserCtxt, xmlFreeParserCtxt);
LTSIGN_C_FREE(xmlSchema, xmlSchemaFree);
LTSIGN_C_FREE(xmlSchemaParserCtxt, xmlSchemaFreeParserCtxt);
LTSIGN_C_FREE(xmlSchemaValidCtxt, xmlSchemaFreeValidCtxt);
LTSIGN_C_FREE(xmlXPathContext, xmlXPathFreeContext);
LTSIGN_C_FREE(xmlXPathObject, xmlXPathFreeObject);
// The buffer's final flush has nothing to write to: a memory buffer, read before it is closed.
LTSIGN_C_FREE(xmlOutputBuffer, xmlOutputBufferClose);
// xmlChar (unsigned char) belongs to libxml2 alone: OpenSSL's strings are char.
LTSIGN_C_FREE(xmlChar, xmlFree);

namespace ltsign::xml {

template <class T>
using Ptr = core::Ptr<T>;
using Doc = Ptr<xmlDoc>;

// Parses untrusted XML: no network, no DTD (a DOCTYPE is refused outright, so there are no
// entities to expand or fetch), libxml2's default depth and size limits. Error(malformed_input)
// naming `what`, with libxml2's message, otherwise.
Doc parse(std::span<const unsigned char> bytes, const std::string& what);

bool looks_like_xml(std::span<const unsigned char> bytes);

// Canonical form of the subtree rooted at `node` (with its in-scope namespaces), by the
// algorithm URI: C14N 1.0, 1.1, exclusive, each with or without comments. Error(malformed_input)
// for an unknown URI.
core::Bytes canonicalize(xmlDoc* doc, xmlNode* node, const std::string& algorithm);
// Canonical form of a node-set as XMLDSig 4.4.3.3 builds them: the subtree at `root` (the
// document, cast to a node, for the whole document), without the subtree at `excluded` (may be
// null), without comment nodes unless `keep_comments`; `prefixes` is exclusive C14N's
// InclusiveNamespaces PrefixList.
core::Bytes canonicalize_node_set(xmlDoc* doc, xmlNode* root, xmlNode* excluded, bool keep_comments,
                                  const std::string& algorithm,
                                  const std::vector<std::string>& prefixes = {});
// The whole document in canonical form (RFC 6283 hashes XML data objects this way).
core::Bytes canonicalize_document(xmlDoc* doc, const std::string& algorithm);
inline constexpr const char* k_c14n10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";

// Serialises a document as UTF-8 with an XML declaration.
core::Bytes serialize(xmlDoc* doc, bool indent);

// Takes `node` (and its subtree) out of its document and frees it.
inline void remove_node(xmlNode* node) noexcept {
    xmlUnlinkNode(node);
    const Ptr<xmlNode> removed(node);
}

// A new element, attribute or text node, or Error(internal): libxml2 returns null only when it
// is out of memory.
template <class T>
T* made(T* node) {
    if (node == nullptr) throw Error(Errc::internal, tr("out of memory building XML"));
    return node;
}

// Children of `parent` that are elements named `name` in namespace `ns`.
std::vector<xmlNode*> children(xmlNode* parent, const char* ns, const char* name);
xmlNode* child(xmlNode* parent, const char* ns, const char* name);
std::string attribute(xmlNode* node, const char* name);
std::string text(xmlNode* node);  // concatenated text content

// The standard-schema directory: LTSIGN_SCHEMA_DIR, else the one the build was configured with,
// else where `cmake --install` put the schemas (share/ltsign/schemas).
// Empty when neither exists.
std::filesystem::path schema_dir();

// Validates against `schema` (a file name in schema_dir()). nullopt when valid; the first
// problem otherwise. Error(internal) never: a missing schema gives `not_performed`.
struct SchemaResult {
    bool performed = false;
    std::optional<std::string> problem;
};
SchemaResult validate(xmlDoc* doc, const std::string& schema);

// Validates against XMLDSig with XAdES 1.3.2 and 1.4.1 (the schema set an XAdES signature
// needs); the compiled set is kept for the process.
SchemaResult validate_xades(xmlDoc* doc);

std::vector<unsigned char> base64_decode(
    const std::string& text);  // whitespace ignored; empty on error
std::string base64_encode(std::span<const unsigned char> bytes);

}  // namespace ltsign::xml
