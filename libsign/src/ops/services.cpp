#include "ops/services.hpp"

#include "tsp/tsp_client.hpp"

namespace ltsign::ops {

cms::TokenSource token_source(const TsaClient& tsa) {
    return [tsa](const EVP_MD* md, core::Bytes digest) {
        return tsp::request_token_for_digest(tsa, md, std::move(digest));
    };
}

SignedObject signed_object(const core::Bytes& bytes, std::string extension) {
    return SignedObject(core::to_public_bytes(bytes), std::move(extension));
}

}  // namespace ltsign::ops
