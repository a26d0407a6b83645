// RAII over OpenSSL and the one place where OpenSSL failures become ltsign::Error.
#pragma once

// pem.h first: cms.h declares PEM_read_bio_CMS only when pem.h came before it.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/c_ptr.hpp"
#include "core/file_io.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"
#include "ltsign/time.hpp"

namespace ltsign::ossl {
// Stacks whose elements are owned: freed element by element, then the stack.
inline void free_cert_stack(STACK_OF(X509) * s) noexcept {
    sk_X509_pop_free(s, X509_free);
}
inline void free_crl_stack(STACK_OF(X509_CRL) * s) noexcept {
    sk_X509_CRL_pop_free(s, X509_CRL_free);
}
// A string OpenSSL allocated (BN_bn2hex, ...): OPENSSL_free is a macro, so it needs a function.
inline void free_string(char* s) noexcept {
    OPENSSL_free(s);
}
}  // namespace ltsign::ossl

// One free function per OpenSSL type (core::Ptr, as bssl::UniquePtr): Ptr<X509> frees with
// X509_free.
LTSIGN_C_FREE(BIO, BIO_free_all);
LTSIGN_C_FREE(X509, X509_free);
LTSIGN_C_FREE(X509_STORE, X509_STORE_free);
LTSIGN_C_FREE(X509_STORE_CTX, X509_STORE_CTX_free);
LTSIGN_C_FREE(X509_NAME, X509_NAME_free);
LTSIGN_C_FREE(X509_EXTENSION, X509_EXTENSION_free);
LTSIGN_C_FREE(EVP_PKEY, EVP_PKEY_free);
LTSIGN_C_FREE(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
LTSIGN_C_FREE(EVP_MD_CTX, EVP_MD_CTX_free);
LTSIGN_C_FREE(EVP_MD, EVP_MD_free);
LTSIGN_C_FREE(CMS_ContentInfo, CMS_ContentInfo_free);
LTSIGN_C_FREE(PKCS12, PKCS12_free);
// ASN1_TIME, ASN1_INTEGER, ASN1_OCTET_STRING are all ASN1_STRING to the compiler.
LTSIGN_C_FREE(ASN1_STRING, ASN1_STRING_free);
LTSIGN_C_FREE(ASN1_OBJECT, ASN1_OBJECT_free);
LTSIGN_C_FREE(BIGNUM, BN_free);
LTSIGN_C_FREE(ESS_SIGNING_CERT, ESS_SIGNING_CERT_free);
LTSIGN_C_FREE(ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free);
LTSIGN_C_FREE(TS_REQ, TS_REQ_free);
LTSIGN_C_FREE(TS_RESP, TS_RESP_free);
LTSIGN_C_FREE(TS_TST_INFO, TS_TST_INFO_free);
LTSIGN_C_FREE(TS_MSG_IMPRINT, TS_MSG_IMPRINT_free);
LTSIGN_C_FREE(TS_RESP_CTX, TS_RESP_CTX_free);
LTSIGN_C_FREE(X509_ALGOR, X509_ALGOR_free);
LTSIGN_C_FREE(PKCS7, PKCS7_free);
LTSIGN_C_FREE(X509_CRL, X509_CRL_free);
LTSIGN_C_FREE(OCSP_CERTID, OCSP_CERTID_free);
LTSIGN_C_FREE(OCSP_REQUEST, OCSP_REQUEST_free);
LTSIGN_C_FREE(OCSP_RESPONSE, OCSP_RESPONSE_free);
LTSIGN_C_FREE(OCSP_BASICRESP, OCSP_BASICRESP_free);
LTSIGN_C_FREE(RSA_PSS_PARAMS, RSA_PSS_PARAMS_free);
LTSIGN_C_FREE(ISSUING_DIST_POINT, ISSUING_DIST_POINT_free);
// Extensions that decode to stacks (X509_get_ext_d2i), each with its own free function.
LTSIGN_C_FREE(EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free);
LTSIGN_C_FREE(CRL_DIST_POINTS, CRL_DIST_POINTS_free);
LTSIGN_C_FREE(AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free);
LTSIGN_C_FREE(CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free);
LTSIGN_C_FREE(STACK_OF(OPENSSL_STRING), X509_email_free);  // X509_get1_ocsp, X509_get1_email
LTSIGN_C_FREE(STACK_OF(X509), ltsign::ossl::free_cert_stack);
LTSIGN_C_FREE(STACK_OF(X509_CRL), ltsign::ossl::free_crl_stack);
// char belongs to OpenSSL alone: libxml2's strings are xmlChar (unsigned char).
LTSIGN_C_FREE(char, ltsign::ossl::free_string);

namespace ltsign::ossl {

template <class T>
using Ptr = core::Ptr<T>;

// Takes the whole OpenSSL error queue (oldest first) and leaves it empty.
std::vector<std::string> drain_errors();

// Throws Error(code, message + causes from the queue). Always throws, even on an empty queue.
[[noreturn]] void fail(Errc code, std::string message, Remedy remedy = Remedy::none);

// The checkers: a null pointer or a result <= 0 is a failure.
template <class T>
[[nodiscard]] T* check(T* p, Errc code, std::string_view what) {
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
[[nodiscard]] Ptr<ASN1_TIME> to_asn1_time(TimePoint t);
std::string name_to_string(const X509_NAME* name);  // RFC 2253 order, UTF-8
std::string serial_hex(const X509* cert);
std::string integer_hex(const ASN1_INTEGER* value);
std::string sha256_hex(const X509* cert);
std::string to_hex(const unsigned char* data, std::size_t len);
// An OID as text: its long name, or dotted numbers when `numeric`; at most 127 characters.
std::string oid_text(const ASN1_OBJECT* obj, bool numeric);
[[nodiscard]] core::Bytes to_der(const X509* cert);
[[nodiscard]] Ptr<X509> up_ref(X509* cert);  // shares ownership
[[nodiscard]] Ptr<X509_CRL> up_ref(X509_CRL* crl);
// A read-only BIO over `bytes`, which must outlive it. Error(internal) when out of memory.
[[nodiscard]] Ptr<BIO> memory_bio(std::span<const unsigned char> bytes);
// Hands `cert` to `stack`, which frees it from then on (Error(internal) if it cannot grow).
void push(STACK_OF(X509) * stack, Ptr<X509> cert);

// Certificates from PEM (several) or DER (one). Error(malformed_input) if none can be read.
[[nodiscard]] std::vector<Ptr<X509>> load_certificates(const std::filesystem::path& file);

// i2d's two calls (the length, then the bytes), both checked: Error(internal) naming `what`.
template <class T, class I2D>
[[nodiscard]] core::Bytes encode_der(T* obj, I2D i2d, std::string_view what) {
    const int len = i2d(obj, nullptr);
    if (len <= 0) fail(Errc::internal, trf("cannot encode {0}", {std::string(what)}));
    core::Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    if (i2d(obj, &p) != len) fail(Errc::internal, trf("cannot encode {0}", {std::string(what)}));
    return out;
}

// Reads DER and insists on consuming every byte (no trailing data).
template <class T, class D2I>
[[nodiscard]] Ptr<T> decode_der_exact(const core::Bytes& der, D2I d2i, std::string_view what) {
    const unsigned char* p = der.data();
    Ptr<T> obj(d2i(nullptr, &p, static_cast<long>(der.size())));
    if (!obj) fail(Errc::malformed_input, trf("{0} is not valid DER", {std::string(what)}));
    if (p != der.data() + der.size()) {
        fail(Errc::malformed_input,
             trf("{0} has {1} trailing bytes after its DER encoding",
                 {std::string(what), std::to_string(der.data() + der.size() - p)}));
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
