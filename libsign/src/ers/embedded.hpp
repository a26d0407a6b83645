// Evidence records embedded in signatures, covering the signature as it was when the record was
// added. CAdES (ETSI EN 319 122-3, CAdES-E-ERS): an RFC 4998 record in an id-aa-er-internal (the
// signature carries its content) or id-aa-er-external (detached) unsigned attribute. XAdES (ETSI
// TS 119 132-3, XAdES-E-ERS): RFC 6283 or RFC 4998 records in a xadesen:SealingEvidenceRecords
// unsigned signature property, over the digest of the signature's parts (xml/xades.hpp).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cms/cades_timestamp.hpp"
#include "core/file_io.hpp"
#include "ers/record.hpp"
#include "validation/data_object.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"

namespace ltsign::ers {

inline constexpr const char* k_er_internal = "1.2.840.113549.1.9.16.2.49";
inline constexpr const char* k_er_external = "1.2.840.113549.1.9.16.2.50";

// The embedded records of each SignerInfo of a CAdES signature whose facts (one per SignerInfo)
// are `facts`, as record facts against what each covers: the ContentInfo without the record's
// attribute and without every record attribute made after it (by its first time-stamp; in the
// same second, appended after it),
// and for id-aa-er-external also the detached `document` (nullptr: not given). A record that
// cannot be decoded makes the signature a FORMAT_FAILURE: its unsigned attributes were damaged.
void add_embedded_records(std::shared_ptr<const core::Bytes> signature, const std::string& what,
                          const validation::DataObject* document,
                          std::vector<validation::SignatureFacts>& facts);

// A new record over the signature as it is (and its detached document), time-stamped by
// `tokens` with `md`, embedded in the first SignerInfo (a record made for each co-signature
// would cover the others' records, which their verification leaves out): id-aa-er-internal when the
// signature carries its content, else id-aa-er-external, which needs `document`
// (Error(input_missing) without it).
core::Bytes embed_new_record(const core::Bytes& signature, const std::string& what,
                             const validation::DataObject* document, const EVP_MD* md,
                             const cms::TokenSource& tokens);

// The records xml::extract_facts listed in `found`, decoded and checked against what each covers
// (TS 119 132-3: the one digest of the signature's parts, known by digest alone), as record facts
// of their signature. A record that cannot be decoded makes its signature a FORMAT_FAILURE.
void add_embedded_records(xml::XmlSignatures& found, const std::string& what);

// The data object of TS 119 132-3: the digests of the parts, sorted, concatenated and hashed.
core::Bytes xades_covered_digest(const EVP_MD* md, const std::vector<core::Bytes>& part_digests);

// A new RFC 6283 record over each XAdES signature of an XML signature file as it is, time-stamped
// by `tokens` with `md` over that data object and appended last to its unsigned signature
// properties in a new xadesen:SealingEvidenceRecords. A detached signature needs `document`
// (Error(input_missing) without it); Error(usage) when there is no XAdES signature.
core::Bytes embed_new_xades_record(std::span<const unsigned char> bytes, const std::string& what,
                                   const validation::DataObject* document, const EVP_MD* md,
                                   const cms::TokenSource& tokens);

// A record of one chain holding one ArchiveTimeStamp: `token` reached through `reduced` (views that
// must outlive the record's encoding), digest `md`.
EvidenceRecord one_stamp_record(const EVP_MD* md,
                                std::optional<std::vector<PartialHashtree>> reduced,
                                ByteView token);

}  // namespace ltsign::ers
