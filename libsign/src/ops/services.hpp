// The services operations hand to the format areas: time-stamps from a TSA client.
#pragma once

#include <string>

#include "cms/cades_timestamp.hpp"
#include "ltsign/sign.hpp"
#include "ltsign/timestamp.hpp"

namespace ltsign::ops {

// Tokens from `tsa`, each checked against its request (RFC 3161 2.4.2).
cms::TokenSource token_source(const TsaClient& tsa);

// A finished signature for the public API.
SignedObject signed_object(const core::Bytes& bytes, std::string extension);

}  // namespace ltsign::ops
