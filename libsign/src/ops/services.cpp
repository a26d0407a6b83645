#include "ops/services.hpp"

#include "tsp/tsp_client.hpp"

namespace ltsign::ops {

cms::TokenSource token_source(const TsaClient& tsa) {
    return [tsa](const EVP_MD* md, core::Bytes digest) {
        return tsp::request_token_for_digest(tsa, md, std::move(digest));
    };
}

SignedObject signed_object(const core::Bytes& bytes, std::string extension) {
    const auto* b = reinterpret_cast<const std::byte*>(bytes.data());
    return SignedObject(std::vector<std::byte>(b, b + bytes.size()), std::move(extension));
}

}  // namespace ltsign::ops
