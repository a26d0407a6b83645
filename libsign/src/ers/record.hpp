// RFC 4998 evidence records: the data model shared by the DER (RFC 4998) and XML (RFC 6283)
// encodings, and the DER codec.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "validation/model.hpp"

namespace ltsign::ers {

using Bytes = core::Bytes;
// Bytes of a record: a view into the buffer it was decoded from, or into bytes the record keeps
// (EvidenceRecord::storage). Records of millions of hashes cost a view each, not a copy.
using ByteView = std::span<const unsigned char>;

// PartialHashtree ::= SEQUENCE OF OCTET STRING
using PartialHashtree = std::vector<ByteView>;

// ArchiveTimeStamp ::= SEQUENCE {
//   digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
//   attributes      [1] Attributes OPTIONAL,
//   reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
//   timeStamp       ContentInfo }
struct ArchiveTimeStamp {
    int digest_nid =
        0;  // from digestAlgorithm, 0 when absent (then: the token's imprint algorithm)
    std::optional<std::vector<PartialHashtree>> reduced_hashtree;
    ByteView time_stamp;  // the TimeStampToken (ContentInfo), exactly as encoded
    ByteView encoded;     // this ArchiveTimeStamp as found (DER); empty when new, and for XML
    // XML only (RFC 6283 4.2): the canonicalised <TimeStamp> element, hashed by a renewal.
    ByteView xml_time_stamp_c14n;
};

// ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp
struct ArchiveTimeStampChain {
    std::vector<ArchiveTimeStamp> stamps;
    std::string xml_c14n;  // XML only: the chain's CanonicalizationMethod
    ByteView encoded;      // DER as found (empty when new, and for XML)
};

// EvidenceRecord ::= SEQUENCE {
//   version                  INTEGER { v1(1) },
//   digestAlgorithms         SEQUENCE OF AlgorithmIdentifier,
//   cryptoInfos              [0] CryptoInfos OPTIONAL,
//   encryptionInfo           [1] EncryptionInfo OPTIONAL,
//   archiveTimeStampSequence ArchiveTimeStampSequence }
// ArchiveTimeStampSequence ::= SEQUENCE OF ArchiveTimeStampChain
// (RFC 4998 module: DEFINITIONS IMPLICIT TAGS)
struct EvidenceRecord {
    enum class Encoding { asn1, xml } encoding = Encoding::asn1;
    std::vector<int> digest_algorithms;  // NIDs, in order
    std::vector<ArchiveTimeStampChain> chains;
    // DER only: cryptoInfos (each Attribute as encoded: verification data, RFC 4998 2.1) and
    // encryptionInfo (as encoded), kept so that re-encoding never drops them.
    std::vector<ByteView> crypto_infos;
    ByteView encryption_info;
    // XML only, index i > 0: ha of chain i (RFC 6283 4.2.2), the hash with chain i's
    // DigestMethod of the canonicalised <ArchiveTimeStampSequence> holding chains [0, i).
    std::vector<Bytes> xml_renewal_hash;
    bool schema_validated = false;  // XML: checked against rfc6283_ers.xsd
    // What the views above point into: the decoded input, the canonical forms, whatever a
    // writer added (keep()). Shared, so that a copy of a record stays valid.
    std::vector<std::shared_ptr<const Bytes>> storage;

    ByteView keep(Bytes bytes) {
        storage.push_back(std::make_shared<const Bytes>(std::move(bytes)));
        return *storage.back();
    }
};

// Decodes DER. Error(malformed_input) naming `what` for anything RFC 4998 does not allow. The
// record keeps `der` (shared) and views into it; nothing is copied per node.
EvidenceRecord decode_der(std::shared_ptr<const Bytes> der, const std::string& what);
// The same for bytes the caller owns: they are copied once.
EvidenceRecord decode_der(std::span<const unsigned char> der, const std::string& what);
bool looks_like_der_record(std::span<const unsigned char> bytes);

// Encodes DER; chains and stamps that carry their `encoded` bytes are written as they were.
Bytes encode_der(const EvidenceRecord& record);
Bytes encode_chain(const ArchiveTimeStampChain& chain);
Bytes encode_stamp(const ArchiveTimeStamp& stamp);

// The hash of the DER ArchiveTimeStampSequence made of chains [0, count): ha of a hash-tree
// renewal (RFC 4998 5.2 step 4), streamed from the chains' encodings without joining them.
Bytes sequence_digest(const EVP_MD* md, const EvidenceRecord& record, std::size_t count);

// Verification data for the record's time-stamps in cryptoInfos (RFC 4998 2.1: "data useful for
// the validation of the archiveTimeStampSequence"), as the CAdES attributes id-aa-ets-certValues
// (certificates) and id-aa-ets-revocationValues (CRLs and BasicOCSPResponses) write them.
// DER each; OCSP responses as full OCSPResponse.
using VerificationData = validation::ValidationData;
VerificationData verification_data(const EvidenceRecord& record);
// Appends attributes holding what `data` has and the record lacks.
void add_verification_data(EvidenceRecord& record, const VerificationData& data);

// The digest algorithm of a chain: its first stamp's digestAlgorithm, else the first token's
// imprint algorithm (DESIGN.md). nullptr if unknown.
const EVP_MD* chain_digest(const ArchiveTimeStampChain& chain);

// The message imprint algorithm and value of a token; Error(malformed_input) if unreadable.
std::pair<const EVP_MD*, Bytes> token_imprint(ByteView token);

}  // namespace ltsign::ers
