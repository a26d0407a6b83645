// CAdES B-T: the signature-time-stamp attribute (EN 319 122-1 5.3, RFC 5126 6.1.1).
#pragma once

#include <functional>
#include <string>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"

namespace ltsign::cms {

// Where a time-stamp comes from: given the digest algorithm and the digest of the data to
// time-stamp, the checked RFC 3161 token (DER ContentInfo). The operation that signs or extends
// passes its TSA client in; this area never reaches the network itself.
using TokenSource = std::function<core::Bytes(const EVP_MD* md, core::Bytes digest)>;

// Adds an id-aa-signatureTimeStampToken unsigned attribute to every SignerInfo that has none:
// a token (digest `md`) over the SignerInfo's signature value. Returns how many were added.
int add_signature_timestamps(CMS_ContentInfo* cms, const EVP_MD* md, const TokenSource& tokens);

// Raises every SignerInfo of a CAdES signature that has no signature-time-stamp to B-T. The
// signed part is untouched and checked to verify as before. Error(usage) when each already has
// one; Error(malformed_input) naming `what` when re-encoding would change how it verifies.
core::Bytes extend_cades(const core::Bytes& signature, const std::string& what, const EVP_MD* md,
                         const TokenSource& tokens);

}  // namespace ltsign::cms
