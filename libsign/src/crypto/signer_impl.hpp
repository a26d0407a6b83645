#pragma once

#include <vector>

#include "core/impl_access.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/signer.hpp"

namespace ltsign::detail {

struct SignerImpl {
    ossl::Ptr<EVP_PKEY> key;
    ossl::Ptr<X509> cert;
    std::vector<ossl::Ptr<X509>> chain;  // without the signer's own certificate
};

inline const SignerImpl& impl(const Signer& signer) noexcept {
    return Access::impl(signer);
}

}  // namespace ltsign::detail
