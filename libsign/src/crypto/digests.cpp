#include "crypto/digests.hpp"

#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

namespace ltsign {
namespace {

struct DigestName {
    DigestAlgorithm alg;
    std::string_view name;
    int nid;
};

constexpr std::array<DigestName, 5> k_digests{{
    {DigestAlgorithm::sha256, "sha256", NID_sha256},
    {DigestAlgorithm::sha384, "sha384", NID_sha384},
    {DigestAlgorithm::sha512, "sha512", NID_sha512},
    {DigestAlgorithm::sha3_256, "sha3-256", NID_sha3_256},
    {DigestAlgorithm::sha3_512, "sha3-512", NID_sha3_512},
}};

}  // namespace

std::string_view to_string(DigestAlgorithm alg) noexcept {
    for (const auto& d : k_digests) {
        if (d.alg == alg) return d.name;
    }
    return "sha256";
}

std::optional<DigestAlgorithm> digest_from_string(std::string_view name) noexcept {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "sha-256") lower = "sha256";
    if (lower == "sha-384") lower = "sha384";
    if (lower == "sha-512") lower = "sha512";
    for (const auto& d : k_digests) {
        if (d.name == lower) return d.alg;
    }
    return std::nullopt;
}

namespace crypto {

const EVP_MD* evp_md(DigestAlgorithm alg) {
    for (const auto& d : k_digests) {
        if (d.alg == alg) return EVP_get_digestbynid(d.nid);
    }
    return EVP_sha256();
}

const EVP_MD* evp_md_from_object(const ASN1_OBJECT* oid) {
    return oid == nullptr ? nullptr : EVP_get_digestbyobj(oid);
}

std::string digest_name(const EVP_MD* md) {
    if (md == nullptr) return "unknown";
    // OpenSSL's short names are "SHA256", "SHA3-256", ...: lower case gives the CLI's names.
    std::string name = OBJ_nid2sn(EVP_MD_get_type(md));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

std::string key_kind(const EVP_PKEY* key) {
    if (key == nullptr) return "";
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) return "rsa";
    if (EVP_PKEY_is_a(key, "EC")) return "ec";
    if (EVP_PKEY_is_a(key, "DSA")) return "dsa";
    std::string name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

std::string signature_digest_name(int signature_nid) {
    int md_nid = NID_undef, pk_nid = NID_undef;
    if (OBJ_find_sigid_algs(signature_nid, &md_nid, &pk_nid) != 1 || md_nid == NID_undef) return "";
    return digest_name(EVP_get_digestbynid(md_nid));
}

std::string signature_digest_name(const X509_ALGOR* algorithm) {
    if (algorithm == nullptr) return "";
    const ASN1_OBJECT* oid = nullptr;
    int param_type = 0;
    const void* param = nullptr;
    X509_ALGOR_get0(&oid, &param_type, &param, algorithm);
    const int nid = OBJ_obj2nid(oid);
    if (nid != NID_rsassaPss) return signature_digest_name(nid);
    if (param_type != V_ASN1_SEQUENCE) return "sha1";
    // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] HashAlgorithm DEFAULT sha1, ... }
    const auto* seq = static_cast<const ASN1_STRING*>(param);
    const unsigned char* p = seq->data;
    const ossl::Ptr<RSA_PSS_PARAMS> pss(d2i_RSA_PSS_PARAMS(nullptr, &p, seq->length));
    ossl::clear_errors();
    if (!pss) return "";
    if (pss->hashAlgorithm == nullptr) return "sha1";
    const ASN1_OBJECT* hash = nullptr;
    X509_ALGOR_get0(&hash, nullptr, nullptr, pss->hashAlgorithm);
    return digest_name(EVP_get_digestbynid(OBJ_obj2nid(hash)));
}

core::Bytes digest_file(const EVP_MD* md, const std::filesystem::path& file) {
    ossl::Ptr<EVP_MD_CTX> ctx(ossl::check(EVP_MD_CTX_new(), Errc::internal, "out of memory"));
    ossl::check(EVP_DigestInit_ex(ctx.get(), md, nullptr), Errc::internal,
                "cannot start a " + digest_name(md) + " digest");
    core::stream_file(file, [&](std::span<const unsigned char> chunk) {
        ossl::check(EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()), Errc::internal,
                    "digest update failed");
    });
    core::Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    ossl::check(EVP_DigestFinal_ex(ctx.get(), out.data(), &len), Errc::internal, "digest failed");
    out.resize(len);
    return out;
}

core::Bytes digest_bytes(const EVP_MD* md, std::span<const unsigned char> data) {
    core::Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    ossl::check(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), Errc::internal,
                "digest failed");
    out.resize(len);
    return out;
}

Hasher::Hasher(const EVP_MD* md)
    : m_ctx(ossl::check(EVP_MD_CTX_new(), Errc::internal, "out of memory")) {
    ossl::check(EVP_DigestInit_ex(m_ctx.get(), md, nullptr), Errc::internal,
                "cannot start a " + digest_name(md) + " digest");
}

void Hasher::update(std::span<const unsigned char> data) {
    ossl::check(EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()), Errc::internal,
                "digest update failed");
}

Hasher Hasher::copy() const {
    Hasher h;
    h.m_ctx.reset(ossl::check(EVP_MD_CTX_new(), Errc::internal, "out of memory"));
    ossl::check(EVP_MD_CTX_copy_ex(h.m_ctx.get(), m_ctx.get()), Errc::internal,
                "cannot copy a digest state");
    return h;
}

core::Bytes Hasher::final() {
    core::Bytes out(static_cast<std::size_t>(EVP_MD_get_size(EVP_MD_CTX_get0_md(m_ctx.get()))));
    unsigned int len = 0;
    ossl::check(EVP_DigestFinal_ex(m_ctx.get(), out.data(), &len), Errc::internal, "digest failed");
    out.resize(len);
    return out;
}

}  // namespace crypto
}  // namespace ltsign
