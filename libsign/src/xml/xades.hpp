// XAdES baseline signatures (ETSI EN 319 132-1) over XMLDSig: creation (B-B, B-T; enveloped,
// enveloping, detached) and the facts verification needs, checked against signature wrapping.
#pragma once

#include <libxml/tree.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cms/cades_timestamp.hpp"
#include "core/file_io.hpp"
#include "ltsign/inspect.hpp"
#include "ltsign/sign.hpp"
#include "validation/data_object.hpp"
#include "validation/model.hpp"

namespace ltsign::xml {

inline constexpr const char* k_xades132_ns = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr const char* k_xades141_ns = "http://uri.etsi.org/01903/v1.4.1#";
inline constexpr const char* k_signed_properties_type =
    "http://uri.etsi.org/01903#SignedProperties";

// True when the XML document holds a ds:Signature (not an evidence record).
bool has_xml_signature(std::span<const unsigned char> bytes);

struct XmlSignatures {
    FileFormat format = FileFormat::xmldsig;        // xades when any signature has XAdES properties
    std::vector<validation::SignatureFacts> facts;  // one per top-level ds:Signature
};

// Parses (hardened) and checks every top-level ds:Signature of an XML document: references
// resolved to exactly one element or to the data objects given as files (detached references,
// by name), SignedProperties covered, XMLDSig core validation, SigningCertificate binding,
// signature time-stamps, schema. A signature that carries its content is compared with the first
// data object given. Error(malformed_input) naming `what` when the file is not XML or holds no
// signature.
XmlSignatures extract_facts(std::span<const unsigned char> bytes, const std::string& what,
                            const validation::DataObjects& objects);

// XAdES B-B (and B-T when options.level is Level::t, its time-stamp from `tokens`) over `file`,
// packaged as options.packaging. The result is checked to verify before it is returned.
core::Bytes sign_xades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const cms::TokenSource& tokens);

// Raises every XAdES signature of an XML signature file that has no SignatureTimeStamp to B-T
// (a token over the canonicalised SignatureValue from `tokens`). The signed parts are untouched
// and the result is checked to verify as before. Error(usage) when nothing is left to extend.
core::Bytes extend_xades(std::span<const unsigned char> bytes, const std::string& what,
                         const cms::TokenSource& tokens);

// ds:Signature elements of the document that are not inside another ds:Signature.
std::vector<xmlNode*> top_level_signatures(xmlNode* root);

// ---- Shared by verification and creation (xades_verify, xades_archive).

// EN 319 132-1 5.5.2.2: what an xadesv141:ArchiveTimeStamp placed in `usp` (the signature's
// UnsignedSignatureProperties) before `before` covers, canonicalised with `c14n`: each
// reference's data after its transforms, SignedInfo, SignatureValue, KeyInfo, every unsigned
// signature property before `before` (null: all), the ds:Objects but the QualifyingProperties'
// one (`v132`, the older xades:ArchiveTimeStamp: those no reference signs).
core::Bytes archive_input(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                          const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                          bool v132 = false);

// The facts of one xadesv141:ArchiveTimeStamp element `ats` in `usp`, its imprint checked against
// archive_input. `reference_data` empty: not checked, for the reason `why_not`.
std::vector<validation::SignatureFacts> archive_timestamp_facts(
    xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* ats,
    const std::vector<core::Bytes>& reference_data, const std::string& why_not);

// An EncapsulatedOCSPValue as a DER OCSPResponse (a bare BasicOCSPResponse, as some toolkits
// write it, wrapped in a successful one); nullopt when it is neither.
std::optional<core::Bytes> ocsp_response_der(const core::Bytes& der);

// The structure of an XML signature file for `ltsign inspect`.
std::vector<InspectField> inspect_xml(std::span<const unsigned char> bytes,
                                      const std::string& what);

}  // namespace ltsign::xml
