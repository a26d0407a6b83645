// Digest algorithms and streaming digests of files.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/digest.hpp"

namespace ltsign::crypto {

const EVP_MD* evp_md(DigestAlgorithm alg);

// The digest named by an AlgorithmIdentifier OID, or nullptr if OpenSSL does not know it.
const EVP_MD* evp_md_from_object(const ASN1_OBJECT* oid);

// "sha256", "sha3-256", ... (lower case, the names the CLI uses)
std::string digest_name(const EVP_MD* md);

// The policy's key family of a public key: "rsa" (PKCS#1 and PSS), "ec", "dsa", or the
// algorithm's own lower-case name for others ("ed25519"); empty for nullptr.
std::string key_kind(const EVP_PKEY* key);

// The digest a signature algorithm (by NID, e.g. sha1WithRSAEncryption) hashes with, as
// digest_name() spells it; empty when it names none (RSASSA-PSS keeps it in its parameters).
std::string signature_digest_name(int signature_nid);
// The same for an AlgorithmIdentifier, reading RSASSA-PSS parameters (RFC 4055: SHA-1 when
// absent).
std::string signature_digest_name(const X509_ALGOR* algorithm);

// The file is read in chunks, never whole: signing a 50 GB scan needs a 1 MiB buffer.
core::Bytes digest_file(const EVP_MD* md, const std::filesystem::path& file);
core::Bytes digest_bytes(const EVP_MD* md, std::span<const unsigned char> data);

// A digest fed in pieces, for data that is never joined in memory. copy() forks the state: one
// prefix hashed once serves several hashes that extend it.
class Hasher {
  public:
    explicit Hasher(const EVP_MD* md);
    void update(std::span<const unsigned char> data);
    Hasher copy() const;
    core::Bytes final();

  private:
    Hasher() = default;
    ossl::Ptr<EVP_MD_CTX> m_ctx;
};

}  // namespace ltsign::crypto
