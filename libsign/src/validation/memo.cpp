#include "validation/memo.hpp"

#include <openssl/x509.h>

#include "crypto/certificate_cache.hpp"

namespace ltsign::validation {
namespace {

void append_digest(std::string& key, const X509* cert) {
    const auto md = ossl::certificate_sha256(cert);
    key.append(reinterpret_cast<const char*>(md.data()), md.size());
}

ChainResult copy_of(const ChainResult& r) {
    ChainResult out;
    out.indication = r.indication;
    out.anchored_by = r.anchored_by;
    out.sub_indication = r.sub_indication;
    out.explanation = r.explanation;
    out.chain = r.chain;
    for (const auto& c : r.certs) out.certs.push_back(ossl::up_ref(c.get()));
    out.expired_at = r.expired_at;
    return out;
}

}  // namespace

bool Memo::certificate_verifies(X509* cert, X509* issuer) {
    std::string key;
    append_digest(key, cert);
    append_digest(key, issuer);
    {
        const std::lock_guard lock(m_mutex);
        if (m_verified.contains(key)) return true;
    }
    EVP_PKEY* pkey = X509_get0_pubkey(issuer);
    if (pkey == nullptr || X509_verify(cert, pkey) != 1) return false;
    const std::lock_guard lock(m_mutex);
    if (m_verified.size() >= k_most) m_verified.clear();
    m_verified.insert(std::move(key));
    return true;
}

std::string Memo::chain_key(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted, TimePoint at,
                            const AnchorQuery& query, std::size_t anchors) {
    std::string key;
    append_digest(key, cert);
    for (const auto& c : untrusted) append_digest(key, c.get());
    key += '|' + std::to_string(at.time_since_epoch().count()) + '|' +
           std::to_string(static_cast<int>(query.purpose)) + '|' + std::to_string(anchors);
    for (const TimePoint t : query.at) key += '|' + std::to_string(t.time_since_epoch().count());
    return key;
}

std::optional<ChainResult> Memo::chain(const std::string& key) const {
    const std::lock_guard lock(m_mutex);
    const auto it = m_chains.find(key);
    if (it == m_chains.end()) return std::nullopt;
    return copy_of(it->second);
}

void Memo::remember(const std::string& key, const ChainResult& passed) {
    auto copy = copy_of(passed);
    const std::lock_guard lock(m_mutex);
    if (m_chains.size() >= k_most) m_chains.clear();
    m_chains.insert_or_assign(key, std::move(copy));
}

}  // namespace ltsign::validation
