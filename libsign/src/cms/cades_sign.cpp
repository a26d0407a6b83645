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

}  // namespace

namespace {

// A read-only BIO over a Reader, so that CMS_final streams a container entry (or a file) the way
// it streams a file BIO. Exceptions stay on this side of OpenSSL: a failed read is -1 and the
// error is kept for the caller.
struct ReaderBio {
    core::Reader* reader = nullptr;
    std::string error;
};

int reader_bio_read(BIO* bio, char* out, int len) {
    auto* state = static_cast<ReaderBio*>(BIO_get_data(bio));
    try {
        return static_cast<int>(state->reader->read(
            {reinterpret_cast<unsigned char*>(out), static_cast<std::size_t>(len)}));
    } catch (const std::exception& e) {
        state->error = e.what();
        return -1;
    }
}

long reader_bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

const BIO_METHOD* reader_bio_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ltsign reader");
        if (m == nullptr || BIO_meth_set_read(m, reader_bio_read) != 1 ||
            BIO_meth_set_ctrl(m, reader_bio_ctrl) != 1) {
            throw Error(Errc::internal, "cannot create a BIO method");
        }
        return m;
    }();
    return method;
}

// The SignedData over `document`, streamed; with the signing-time attribute (CAdES) or without
// (PAdES, whose signature dictionary says when).
core::Bytes sign_object(const validation::DataObject& document, const Signer& signer,
                        const SignOptions& options, const TokenSource& tokens, bool signing_time);

}  // namespace

core::Bytes sign_cades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw Error(Errc::input_missing, file.string() + ": no such file; check the path");
    }
    return sign_cades(validation::DataObject::from_file(file), signer, options, tokens);
}

core::Bytes sign_cades(const validation::DataObject& document, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens) {
    return sign_object(document, signer, options, tokens, true);
}

core::Bytes sign_cades_detached(std::span<const unsigned char> content, const std::string& what,
                                const Signer& signer, const SignOptions& options,
                                const TokenSource& tokens) {
    SignOptions detached = options;
    detached.packaging = Packaging::detached;
    return sign_object(validation::DataObject::borrowing(what, content), signer, detached, tokens,
                       false);
}

namespace {

core::Bytes sign_object(const validation::DataObject& document, const Signer& signer,
                        const SignOptions& options, const TokenSource& tokens, bool signing_time) {
    if (options.packaging != Packaging::detached)
        throw Error(Errc::usage,
                    "CAdES signatures are detached; enveloped and enveloping "
                    "packaging needs the XAdES format",
                    Remedy::packaging);
    const TimePoint when = options.signing_time.value_or(now_utc());
    signer.check_usable_at(when);
    const auto& id = detail::impl(signer);
    if (options.level == Level::t && !tokens)
        throw Error(Errc::usage, "level T needs a time-stamping authority", Remedy::tsa);
    const bool rsa = EVP_PKEY_is_a(id.key.get(), "RSA") || EVP_PKEY_is_a(id.key.get(), "RSA-PSS");
    if (options.rsa_padding == RsaPadding::pss && !rsa) {
        throw Error(Errc::usage,
                    "RSASSA-PSS needs an RSA key; this key is " + signer.key_description());
    }
    const EVP_MD* md = crypto::evp_md(options.digest);
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
    const auto reader = document.open();
    ReaderBio state{reader.get(), {}};
    ossl::Ptr<BIO> in(check(BIO_new(reader_bio_method()), Errc::internal, "cannot create a BIO"));
    BIO_set_data(in.get(), &state);
    BIO_set_init(in.get(), 1);
    if (CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY | CMS_DETACHED) != 1) {
        if (!state.error.empty()) throw Error(Errc::io, state.error);
        ossl::fail(Errc::io, "signing " + document.name() + " failed (read error?)");
    }

    if (options.level == Level::t) add_signature_timestamps(cms.get(), md, tokens);
    return ossl::encode_der(cms.get(), i2d_CMS_ContentInfo, "the signature");
}

}  // namespace
}  // namespace ltsign::cms
