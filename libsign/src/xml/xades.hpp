// XAdES baseline signatures (ETSI EN 319 132-1) over XMLDSig: creation (B-B, B-T, B-LT, B-LTA;
// enveloped, enveloping, detached) and the facts verification needs, checked against signature
// wrapping.
#pragma once

#include <libxml/tree.h>

#include <filesystem>
#include <functional>
#include <memory>
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
// ETSI TS 119 132-3 (XAdES-E-ERS): xadesen:SealingEvidenceRecords.
inline constexpr const char* k_xadesen_ns = "http://uri.etsi.org/19132/v1.1.1#";
inline constexpr const char* k_signed_properties_type =
    "http://uri.etsi.org/01903#SignedProperties";

// True when the XML document holds a ds:Signature (not an evidence record).
bool has_xml_signature(std::span<const unsigned char> bytes);

// An evidence record embedded in an XAdES signature (ETSI TS 119 132-3, XAdES-E-ERS), as
// extract_facts finds it; the ers area decodes it and checks it against what it covers.
struct EmbeddedRecord {
    std::size_t signature = 0;  // its signature's index in XmlSignatures::facts
    bool asn1 = false;  // xadesen:ASN1EvidenceRecord (RFC 4998 DER); else ers:EvidenceRecord
    core::Bytes bytes;  // the DER, or the ers:EvidenceRecord as an XML document of its own
    // The digest with a given algorithm of each data object the record covers
    // (evidence_record_digests); Error when they cannot be computed. Null when `not_covered`.
    std::function<std::vector<core::Bytes>(const EVP_MD*)> covered;
    std::string not_covered;  // why what the record covers is not known
};

struct XmlSignatures {
    FileFormat format = FileFormat::xmldsig;        // xades when any signature has XAdES properties
    std::vector<validation::SignatureFacts> facts;  // one per top-level ds:Signature
    std::vector<EmbeddedRecord> records;            // in document order
};

// Parses (hardened) and checks every top-level ds:Signature of an XML document: references
// resolved to exactly one element or to the data objects given as files (detached references,
// by name), SignedProperties covered, XMLDSig core validation, SigningCertificate binding,
// signature time-stamps, schema; embedded evidence records are listed, not decoded. A signature
// that carries its content is compared with the first data object given. Error(malformed_input)
// naming `what` when the file is not XML or holds no signature.
XmlSignatures extract_facts(std::span<const unsigned char> bytes, const std::string& what,
                            const validation::DataObjects& objects);

// XAdES B-B (and B-T when options.level is Level::t, its time-stamp from `tokens`) over `file`,
// packaged as options.packaging. The result is checked to verify before it is returned.
core::Bytes sign_xades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const cms::TokenSource& tokens);

// ---- The steps sign_xades shares with two-phase signing (prepare, sign, complete).

// A XAdES B-B signature over `file` for the certificate of `signer` (whose key may be
// elsewhere), its references digested and its SignatureValue empty, serialised; and what the key
// signs: the canonical SignedInfo (XMLDSig 3.1.2). The certificate is checked
// (Signer::check_usable_at) at the signing time.
struct UnsignedXades {
    core::Bytes signature;
    core::Bytes to_be_signed;
};
UnsignedXades prepare_xades(const std::filesystem::path& file, const Signer& signer,
                            const SignOptions& options);
// The signature `prepared` (as prepare_xades made it) with `value` (ECDSA: DER or raw), checked
// first against the KeyInfo certificate over the canonical SignedInfo (Error(key_refused) when
// it does not match), a time-stamp added at options.level T. `documents`, when given, are what
// its detached references sign: the result is then verified whole before it is returned.
core::Bytes complete_xades(std::span<const unsigned char> prepared,
                           std::span<const unsigned char> value, const SignOptions& options,
                           const cms::TokenSource& tokens,
                           const std::optional<validation::DataObjects>& documents,
                           const std::vector<core::Bytes>& chain);
// The same for an ASiC signature over container entries (as sign_xades_entries).
UnsignedXades prepare_xades_entries(const validation::DataObjects& entries, const Signer& signer,
                                    const SignOptions& options);
// What the signature `prepared` signs (its canonical SignedInfo), and the SHA-256 (hex) of its
// signer's certificate. Error(malformed_input) naming `what` when it is no signature ltsign
// prepared.
core::Bytes prepared_xades_to_be_signed(std::span<const unsigned char> prepared,
                                        const std::string& what, std::string& cert_sha256);

// ETSI EN 319 162-1 (ASiC): the namespace of ASiCManifest and asic:XAdESSignatures.
inline constexpr const char* k_asic_ns = "http://uri.etsi.org/02918/v1.2.1#";

// An ASiC signature (EN 319 162-1 4.4.3): XAdES B-B (B-T as sign_xades) detached over the
// container entries `entries` (each named by its path in the container, its URI relative to the
// container's root), one ds:Reference and DataObjectFormat each, in an asic:XAdESSignatures
// document. Checked to verify before it is returned.
core::Bytes sign_xades_entries(const validation::DataObjects& entries, const Signer& signer,
                               const SignOptions& options, const cms::TokenSource& tokens);

// Raises every XAdES signature of an XML signature file that has no SignatureTimeStamp to B-T
// (a token over the canonicalised SignatureValue from `tokens`). The signed parts are untouched
// and the result is checked to verify as before. Error(usage) when nothing is left to extend.
core::Bytes extend_xades(std::span<const unsigned char> bytes, const std::string& what,
                         const cms::TokenSource& tokens);

// ds:Signature elements of the document that are not inside another ds:Signature.
std::vector<xmlNode*> top_level_signatures(xmlNode* root);

// B-LT (EN 319 132-1 5.5.1, 5.5.2): adds to every XAdES signature of an XML signature file what
// `data` holds and the signature does not carry yet (in ds:KeyInfo, xades:CertificateValues,
// xades:RevocationValues or xadesv141:TimeStampValidationData). Nothing an archive time-stamp
// covers is changed: once one exists, new data goes into a new TimeStampValidationData after
// it. The bytes come back unchanged when nothing is missing.
core::Bytes add_validation_data(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::ValidationData& data);

// B-LTA (EN 319 132-1 5.5.2): appends an xadesv141:ArchiveTimeStamp (digest `md`, token from
// `tokens`) to every XAdES signature of an XML signature file, over the signature and all its
// unsigned properties as they are now. A detached signature needs `document`
// (Error(input_missing) otherwise); a signature whose references do not verify gets none
// (Error(malformed_input)).
core::Bytes add_archive_timestamp(std::span<const unsigned char> bytes, const std::string& what,
                                  const validation::DataObject* document, const EVP_MD* md,
                                  const cms::TokenSource& tokens);
// The same for signatures whose detached references name several documents (ASiC-E: the
// container's entries).
core::Bytes add_archive_timestamp(std::span<const unsigned char> bytes, const std::string& what,
                                  const validation::DataObjects& documents, const EVP_MD* md,
                                  const cms::TokenSource& tokens);

// ETSI TS 119 132-3: the data objects an evidence record in `holder`, a
// xadesen:SealingEvidenceRecords of `usp` (null: one about to be appended), covers, each hashed
// with `md`: what an archive time-stamp in its place would cover (archive_parts), canonicalised
// with SignedInfo's CanonicalizationMethod. The record's data object is their digests, sorted,
// concatenated and hashed (RFC 4998 4.3, ers::node_hash). Error(usage) when the signature signs
// a ds:Manifest, whose references the record covers too and this version does not follow.
// `hashed`, when given, is increased by the bytes hashed.
std::vector<core::Bytes> evidence_record_digests(xmlDoc* doc, xmlNode* sig, xmlNode* usp,
                                                 xmlNode* holder,
                                                 const std::vector<core::Bytes>& reference_data,
                                                 const EVP_MD* md, std::size_t* hashed = nullptr);

// TS 119 132-3: `record` (an RFC 6283 record, a document of its own) appended last to `usp` in a
// new xadesen:SealingEvidenceRecords.
void append_evidence_record(xmlNode* usp, std::span<const unsigned char> record);

// ---- Shared by creation and verification (xades_sign, xades_verify, xades_archive).

// The xades:QualifyingProperties of `sig`: the one targeting it, else the only one it holds.
xmlNode* qualifying_properties(xmlNode* sig);
// The xades:UnsignedSignatureProperties of `qp`, made (with UnsignedProperties) when missing.
xmlNode* unsigned_signature_properties(xmlDoc* doc, xmlNode* qp);
// A fresh identifier for Id attributes (hex of 16 random bytes).
std::string random_id();
// A new last child of `parent` in namespace `href` (declared on it with `prefix` when that
// namespace is not in scope), holding the text `content`.
xmlNode* add_element(xmlNode* parent, const char* href, const char* prefix, const char* name,
                     const std::string& content = "");

// A signature checked as verification checks it, with the octets each SignedInfo reference
// digested after its transforms, in order; empty when core validation did not get through them
// all, and `document_missing` when a detached document was not among the data objects.
struct CheckedSignature {
    xmlNode* signature = nullptr;
    validation::SignatureFacts facts;
    std::vector<core::Bytes> reference_data;
    bool document_missing = false;
};
// Every top-level signature of `doc` (its IDs are registered here). `keep_reference_data`: fill
// CheckedSignature::reference_data (otherwise only for signatures with archive time-stamps).
std::vector<CheckedSignature> check_signatures(xmlDoc* doc, const std::string& what,
                                               const validation::DataObjects& objects,
                                               bool keep_reference_data);

// EN 319 132-1 5.5.2.2: what an xadesv141:ArchiveTimeStamp placed in `usp` (the signature's
// UnsignedSignatureProperties) before `before` covers, canonicalised with `c14n`: each
// reference's data after its transforms, SignedInfo, SignatureValue, KeyInfo, every unsigned
// signature property before `before` (null: all), the ds:Objects but the QualifyingProperties'
// one (`v132`, the older xades:ArchiveTimeStamp: those no reference signs). archive_parts hands
// each part to `part` in that order; archive_input is their concatenation.
void archive_parts(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                   const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                   bool v132, const std::function<void(const core::Bytes&)>& part);
core::Bytes archive_input(xmlDoc* doc, xmlNode* sig, xmlNode* usp, xmlNode* before,
                          const std::string& c14n, const std::vector<core::Bytes>& reference_data,
                          bool v132 = false);

// Each XAdES signature of an XML signature file, its references verified and their data kept,
// handed to `edit` with its UnsignedSignatureProperties (made when missing); the document
// serialised after. `added` names what is added, in errors: Error(input_missing) for a detached
// signature without `document`, Error(malformed_input) for one whose references do not verify,
// Error(usage) when the file holds no XAdES signature.
using SignatureEdit = std::function<void(xmlDoc*, const CheckedSignature&, xmlNode* usp)>;
core::Bytes edit_each_signature(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::DataObject* document, const std::string& added,
                                const SignatureEdit& edit);
core::Bytes edit_each_signature(std::span<const unsigned char> bytes, const std::string& what,
                                const validation::DataObjects& documents, const std::string& added,
                                const SignatureEdit& edit);

// TS 119 132-3: the evidence records in every xadesen:SealingEvidenceRecords of `checked` (the
// signature `index` of `doc`, which the records' `covered` keep alive, with the reference data
// taken from `checked`) appended to `out`. What the standard does not allow there is a format
// problem of the signature.
void find_embedded_records(const std::shared_ptr<xmlDoc>& doc, CheckedSignature& checked,
                           std::size_t index, std::vector<EmbeddedRecord>& out);

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
