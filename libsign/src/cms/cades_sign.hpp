// CAdES baseline B-B and B-T signatures, detached (ETSI EN 319 122-1).
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "cms/cades_timestamp.hpp"
#include "crypto/ossl.hpp"
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

// ---- The steps the functions above share with two-phase signing (prepare, sign, complete).

// A SignedData without its signature value, and what its signer signs: the DER signed
// attributes (RFC 5652 5.4).
struct UnsignedCms {
    ossl::Ptr<CMS_ContentInfo> cms;
    core::Bytes to_be_signed;
};
// The CAdES B-B SignedData over `document` for the certificate of `signer` (whose key may be
// elsewhere), its value missing; `signing_time` as for sign_cades (true) or PAdES (false). The
// certificate is checked (Signer::check_usable_at) at the signing time.
UnsignedCms prepare_cades(const validation::DataObject& document, const Signer& signer,
                          const SignOptions& options, bool signing_time);
// Puts `value` (ECDSA: DER or raw) into the only SignerInfo of `cms` after checking that it
// signs the signed attributes with the key of the signer's certificate: Error(key_refused) when
// it does not (nothing is changed then), Error(malformed_input) when `cms` is not one prepared.
void complete_cms(CMS_ContentInfo* cms, std::span<const unsigned char> value);
// The DER SignedAttributes of `si` (the SET OF tag), what its value signs.
core::Bytes signed_attributes_der(CMS_SignerInfo* si);

}  // namespace ltsign::cms
