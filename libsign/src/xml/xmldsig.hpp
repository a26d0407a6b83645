// XMLDSig core (W3C XML Signature 1.1) on xmlsec1 with its OpenSSL backend, locked down: only
// the transforms and algorithms listed in xmldsig.cpp run, and the only external documents a
// reference can reach are the ones the caller hands over (detached data); nothing is read from
// the file system or the network on a document's say-so.
#pragma once

#include <libxml/tree.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "validation/data_object.hpp"

namespace ltsign::xml {

inline constexpr const char* k_dsig_ns = "http://www.w3.org/2000/09/xmldsig#";

// External reference URIs and the documents that answer them (detached signatures: files, or the
// entries of a container), streamed to xmlsec1 when it digests them.
using DetachedData = std::map<std::string, validation::DataObject>;

struct CoreResult {
    enum class Status {
        valid,             // every reference digest and the signature value verify
        reference_failed,  // a reference's digest does not match what it points at
        signature_failed,  // the references hold, the signature value does not verify
        error,             // could not be processed (unsupported algorithm, malformed parts)
    };
    Status status = Status::error;
    std::string detail;  // what failed, for the report
    // Per SignedInfo reference, in order: the SHA-256 of the bytes its digest was computed over,
    // after every transform (a digest, not a copy: a document's worth per reference). Filled as far
    // as xmlsec1 got (it stops at the first reference that fails); what a reference's transforms
    // select is judged from these.
    std::vector<core::Bytes> digested;
    // The same octets themselves, when the caller asked to keep them (an XAdES archive
    // time-stamp covers each reference's data after its transforms, EN 319 132-1 5.5.2.2).
    std::vector<core::Bytes> data;
};

// Verifies `signature` (a ds:Signature element of a parsed document) with the public key of
// `cert`; `keep_data`: CoreResult::data is filled too. CoreResult::digested covers detached
// references only with `keep_data` or `digest_detached` (xmlsec1 then holds each detached
// document whole while it digests it: the caller bounds their size).
// Same-document references must already be registered as IDs (see register_ids).
CoreResult verify_core(xmlNode* signature, X509* cert, const DetachedData& detached,
                       bool keep_data = false, bool digest_detached = false);

// Computes the reference digests and the signature value of a ds:Signature template. Throws
// Error(internal) with xmlsec's message when signing fails.
void sign_core(xmlNode* signature, EVP_PKEY* key, const DetachedData& detached);

// Registers as XML IDs every attribute named Id, ID or id (without namespace) whose value occurs
// once in the document (xml:id values count too), so that "#value" references resolve, and returns
// the values that occur more than once: a reference to one of them is ambiguous (signature
// wrapping) and must fail.
std::vector<std::string> register_ids(xmlDoc* doc);

// The element carrying ID `id`, or nullptr.
xmlNode* element_by_id(xmlDoc* doc, const std::string& id);

// What a same-document URI ("#...") of `reference` selects, found the way xmlsec1 finds it when
// it digests (XMLDSig 4.4.3.3): a bare name is evaluated as xpointer(id('name')), the
// xpointer() and xmlns() schemes as written, with libxml2's XPointer engine, the Reference
// element's in-scope namespaces and here(). So ltsign names exactly the node xmlsec1 digests.
struct Fragment {
    enum class Kind {
        element,   // one element (with its descendants)
        document,  // the document node: the whole document, comments included
        none,      // nothing (an ID that is not in the document)
        other,     // several nodes, or nodes that are not elements
        error,     // not an expression XPointer can evaluate
    };
    Kind kind = Kind::error;
    xmlNode* element = nullptr;
    std::size_t count = 0;  // nodes selected
};
Fragment resolve_fragment(xmlDoc* doc, xmlNode* reference, const std::string& uri);

// The signature method URI for a key and digest (RSA PKCS#1 v1.5 or ECDSA with SHA-2); nullopt
// when XMLDSig through xmlsec cannot express it.
std::optional<std::string> signature_method_uri(EVP_PKEY* key, const std::string& digest);
std::optional<std::string> digest_method_uri(const std::string& digest);
// "sha256" for a DigestMethod URI; empty when unknown.
std::string digest_name(const std::string& uri);
// "rsa-sha256", "ecdsa-sha384", ... for a SignatureMethod URI; the URI itself when unknown.
std::string signature_method_name(const std::string& uri);

}  // namespace ltsign::xml
