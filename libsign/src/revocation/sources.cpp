// The library's own RevocationSource and IssuerFetcher: what validation did inline before the
// services could be passed in (DESIGN.md), with the CRL files read once, when the source is made.
#include "revocation/revocation.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace ltsign {
namespace {

template <class T, class D2I>
ossl::Ptr<T> parse(std::span<const unsigned char> der, D2I d2i, std::string_view what) {
    return ossl::decode_der_exact<T>(core::Bytes(der.begin(), der.end()), d2i, what);
}

// Certificates parsed once per run: the requests of a batch name the same few certificates (the
// issuers, the anchors, the chains carried), and parsing one costs more than checking its status
// from memory (OpenSSL 3 decodes every public key through its provider machinery). Parsed
// certificates are shared read-only by the threads of the batch.
class ParsedCertificates {
  public:
    ossl::Ptr<X509> get(std::span<const unsigned char> der, std::string_view what) const {
        std::string key(reinterpret_cast<const char*>(der.data()), der.size());
        {
            const std::lock_guard lock(m_mutex);
            if (const auto it = m_parsed.find(key); it != m_parsed.end())
                return ossl::up_ref(it->second.get());
        }
        auto cert = parse<X509>(der, d2i_X509, what);
        const std::lock_guard lock(m_mutex);
        if (m_parsed.size() >= k_most) m_parsed.clear();  // a bound, not an eviction policy
        m_parsed.emplace(std::move(key), ossl::up_ref(cert.get()));
        return cert;
    }

    std::vector<ossl::Ptr<X509>> get_all(
        const std::vector<std::span<const unsigned char>>& ders) const {
        std::vector<ossl::Ptr<X509>> out;
        for (const auto& der : ders) out.push_back(get(der, "a certificate"));
        return out;
    }

  private:
    static constexpr std::size_t k_most = 4096;
    mutable std::mutex m_mutex;
    mutable std::unordered_map<std::string, ossl::Ptr<X509>> m_parsed;
};

std::vector<X509*> raw(const std::vector<ossl::Ptr<X509>>& certs) {
    std::vector<X509*> out;
    for (const auto& c : certs) out.push_back(c.get());
    return out;
}

// OCSP first when online, then every CRL at hand (revocation::check).
class DefaultRevocationSource final : public RevocationSource {
  public:
    explicit DefaultRevocationSource(const ValidationContext& context)
        : m_clock(context.clock ? context.clock : system_clock()) {
        m_sources.offline = context.offline;
        m_sources.require_nonce = context.policy.require_ocsp_nonce;
        m_sources.max_age = context.policy.ocsp_max_age;
        m_sources.timeout = context.revocation_timeout;
        m_sources.cache_dir = context.cache_dir;
        m_sources.memory = m_memory.get();
        for (const auto& f : context.crl_files) {
            for (auto& crl : revocation::load_crls(f)) {
                m_files.push_back(std::move(crl));
                m_sources.crls.push_back(
                    {m_files.back().get(), RevocationKind::crl_file, f.string()});
            }
        }
    }

    RevocationAnswer status(const RevocationRequest& q) const override {
        const auto cert = m_parsed.get(q.certificate, "the certificate");
        const auto issuer = m_parsed.get(q.issuer, "the issuer's certificate");
        const auto anchors = m_parsed.get_all(q.anchors);
        const auto untrusted = m_parsed.get_all(q.carried_certificates);
        std::vector<ossl::Ptr<X509_CRL>> carried;
        revocation::Sources sources = m_sources;
        sources.now = m_clock->now();
        for (const auto& der : q.carried_crls) {
            carried.push_back(parse<X509_CRL>(der, d2i_X509_CRL, "a carried CRL"));
            sources.crls.push_back({carried.back().get(), RevocationKind::crl_embedded, ""});
        }
        sources.ocsp = q.carried_ocsp;
        sources.past = q.past;
        return revocation::check(cert.get(), issuer.get(), sources, raw(anchors), raw(untrusted),
                                 q.at);
    }

    std::vector<revocation::RunMemory::Silent> silenced() const { return m_memory->silenced(); }

  private:
    std::shared_ptr<const Clock> m_clock;
    // The run's: the source is made once per batch (ValidationContext's defaults), and status()
    // is const for its callers while what it learns is shared by every request.
    std::unique_ptr<revocation::RunMemory> m_memory = std::make_unique<revocation::RunMemory>();
    ParsedCertificates m_parsed;
    std::vector<ossl::Ptr<X509_CRL>> m_files;  // read once; shared read-only by every request
    revocation::Sources m_sources;             // holds m_files' CRLs
};

class DefaultIssuerFetcher final : public IssuerFetcher {
  public:
    explicit DefaultIssuerFetcher(const ValidationContext& context)
        : m_offline(context.offline), m_timeout(context.revocation_timeout) {}

    std::vector<std::vector<unsigned char>> fetch(std::span<const unsigned char> certificate,
                                                  FetchBudget& budget) const override {
        if (m_offline) return {};
        const auto cert = parse<X509>(certificate, d2i_X509, "the certificate");
        std::vector<std::vector<unsigned char>> out;
        for (const auto& c : revocation::fetch_issuers(cert.get(), m_timeout, budget))
            out.push_back(ossl::to_der(c.get()));
        return out;
    }

  private:
    bool m_offline;
    std::chrono::milliseconds m_timeout;
};

}  // namespace

std::shared_ptr<const RevocationSource> make_revocation_source(const ValidationContext& context) {
    return std::make_shared<DefaultRevocationSource>(context);
}

namespace revocation {
std::vector<RunMemory::Silent> services_not_answering(const RevocationSource& source) {
    const auto* own = dynamic_cast<const DefaultRevocationSource*>(&source);
    return own ? own->silenced() : std::vector<RunMemory::Silent>{};
}
}  // namespace revocation

std::shared_ptr<const IssuerFetcher> make_issuer_fetcher(const ValidationContext& context) {
    return std::make_shared<DefaultIssuerFetcher>(context);
}

}  // namespace ltsign
