// A signing identity: private key, its certificate and the chain to include in signatures.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ltsign/time.hpp"

namespace ltsign {

namespace detail {
struct SignerImpl;
struct Access;
}  // namespace detail

class Signer {
  public:
    // PKCS#12 (.p12/.pfx). A wrong password throws Error(Errc::key_refused).
    static Signer from_pkcs12(const std::filesystem::path& file, std::string_view password);
    // PEM (or DER) private key plus certificate; `chain` files may hold several certificates.
    // `password` is used only when the key is encrypted.
    static Signer from_pem(const std::filesystem::path& key_file,
                           const std::filesystem::path& cert_file,
                           const std::vector<std::filesystem::path>& chain_files,
                           std::string_view password);

    Signer(Signer&&) noexcept;
    Signer& operator=(Signer&&) noexcept;
    ~Signer();

    std::string subject() const;
    TimePoint not_before() const;
    TimePoint not_after() const;
    std::string key_description() const;  // "RSA 3072", "EC P-256"

    // What a key is about to sign: documents (signatures, seals), or time-stamp tokens.
    enum class Use { documents, time_stamps };

    // Throws Error(Errc::key_refused) unless the certificate is valid at `at`, carries a usage
    // allowing signatures (for documents: an extended key usage, when present, that does not
    // restrict the key to time-stamping or OCSP, RFC 5280 4.2.1.12), and the key is strong
    // enough to sign with (DESIGN.md, Security).
    void check_usable_at(TimePoint at, Use use = Use::documents) const;

  private:
    friend struct detail::Access;
    explicit Signer(std::unique_ptr<detail::SignerImpl> impl);
    std::unique_ptr<detail::SignerImpl> m_impl;
};

}  // namespace ltsign
