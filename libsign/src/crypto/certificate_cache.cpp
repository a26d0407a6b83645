#include "crypto/certificate_cache.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace ltsign::ossl {
namespace {

constexpr std::size_t k_kept = 512;

struct Cache {
    std::mutex lock;
    std::unordered_map<std::string, Ptr<X509>> by_encoding;
};

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
    const std::lock_guard<std::mutex> hold(c.lock);
    if (c.by_encoding.size() >= k_kept) c.by_encoding.clear();
    auto [it, fresh] = c.by_encoding.emplace(std::move(key), std::move(cert));
    return up_ref(it->second.get());
}

}  // namespace ltsign::ossl
