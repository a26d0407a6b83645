// Signature values: made by a signer's key, checked against a certificate.
#include "crypto/signing.hpp"

#include <openssl/rsa.h>

#include <mutex>

#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/language.hpp"

LTSIGN_C_FREE(ECDSA_SIG, ECDSA_SIG_free);

namespace ltsign::crypto {
namespace {

bool is_rsa(const EVP_PKEY* key) {
    return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
}

// RFC 4056 / EN 319 122-1: a salt as long as the digest, MGF1 over the same digest.
void use_pss(EVP_PKEY_CTX* pctx, const EVP_MD* md) {
    ossl::check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), Errc::internal,
                "cannot select RSASSA-PSS");
    ossl::check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), Errc::internal,
                "cannot set the PSS salt length");
    ossl::check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), Errc::internal,
                "cannot set the MGF1 digest");
}

// The length of r (and of s) in a raw ECDSA value: the group order's bytes.
std::size_t ecdsa_half(X509* cert) {
    const int bits = EVP_PKEY_get_bits(X509_get0_pubkey(cert));
    return static_cast<std::size_t>((bits + 7) / 8);
}

core::Bytes der_to_raw(std::span<const unsigned char> der, std::size_t half) {
    const unsigned char* p = der.data();
    ossl::Ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != der.data() + der.size()) return {};
    core::Bytes raw(2 * half);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(half)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + half, static_cast<int>(half)) < 0)
        return {};
    return raw;
}

core::Bytes raw_to_der(std::span<const unsigned char> raw) {
    ossl::Ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
    const int half = static_cast<int>(raw.size() / 2);
    ossl::Ptr<BIGNUM> r(BN_bin2bn(raw.data(), half, nullptr));
    ossl::Ptr<BIGNUM> s(BN_bin2bn(raw.data() + half, half, nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        ossl::fail(Errc::internal, tr("cannot encode an ECDSA value"));
    static_cast<void>(r.release());  // the ECDSA_SIG's now
    static_cast<void>(s.release());
    return ossl::encode_der(sig.get(), i2d_ECDSA_SIG, "the ECDSA value");
}

}  // namespace

core::Bytes ecdsa_as(X509* cert, std::span<const unsigned char> value, EcdsaEncoding encoding) {
    if (!EVP_PKEY_is_a(X509_get0_pubkey(cert), "EC")) return {value.begin(), value.end()};
    const std::size_t half = ecdsa_half(cert);
    const bool raw = value.size() == 2 * half;
    core::Bytes as_raw = raw ? core::Bytes(value.begin(), value.end()) : der_to_raw(value, half);
    ossl::clear_errors();
    if (as_raw.empty()) {
        throw Error(Errc::key_refused, trf("the signature value is not an ECDSA value for this "
                                           "certificate's key (DER, or r and s of {0} bytes each)",
                                           {std::to_string(half)}));
    }
    return encoding == EcdsaEncoding::raw ? as_raw : raw_to_der(as_raw);
}

core::Bytes sign_with_key(const detail::SignerImpl& signer, std::span<const unsigned char> tbs,
                          const EVP_MD* md, RsaPadding padding, EcdsaEncoding encoding) {
    if (!signer.key) {
        throw Error(Errc::usage,
                    tr("this signer has only a certificate, its key is elsewhere: prepare the "
                       "signature, have the key sign it, then complete it"));
    }
    ossl::clear_errors();
    ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, signer.key.get()) != 1)
        ossl::fail(Errc::key_refused, tr("the key cannot sign with this digest"));
    if (padding == RsaPadding::pss && is_rsa(signer.key.get())) use_pss(pctx, md);
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, tbs.data(), tbs.size()) != 1)
        ossl::fail(Errc::key_refused, tr("the key refused to sign"));
    core::Bytes value(len);
    if (EVP_DigestSign(ctx.get(), value.data(), &len, tbs.data(), tbs.size()) != 1)
        ossl::fail(Errc::key_refused, tr("the key refused to sign"));
    value.resize(len);
    return ecdsa_as(signer.cert.get(), value, encoding);
}

bool value_matches(X509* cert, std::span<const unsigned char> tbs,
                   std::span<const unsigned char> value, const EVP_MD* md, RsaPadding padding) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    if (pub == nullptr) return false;
    core::Bytes der;
    try {
        der = ecdsa_as(cert, value, EcdsaEncoding::der);
    } catch (const Error&) {
        return false;
    }
    ossl::clear_errors();
    ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pub) != 1) return false;
    if (padding == RsaPadding::pss && is_rsa(pub)) use_pss(pctx, md);
    const bool ok =
        EVP_DigestVerify(ctx.get(), der.data(), der.size(), tbs.data(), tbs.size()) == 1;
    ossl::clear_errors();
    return ok;
}

EVP_PKEY* placeholder_key(X509* cert) {
    static std::mutex lock;
    static ossl::Ptr<EVP_PKEY> rsa, ec;
    const bool want_rsa = is_rsa(X509_get0_pubkey(cert));
    const std::lock_guard guard(lock);
    ossl::Ptr<EVP_PKEY>& key = want_rsa ? rsa : ec;
    if (!key) {
        key.reset(want_rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024})
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        if (!key) ossl::fail(Errc::internal, tr("cannot make a placeholder key"));
    }
    return key.get();
}

std::string signature_algorithm_name(X509* cert, const EVP_MD* md, RsaPadding padding) {
    const EVP_PKEY* pub = X509_get0_pubkey(cert);
    const std::string digest = digest_name(md);
    if (is_rsa(pub)) return (padding == RsaPadding::pss ? "rsa-pss-" : "rsa-pkcs1-") + digest;
    if (EVP_PKEY_is_a(pub, "EC")) return "ecdsa-" + digest;
    return std::string(EVP_PKEY_get0_type_name(pub)) + "-" + digest;
}

}  // namespace ltsign::crypto
