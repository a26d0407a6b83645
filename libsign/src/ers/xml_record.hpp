// RFC 6283 XML evidence records: reading, writing, and appending renewals in place.
#pragma once

#include <span>
#include <string>

#include "ers/record.hpp"

namespace ltsign::ers {

inline constexpr const char* k_ers_ns = "urn:ietf:params:xml:ns:ers";

bool looks_like_xml_record(std::span<const unsigned char> bytes);

// Parses, schema-validates (rfc6283_ers.xsd from the standard-schema directory, when present)
// and fills the model, including the canonical forms renewals hash. Error(malformed_input) for
// anything RFC 6283 does not allow.
EvidenceRecord decode_xml(std::span<const unsigned char> bytes, const std::string& what);

// ha of a hash-tree renewal now (RFC 6283 4.2.2): the hash of the whole canonicalised
// ArchiveTimeStampSequence (C14N 1.0, what new chains declare).
Bytes xml_sequence_digest(std::span<const unsigned char> record, const EVP_MD* md,
                          const std::string& what);

// A new record (from seal), indented.
Bytes encode_xml(const EvidenceRecord& record);

// The record `original` with `stamp` appended to its last chain (time-stamp renewal), or as the
// first stamp of a new chain (hash-tree renewal). Everything already there is kept byte for
// byte, so the canonical forms earlier renewals hashed do not change.
Bytes append_xml(std::span<const unsigned char> original, const ArchiveTimeStamp& stamp,
                 bool new_chain, const std::string& what);

// DigestMethod URIs (RFC 6283 uses the XML Signature identifiers).
std::string digest_uri(int nid);
int digest_nid_from_uri(const std::string& uri);

}  // namespace ltsign::ers
