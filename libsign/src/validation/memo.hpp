// What the signatures of a batch need not work out twice. A batch names the same few
// certificates over and over (one signer, one issuing CA, one root for a whole delivery), and
// checking a certificate's signature or building its path costs far more than the signature
// itself (every public key goes through OpenSSL 3's decoders). The memo belongs to the trust
// store, so it lives exactly as long as the anchors its answers depend on, and is shared by the
// threads of the batch.
//
// Only successes are remembered, keyed by the SHA-256 of every input's exact bytes: a failure is
// worked out again each time (and explained from scratch), and no answer can outlive a change in
// what it was computed from.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "validation/model.hpp"

namespace ltsign::validation {

class Memo {
  public:
    // X509_verify of `cert` with `issuer`'s public key; a success is remembered.
    bool certificate_verifies(X509* cert, X509* issuer);

    // A path that validated: the result for these inputs, if it was worked out before.
    static std::string chain_key(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                                 TimePoint at, const AnchorQuery& query, std::size_t anchors);
    std::optional<ChainResult> chain(const std::string& key) const;
    void remember(const std::string& key, const ChainResult& passed);

  private:
    static constexpr std::size_t k_most = 4096;  // entries of each kind; then it starts again
    mutable std::mutex m_mutex;
    std::unordered_set<std::string> m_verified;
    std::unordered_map<std::string, ChainResult> m_chains;
};

}  // namespace ltsign::validation
