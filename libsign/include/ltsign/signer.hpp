// A signing identity: private key, its certificate and the chain to include in signatures.
#pragma once

#include "ltsign/export.hpp"

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

class LTSIGN_API Signer {
  public:
    // PKCS#12 (.p12/.pfx). A wrong password throws Error(Errc::key_refused).
    static Signer from_pkcs12(const std::filesystem::path& file, std::string_view password);
    // PEM (or DER) private key plus certificate; `chain` files may hold several certificates.
    // `password` is used only when the key is encrypted.
    static Signer from_pem(const std::filesystem::path& key_file,
                           const std::filesystem::path& cert_file,
                           const std::vector<std::filesystem::path>& chain_files,
                           std::string_view password);

    // A private key in a PKCS#11 token (smart card, HSM), named by an RFC 7512 URI
    // ("pkcs11:token=Seal;object=signing-key"). `module` is the token's PKCS#11 library; empty:
    // the URI's module-path, else p11-kit's proxy module (default_pkcs11_module). The PIN logs in
    // once; the key never leaves the token, and every signature made with this Signer (a whole
    // batch) uses that one session. The certificate comes from `cert_file` when given (followed
    // by the chain, if the file holds several), else from the token (the certificate with the
    // key's CKA_ID, or its label); `chain_files` add intermediate certificates.
    // Error(key_refused) for a PIN the token refuses or a key that does not match the
    // certificate, Error(input_missing) when the module, token, key or certificate is not found,
    // Error(usage) for a malformed URI or one that matches several keys.
    static Signer from_pkcs11(std::string_view uri, const std::filesystem::path& module,
                              std::string_view pin, const std::filesystem::path& cert_file,
                              const std::vector<std::filesystem::path>& chain_files);

    // Only a certificate (and its chain): the key is elsewhere, with a signing service. Such a
    // signer prepares signatures (prepare_signature) that the key's holder signs; signing with
    // it directly is Error(usage).
    static Signer from_certificate(const std::filesystem::path& cert_file,
                                   const std::vector<std::filesystem::path>& chain_files);

    Signer(Signer&&) noexcept;
    Signer& operator=(Signer&&) noexcept;
    ~Signer();

    std::string subject() const;
    TimePoint not_before() const;
    TimePoint not_after() const;
    std::string key_description() const;  // "RSA 3072", "EC P-256"
    // False for a signer made from_certificate.
    bool has_key() const;
    // The PKCS#11 URI of a key in a token; empty for a key read from a file.
    std::string token_uri() const;

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
