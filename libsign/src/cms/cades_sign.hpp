// CAdES baseline B-B and B-T signatures, detached (ETSI EN 319 122-1).
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "cms/cades_timestamp.hpp"
#include "ltsign/sign.hpp"
#include "validation/data_object.hpp"

namespace ltsign::cms {

// The DER SignedData over `file` (streamed), B-T when options.level is Level::t, its
// signature-time-stamps from `tokens`.
core::Bytes sign_cades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens);
// The same over a data object (a container entry, or ASiCManifest bytes), streamed.
core::Bytes sign_cades(const validation::DataObject& document, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens);

// The DER SignedData over `content` in memory, as PAdES signs a PDF's byte range (EN 319 142-1
// 6.3): no signing-time attribute (the signature dictionary's /M says when), signing-certificate-
// v2 as for CAdES, its signature-time-stamp from `tokens` at level T. `what` names the content
// in messages.
core::Bytes sign_cades_detached(std::span<const unsigned char> content, const std::string& what,
                                const Signer& signer, const SignOptions& options,
                                const TokenSource& tokens);

}  // namespace ltsign::cms
