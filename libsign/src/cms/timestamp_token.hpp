// RFC 3161 time-stamp tokens: reading them into the neutral model and checking their imprint.
#pragma once

#include <optional>
#include <span>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/inspect.hpp"
#include "validation/data_object.hpp"
#include "validation/model.hpp"

namespace ltsign::cms {

// What the token's message imprint must be the digest of: the time-stamped data (a document, or
// a signature value for CAdES B-T), hashed with the imprint's algorithm, or the imprint itself
// when the caller computed it (an evidence record's root hash). Neither: not checked.
struct ImprintSource {
    std::optional<validation::DataObject> data{};
    std::optional<core::Bytes> digest{};
};

// True when the SignedData encapsulates a TSTInfo (id-ct-TSTInfo).
bool is_token(CMS_ContentInfo* cms);

// Facts of one token (a ContentInfo holding SignedData over TSTInfo), with the imprint checked
// against `source` (not_possible when the source is empty). Error(malformed_input) if the bytes
// are not a CMS SignedData at all; other defects become format problems in the facts.
// The TSA certificate is looked for among the token's certificates, then `candidates`.
validation::SignatureFacts token_facts(std::span<const unsigned char> token_der,
                                       const ImprintSource& source,
                                       const std::vector<X509*>& candidates = {});
// The same for a token already parsed from `token_der`.
validation::SignatureFacts token_facts(CMS_ContentInfo* token,
                                       std::span<const unsigned char> token_der,
                                       const ImprintSource& source,
                                       const std::vector<X509*>& candidates = {});

// The TSTInfo of a token for `ltsign inspect` (genTime, serial, policy, imprint, nonce); nullopt
// when it cannot be decoded.
std::optional<InspectField> tst_info_fields(CMS_ContentInfo* token);

// The token inside a DER TimeStampResp, sliced without re-encoding. nullopt if `bytes` is not a
// TimeStampResp; Error(malformed_input) if it is one without a granted token.
// looks_like_timestamp_response: the bytes have a TimeStampResp's shape (cheap, for sniffing).
std::optional<core::Bytes> token_from_response_bytes(const core::Bytes& bytes,
                                                     const std::string& what);
bool looks_like_timestamp_response(std::span<const unsigned char> bytes);

}  // namespace ltsign::cms
