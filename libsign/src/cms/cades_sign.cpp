// CAdES baseline B-B, detached (ETSI EN 319 122-1 6.3 / 6.2.1).
#include <openssl/rsa.h>

#include "cms/cades_sign.hpp"

#include "core/file_io.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"

namespace ltsign::cms {
namespace {

using ossl::check;

void use_pss(CMS_SignerInfo* si, const EVP_MD* md) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    check(pctx != nullptr ? 1 : 0, Errc::internal, "no key context for RSASSA-PSS");
    // RFC 4056 recommends a salt as long as the digest and MGF1 over the same digest.
    check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), Errc::internal,
          "cannot select RSASSA-PSS");
    check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), Errc::internal,
          "cannot set the PSS salt length");
    check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), Errc::internal, "cannot set the MGF1 digest");
}

// The checks every CMS signature needs before anything is made.
void check_options(const Signer& signer, const SignOptions& options, const TokenSource& tokens,
                   TimePoint when) {
    if (options.packaging != Packaging::detached)
        throw Error(Errc::usage,
                    "CAdES signatures are detached; enveloped and enveloping "
                    "packaging needs the XAdES format",
                    Remedy::packaging);
    signer.check_usable_at(when);
    const auto& id = detail::impl(signer);
    if (options.level == Level::t && !tokens)
        throw Error(Errc::usage, "level T needs a time-stamping authority", Remedy::tsa);
    const bool rsa = EVP_PKEY_is_a(id.key.get(), "RSA") || EVP_PKEY_is_a(id.key.get(), "RSA-PSS");
    if (options.rsa_padding == RsaPadding::pss && !rsa) {
        throw Error(Errc::usage,
                    "RSASSA-PSS needs an RSA key; this key is " + signer.key_description());
    }
    const bool sha3 =
        options.digest == DigestAlgorithm::sha3_256 || options.digest == DigestAlgorithm::sha3_512;
    if (sha3 && (!rsa || options.rsa_padding == RsaPadding::pss)) {
        // OpenSSL 3.0's CMS knows SHA-3 only with RSA PKCS#1 v1.5 (no ecdsa-with-SHA3 mapping,
        // no SHA-3 in RSASSA-PSS parameters); refusing beats a signature nobody can verify.
        throw Error(Errc::usage,
                    "SHA-3 digests are supported only with RSA PKCS#1 v1.5 keys; choose sha256, "
                    "sha384 or sha512",
                    Remedy::digest);
    }
}

// The SignedData over what `in` reads, streamed; with the signing-time attribute (CAdES) or
// without (PAdES).
core::Bytes sign_content(BIO* in, const std::string& what, const Signer& signer,
                         const SignOptions& options, const TokenSource& tokens, TimePoint when,
                         bool signing_time) {
    const auto& id = detail::impl(signer);
    const EVP_MD* md = crypto::evp_md(options.digest);
    ossl::clear_errors();
    ossl::Ptr<CMS_ContentInfo> cms(
        check(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY),
              Errc::internal, "cannot create a CMS SignedData"));
    // CMS_CADES adds signing-certificate-v2 (RFC 5035) over the signer's certificate with the
    // chosen digest and its issuer/serial, as EN 319 122-1 5.2.2 requires.
    const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES |
                           (options.rsa_padding == RsaPadding::pss ? CMS_KEY_PARAM : 0u);
    CMS_SignerInfo* si = check(CMS_add1_signer(cms.get(), id.cert.get(), id.key.get(), md, flags),
                               Errc::internal, "cannot add the signer");
    if (options.rsa_padding == RsaPadding::pss) use_pss(si, md);

    // RFC 5652 11.3 signing-time: ours, so that the caller's clock decides it.
    if (signing_time) {
        const auto t = ossl::to_asn1_time(when);
        check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t.get(), -1),
              Errc::internal, "cannot add signing-time");
    }
    for (const auto& c : id.chain) {
        check(CMS_add1_cert(cms.get(), c.get()), Errc::internal, "cannot add a chain certificate");
    }
    // CMS_final streams the document through the digest in chunks (it is never held in memory),
    // adds content-type and message-digest (RFC 5652 11.1, 11.2) and signs.
    check(CMS_final(cms.get(), in, nullptr, CMS_BINARY | CMS_DETACHED), Errc::io,
          "signing " + what + " failed (read error?)");

    if (options.level == Level::t) add_signature_timestamps(cms.get(), md, tokens);
    return ossl::encode_der(cms.get(), i2d_CMS_ContentInfo, "the signature");
}

}  // namespace

core::Bytes sign_cades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens) {
    const TimePoint when = options.signing_time.value_or(now_utc());
    check_options(signer, options, tokens, when);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw Error(Errc::input_missing, file.string() + ": no such file; check the path");
    }
    ossl::Ptr<BIO> in(BIO_new_file(file.c_str(), "rb"));
    if (!in) ossl::fail(Errc::input_missing, file.string() + ": cannot open");
    return sign_content(in.get(), file.string(), signer, options, tokens, when, true);
}

core::Bytes sign_cades_detached(std::span<const unsigned char> content, const std::string& what,
                                const Signer& signer, const SignOptions& options,
                                const TokenSource& tokens) {
    const TimePoint when = options.signing_time.value_or(now_utc());
    SignOptions detached = options;
    detached.packaging = Packaging::detached;
    check_options(signer, detached, tokens, when);
    static const unsigned char k_nothing = 0;
    ossl::Ptr<BIO> in(BIO_new_mem_buf(content.empty() ? &k_nothing : content.data(),
                                      static_cast<int>(content.size())));
    if (!in) ossl::fail(Errc::internal, "cannot read " + what);
    return sign_content(in.get(), what, signer, detached, tokens, when, false);
}

}  // namespace ltsign::cms
