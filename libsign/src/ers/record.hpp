// RFC 4998 evidence records: the data model shared by the DER (RFC 4998) and XML (RFC 6283)
// encodings, and the DER codec.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"

namespace ltsign::ers {

using Bytes = core::Bytes;

// PartialHashtree ::= SEQUENCE OF OCTET STRING
using PartialHashtree = std::vector<Bytes>;

// ArchiveTimeStamp ::= SEQUENCE {
//   digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
//   attributes      [1] Attributes OPTIONAL,
//   reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
//   timeStamp       ContentInfo }
struct ArchiveTimeStamp {
    int digest_nid =
        0;  // from digestAlgorithm, 0 when absent (then: the token's imprint algorithm)
    std::optional<std::vector<PartialHashtree>> reduced_hashtree;
    Bytes time_stamp;  // the TimeStampToken (ContentInfo), exactly as encoded
    Bytes encoded;     // this ArchiveTimeStamp as found (DER) or as written; empty for XML
    // XML only (RFC 6283 4.2): the canonicalised <TimeStamp> element, hashed by a renewal.
    Bytes xml_time_stamp_c14n;
};

// ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp
struct ArchiveTimeStampChain {
    std::vector<ArchiveTimeStamp> stamps;
    std::string xml_c14n;  // XML only: the chain's CanonicalizationMethod
    Bytes encoded;         // DER as found or written (empty for XML)
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
    // XML only: the canonicalised <ArchiveTimeStampSequence> holding chains [0, i), per i > 0
    // (index chains.size(): all of them, what a hash-tree renewal now would hash).
    std::vector<Bytes> xml_sequence_c14n;
    bool schema_validated = false;  // XML: checked against rfc6283_ers.xsd
};

// Decodes DER. Error(malformed_input) naming `what` for anything RFC 4998 does not allow.
EvidenceRecord decode_der(std::span<const unsigned char> der, const std::string& what);
bool looks_like_der_record(std::span<const unsigned char> bytes);

// Encodes DER; chains and stamps that carry their `encoded` bytes are written as they were.
Bytes encode_der(EvidenceRecord& record);
Bytes encode_chain(ArchiveTimeStampChain& chain);
Bytes encode_stamp(const ArchiveTimeStamp& stamp);

// DER of the ArchiveTimeStampSequence made of chains [0, count): what hash-tree renewal hashes
// (RFC 4998 5.2 step 4).
Bytes sequence_der(const EvidenceRecord& record, std::size_t count);

// The digest algorithm of a chain: its first stamp's digestAlgorithm, else the first token's
// imprint algorithm (DESIGN.md). nullptr if unknown.
const EVP_MD* chain_digest(const ArchiveTimeStampChain& chain);

// The message imprint algorithm and value of a token; Error(malformed_input) if unreadable.
std::pair<const EVP_MD*, Bytes> token_imprint(const Bytes& token);

}  // namespace ltsign::ers
