// RFC 3161 time-stamp tokens: reading them into the neutral model and checking their imprint.
#pragma once

#include <filesystem>
#include <optional>
#include <span>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "validation/model.hpp"

namespace ltsign::tsp {

// What the token's message imprint must be the digest of.
struct ImprintSource {
    std::optional<std::filesystem::path> file{};  // a document (streamed)
    std::optional<core::Bytes> bytes{};           // e.g. a signature value (CAdES B-T)
    std::optional<core::Bytes> digest{};  // the imprint itself (an evidence record's root hash)
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

// The token inside a DER TimeStampResp, sliced without re-encoding. nullopt if `bytes` is not a
// TimeStampResp; Error(malformed_input) if it is one without a granted token.
std::optional<core::Bytes> token_from_response_bytes(const core::Bytes& bytes,
                                                     const std::string& what);

}  // namespace ltsign::tsp
