// CAdES B-T: the signature-time-stamp attribute (EN 319 122-1 5.3, RFC 5126 6.1.1).
#pragma once

#include "crypto/ossl.hpp"
#include "ltsign/timestamp.hpp"

namespace ltsign::cms {

// Adds an id-aa-signatureTimeStampToken unsigned attribute to every SignerInfo that has none:
// a token over the SignerInfo's signature value. Returns how many were added.
int add_signature_timestamps(CMS_ContentInfo* cms, const TsaClient& tsa);

}  // namespace ltsign::cms
