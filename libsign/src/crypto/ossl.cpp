#include "crypto/ossl.hpp"
#include "ltsign/language.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <limits>

#include "crypto/certificate_cache.hpp"

namespace ltsign::ossl {

std::vector<std::string> drain_errors() {
    std::vector<std::string> out;
    const char* data = nullptr;
    int flags = 0;
    unsigned long code = 0;
    while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        std::string line = buf;
        if (data != nullptr && (flags & ERR_TXT_STRING) && *data != '\0') {
            line += " (";
            line += data;
            line += ")";
        }
        out.push_back(std::move(line));
    }
    return out;
}

void fail(Errc code, std::string message, Remedy remedy) {
    throw Error(code, std::move(message), drain_errors(), remedy);
}

TimePoint to_time_point(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        fail(Errc::malformed_input, tr("a time value is not a valid UTCTime or GeneralizedTime"));
    }
    return TimePoint{std::chrono::seconds{::timegm(&tm)}};
}

Ptr<ASN1_TIME> to_asn1_time(TimePoint t) {
    // ASN1_TIME_set picks UTCTime for 1950-2049 and GeneralizedTime otherwise (RFC 5280 4.1.2.5).
    return Ptr<ASN1_TIME>(
        check(ASN1_TIME_set(nullptr, static_cast<time_t>(t.time_since_epoch().count())),
              Errc::internal, "cannot encode a time"));
}

std::string name_to_string(const X509_NAME* name) {
    Ptr<BIO> bio(check(BIO_new(BIO_s_mem()), Errc::internal, "out of memory"));
    // 0 is an empty name, not a failure.
    if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        fail(Errc::internal, tr("cannot print a name"));
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string to_hex(const unsigned char* data, std::size_t len) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(len * 2);
    for (std::size_t i = 0; i < len; ++i) {
        s += k_digits[data[i] >> 4];
        s += k_digits[data[i] & 0xf];
    }
    return s;
}

std::string oid_text(const ASN1_OBJECT* obj, bool numeric) {
    char buf[128];
    // OBJ_obj2txt empties the buffer before anything can fail, and a name that does not fit is
    // cut: either way the text is only shown to a reader.
    static_cast<void>(OBJ_obj2txt(buf, sizeof buf, obj, numeric ? 1 : 0));
    return buf;
}

std::string serial_hex(const X509* cert) {
    return integer_hex(X509_get0_serialNumber(cert));
}

std::string integer_hex(const ASN1_INTEGER* value) {
    Ptr<BIGNUM> bn(ASN1_INTEGER_to_BN(value, nullptr));
    if (!bn) return "";
    const Ptr<char> hex(BN_bn2hex(bn.get()));
    return hex ? hex.get() : "";
}

core::Bytes to_der(const X509* cert) {
    return encode_der(cert, i2d_X509, "a certificate");
}

std::string sha256_hex(const X509* cert) {
    const auto md = certificate_sha256(cert);
    return to_hex(md.data(), md.size());
}

Ptr<X509> up_ref(X509* cert) {
    check(X509_up_ref(cert), Errc::internal, "cannot share a certificate");
    return Ptr<X509>(cert);
}

Ptr<X509_CRL> up_ref(X509_CRL* crl) {
    check(X509_CRL_up_ref(crl), Errc::internal, "cannot share a CRL");
    return Ptr<X509_CRL>(crl);
}

Ptr<BIO> memory_bio(std::span<const unsigned char> bytes) {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        fail(Errc::internal, tr("too large for a memory BIO"));
    return Ptr<BIO>(check(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())),
                          Errc::internal, "out of memory"));
}

void push(STACK_OF(X509) * stack, Ptr<X509> cert) {
    check(sk_X509_push(stack, cert.get()), Errc::internal, "out of memory");
    static_cast<void>(cert.release());  // the stack's now
}

std::vector<Ptr<X509>> load_certificates(const std::filesystem::path& file) {
    const core::Bytes bytes = core::read_file(file, 64ull << 20);
    std::vector<Ptr<X509>> certs;
    clear_errors();
    const Ptr<BIO> bio = memory_bio(bytes);
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(c);
    clear_errors();  // the end of the PEM stream is reported as an error
    if (certs.empty()) {
        const unsigned char* p = bytes.data();
        if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(bytes.size()))) certs.emplace_back(c);
    }
    if (certs.empty()) {
        fail(Errc::malformed_input,
             trf("{0}: no certificate found (expected PEM or DER X.509 certificates)",
                 {file.string()}));
    }
    return certs;
}

std::optional<std::string> document_signing_refusal(X509* cert) {
    const Ptr<EXTENDED_KEY_USAGE> eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
    clear_errors();
    if (!eku || sk_ASN1_OBJECT_num(eku.get()) == 0) return std::nullopt;
    std::string names;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i));
        if (nid != NID_time_stamp && nid != NID_OCSP_sign && nid != NID_server_auth &&
            nid != NID_code_sign) {
            return std::nullopt;
        }
        names += std::string(names.empty() ? "" : ", ") + OBJ_nid2ln(nid);
    }
    return trf("its extended key usage allows only {0}, not signing documents (RFC 5280 4.2.1.12)",
               {names});
}

}  // namespace ltsign::ossl
