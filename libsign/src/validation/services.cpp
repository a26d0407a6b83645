#include "validation/services.hpp"

#include <mutex>

namespace ltsign {

namespace detail {

// A default is remade when a field it was made from changes, so a context edited between two
// verifications behaves as if new; while they stay the same, one default serves every signature
// and time-stamp of a batch (the CRL files are read once).
struct DefaultServices {
    struct RevocationFields {
        bool offline = false;
        std::vector<std::filesystem::path> crl_files;
        std::chrono::milliseconds timeout{};
        std::filesystem::path cache_dir;
        bool require_nonce = true;
        std::chrono::seconds max_age{};
        const Clock* clock = nullptr;
        bool operator==(const RevocationFields&) const = default;
    };
    struct FetcherFields {
        bool offline = false;
        std::chrono::milliseconds timeout{};
        bool operator==(const FetcherFields&) const = default;
    };

    std::mutex mutex;
    RevocationFields revocation_fields;
    std::shared_ptr<const RevocationSource> revocation;
    FetcherFields fetcher_fields;
    std::shared_ptr<const IssuerFetcher> fetcher;
};

std::shared_ptr<DefaultServices> make_default_services() {
    return std::make_shared<DefaultServices>();
}

}  // namespace detail

namespace {

class SystemClock final : public Clock {
  public:
    TimePoint now() const override { return now_utc(); }
};

}  // namespace

std::shared_ptr<const Clock> system_clock() {
    // Stateless, so one instance serves every context.
    static const auto clock = std::make_shared<const SystemClock>();
    return clock;
}

namespace validation {

namespace {

// The default kept in `slot`, remade when the fields it was made from changed.
template <class Service, class Fields, class Make>
std::shared_ptr<const Service> kept(detail::DefaultServices& d,
                                    std::shared_ptr<const Service>& slot, Fields& made_from,
                                    const Fields& fields, Make make) {
    const std::lock_guard lock(d.mutex);
    if (!slot || !(made_from == fields)) {
        slot = make();
        made_from = fields;
    }
    return slot;
}

}  // namespace

std::shared_ptr<const RevocationSource> revocation_source_of(const ValidationContext& context) {
    if (context.revocation_source) return context.revocation_source;
    auto make = [&] { return make_revocation_source(context); };
    if (!context.default_services) return make();
    const detail::DefaultServices::RevocationFields fields{context.offline,
                                                           context.crl_files,
                                                           context.revocation_timeout,
                                                           context.cache_dir,
                                                           context.policy.require_ocsp_nonce,
                                                           context.policy.ocsp_max_age,
                                                           context.clock.get()};
    auto& d = *context.default_services;
    return kept(d, d.revocation, d.revocation_fields, fields, make);
}

std::shared_ptr<const IssuerFetcher> issuer_fetcher_of(const ValidationContext& context) {
    if (context.issuer_fetcher) return context.issuer_fetcher;
    auto make = [&] { return make_issuer_fetcher(context); };
    if (!context.default_services) return make();
    const detail::DefaultServices::FetcherFields fields{context.offline,
                                                        context.revocation_timeout};
    auto& d = *context.default_services;
    return kept(d, d.fetcher, d.fetcher_fields, fields, make);
}

std::shared_ptr<const Clock> clock_of(const ValidationContext& context) {
    return context.clock ? context.clock : system_clock();
}

TimePoint validation_time_of(const ValidationContext& context) {
    return context.validation_time ? *context.validation_time : clock_of(context)->now();
}

}  // namespace validation
}  // namespace ltsign
