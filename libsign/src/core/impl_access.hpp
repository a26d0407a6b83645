// The library's way into the implementation of its public classes (Signer, TrustStore): their
// headers befriend detail::Access instead of offering an impl() accessor to integrators. Each
// implementation's internal header adds a detail::impl(const Public&) for its class.
#pragma once

namespace ltsign::detail {

struct Access {
    template <class Public>
    static const auto& impl(const Public& object) noexcept {
        return *object.m_impl;
    }
};

}  // namespace ltsign::detail
