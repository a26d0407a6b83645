#include "crypto/certificate_cache.hpp"
#include "ltsign/language.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace ltsign::ossl {
namespace {

// Bounds, so that hostile input cannot grow the cache: at most this many certificates and bytes
// of encodings are kept (the cache starts afresh when either is reached), and a certificate
// larger than any real one is decoded for its caller alone.
constexpr std::size_t k_kept = 512;
constexpr std::size_t k_kept_bytes = 4u << 20;
constexpr std::size_t k_largest_kept = 16u << 10;

using Sha256 = std::array<unsigned char, 32>;

struct Cache {
    std::mutex lock;
    std::unordered_map<std::string, Ptr<X509>> by_encoding;
    // Only for certificates held in by_encoding (which keeps them alive, so an address is never
    // another certificate's while it is here); emptied with it.
    std::unordered_map<const X509*, Sha256> digests;
    std::size_t bytes = 0;  // of the encodings kept
};

Sha256 sha256_of(std::span<const unsigned char> bytes) {
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    Sha256 out{};
    unsigned int n = 0;
    if (sha256 == nullptr ||
        EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, sha256, nullptr) != 1 ||
        n != out.size()) {
        fail(Errc::internal, tr("cannot compute SHA-256"));
    }
    return out;
}

Cache& cache() {
    static Cache* instance = new Cache;  // never destroyed: callers may run during exit
    return *instance;
}

}  // namespace

Ptr<X509> shared_certificate(std::span<const unsigned char> der) {
    std::string key(reinterpret_cast<const char*>(der.data()), der.size());
    Cache& c = cache();
    {
        const std::lock_guard<std::mutex> hold(c.lock);
        if (auto it = c.by_encoding.find(key); it != c.by_encoding.end())
            return up_ref(it->second.get());
    }
    const unsigned char* p = der.data();
    Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert || p != der.data() + der.size()) {
        clear_errors();
        return nullptr;
    }
    // The extension cache is filled now, once, rather than lazily under the certificate's lock
    // by whichever thread asks first.
    X509_check_purpose(cert.get(), -1, 0);
    clear_errors();
    if (der.size() > k_largest_kept) return cert;
    const Sha256 digest = sha256_of(der);
    const std::lock_guard<std::mutex> hold(c.lock);
    if (c.by_encoding.size() >= k_kept || c.bytes + der.size() > k_kept_bytes) {
        c.by_encoding.clear();
        c.digests.clear();
        c.bytes = 0;
    }
    auto [it, fresh] = c.by_encoding.emplace(std::move(key), std::move(cert));
    if (fresh) {
        c.digests.emplace(it->second.get(), digest);
        c.bytes += der.size();
    }
    return up_ref(it->second.get());
}

std::array<unsigned char, 32> certificate_sha256(const X509* cert) {
    Cache& c = cache();
    {
        const std::lock_guard<std::mutex> hold(c.lock);
        if (auto it = c.digests.find(cert); it != c.digests.end()) return it->second;
    }
    return sha256_of(encode_der(cert, i2d_X509, "a certificate"));
}

}  // namespace ltsign::ossl
