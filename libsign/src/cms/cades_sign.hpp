// CAdES baseline B-B and B-T signatures, detached (ETSI EN 319 122-1).
#pragma once

#include <filesystem>

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

}  // namespace ltsign::cms
