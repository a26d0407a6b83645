// CAdES baseline B-B, detached (ETSI EN 319 122-1 6.3 / 6.2.1), made in three steps every key
// source shares: prepare (the SignedData with its signed attributes and no value), sign (the DER
// signed attributes, by a key here or a signer elsewhere), complete (the value checked, then put
// in).
#include "cms/cades_sign.hpp"

#include <algorithm>
#include <cstring>

#include "cms/cms_signature.hpp"
#include "core/der.hpp"
#include "core/file_io.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "crypto/signing.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cms {
namespace {

using ossl::check;

// RFC 4055 3.1: RSASSA-PSS-params { hashAlgorithm, maskGenAlgorithm mgf1(hashAlgorithm),
// saltLength = the digest's length, trailerField 1 (default, absent) }, written here because the
// value is made outside CMS_SignerInfo_sign (by a token, or a signer elsewhere).
void set_pss_algorithm(CMS_SignerInfo* si, const EVP_MD* md) {
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    check(sig_alg != nullptr ? 1 : 0, Errc::internal, "no signature algorithm to set");
    ossl::Ptr<RSA_PSS_PARAMS> pss(check(RSA_PSS_PARAMS_new(), Errc::internal, "out of memory"));
    pss->hashAlgorithm = check(X509_ALGOR_new(), Errc::internal, "out of memory");
    X509_ALGOR_set_md(pss->hashAlgorithm, md);
    ossl::Ptr<X509_ALGOR> mgf_hash(check(X509_ALGOR_new(), Errc::internal, "out of memory"));
    X509_ALGOR_set_md(mgf_hash.get(), md);
    ASN1_STRING* mgf_param =
        check(ASN1_item_pack(mgf_hash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr), Errc::internal,
              "cannot encode the MGF1 digest");
    pss->maskGenAlgorithm = check(X509_ALGOR_new(), Errc::internal, "out of memory");
    check(X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgf_param),
          Errc::internal, "cannot set MGF1");
    pss->saltLength = check(ASN1_INTEGER_new(), Errc::internal, "out of memory");
    check(ASN1_INTEGER_set(pss->saltLength, EVP_MD_get_size(md)), Errc::internal,
          "cannot set the salt length");
    ASN1_STRING* params = check(ASN1_item_pack(pss.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), nullptr),
                                Errc::internal, "cannot encode the RSASSA-PSS parameters");
    check(X509_ALGOR_set0(sig_alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params),
          Errc::internal, "cannot set RSASSA-PSS");
}

// Refuses what cannot be signed before anything is made.
void check_request(const Signer& signer, const SignOptions& options, const TokenSource& tokens,
                   TimePoint when) {
    if (options.packaging != Packaging::detached)
        throw Error(Errc::usage,
                    tr("CAdES signatures are detached; enveloped and enveloping packaging needs "
                       "the XAdES format"),
                    Remedy::packaging);
    signer.check_usable_at(when);
    if (options.level == Level::t && !tokens)
        throw Error(Errc::usage, tr("level T needs a time-stamping authority"), Remedy::tsa);
    const EVP_PKEY* pub = X509_get0_pubkey(detail::impl(signer).cert.get());
    const bool rsa = EVP_PKEY_is_a(pub, "RSA") || EVP_PKEY_is_a(pub, "RSA-PSS");
    if (options.rsa_padding == RsaPadding::pss && !rsa) {
        throw Error(Errc::usage, trf("RSASSA-PSS needs an RSA key; this key is {0}",
                                     {signer.key_description()}));
    }
    const bool sha3 =
        options.digest == DigestAlgorithm::sha3_256 || options.digest == DigestAlgorithm::sha3_512;
    if (sha3 && (!rsa || options.rsa_padding == RsaPadding::pss)) {
        // OpenSSL 3.0's CMS knows SHA-3 only with RSA PKCS#1 v1.5 (no ecdsa-with-SHA3 mapping,
        // no SHA-3 in RSASSA-PSS parameters); refusing beats a signature nobody can verify.
        throw Error(Errc::usage,
                    tr("SHA-3 digests are supported only with RSA PKCS#1 v1.5 keys; choose sha256, "
                       "sha384 or sha512"),
                    Remedy::digest);
    }
}

// The SignedData over `document` (its digest: RFC 5652 11.2 message-digest), signed attributes
// complete, no value.
UnsignedCms prepare_object(const validation::DataObject& document, const Signer& signer,
                           const SignOptions& options, const TokenSource& tokens,
                           bool signing_time) {
    const TimePoint when = options.signing_time.value_or(now_utc());
    check_request(signer, options, tokens, when);
    const auto& id = detail::impl(signer);
    const EVP_MD* md = crypto::evp_md(options.digest);
    ossl::clear_errors();
    UnsignedCms out;
    out.cms.reset(
        check(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY),
              Errc::internal, "cannot create a CMS SignedData"));
    // The certificate's public key stands in for the private key: CMS_add1_signer checks only
    // that they match, and with CMS_PARTIAL it signs nothing. CMS_CADES adds
    // signing-certificate-v2 (RFC 5035) with the chosen digest and the issuer/serial, as
    // EN 319 122-1 5.2.2 requires.
    EVP_PKEY* pub = X509_get0_pubkey(id.cert.get());
    CMS_SignerInfo* si =
        check(CMS_add1_signer(out.cms.get(), id.cert.get(), pub, md,
                              CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES),
              Errc::internal, "cannot add the signer");
    if (options.rsa_padding == RsaPadding::pss) set_pss_algorithm(si, md);
    // RFC 5652 11.3 signing-time: ours, so that the caller's clock decides it.
    if (signing_time) {
        const auto t = ossl::to_asn1_time(when);
        check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t.get(), -1),
              Errc::internal, "cannot add signing-time");
    }
    for (const auto& c : id.chain) {
        check(CMS_add1_cert(out.cms.get(), c.get()), Errc::internal,
              "cannot add a chain certificate");
    }
    // RFC 5652 11.1 content-type and 11.2 message-digest; the document is streamed once.
    check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                      OBJ_nid2obj(NID_pkcs7_data), -1),
          Errc::internal, "cannot add content-type");
    const auto digest = document.digest(md);
    if (!digest) throw Error(Errc::internal, trf("{0}: nothing to sign", {document.name()}));
    check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                      digest->data(), static_cast<int>(digest->size())),
          Errc::internal, "cannot add message-digest");
    out.to_be_signed = signed_attributes_der(si);
    // Read back from its DER, as completion of a pending file reads it: the signed attributes are
    // then in DER order in memory too, which is the order OpenSSL re-encodes when it verifies.
    const core::Bytes der = ossl::encode_der(out.cms.get(), i2d_CMS_ContentInfo, "the signature");
    out.cms = decode_content_info(der, "the signature");
    return out;
}

core::Bytes sign_object(const validation::DataObject& document, const Signer& signer,
                        const SignOptions& options, const TokenSource& tokens, bool signing_time) {
    UnsignedCms u = prepare_object(document, signer, options, tokens, signing_time);
    const EVP_MD* md = crypto::evp_md(options.digest);
    const core::Bytes value = crypto::sign_with_key(
        detail::impl(signer), u.to_be_signed, md, options.rsa_padding, crypto::EcdsaEncoding::der);
    complete_cms(u.cms.get(), value);
    if (options.level == Level::t) add_signature_timestamps(u.cms.get(), md, tokens);
    return ossl::encode_der(u.cms.get(), i2d_CMS_ContentInfo, "the signature");
}

// OpenSSL's order for the elements of a DER SET OF (what its encoder writes, and re-encodes
// when it verifies): bytewise over the common length, then the shorter first.
bool der_set_order(const core::Bytes& a, const core::Bytes& b) {
    const std::size_t n = std::min(a.size(), b.size());
    if (const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n); c != 0) return c < 0;
    return a.size() < b.size();
}

}  // namespace

core::Bytes signed_attributes_der(CMS_SignerInfo* si) {
    // RFC 5652 5.4: the signature covers the DER of SignedAttributes with the SET OF tag, not the
    // [0] IMPLICIT tag it has inside the SignerInfo.
    std::vector<core::Bytes> attributes;
    for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
        attributes.push_back(
            ossl::encode_der(CMS_signed_get_attr(si, i), i2d_X509_ATTRIBUTE, "a signed attribute"));
    }
    std::sort(attributes.begin(), attributes.end(), der_set_order);
    return der::wrap(der::k_set, attributes);
}

UnsignedCms prepare_cades(const validation::DataObject& document, const Signer& signer,
                          const SignOptions& options, bool signing_time) {
    SignOptions b = options;
    b.level = Level::b;  // a time-stamp comes after the value, at completion
    return prepare_object(document, signer, b, {}, signing_time);
}

void complete_cms(CMS_ContentInfo* cms, std::span<const unsigned char> value) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1)
        throw Error(Errc::malformed_input, tr("the prepared signature must hold one SignerInfo"));
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509* cert = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &cert, nullptr, nullptr);
    if (cert == nullptr) {
        // Read back from a pending file: the signer's certificate is among the SignedData's.
        ossl::clear_errors();
        if (CMS_set1_signers_certs(cms, nullptr, 0) != 1) {
            ossl::fail(Errc::malformed_input,
                       tr("the prepared signature does not hold its signer's certificate"));
        }
        CMS_SignerInfo_get0_algs(si, nullptr, &cert, nullptr, nullptr);
    }
    const core::Bytes der = crypto::ecdsa_as(cert, value, crypto::EcdsaEncoding::der);
    ASN1_OCTET_STRING* slot = CMS_SignerInfo_get0_signature(si);
    check(ASN1_OCTET_STRING_set(slot, der.data(), static_cast<int>(der.size())), Errc::internal,
          "cannot set the signature value");
    // OpenSSL checks it as every verifier will: over its own DER of the signed attributes, with
    // the algorithm the SignerInfo names.
    ossl::clear_errors();
    if (CMS_SignerInfo_verify(si) != 1) {
        check(ASN1_OCTET_STRING_set(slot, nullptr, 0), Errc::internal, "cannot reset the value");
        ossl::fail(Errc::key_refused, trf("the signature value does not match: it was not made "
                                          "over these signed attributes with the key of {0}",
                                          {ossl::name_to_string(X509_get_subject_name(cert))}));
    }
    ossl::clear_errors();
}

core::Bytes sign_cades(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options, const TokenSource& tokens) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw Error(Errc::input_missing, trf("{0}: no such file; check the path", {file.string()}));
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

}  // namespace ltsign::cms
