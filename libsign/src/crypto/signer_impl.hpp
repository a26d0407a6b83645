#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/impl_access.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/signer.hpp"

namespace ltsign::detail {

struct SignerImpl {
    // What the key needs alive (a PKCS#11 module and its logged-in session); destroyed last.
    std::shared_ptr<void> keep_alive;
    std::string token_uri;  // the PKCS#11 URI of a key in a token; empty for keys from files
    ossl::Ptr<EVP_PKEY> key;
    ossl::Ptr<X509> cert;
    std::vector<ossl::Ptr<X509>> chain;  // without the signer's own certificate
};

inline const SignerImpl& impl(const Signer& signer) noexcept {
    return Access::impl(signer);
}

}  // namespace ltsign::detail
