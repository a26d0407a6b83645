#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include <algorithm>
#include <cstring>

#include "crypto/ossl.hpp"
#include "crypto/pkcs11.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/language.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t k_max_key_file = 16ull << 20;

int password_callback(char* buf, int size, int /*rwflag*/, void* u) noexcept {
    const auto* pw = static_cast<const std::string_view*>(u);
    if (pw == nullptr || size <= 0) return 0;
    const int n =
        static_cast<int>(std::min<std::size_t>(pw->size(), static_cast<std::size_t>(size)));
    std::memcpy(buf, pw->data(), static_cast<std::size_t>(n));
    return n;
}

void check_key_matches(const detail::SignerImpl& impl, const fs::path& source) {
    if (X509_check_private_key(impl.cert.get(), impl.key.get()) != 1) {
        ossl::fail(
            Errc::key_refused,
            trf("{0}: the private key does not belong to the certificate of {1}",
                {source.string(), ossl::name_to_string(X509_get_subject_name(impl.cert.get()))}),
            Remedy::certificate);
    }
    ossl::clear_errors();
}

}  // namespace

Signer::Signer(std::unique_ptr<detail::SignerImpl> impl) : m_impl(std::move(impl)) {}
Signer::Signer(Signer&&) noexcept = default;
Signer& Signer::operator=(Signer&&) noexcept = default;
Signer::~Signer() = default;

Signer Signer::from_pkcs12(const fs::path& file, std::string_view password) {
    core::Bytes der = core::read_file(file, k_max_key_file);
    ossl::clear_errors();
    const unsigned char* p = der.data();
    ossl::Ptr<PKCS12> p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
    OPENSSL_cleanse(der.data(), der.size());
    if (!p12) ossl::fail(Errc::malformed_input, trf("{0}: not a PKCS#12 file", {file.string()}));

    const std::string pw(password);
    if (PKCS12_mac_present(p12.get()) &&
        PKCS12_verify_mac(p12.get(), pw.c_str(), static_cast<int>(pw.size())) != 1) {
        ossl::fail(Errc::key_refused,
                   trf("{0}: wrong password for the PKCS#12 file", {file.string()}),
                   Remedy::password);
    }
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    const int ok = PKCS12_parse(p12.get(), pw.c_str(), &key, &cert, &ca);
    OPENSSL_cleanse(const_cast<char*>(pw.data()), pw.size());
    auto impl = std::make_unique<detail::SignerImpl>();
    impl->key.reset(key);
    impl->cert.reset(cert);
    ossl::Ptr<STACK_OF(X509)> chain(ca);
    if (ok != 1) {
        ossl::fail(Errc::key_refused, trf("{0}: cannot open the PKCS#12 file (wrong password or an "
                                          "algorithm this OpenSSL does not support)",
                                          {file.string()}));
    }
    if (!impl->key || !impl->cert) {
        ossl::fail(Errc::key_refused,
                   trf("{0}: the PKCS#12 file holds no private key with its certificate",
                       {file.string()}));
    }
    while (chain && sk_X509_num(chain.get()) > 0) {
        impl->chain.emplace_back(sk_X509_shift(chain.get()));
    }
    std::reverse(impl->chain.begin(), impl->chain.end());  // keep the file's order
    check_key_matches(*impl, file);
    return Signer(std::move(impl));
}

Signer Signer::from_pem(const fs::path& key_file, const fs::path& cert_file,
                        const std::vector<fs::path>& chain_files, std::string_view password) {
    core::Bytes bytes = core::read_file(key_file, k_max_key_file);
    ossl::clear_errors();
    auto impl = std::make_unique<detail::SignerImpl>();
    {
        const ossl::Ptr<BIO> bio = ossl::memory_bio(bytes);
        impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, &password));
    }
    if (!impl->key) {
        const unsigned char* p = bytes.data();
        impl->key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
    }
    const bool encrypted =
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())
            .find("ENCRYPTED") != std::string_view::npos;
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!impl->key) {
        if (encrypted) {
            ossl::fail(Errc::key_refused,
                       trf("{0}: the key is encrypted and the password was wrong or missing",
                           {key_file.string()}),
                       Remedy::password);
        }
        ossl::fail(Errc::malformed_input,
                   trf("{0}: not a private key (expected PEM or DER)", {key_file.string()}));
    }
    auto certs = ossl::load_certificates(cert_file);
    impl->cert = std::move(certs.front());
    for (std::size_t i = 1; i < certs.size(); ++i) impl->chain.push_back(std::move(certs[i]));
    for (const auto& f : chain_files) {
        for (auto& c : ossl::load_certificates(f)) impl->chain.push_back(std::move(c));
    }
    check_key_matches(*impl, key_file);
    return Signer(std::move(impl));
}

Signer Signer::from_pkcs11(std::string_view uri, const fs::path& module, std::string_view pin,
                           const fs::path& cert_file, const std::vector<fs::path>& chain_files) {
    auto impl = crypto::open_pkcs11_key(uri, module, pin, cert_file);
    for (const auto& f : chain_files) {
        for (auto& c : ossl::load_certificates(f)) impl->chain.push_back(std::move(c));
    }
    check_key_matches(*impl, std::string(uri));
    return Signer(std::move(impl));
}

Signer Signer::from_certificate(const fs::path& cert_file,
                                const std::vector<fs::path>& chain_files) {
    auto impl = std::make_unique<detail::SignerImpl>();
    auto certs = ossl::load_certificates(cert_file);
    impl->cert = std::move(certs.front());
    for (std::size_t i = 1; i < certs.size(); ++i) impl->chain.push_back(std::move(certs[i]));
    for (const auto& f : chain_files) {
        for (auto& c : ossl::load_certificates(f)) impl->chain.push_back(std::move(c));
    }
    if (X509_get0_pubkey(impl->cert.get()) == nullptr)
        ossl::fail(Errc::malformed_input,
                   trf("{0}: the certificate's key is unreadable", {cert_file.string()}));
    return Signer(std::move(impl));
}

bool Signer::has_key() const {
    return m_impl->key != nullptr;
}

std::string Signer::token_uri() const {
    return m_impl->token_uri;
}

std::string Signer::subject() const {
    return ossl::name_to_string(X509_get_subject_name(m_impl->cert.get()));
}

TimePoint Signer::not_before() const {
    return ossl::to_time_point(X509_get0_notBefore(m_impl->cert.get()));
}

TimePoint Signer::not_after() const {
    return ossl::to_time_point(X509_get0_notAfter(m_impl->cert.get()));
}

std::string Signer::key_description() const {
    const EVP_PKEY* key = X509_get0_pubkey(m_impl->cert.get());
    const int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
        return "RSA " + std::to_string(bits);
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        size_t len = 0;
        // A key without a named group leaves `group` empty: the description says just "EC".
        static_cast<void>(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len));
        return std::string("EC ") + group;
    }
    return std::string(EVP_PKEY_get0_type_name(key)) + " " + std::to_string(bits);
}

void Signer::check_usable_at(TimePoint at, Use use) const {
    const std::string who = subject();
    if (at < not_before()) {
        throw Error(Errc::key_refused, trf("the certificate of {0} is not valid until {1}; a "
                                           "signature made now could never be validated",
                                           {who, format_rfc3339(not_before())}));
    }
    if (at > not_after()) {
        throw Error(Errc::key_refused,
                    trf("the certificate of {0} expired on {1}; renew it before signing",
                        {who, format_rfc3339(not_after())}));
    }
    const uint32_t usage = X509_get_key_usage(m_impl->cert.get());
    if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
        throw Error(
            Errc::key_refused,
            trf("the certificate of {0} does not allow digital signatures (key usage)", {who}));
    }
    if (use == Use::documents) {
        if (auto refusal = ossl::document_signing_refusal(m_impl->cert.get()))
            throw Error(Errc::key_refused,
                        trf("the certificate of {0} cannot sign documents: {1}", {who, *refusal}));
    }
    const EVP_PKEY* key = X509_get0_pubkey(m_impl->cert.get());
    const int bits = EVP_PKEY_get_bits(key);
    if ((EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) && bits < 2048) {
        throw Error(Errc::key_refused,
                    trf("RSA keys of {0} bits are too weak to sign with; use 2048 bits or more",
                        {std::to_string(bits)}));
    }
    if (EVP_PKEY_is_a(key, "EC") && bits < 256) {
        throw Error(Errc::key_refused,
                    trf("EC keys of {0} bits are too weak to sign with; use P-256 or larger",
                        {std::to_string(bits)}));
    }
}

}  // namespace ltsign
