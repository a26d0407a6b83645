// The services operations hand to the format areas: time-stamps from a TSA client.
#pragma once

#include <string>

#include "cms/cades_timestamp.hpp"
#include "ltsign/sign.hpp"
#include "ltsign/timestamp.hpp"
#include "ltsign/verify.hpp"
#include "validation/model.hpp"

namespace ltsign::ops {

// Tokens from `tsa`, each checked against its request (RFC 3161 2.4.2).
cms::TokenSource token_source(const TsaClient& tsa);

// What validation found and used for a signature or token and its time-stamps (at any depth):
// every certificate of each chain built, and the OCSP response or CRL that decided each
// revocation status. What B-LT embeds.
void collect_validation_data(const SignatureReport& report, validation::ValidationData& data);

// The validation data of an RFC 3161 token's TSA (certificates, the OCSP responses or CRLs that
// showed it unrevoked), as validating the token with `context` found them: what a record keeps
// in its cryptoInfos so that it verifies offline later (RFC 4998 2.1). Nothing without a
// context; Error(service_unavailable) naming `what` when the token does not validate with it.
validation::ValidationData token_validation_data(const core::Bytes& token,
                                                 const ValidationContext* context,
                                                 const std::string& what);

// A finished signature for the public API.
SignedObject signed_object(const core::Bytes& bytes, std::string extension);

}  // namespace ltsign::ops
