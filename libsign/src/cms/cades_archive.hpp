// CAdES long-term levels (ETSI EN 319 122-1 5.5): B-LT validation data in SignedData's
// certificates and crls (OCSP responses as RevocationInfoChoice other, RFC 5940), and B-LTA
// archive-time-stamp-v3 attributes with their ats-hash-index-v3. Edits and hashes work on the
// DER as it is: re-encoding what an archive time-stamp covers would break it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cms/cades_timestamp.hpp"
#include "core/der.hpp"
#include "core/file_io.hpp"
#include "validation/data_object.hpp"
#include "validation/model.hpp"

namespace ltsign::cms {

using validation::ValidationData;

// A ContentInfo holding SignedData, sliced into the parts the long-term levels read and edit.
// The slices point into `bytes`, which the value keeps.
struct SignedDataParts {
    std::shared_ptr<const core::Bytes> bytes;
    der::Tlv content_type;  // SignedData.encapContentInfo.eContentType
    std::optional<std::span<const unsigned char>> econtent;  // the content octets, if carried
    std::vector<der::Tlv> head;          // version, digestAlgorithms, encapContentInfo
    std::vector<der::Tlv> certificates;  // each CertificateChoices
    std::vector<der::Tlv> crls;          // each RevocationInfoChoice
    struct Signer {
        std::vector<der::Tlv> fields;          // version .. signature, as encoded
        std::vector<der::Tlv> unsigned_attrs;  // each Attribute
    };
    std::vector<Signer> signers;
};

// The parts of a DER ContentInfo; nullopt when it is not definite-length DER SignedData (the
// caller re-encodes BER first).
std::optional<SignedDataParts> slice_signed_data(std::shared_ptr<const core::Bytes> bytes);

// The OCSP responses in SignedData.crls (id-ri-ocsp-response, and id-pkix-ocsp-basic as older
// toolkits wrote it), each as a DER OCSPResponse.
std::vector<core::Bytes> carried_ocsp(const SignedDataParts& parts);

// The archive-time-stamp-v3 attributes of SignerInfo `signer`, each as facts with its message
// imprint checked against the signature as it is now (EN 319 122-1 5.5.3): every element its
// hash index lists must still be there, and the imprint over the index must match. `document`
// is a detached signature's content (nullptr: none given).
std::vector<validation::SignatureFacts> archive_timestamps(const SignedDataParts& parts,
                                                           std::size_t signer,
                                                           const validation::DataObject* document);

// Whether SignerInfo `signer` carries attribute `oid` (dotted) among its unsigned attributes.
bool has_unsigned_attribute(const SignedDataParts& parts, std::size_t signer,
                            const std::string& oid);

// Adds what `data` holds and the signature lacks to SignedData.certificates and .crls (raising
// its version to 5 when an OCSP response is added, RFC 5652 5.1). Nothing else changes.
core::Bytes add_validation_data(const core::Bytes& signature, const std::string& what,
                                const ValidationData& data);

// Adds an archive-time-stamp-v3 (digest `md`, from `tokens`) to every SignerInfo, over the
// signature and all its validation data as they are now. A detached signature needs `document`.
core::Bytes add_archive_timestamp(const core::Bytes& signature, const std::string& what,
                                  const validation::DataObject* document, const EVP_MD* md,
                                  const TokenSource& tokens);

// The long-term facts of each SignerInfo of a CAdES signature whose basic facts (extract_facts)
// are `facts`: the OCSP responses it carries, its archive time-stamps, and its level (B-LT with
// validation data, B-LTA with an archive time-stamp).
void add_long_term_facts(std::shared_ptr<const core::Bytes> signature, const std::string& what,
                         const validation::DataObject* document,
                         std::vector<validation::SignatureFacts>& facts);

// The ContentInfo again with SignerInfo `signer`'s unsigned attributes for which `drop(index)`
// is true left out (the [1] field too when none is left); everything else as encoded.
core::Bytes without_unsigned_attributes(const SignedDataParts& parts, std::size_t signer,
                                        const std::function<bool(std::size_t)>& drop);
// The ContentInfo again with `attribute` (an encoded Attribute) appended to SignerInfo `signer`'s
// unsigned attributes.
core::Bytes with_unsigned_attribute(const SignedDataParts& parts, std::size_t signer,
                                    const core::Bytes& attribute);
// An encoded Attribute: SEQUENCE { type (dotted OID), SET { each value as encoded } }.
core::Bytes attribute(const char* type, const std::vector<core::Bytes>& values);
// The type (dotted OID) and values of an encoded Attribute; nullopt when it is not one.
std::optional<std::pair<std::string, std::vector<der::Tlv>>> attribute_parts(const der::Tlv& attr);

// The DER of an OID given in dotted form.
core::Bytes oid_der(const char* dotted);
// OCSPResponse ::= SEQUENCE { responseStatus successful, responseBytes [0] EXPLICIT SEQUENCE {
//   responseType id-pkix-ocsp-basic, response OCTET STRING } } around a BasicOCSPResponse, as
// the revocation code reads carried answers (older toolkits carry the bare BasicOCSPResponse).
core::Bytes ocsp_response_of(std::span<const unsigned char> basic);

// The DER of a signature OpenSSL can read but that is not definite-length DER (BER from other
// toolkits): re-encoded; the bytes themselves when they are DER already.
// `reencoded` (when given) tells which. PEM is read as the DER inside it. der_form shares the
// bytes given when they are DER already (a signature may be 256 MiB: no copy).
std::shared_ptr<const core::Bytes> der_form(std::shared_ptr<const core::Bytes> signature,
                                            const std::string& what, bool* reencoded = nullptr);
core::Bytes as_der(const core::Bytes& signature, const std::string& what,
                   bool* reencoded = nullptr);

}  // namespace ltsign::cms
