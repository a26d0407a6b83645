// RAII over OpenSSL and the one place where OpenSSL failures become ltsign::Error.
#pragma once

// pem.h first: cms.h declares PEM_read_bio_CMS only when pem.h came before it.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_io.hpp"
#include "ltsign/error.hpp"
#include "ltsign/time.hpp"

namespace ltsign::ossl {

// One stateless deleter per OpenSSL type (as bssl::UniquePtr): Ptr<X509> frees with X509_free.
template <class T>
struct Free;

#define LTSIGN_OSSL_FREE(type, fn)                         \
    template <>                                            \
    struct Free<type> {                                    \
        void operator()(type* p) const noexcept { fn(p); } \
    }

LTSIGN_OSSL_FREE(BIO, BIO_free_all);
LTSIGN_OSSL_FREE(X509, X509_free);
LTSIGN_OSSL_FREE(X509_STORE, X509_STORE_free);
LTSIGN_OSSL_FREE(X509_STORE_CTX, X509_STORE_CTX_free);
LTSIGN_OSSL_FREE(X509_NAME, X509_NAME_free);
LTSIGN_OSSL_FREE(X509_EXTENSION, X509_EXTENSION_free);
LTSIGN_OSSL_FREE(EVP_PKEY, EVP_PKEY_free);
LTSIGN_OSSL_FREE(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
LTSIGN_OSSL_FREE(EVP_MD_CTX, EVP_MD_CTX_free);
LTSIGN_OSSL_FREE(EVP_MD, EVP_MD_free);
LTSIGN_OSSL_FREE(CMS_ContentInfo, CMS_ContentInfo_free);
LTSIGN_OSSL_FREE(PKCS12, PKCS12_free);
// ASN1_TIME, ASN1_INTEGER, ASN1_OCTET_STRING are all ASN1_STRING to the compiler.
LTSIGN_OSSL_FREE(ASN1_STRING, ASN1_STRING_free);
LTSIGN_OSSL_FREE(ASN1_OBJECT, ASN1_OBJECT_free);
LTSIGN_OSSL_FREE(BIGNUM, BN_free);
LTSIGN_OSSL_FREE(ESS_SIGNING_CERT, ESS_SIGNING_CERT_free);
LTSIGN_OSSL_FREE(ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free);
LTSIGN_OSSL_FREE(TS_REQ, TS_REQ_free);
LTSIGN_OSSL_FREE(TS_RESP, TS_RESP_free);
LTSIGN_OSSL_FREE(TS_TST_INFO, TS_TST_INFO_free);
LTSIGN_OSSL_FREE(TS_MSG_IMPRINT, TS_MSG_IMPRINT_free);
LTSIGN_OSSL_FREE(TS_RESP_CTX, TS_RESP_CTX_free);
LTSIGN_OSSL_FREE(X509_ALGOR, X509_ALGOR_free);
LTSIGN_OSSL_FREE(PKCS7, PKCS7_free);
LTSIGN_OSSL_FREE(X509_CRL, X509_CRL_free);

inline void free_cert_stack(STACK_OF(X509) * s) noexcept {
    sk_X509_pop_free(s, X509_free);
}
template <>
struct Free<STACK_OF(X509)> {
    void operator()(STACK_OF(X509) * p) const noexcept { free_cert_stack(p); }
};

#undef LTSIGN_OSSL_FREE

template <class T>
using Ptr = std::unique_ptr<T, Free<T>>;

// Takes the whole OpenSSL error queue (oldest first) and leaves it empty.
std::vector<std::string> drain_errors();

// Throws Error(code, message + causes from the queue). Always throws, even on an empty queue.
[[noreturn]] void fail(Errc code, std::string message, Remedy remedy = Remedy::none);

// The checkers: a null pointer or a result <= 0 is a failure.
template <class T>
T* check(T* p, Errc code, std::string_view what) {
    if (p == nullptr) fail(code, std::string(what));
    return p;
}
inline int check(int rc, Errc code, std::string_view what) {
    if (rc <= 0) fail(code, std::string(what));
    return rc;
}

// A cleared queue before a sequence of calls, so stale errors never join a later report.
inline void clear_errors() noexcept {
    ERR_clear_error();
}

// Certificates and times.
TimePoint to_time_point(const ASN1_TIME* t);
Ptr<ASN1_TIME> to_asn1_time(TimePoint t);
std::string name_to_string(const X509_NAME* name);  // RFC 2253 order, UTF-8
std::string serial_hex(const X509* cert);
std::string integer_hex(const ASN1_INTEGER* value);
std::string sha256_hex(const X509* cert);
std::string to_hex(const unsigned char* data, std::size_t len);
core::Bytes to_der(const X509* cert);
Ptr<X509> up_ref(X509* cert);  // shares ownership

// Certificates from PEM (several) or DER (one). Error(malformed_input) if none can be read.
std::vector<Ptr<X509>> load_certificates(const std::filesystem::path& file);

// i2d's two calls (the length, then the bytes), both checked: Error(internal) naming `what`.
template <class T, class I2D>
core::Bytes encode_der(T* obj, I2D i2d, std::string_view what) {
    const int len = i2d(obj, nullptr);
    if (len <= 0) fail(Errc::internal, "cannot encode " + std::string(what));
    core::Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    if (i2d(obj, &p) != len) fail(Errc::internal, "cannot encode " + std::string(what));
    return out;
}

// Reads DER and insists on consuming every byte (no trailing data).
template <class T, class D2I>
Ptr<T> decode_der_exact(const core::Bytes& der, D2I d2i, std::string_view what) {
    const unsigned char* p = der.data();
    Ptr<T> obj(d2i(nullptr, &p, static_cast<long>(der.size())));
    if (!obj) fail(Errc::malformed_input, std::string(what) + " is not valid DER");
    if (p != der.data() + der.size()) {
        fail(Errc::malformed_input, std::string(what) + " has " +
                                        std::to_string(der.data() + der.size() - p) +
                                        " trailing bytes after its DER encoding");
    }
    return obj;
}

// RFC 5280 4.2.1.12: when a certificate names extended key usages, the key may be used only for
// those. A key restricted to services (time-stamping, OCSP signing, TLS servers, code) must not
// sign documents: the reason, naming the usages, or nullopt when document signing is allowed
// (no EKU, anyExtendedKeyUsage, or any purpose outside that list, e.g. emailProtection,
// documentSigning, clientAuth).
std::optional<std::string> document_signing_refusal(X509* cert);

}  // namespace ltsign::ossl
