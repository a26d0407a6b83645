#pragma once

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/timestamp.hpp"

namespace ltsign::tsp {

struct Request {
    core::Bytes der;  // the DER TimeStampReq
    ossl::Ptr<ASN1_INTEGER> nonce;
    core::Bytes imprint;
    const EVP_MD* md = nullptr;
};

// TimeStampReq with a random 64-bit nonce and certReq set.
Request make_request(const EVP_MD* md, core::Bytes imprint,
                     const std::optional<std::string>& policy);

// Checks a DER TimeStampResp against the request (status, nonce, imprint, policy, the token's
// own signature) and returns the token. Error(service_unavailable) naming `tsa.url` otherwise.
core::Bytes check_response(const Request& req, const core::Bytes& body, const TsaClient& tsa);

// Asks `tsa` for a token over a digest already computed with `md`; returns the checked token
// (DER ContentInfo). Error(service_unavailable) on any failure of the service.
core::Bytes request_token_for_digest(const TsaClient& tsa, const EVP_MD* md, core::Bytes digest);

}  // namespace ltsign::tsp
